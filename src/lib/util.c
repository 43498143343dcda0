// SPDX-License-Identifier: GPL-2.0-or-later
/* util.c - allocation, formatting and strict number parsing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "iommu-map.h"

/*
 * Ask for transparent huge pages over the 2 MiB-aligned interior of a block
 * of len bytes at p, when it holds two or more: on a virtual machine a page
 * fault can cost 15 us, and a 10 MB array takes 2,500 of them (the maps and
 * their text on a large host).  A hint only: nothing changes when THP is off.
 * Only for a block whose size is final: the madvise splits the mapping, and
 * glibc's realloc then cannot mremap it, so it copies.
 */
void im_hint_huge(void *p, size_t len)
{
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t s = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t e = ((uintptr_t)p + len) & ~(huge - 1);

	if (p && len >= 2 * huge && e > s)
		(void)madvise((void *)s, e - s, MADV_HUGEPAGE);
}

/*
 * qsort, after one pass that finds the array already in order (a large
 * host's memslots and devices mostly come so: 32k memslots sorted three ways
 * were 9% of a run's instructions at bench scale 1)
 */
void im_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	const char *p = base;
	size_t i;

	for (i = 1; i < n; i++)
		if (cmp(p + (i - 1) * size, p + i * size) > 0) {
			qsort(base, n, size, cmp);
			return;
		}
}

void *im_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = calloc(n ? n : 1, size ? size : 1);
	im_hint_huge(p, n * size);
	return p;
}

/* Make *arrayp hold at least need elements; doubles the capacity. */
int im_grow(void *arrayp, size_t *cap, size_t need, size_t elem)
{
	void **p = arrayp;
	size_t ncap = *cap ? *cap : 16;
	void *n;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elem)
		return -ENOMEM;
	n = realloc(*p, ncap * elem);
	if (!n)
		return -ENOMEM;
	memset((char *)n + *cap * elem, 0, (ncap - *cap) * elem);
	*p = n;
	*cap = ncap;
	return 0;
}

char *im_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

const char *im_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

char *im_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

int im_err_set(struct im_err *e, const char *file, unsigned int line,
	       const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return 0;
	snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
	e->line = line;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return 0;
}

/* each byte's hex value plus one, 0 for the rest: one load a digit on the
 * parsers' hot paths */
#define H(c, v) [(unsigned char)(c)] = (v) + 1
const unsigned char im_hexval1[256] = {
	H('0', 0), H('1', 1), H('2', 2), H('3', 3), H('4', 4),
	H('5', 5), H('6', 6), H('7', 7), H('8', 8), H('9', 9),
	H('a', 10), H('b', 11), H('c', 12), H('d', 13), H('e', 14), H('f', 15),
	H('A', 10), H('B', 11), H('C', 12), H('D', 13), H('E', 14), H('F', 15),
};
#undef H

int im_hex_digit(char c)
{
	return im_hexval1[(unsigned char)c] - 1;
}

int im_parse_hex(const char *s, size_t len, uint64_t *out)
{
	const unsigned char *p = (const unsigned char *)s, *end;
	uint64_t v = 0;

	if (!len)
		return -EINVAL;
	end = p + len;
	if (len >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (p == end || end - p > 16)
		return -EINVAL;
	for (; p < end; p++) {
		int d = im_hexval1[*p] - 1;

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

int im_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return im_parse_hex(s, strlen(s), out);
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

/* Power-of-two-friendly size: "256", "4K", "16K", "2G"; odd sizes in hex. */
const char *im_human_size(uint64_t size, char buf[32])
{
	static const char unit[] = "KMGTPE";
	int u = -1;
	uint64_t v = size;

	while (v >= 1024 && !(v & 1023) && u < 5) {
		v >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, 32, "%" PRIu64, size);
	else
		snprintf(buf, 32, "%" PRIu64 "%c", v, unit[u]);
	return buf;
}

/*
 * Read fd to its end into a NUL-terminated malloc'd buffer (proc files
 * report size 0, pipes have none, so no fstat).  -EFBIG when there is more
 * than max bytes to read.
 */
int im_read_fd(int fd, size_t max, char **bufp, size_t *lenp)
{
	return im_read_fd_sized(fd, max, 0, bufp, lenp);
}

/*
 * im_read_fd of a file that said its size (a regular file's st_size, 0 when
 * it says none): one buffer of that size, not a doubled and copied one.
 */
int im_read_fd_sized(int fd, size_t max, size_t size, char **bufp, size_t *lenp)
{
	size_t cap = size && size < max ? size + 2 : max < 65535 ? max + 1 : 65536, len = 0;
	char *buf = malloc(cap), *n;

	if (!buf)
		return -ENOMEM;
	im_hint_huge(buf, cap);
	for (;;) {
		ssize_t r;

		if (cap - len < 2) {
			size_t ncap = cap > max / 2 ? max + 1 : cap * 2;

			if (len >= max) {	/* full: one more byte is one too many */
				char c;

				do
					r = read(fd, &c, 1);
				while (r < 0 && errno == EINTR);
				if (r == 0)
					break;
				free(buf);
				return r < 0 ? -errno : -EFBIG;
			}
			n = realloc(buf, ncap);
			if (!n) {
				free(buf);
				return -ENOMEM;
			}
			buf = n;
			cap = ncap;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			int e = -errno;

			if (errno == EINTR)
				continue;
			free(buf);
			return e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*bufp = buf;
	if (lenp)
		*lenp = len;
	return 0;
}
