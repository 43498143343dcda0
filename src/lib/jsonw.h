/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * jsonw.h - the JSON writer of every JSON output: a streaming emitter, no
 * tree.  The layout is ours and fixed, whatever JSON library is installed:
 *
 *   JW_PRETTY  2-space indent, "key": value, one element per line, and an
 *              empty array or object as [] or {}
 *   JW_COMPACT one line, no space at all (watch events, QMP commands)
 *
 * Each top-level value is followed by a newline.  Strings are escaped
 * (\" \\ \b \f \n \r \t, other control characters \u00xx); a byte that is
 * not part of well-formed UTF-8 becomes U+FFFD, one per maximal ill-formed
 * subpart, so the output is always valid UTF-8.  Addresses go out as hex
 * strings "0x..." (jw_hex), in lower case without leading zeros.
 *
 * Errors are sticky: the first one (-EINVAL for a call out of place, -E2BIG
 * past JW_MAX_DEPTH, -EIO or -errno from the stream) is kept, later calls do
 * nothing and return it, and jw_finish() returns it.
 */
#ifndef IM_JSONW_H
#define IM_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum jw_layout { JW_PRETTY, JW_COMPACT };

#define JW_MAX_DEPTH 64

struct jw {
	FILE *f;
	enum jw_layout layout;
	int err;		/* the first error, sticky */
	unsigned depth;
	uint64_t is_obj;	/* bit d: level d+1 is an object */
	bool empty;		/* the innermost container has no member yet */
	bool keyed;		/* a key was written, its value is next */
	size_t len;
	char buf[8192];
};

void jw_init(struct jw *w, FILE *f, enum jw_layout layout);
/* flush; 0 or the first error; -EINVAL if a container is still open */
int jw_finish(struct jw *w);

int jw_obj_begin(struct jw *w);
int jw_obj_end(struct jw *w);
int jw_arr_begin(struct jw *w);
int jw_arr_end(struct jw *w);
int jw_key(struct jw *w, const char *key);

int jw_str(struct jw *w, const char *s);		/* NULL: null */
int jw_strn(struct jw *w, const char *s, size_t len);	/* may hold NULs */
int jw_hex(struct jw *w, uint64_t v);			/* "0x1f" */
int jw_int(struct jw *w, int64_t v);
int jw_uint(struct jw *w, uint64_t v);
int jw_double(struct jw *w, double v);			/* not finite: null; C locale */
int jw_bool(struct jw *w, bool v);
int jw_null(struct jw *w);

/* "key": value in one call */
int jw_kstr(struct jw *w, const char *key, const char *s);	/* NULL: null */
int jw_khex(struct jw *w, const char *key, uint64_t v);
int jw_kint(struct jw *w, const char *key, int64_t v);
int jw_kbool(struct jw *w, const char *key, bool v);
int jw_knull(struct jw *w, const char *key);
/* the value if have, else null: the "null for unknown" of our schema */
int jw_khex_or_null(struct jw *w, const char *key, bool have, uint64_t v);
int jw_kint_or_null(struct jw *w, const char *key, bool have, int64_t v);

#endif
