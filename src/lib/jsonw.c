// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * jsonw.c - the streaming JSON writer of jsonw.h.  Output goes through a
 * buffer of its own, flushed to the FILE when full and after each top-level
 * value; numbers are formatted by hand, not with snprintf.  After an error
 * nothing more is written: what is still buffered is dropped.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lib/escape.h"
#include "lib/jsonw.h"

static const char hexdigit[] = "0123456789abcdef";
/* a newline and the deepest indent */
static const char nl_indent[] =
	"\n                                                                "
	"                                                                ";
_Static_assert(sizeof(nl_indent) == 2 + 2 * JW_MAX_DEPTH, "an indent for every depth");

void jw_init(struct jw *w, FILE *f, enum jw_layout layout)
{
	w->f = f;
	w->layout = layout;
	w->err = 0;
	w->depth = 0;
	w->is_obj = 0;
	w->empty = false;
	w->keyed = false;
	w->len = 0;
}

static int fail(struct jw *w, int err)
{
	if (!w->err)
		w->err = err;
	w->len = 0;
	return w->err;
}

static void flush(struct jw *w)
{
	if (w->err || !w->len)
		return;
	errno = 0;
	if (fwrite(w->buf, 1, w->len, w->f) != w->len) {
		fail(w, errno ? -errno : -EIO);
		return;
	}
	w->len = 0;
}

static void put(struct jw *w, const void *p, size_t n)
{
	if (w->err)
		return;
	if (n > sizeof(w->buf) - w->len) {
		flush(w);
		if (w->err)
			return;
		if (n >= sizeof(w->buf)) {
			errno = 0;
			if (fwrite(p, 1, n, w->f) != n)
				fail(w, errno ? -errno : -EIO);
			return;
		}
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put1(struct jw *w, char c)
{
	if (w->len == sizeof(w->buf))
		flush(w);
	if (!w->err)
		w->buf[w->len++] = c;
}

static void put_string(struct jw *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run;

	put1(w, '"');
	while (i < n) {
		unsigned char c;
		int k;

		/* the longest run that goes out as it is */
		for (run = i; run < n; ) {
			c = s[run];
			if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
				run++;
				continue;
			}
			if (c < 0x80 || (k = im_utf8_seq(s + run, n - run)) < 0)
				break;
			run += (size_t)k;
		}
		if (run > i) {
			put(w, s + i, run - i);
			i = run;
			if (i == n)
				break;
		}
		c = s[i];
		if (c >= 0x80) {
			put(w, "\xef\xbf\xbd", 3);	/* U+FFFD */
			i += (size_t)-im_utf8_seq(s + i, n - i);
			continue;
		}
		i++;
		switch (c) {
		case '"': put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\b': put(w, "\\b", 2); break;
		case '\f': put(w, "\\f", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\r': put(w, "\\r", 2); break;
		case '\t': put(w, "\\t", 2); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hexdigit[c >> 4], hexdigit[c & 15] };

			put(w, u, sizeof(u));
		}
		}
	}
	put1(w, '"');
}

static bool in_obj(const struct jw *w)
{
	return w->depth && (w->is_obj >> (w->depth - 1) & 1);
}

/* before a member of the innermost container: the comma and the indent */
static void separate(struct jw *w)
{
	if (!w->depth)
		return;
	if (!w->empty)
		put1(w, ',');
	w->empty = false;
	if (w->layout == JW_PRETTY)
		put(w, nl_indent, 1 + 2 * w->depth);
}

static int before_value(struct jw *w)
{
	if (w->err)
		return w->err;
	if (in_obj(w)) {
		if (!w->keyed)
			return fail(w, -EINVAL);
		w->keyed = false;
		return 0;
	}
	separate(w);
	return w->err;
}

/* a top-level value ends with a newline and leaves the buffer */
static int after_value(struct jw *w)
{
	if (!w->depth) {
		put1(w, '\n');
		flush(w);
	}
	return w->err;
}

static int begin(struct jw *w, bool obj)
{
	if (before_value(w))
		return w->err;
	if (w->depth == JW_MAX_DEPTH)
		return fail(w, -E2BIG);
	put1(w, obj ? '{' : '[');
	if (obj)
		w->is_obj |= UINT64_C(1) << w->depth;
	else
		w->is_obj &= ~(UINT64_C(1) << w->depth);
	w->depth++;
	w->empty = true;
	return w->err;
}

static int end(struct jw *w, bool obj)
{
	if (w->err)
		return w->err;
	if (!w->depth || in_obj(w) != obj || w->keyed)
		return fail(w, -EINVAL);
	w->depth--;
	if (!w->empty && w->layout == JW_PRETTY)
		put(w, nl_indent, 1 + 2 * w->depth);
	put1(w, obj ? '}' : ']');
	w->empty = false;
	return after_value(w);
}

int jw_obj_begin(struct jw *w) { return begin(w, true); }
int jw_obj_end(struct jw *w) { return end(w, true); }
int jw_arr_begin(struct jw *w) { return begin(w, false); }
int jw_arr_end(struct jw *w) { return end(w, false); }

/*
 * "key": written straight into the buffer when the key needs no escape (our
 * keys never do; a report writes 280k of them), else through put_string
 */
static void put_key(struct jw *w, const char *key)
{
	size_t n = 0;
	const char *k;
	char *t;

	if (sizeof(w->buf) - w->len < 72)
		flush(w);
	if (w->err)
		return;
	t = w->buf + w->len;
	t[n++] = '"';
	for (k = key; *k && n < 64; k++) {
		unsigned char c = (unsigned char)*k;

		if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
			break;
		t[n++] = (char)c;
	}
	if (*k) {	/* not written: len was not moved */
		put_string(w, key, strlen(key));
		put(w, ": ", w->layout == JW_PRETTY ? 2 : 1);
		return;
	}
	t[n++] = '"';
	t[n++] = ':';
	if (w->layout == JW_PRETTY)
		t[n++] = ' ';
	w->len += n;
}

int jw_key(struct jw *w, const char *key)
{
	if (w->err)
		return w->err;
	if (!in_obj(w) || w->keyed || !key)
		return fail(w, -EINVAL);
	separate(w);
	put_key(w, key);
	w->keyed = true;
	return w->err;
}

int jw_strn(struct jw *w, const char *s, size_t len)
{
	if (before_value(w))
		return w->err;
	put_string(w, s, len);
	return after_value(w);
}

int jw_str(struct jw *w, const char *s)
{
	return s ? jw_strn(w, s, strlen(s)) : jw_null(w);
}

int jw_hex(struct jw *w, uint64_t v)
{
	int n = v ? (64 - __builtin_clzll(v) + 3) / 4 : 1;	/* digits */
	char *p;

	if (before_value(w))
		return w->err;
	if (sizeof(w->buf) - w->len < 20)
		flush(w);
	if (w->err)
		return w->err;
	/* "0x..." straight into the buffer (a report writes 200k of them) */
	p = w->buf + w->len;
	p[0] = '"';
	p[1] = '0';
	p[2] = 'x';
	for (int i = n - 1; i >= 0; i--, v >>= 4)
		p[3 + i] = hexdigit[v & 15];
	p[3 + n] = '"';
	w->len += (size_t)n + 4;
	return after_value(w);
}

static int decimal(struct jw *w, uint64_t v, bool neg)
{
	char t[21], *p = t + sizeof(t);

	if (before_value(w))
		return w->err;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		*--p = '-';
	put(w, p, (size_t)(t + sizeof(t) - p));
	return after_value(w);
}

int jw_int(struct jw *w, int64_t v)
{
	return v < 0 ? decimal(w, -(uint64_t)v, true) : decimal(w, (uint64_t)v, false);
}

int jw_uint(struct jw *w, uint64_t v)
{
	return decimal(w, v, false);
}

/* the shortest of %.15g, %.16g, %.17g that reads back as v */
int jw_double(struct jw *w, double v)
{
	char t[32];
	int n = 0, prec;

	if (!isfinite(v))
		return jw_null(w);
	if (before_value(w))
		return w->err;
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(t, sizeof(t), "%.*g", prec, v);
		if (strtod(t, NULL) == v)
			break;
	}
	put(w, t, n > 0 && (size_t)n < sizeof(t) ? (size_t)n : 0);
	return after_value(w);
}

static int word(struct jw *w, const char *s, size_t n)
{
	if (before_value(w))
		return w->err;
	put(w, s, n);
	return after_value(w);
}

int jw_bool(struct jw *w, bool v)
{
	return v ? word(w, "true", 4) : word(w, "false", 5);
}

int jw_null(struct jw *w)
{
	return word(w, "null", 4);
}

int jw_kstr(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	return jw_str(w, s);
}

int jw_khex(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	return jw_hex(w, v);
}

int jw_kint(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	return jw_int(w, v);
}

int jw_kbool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	return jw_bool(w, v);
}

int jw_knull(struct jw *w, const char *key)
{
	jw_key(w, key);
	return jw_null(w);
}

int jw_khex_or_null(struct jw *w, const char *key, bool have, uint64_t v)
{
	jw_key(w, key);
	return have ? jw_hex(w, v) : jw_null(w);
}

int jw_kint_or_null(struct jw *w, const char *key, bool have, int64_t v)
{
	jw_key(w, key);
	return have ? jw_int(w, v) : jw_null(w);
}

int jw_finish(struct jw *w)
{
	if (!w->err && (w->depth || w->keyed))
		fail(w, -EINVAL);
	flush(w);
	if (!w->err && ferror(w->f))
		fail(w, -EIO);
	return w->err;
}
