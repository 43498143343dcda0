// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * paste.c - what surrounds the data on a line that was pasted, mailed or
 * logged, so that every reader of pasted text (the trace, mtree and maps
 * readers) skips the same things the same way.  im_paste_strip() skips, as
 * often as they come and in any order:
 *   blanks and tabs			a paste indented in a mail or a forum
 *   ">" and "> " quote markers		one per level of a quoted mail
 *   "PID@SEC.USEC:"			QEMU's log backend, -msg timestamp=on (7.2, 10.0)
 *   "2026-12-03T14:10:34.804898Z "	QEMU's ISO time, -msg timestamp=on (11.1);
 *					journalctl -o short-iso ("+0000" offset)
 *   "Dec  3 14:10:34 "			a syslog time
 *   "янв 13 18:17:24 HOST TAG[PID]: "	a syslog or journalctl time in the
 *					locale's month (%b: UTF-8 letters only, an
 *					optional '.'), and only with a host and tag
 *   "HOST TAG[PID]: "			syslog's and journald's host and tag, after
 *					a syslog or ISO time only
 * Nothing else is skipped: a line whose data starts with one of these
 * shapes is not a line any reader here understands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "iommu-map.h"
#include "lib/paste.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* n digits at p, within e */
static bool digits(const char *p, const char *e, size_t n)
{
	size_t i;

	if ((size_t)(e - p) < n)
		return false;
	for (i = 0; i < n; i++)
		if (!is_digit(p[i]))
			return false;
	return true;
}

/* "PID@SEC.USEC:": past it, or NULL. */
static const char *pid_prefix(const char *s, const char *e)
{
	const char *p = s;

	while (p < e && is_digit(*p))
		p++;
	if (p == s || p >= e || *p != '@')
		return NULL;
	p++;
	while (p < e && (is_digit(*p) || *p == '.'))
		p++;
	if (p < e && *p == ':')
		return p + 1;
	return NULL;
}

/*
 * g_date_time_format_iso8601() and a blank: "YYYY-MM-DDTHH:MM:SS", a
 * fraction when the microseconds are not 0, then "Z" or an offset "+HH:MM"
 * or "+HHMM".  Past the blank, or NULL.
 */
static const char *iso_prefix(const char *s, const char *e)
{
	const char *p = s;

	if (!digits(p, e, 4) || e - p < 20 || p[4] != '-' || !digits(p + 5, e, 2) ||
	    p[7] != '-' || !digits(p + 8, e, 2) || p[10] != 'T' || !digits(p + 11, e, 2) ||
	    p[13] != ':' || !digits(p + 14, e, 2) || p[16] != ':' || !digits(p + 17, e, 2))
		return NULL;
	p += 19;
	if (p < e && *p == '.') {
		const char *q = ++p;

		while (p < e && is_digit(*p) && p - q < 9)
			p++;
		if (p == q)
			return NULL;
	}
	if (p < e && *p == 'Z') {
		p++;
	} else if (p < e && (*p == '+' || *p == '-') && digits(p + 1, e, 2)) {
		p += 3;
		if (p < e && *p == ':')
			p++;
		if (digits(p, e, 2))
			p += 2;
	} else {
		return NULL;
	}
	return p < e && *p == ' ' ? p + 1 : NULL;
}

/*
 * A month in the locale's %b that is not English: 4 to 16 bytes of UTF-8
 * letters (every byte >= 0x80: "янв", "Δεκ"), then an optional '.'; past
 * it, or NULL.  ASCII words are never taken ("Foo" is no month).
 */
static const char *local_month(const char *s, const char *e)
{
	const char *p = s;

	while (p < e && (unsigned char)*p >= 0x80 && p - s < 16)
		p++;
	if (p - s < 4 || (p < e && (unsigned char)*p >= 0x80))
		return NULL;
	return p < e && *p == '.' ? p + 1 : p;
}

/*
 * syslog's "Mmm dd hh:mm:ss " (the day padded with a blank): past it, or
 * NULL.  *local: the month was the locale's, not English.
 */
static const char *syslog_time(const char *s, const char *e, bool *local)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p = s;
	size_t k;

	for (k = 0; k < 12 && e - p >= 3; k++)
		if (!memcmp(p, months + 3 * k, 3))
			break;
	*local = k >= 12 || e - p < 3;
	if (!*local)
		p += 3;
	else if (!(p = local_month(s, e)))
		return NULL;
	if (e - p < 13 || p[0] != ' ' || !(is_digit(p[1]) || p[1] == ' ') || !is_digit(p[2]) ||
	    p[3] != ' ' || !digits(p + 4, e, 2) || p[6] != ':' || !digits(p + 7, e, 2) ||
	    p[9] != ':' || !digits(p + 10, e, 2))
		return NULL;
	p += 12;
	if (p < e && *p == '.')		/* rsyslog's high-precision time */
		for (p++; p < e && is_digit(*p); p++)
			;
	return p < e && *p == ' ' ? p + 1 : NULL;
}

/* "HOST TAG[PID]: " or "HOST TAG: ", after a log time: past it, or NULL. */
static const char *host_tag(const char *s, const char *e)
{
	const char *p = s, *t;

	while (p < e && *p != ' ' && *p != ':')
		p++;
	if (p == s || p >= e || *p != ' ')
		return NULL;
	t = ++p;
	while (p < e && *p != ' ' && *p != ':' && *p != '[')
		p++;
	if (p == t || p >= e)
		return NULL;
	if (*p == '[') {
		for (p++; p < e && is_digit(*p); p++)
			;
		if (p >= e || *p != ']')
			return NULL;
		p++;
	}
	if (e - p < 2 || p[0] != ':' || p[1] != ' ')
		return NULL;
	return p + 2;
}

const char *im_paste_unquote(const char *s, const char *e)
{
	while (s < e && *s == '>') {
		s++;
		if (s < e && *s == ' ')
			s++;
	}
	return s;
}

const char *im_paste_trim_end(const char *s, const char *e)
{
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return e;
}

bool im_paste_rule(const char *s, const char *e)
{
	const char *p;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	e = im_paste_trim_end(s, e);
	if (s == e || !strchr("#=-*~_+", *s) || (*s != '#' && e - s < 3))
		return false;
	for (p = s; p < e; p++)
		if (*p != *s)
			return false;
	return true;
}

const char *im_paste_path_word(const char *s, const char *e, const char **ws)
{
	s = im_paste_strip(s, e);
	e = im_paste_trim_end(s, e);
	if (s == e || memchr(s, ' ', (size_t)(e - s)) || memchr(s, '\t', (size_t)(e - s)) ||
	    !(*s == '/' || *s == '[' || (e - s > 11 && !memcmp(s, "anon_inode:", 11))))
		return NULL;
	*ws = s;
	return e;
}

const char *im_paste_strip(const char *s, const char *e)
{
	for (;;) {
		const char *p = s, *q;
		bool local = false;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p < e && *p == '>') {
			s = p + 1;
			continue;
		}
		if ((q = pid_prefix(p, e))) {
			s = q;
			continue;
		}
		q = iso_prefix(p, e);
		if (!q)
			q = syslog_time(p, e, &local);
		if (q) {
			const char *h = host_tag(q, e);

			if (!h && local)	/* a locale's month only with a host and tag */
				return p;
			s = h ? h : q;
			continue;
		}
		return p;
	}
}

/* standard input as the first reader of "-" read it: a second reader
 * (--maps - --mtree -, one paste for both) gets the same text */
static struct {
	char *buf;		/* NULL: not read yet */
	size_t len;
} stdin_text;

/* a copy of what standard input gave the first reader */
static int stdin_again(size_t max, char **buf, size_t *len)
{
	if (stdin_text.len > max)
		return -EFBIG;
	*buf = malloc(stdin_text.len + 1);
	if (!*buf)
		return -ENOMEM;
	memcpy(*buf, stdin_text.buf, stdin_text.len);
	(*buf)[stdin_text.len] = 0;
	*len = stdin_text.len;
	return 0;
}

/* keep what standard input gave, for a second reader */
static int stdin_keep(const char *buf, size_t len)
{
	stdin_text.buf = malloc(len + 1);
	if (!stdin_text.buf)
		return -ENOMEM;
	memcpy(stdin_text.buf, buf, len);
	stdin_text.buf[len] = 0;
	stdin_text.len = len;
	return 0;
}

/*
 * A file the user names on the command line (a paste, a trace), read as
 * given, not under the sysroot: "-" is standard input.  Regular files,
 * pipes (`<(xclip -o)`) and sockets only, at most max bytes.
 */
int im_paste_read(const char *file, size_t max, const char **name, char **buf, size_t *len,
		  struct im_err *err)
{
	bool in = !strcmp(file, "-");
	struct stat sb;
	int fd, r;

	*name = in ? "<stdin>" : file;
	if (in && stdin_text.buf) {
		r = stdin_again(max, buf, len);
		if (r)
			im_err_set(err, *name, 0, "cannot read: %s", strerror(-r));
		return r;
	}
	fd = in ? 0 : open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		im_err_set(err, file, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &sb) || (!S_ISREG(sb.st_mode) && !S_ISFIFO(sb.st_mode) &&
			       !S_ISSOCK(sb.st_mode) && !(in && S_ISCHR(sb.st_mode)))) {
		if (!in)
			close(fd);
		im_err_set(err, *name, 0, "not a regular file or a pipe");
		return -EINVAL;
	}
	r = im_read_fd(fd, max, buf, len);
	if (!in)
		close(fd);
	else if (!r && (r = stdin_keep(*buf, *len))) {
		free(*buf);
		*buf = NULL;
	}
	if (r)
		im_err_set(err, *name, 0, "cannot read: %s", strerror(-r));
	return r;
}
