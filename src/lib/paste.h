/* SPDX-License-Identifier: GPL-2.0-or-later */
/* paste.h - what surrounds the data on a pasted line (see paste.c). */
#ifndef IM_PASTE_H
#define IM_PASTE_H

#include <stdbool.h>
#include <stddef.h>

struct im_err;

/*
 * Past the blanks, mail quote markers, log prefixes (QEMU's PID@TIME: and
 * ISO time, syslog's and journald's time, host and tag) at the start of the
 * line [s, e): where its data starts.  Never past e.
 */
const char *im_paste_strip(const char *s, const char *e);
/*
 * Only the mail quote markers ("> ", ">>", "> > ") at the start of [s, e):
 * for text whose indentation means something (info mtree's tree).
 */
const char *im_paste_unquote(const char *s, const char *e);

/* the end of [s, e) with its trailing blanks (spaces, tabs) off */
const char *im_paste_trim_end(const char *s, const char *e);
/*
 * A rule drawn round a paste ("#####...", "=====", "-----", ...): '#' once
 * or more (a mail archive may keep one), or one of = - * ~ _ + three times
 * or more; blanks around it.  No reader joins it to a data line.
 */
bool im_paste_rule(const char *s, const char *e);
/*
 * The path of a maps line that a mail wrapped onto the next line: [s, e),
 * stripped (im_paste_strip), is one word that reads as a path (/..., [..],
 * anon_inode:...).  Its end, *ws its start; or NULL.  The maps and mtree
 * readers both join it.
 */
const char *im_paste_path_word(const char *s, const char *e, const char **ws);

/*
 * Read a file the user named (a paste, a log) as given, not under the
 * sysroot; "-" is standard input (*name "<stdin>").  Regular files, pipes
 * and sockets only, at most max bytes.  0 or -errno, err naming the file.
 * Standard input is read once: a second reader of "-" gets the same text.
 */
int im_paste_read(const char *file, size_t max, const char **name, char **buf, size_t *len,
		  struct im_err *err);

/*
 * A pasted text as the readers read it (paste-qp.c): the text itself, or,
 * when it is raw quoted-printable, decoded, with the line map from its
 * (logical) lines back to the lines of the file.
 */
struct im_paste_text {
	const char *buf;		/* what to read: the input, or own */
	size_t len;
	char *own;			/* the decoded text, or NULL */
	unsigned int *first;		/* first[i]: the file line where logical line
					 * i + 1 starts; NULL: the same numbers */
	size_t nfirst;
	unsigned int soft;		/* soft line breaks joined */
	bool qp;			/* quoted-printable was decoded */
};

/* Does [buf, buf + len) have quoted-printable's shape (paste-qp.c)? */
bool im_paste_is_qp(const char *buf, size_t len);
/* Decode [buf, buf + len) as quoted-printable, whatever its shape, into *t
 * (an '=' that starts no escape is kept).  0 or -ENOMEM. */
int im_paste_qp_decode(const char *buf, size_t len, struct im_paste_text *t);
/* *t: the text of [buf, buf + len) to read, decoded when it is QP (t->qp);
 * [buf, buf + len) must outlive *t.  0 or -ENOMEM; free with
 * im_paste_text_free(). */
int im_paste_text(const char *buf, size_t len, struct im_paste_text *t);
/* the file line of logical line (1-based) of t; t NULL: line itself */
unsigned int im_paste_line(const struct im_paste_text *t, unsigned int line);
void im_paste_text_free(struct im_paste_text *t);
/*
 * A reader's parse of [buf, buf + len) named file: the text (decoded when
 * QP) given to parse(text, file, out, err), and *qp, *soft set from it when
 * parse returns 0.  The one frame of the trace, mtree, maps and qtree readers.
 */
int im_paste_parse(const char *buf, size_t len, const char *file,
		   int (*parse)(const struct im_paste_text *, const char *, void *, struct im_err *),
		   void *out, bool *qp, unsigned int *soft, struct im_err *err);
/* what a reader's detail says of a text it read: when qp, "; quoted-printable
 * decoded (N soft line breaks joined; lines are named as in the file)",
 * else "" (in buf, n bytes; returns buf) */
const char *im_paste_qp_note(bool qp, unsigned int soft, char *buf, size_t n);

#endif
