// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * parse.c - one parser per small format that several sources read: a line
 * of /proc/PID/maps, what a vfio path or fd target is, the KVM VM fd's
 * target, a vfio fd's fdinfo, a PCI address (BDF).  Pure: no file is opened here.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"

#define VFIO_ANON "anon_inode:[vfio-device]"
#define VFIO_DIR "/dev/vfio/"
#define VFIO_CDEV "/dev/vfio/devices/vfio"
#define VFIO_NOIOMMU "/dev/vfio/noiommu-"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* a decimal number, the whole of s: 0..INT_MAX, else -1 */
static int whole_decimal(const char *s)
{
	long n = 0;

	if (!is_digit(*s))
		return -1;
	for (; is_digit(*s) && n < INT_MAX / 10; s++)
		n = n * 10 + (*s - '0');
	return *s ? -1 : (int)n;
}

enum im_vfio_path im_vfio_path_kind(const char *path, int *n)
{
	int v;

	if (n)
		*n = -1;
	if (!path)
		return IM_VFIO_NONE;
	if (!strcmp(path, VFIO_ANON))
		return IM_VFIO_ANON;
	if (strncmp(path, VFIO_DIR, sizeof(VFIO_DIR) - 1))
		return IM_VFIO_NONE;
	if (!strncmp(path, VFIO_CDEV, sizeof(VFIO_CDEV) - 1)) {
		v = whole_decimal(path + sizeof(VFIO_CDEV) - 1);
		if (v < 0)
			return IM_VFIO_NONE;
		if (n)
			*n = v;
		return IM_VFIO_CDEV;
	}
	/* /dev/vfio/N, or /dev/vfio/noiommu-N (vfio_group_alloc()'s "%s%d") */
	path += sizeof(VFIO_DIR) - 1;
	if (!strncmp(path, "noiommu-", 8))
		path += 8;
	v = whole_decimal(path);
	if (v < 0)
		return IM_VFIO_NONE;
	if (n)
		*n = v;
	return IM_VFIO_GROUP;
}

bool im_fd_target_is_kvm_vm(const char *target)
{
	return target && !strcmp(target, "anon_inode:kvm-vm");
}

/*
 * field [*pp, delimiter) as hex, as im_parse_hex reads it (an optional 0x,
 * 1 to 16 digits), in one pass
 */
static int take_hex(const char **pp, const char *end, char delim, uint64_t *v)
{
	const unsigned char *p = (const unsigned char *)*pp, *q, *lim;
	uint64_t x = 0;
	int d;

	if (end - *pp >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	lim = (const unsigned char *)end - p > 17 ? p + 17 : (const unsigned char *)end;
	for (q = p; q < lim && (d = im_hexval1[*q] - 1) >= 0; q++)
		x = x << 4 | (uint64_t)d;
	if (q == p || q - p > 16 || q == (const unsigned char *)end || *q != (unsigned char)delim)
		return -EINVAL;
	*v = x;
	*pp = (const char *)q + 1;
	return 0;
}

int im_parse_maps_line(const char *p, const char *end, struct im_map *mp)
{
	uint64_t v, maj, min;
	const char *q;

	mp->path = NULL;
	if (take_hex(&p, end, '-', &mp->start) || take_hex(&p, end, ' ', &mp->end))
		return -EINVAL;
	if (end - p < 5 || p[4] != ' ')
		return -EINVAL;
	memcpy(mp->perms, p, 4);
	mp->perms[4] = '\0';
	if ((p[0] != 'r' && p[0] != '-') || (p[1] != 'w' && p[1] != '-') ||
	    (p[2] != 'x' && p[2] != '-') || (p[3] != 's' && p[3] != 'p'))
		return -EINVAL;
	p += 5;
	if (take_hex(&p, end, ' ', &mp->offset) || take_hex(&p, end, ':', &maj) ||
	    take_hex(&p, end, ' ', &min) || maj > 0xfff || min > 0xfffff)
		return -EINVAL;
	mp->dev_major = (unsigned int)maj;
	mp->dev_minor = (unsigned int)min;
	v = 0;
	for (q = p; q < end && is_digit(*q); q++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*q - '0');
	}
	if (q == p || (q < end && *q != ' '))
		return -EINVAL;
	mp->inode = v;
	while (q < end && *q == ' ')
		q++;
	mp->path = q == end ? im_map_anon : strndup(q, (size_t)(end - q));
	if (!mp->path)
		return -ENOMEM;
	if (mp->start >= mp->end) {
		im_map_path_free(mp);
		return -ERANGE;
	}
	im_map_classify(mp);
	return 0;
}

char im_map_anon[1];

void im_map_path_free(struct im_map *mp)
{
	if (mp->path != im_map_anon)
		free(mp->path);
	mp->path = NULL;
}

void im_map_classify(struct im_map *mp)
{
	/* a BAR is mmapped from a device fd; a group fd has no mmap */
	mp->vfio = im_vfio_path_is_device(im_vfio_path_kind(mp->path, &mp->cdev));
	if (!mp->vfio)
		mp->cdev = -1;
	mp->dev = mp->bar = -1;
}

int im_proc_parse_fdinfo(const char *buf, char **syspath)
{
	static const char key[] = "vfio-device-syspath:";
	const char *p = buf;

	*syspath = NULL;
	while (p && *p) {
		if (!strncmp(p, key, sizeof(key) - 1)) {
			const char *v = p + sizeof(key) - 1, *e;

			while (*v == ' ' || *v == '\t')
				v++;
			e = strchr(v, '\n');
			*syspath = e ? strndup(v, (size_t)(e - v)) : strdup(v);
			return *syspath ? 0 : -ENOMEM;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

/* up to max hex digits at [*pp, end) into *v */
static bool take_bdf_field(const char **pp, const char *end, size_t max, unsigned int *v)
{
	const char *p = *pp;
	size_t k = 0;
	int d;

	*v = 0;
	while (p < end && k <= max && (d = im_hex_digit(*p)) >= 0) {
		*v = *v << 4 | (unsigned int)d;
		p++;
		k++;
	}
	if (!k || k > max)
		return false;
	*pp = p;
	return true;
}

int im_bdf_parse(const char *s, size_t len, struct im_bdf *b)
{
	const char *p = s, *end = s + len, *colon;
	unsigned int dom = 0, bus, dev, fn;
	size_t ncolons = 0;

	for (colon = s; colon < end; colon++)
		ncolons += *colon == ':';
	if (ncolons == 2) {
		if (!take_bdf_field(&p, end, 4, &dom) || p == end || *p++ != ':')
			return -EINVAL;
	} else if (ncolons != 1) {
		return -EINVAL;
	}
	if (!take_bdf_field(&p, end, 2, &bus) || p == end || *p++ != ':' ||
	    !take_bdf_field(&p, end, 2, &dev) || p == end || *p++ != '.' ||
	    !take_bdf_field(&p, end, 1, &fn) || p != end ||
	    dev > 0x1f || fn > 7)
		return -EINVAL;
	b->dom = (uint16_t)dom;
	b->bus = (uint8_t)bus;
	b->dev = (uint8_t)dev;
	b->fn = (uint8_t)fn;
	return 0;
}

/* one decimal group of a kernel release at *p, at most 9999; false: none */
static bool release_group(const char **p, unsigned int *v)
{
	const char *s = *p;

	*v = 0;
	while (is_digit(**p) && *p - s < 4)
		*v = *v * 10 + (unsigned int)(*(*p)++ - '0');
	return *p > s && !is_digit(**p);
}

int im_kernel_release(const char *rel, unsigned int *major, unsigned int *minor)
{
	const char *p = rel;
	unsigned int maj, min, more;
	char c;

	if (!p || !release_group(&p, &maj) || *p++ != '.' || !release_group(&p, &min))
		return -EINVAL;
	while (*p == '.')
		if (p++, !release_group(&p, &more))
			return -EINVAL;
	c = *p;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return -EINVAL;
	*major = maj;
	*minor = min;
	return 0;
}

enum im_tri im_kernel_at_least(const char *rel, unsigned int major, unsigned int minor)
{
	unsigned int a, b;

	if (im_kernel_release(rel, &a, &b))
		return IM_TRI_UNKNOWN;
	return a > major || (a == major && b >= minor) ? IM_TRI_YES : IM_TRI_NO;
}

void im_bdf_format(const struct im_bdf *b, char out[16])
{
	snprintf(out, 16, "%04x:%02x:%02x.%x", b->dom, b->bus, b->dev, b->fn);
}

int im_bdf_norm(const char *s, size_t len, char out[16])
{
	struct im_bdf b;
	int r = im_bdf_parse(s, len, &b);

	if (!r)
		im_bdf_format(&b, out);
	return r;
}

/* a NUL- or blank-separated /proc/PID/cmdline (or a pasted command line) */
size_t im_cmdline_word(const char **p, const char *e)
{
	const char *s = *p;
	size_t n = 0;

	while (s < e && (*s == '\0' || *s == ' '))
		s++;
	while (s + n < e && s[n] != '\0' && s[n] != ' ')
		n++;
	*p = s;
	return n;
}

bool im_word_is(const char *w, size_t n, const char *lit)
{
	return n == strlen(lit) && !memcmp(w, lit, n);
}
