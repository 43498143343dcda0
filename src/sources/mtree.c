// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mtree.c - QEMU memory-tree text, and what each of its numbers is.
 *
 * Three shapes are read (FACTS.md §1.2, §4.5):
 *   gdb `qemu mtree` (mtree.py):   "%016x-%016x <name>< (I/O)|(RAM)|(alias)> (@ <MemoryRegion *>)"
 *	with "  alias: <target>@<%016x offset> (@ <ptr>)" after an alias;
 *   HMP `info mtree`:    "<indent>s-e (prio P, type): name" or "... : alias N @T s-e";
 *   HMP `info mtree -f`: "FlatView #n" blocks of "s-e (prio P, type): name[ @off][ KVM]".
 * In `info mtree`, a "memory-region: NAME" block is an alias target's tree at
 * its own addresses, not guest-physical ones.  Lines that are neither read,
 * blank nor a "(gdb)" or "(qemu)" prompt are counted as not understood and
 * said after the text (JSON: not_understood), the first by its line.
 * vfio BAR regions are "<device> base BAR n", "<device> BAR n" and
 * "<device> BAR n mmaps[k]", where <device> is QEMU's name of the device: the
 * host BDF, VFIO_FD<fd> for one given to QEMU as an fd (10.0; later QEMU
 * without id=), its id= (10.2 and later, given as an fd) or an mdev UUID.
 * A name other than a BDF is tied to a host device on evidence only (the fd,
 * QMP's id, a memslot's HVA in a vfio mapping), else said to be unknown.
 * The annotation reads the model (memslots, maps, devices) and never opens
 * /proc or /sys.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iommu-map.h"
#include "sources/mtree.h"

typedef unsigned __int128 u128;

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned int)(c - 'a' + 10);
	return (unsigned int)(c - 'A' + 10);
}

/* 1..32 hex digits at s (optional 0x); returns chars used or 0 */
static size_t scan_hex128(const char *s, const char *e, u128 *out)
{
	const char *p = s;
	size_t n = 0;
	u128 v = 0;

	if (e - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && is_hex(p[2]))
		p += 2;
	while (p < e && is_hex(*p)) {
		if (++n > 32)
			return 0;
		v = (v << 4) | hexv(*p);
		p++;
	}
	if (!n)
		return 0;
	*out = v;
	return (size_t)(p - s);
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static bool ends_with(const char *s, size_t n, const char *suf, size_t *keep)
{
	size_t k = strlen(suf);

	if (n < k || memcmp(s + n - k, suf, k))
		return false;
	*keep = n - k;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* 8-4-4-4-12 hex digits */
static bool is_uuid(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!is_hex(s[i])) {
			return false;
		}
	}
	return true;
}

enum im_vfio_name im_vfio_name_kind(const char *name, int *fd)
{
	size_t n = strlen(name), i;
	struct im_bdf b;

	if (fd)
		*fd = -1;
	/* QEMU prints a host BDF whole: "%04x:%02x:%02x.%1x", 12 characters */
	if (n == 12 && !im_bdf_parse(name, n, &b))
		return IM_VN_BDF;
	if (is_uuid(name))
		return IM_VN_MDEV;
	/* vfio_device_get_name(): g_strdup_printf("VFIO_FD%d", vbasedev->fd) */
	if (n > 7 && n <= 7 + 9 && !memcmp(name, "VFIO_FD", 7)) {
		long v = 0;

		for (i = 7; i < n && is_digit(name[i]); i++)
			v = v * 10 + (name[i] - '0');
		if (i == n) {
			if (fd)
				*fd = (int)v;
			return IM_VN_FD;
		}
	}
	/* an id QEMU accepts (id_wellformed): a letter, then letters, digits, "-._" */
	if (!n || !is_alpha(name[0]))
		return IM_VN_NONE;
	for (i = 1; i < n; i++)
		if (!is_alpha(name[i]) && !is_digit(name[i]) && !strchr("-._", name[i]))
			return IM_VN_NONE;
	return IM_VN_ID;
}

/* the device of fd N of the target, by fdinfo, its cdev path or correlate's link */
static int fd_device(const struct im_model *m, int fd, char *how, size_t len)
{
	const struct im_fd *f = NULL;
	int cdev, d;
	size_t i;

	for (i = 0; i < m->nfds; i++)
		if (m->fds[i].fd == fd)
			f = &m->fds[i];
	if (!f) {
		if (m->nfds)
			snprintf(how, len, "the target has no fd %d: is this text from another QEMU process or run?", fd);
		else
			snprintf(how, len, "give --pid of this QEMU to follow its fd %d", fd);
		return -1;
	}
	if (!im_vfio_path_is_device(im_vfio_path_kind(f->target, &cdev))) {
		snprintf(how, len, "fd %d of the target is %s, not a vfio device: is this text from another QEMU process or run?",
			 fd, f->target ? f->target : "?");
		return -1;
	}
	d = f->dev;
	for (i = 0; d < 0 && cdev >= 0 && i < m->ndevices; i++)
		if (m->devices[i].vfio_cdev == cdev)
			d = (int)i;
	if (d < 0 && f->syspath) {
		d = im_find_device(m, im_basename(f->syspath));
		if (d >= 0) {
			snprintf(how, len, "fd %d of the target, %s, whose fdinfo names it",
				 fd, f->target);
			return d;
		}
	}
	if (d < 0) {
		snprintf(how, len, "fd %d of the target is %s, whose host device no source names",
			 fd, f->target);
		return -1;
	}
	snprintf(how, len, "fd %d of the target, %s", fd, f->target);
	return d;
}

int im_vfio_name_device(const struct im_model *m, const char *name, char *how, size_t len)
{
	int fd, d;
	size_t i;

	how[0] = 0;
	switch (im_vfio_name_kind(name, &fd)) {
	case IM_VN_BDF: {
		char bdf[16];

		d = im_bdf_norm(name, strlen(name), bdf) ? -1 : im_find_device(m, bdf);
		if (d < 0 && m->ndevices)
			snprintf(how, len, "the host sources do not list %s", name);
		return d;
	}
	case IM_VN_FD:
		return fd_device(m, fd, how, len);
	case IM_VN_ID:
		d = -1;
		for (i = 0; i < m->ndevices; i++)
			if (m->devices[i].qdev_id && !strcmp(m->devices[i].qdev_id, name))
				d = d == -1 ? (int)i : -2;
		if (d >= 0) {
			snprintf(how, len, "QEMU's monitor, which gives it id %s", name);
			return d;
		}
		return -1;
	default:
		return -1;
	}
}

/*
 * "<device> base BAR n", "<device> BAR n", "<device> BAR n mmaps[k]", where
 * <device> is a host BDF, VFIO_FD<fd>, an mdev UUID or an id.  Names other
 * than a BDF must end there: a region of another device is not a vfio BAR.
 */
bool im_vfio_region_name_parse(const char *n, struct im_vfio_region *out)
{
	const char *b, *dev_end, *p;
	enum im_bar_part part = IM_BP_REGION;
	enum im_vfio_name kind;
	char dev[sizeof(out->dev)];
	char *end;
	size_t dn;
	long v;
	int k = -1;

	memset(out, 0, sizeof(*out));
	out->bar = out->mmap_index = -1;
	if (!n)
		return false;
	b = strstr(n, " BAR ");
	if (!b)
		return false;
	dev_end = b;
	if (b - n > 5 && !memcmp(b - 5, " base", 5)) {
		dev_end = b - 5;
		part = IM_BP_BASE;
	}
	dn = (size_t)(dev_end - n);
	if (!dn || dn >= sizeof(dev) || memchr(n, ' ', dn))
		return false;
	memcpy(dev, n, dn);
	dev[dn] = 0;
	kind = im_vfio_name_kind(dev, NULL);
	p = b + 5;
	if (kind == IM_VN_NONE || !is_digit(*p))
		return false;
	v = strtol(p, &end, 10);
	if (v < 0 || v > 15)
		return false;
	if (part == IM_BP_REGION && !strncmp(end, " mmaps[", 7)) {
		long x;

		p = end + 7;
		x = strtol(p, &end, 10);
		if (end != p && is_digit(*p) && *end == ']' && x >= 0 && x < 1024) {
			part = IM_BP_MMAP;
			k = (int)x;
			end++;
		}
	}
	if (kind != IM_VN_BDF && *end)
		return false;
	memcpy(out->dev, dev, dn + 1);
	out->kind = kind;
	if (kind == IM_VN_BDF)
		im_bdf_norm(dev, dn, out->host_bdf);
	out->part = part;
	out->bar = (int)v;
	out->mmap_index = k;
	return true;
}

static void name_bar(struct im_mtree_line *l)
{
	struct im_vfio_region r;

	l->bar = l->mmap_index = -1;
	if (!im_vfio_region_name_parse(l->name, &r))
		return;
	memcpy(l->qemu_dev, r.dev, sizeof(l->qemu_dev));
	l->dev_kind = r.kind;
	memcpy(l->host_bdf, r.host_bdf, sizeof(l->host_bdf));
	l->bar_part = r.part;
	l->bar = r.bar;
	l->mmap_index = r.mmap_index;
}

struct pstate {
	struct im_mtree *t;
	size_t cap;
	const char *file;
	struct im_err *err;
	const char *space;
	int as_id;
	bool flat_first_as;	/* next ` AS "..."` line names the FlatView */
	bool gdb_root_seen;	/* a gdb "system" or "io" root was seen */
};

static const char *intern(struct pstate *st, const char *s, size_t n)
{
	struct im_mtree *t = st->t;
	char **ns;
	size_t i;

	for (i = 0; i < t->nspaces; i++)
		if (strlen(t->spaces[i]) == n && !memcmp(t->spaces[i], s, n))
			return t->spaces[i];
	ns = realloc(t->spaces, (t->nspaces + 1) * sizeof(*ns));
	if (!ns)
		return NULL;
	t->spaces = ns;
	ns[t->nspaces] = dupn(s, n);
	if (!ns[t->nspaces])
		return NULL;
	return ns[t->nspaces++];
}

/* KVM's address space for an AS name: memory 0, SMM 1, else not a GPA */
static int space_as_id(const char *s)
{
	if (!strcmp(s, "memory") || !strncmp(s, "cpu-memory-", 11) || !strcmp(s, "system"))
		return 0;
	if (!strcmp(s, "KVM-SMRAM") || !strncmp(s, "cpu-smm-", 8))
		return 1;
	return -1;
}

/* HMP tail after "(prio P, type): " */
static int parse_hmp_tail(struct im_mtree_line *l, const char *s, const char *e, bool flat)
{
	size_t n = (size_t)(e - s), keep;

	for (;;) {
		if (ends_with(s, n, " KVM", &keep)) {
			l->kvm = true;
			n = keep;
		} else if (ends_with(s, n, " [disabled]", &keep)) {
			l->disabled = true;
			n = keep;
		} else {
			break;
		}
	}
	if (n > 6 && !memcmp(s, "alias ", 6)) {
		/* alias NAME @TARGET S-E */
		const char *a = s + 6, *z = s + n, *sp, *at;
		u128 x, y;
		size_t k;

		sp = z;
		while (sp > a && sp[-1] != ' ')
			sp--;
		if (sp <= a)
			return -EINVAL;
		k = scan_hex128(sp, z, &x);
		if (!k || sp + k >= z || sp[k] != '-' ||
		    scan_hex128(sp + k + 1, z, &y) != (size_t)(z - (sp + k + 1)))
			return -EINVAL;
		for (at = sp - 1; at > a; at--)
			if (at[-1] == ' ' && at[0] == '@')
				break;
		if (at <= a)
			return -EINVAL;
		l->alias = true;
		l->name = dupn(a, (size_t)(at - 1 - a));
		l->alias_target = dupn(at + 1, (size_t)(sp - 1 - (at + 1)));
		if (!l->name || !l->alias_target)
			return -ENOMEM;
		l->alias_start = (uint64_t)x;
		l->alias_end = (uint64_t)y;
		return 0;
	}
	if (flat && n > 18 && s[n - 18] == ' ' && s[n - 17] == '@') {
		u128 x;

		if (scan_hex128(s + n - 16, s + n, &x) == 16) {
			l->have_offset = true;
			l->offset = (uint64_t)x;
			n -= 18;
		}
	}
	l->name = dupn(s, n);
	return l->name ? 0 : -ENOMEM;
}

/* gdb tail: "<name>< (I/O)> (@ 0x..)" */
static int parse_gdb_tail(struct im_mtree_line *l, const char *s, const char *e)
{
	size_t n = (size_t)(e - s), keep;
	static const char *const klass[] = { "I/O", "RAM", "alias" };
	unsigned int i;

	while (n && s[n - 1] == ' ')
		n--;
	if (n && s[n - 1] == ')') {
		const char *p = s + n - 1;

		while (p > s && p[-1] != '(')
			p--;
		if (p > s && (size_t)(s + n - 1 - p) > 2 && !memcmp(p, "@ ", 2)) {
			u128 v;
			size_t k = scan_hex128(p + 2, s + n - 1, &v);

			if (k && p + 2 + k == s + n - 1 && (v >> 64) == 0) {
				l->have_ptr = true;
				l->ptr = (uint64_t)v;
				n = (size_t)(p - 1 - s);
				while (n && s[n - 1] == ' ')
					n--;
			}
		}
	}
	for (i = 0; i < 3; i++) {
		char suf[16];

		snprintf(suf, sizeof(suf), " (%s)", klass[i]);
		if (ends_with(s, n, suf, &keep)) {
			snprintf(l->klass, sizeof(l->klass), "%s", klass[i]);
			n = keep;
			break;
		}
	}
	l->alias = !strcmp(l->klass, "alias");
	l->name = dupn(s, n);
	return l->name ? 0 : -ENOMEM;
}

/* gdb's "alias: <target>@<offset> (@ <ptr>)" */
static int parse_gdb_alias(struct im_mtree_line *l, const char *s, const char *e)
{
	const char *at;
	int r = parse_gdb_tail(l, s, e);

	if (r)
		return r;
	at = strrchr(l->name, '@');
	if (at) {
		u128 v;
		size_t k = scan_hex128(at + 1, at + strlen(at), &v);

		if (k && !at[1 + k] && (v >> 64) == 0) {
			l->alias_start = (uint64_t)v;
			l->alias_target = dupn(l->name, (size_t)(at - l->name));
			if (!l->alias_target)
				return -ENOMEM;
		}
	}
	return 0;
}

static bool starts(const char *s, const char *e, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(e - s) >= n && !memcmp(s, w, n);
}

/* is [s, e) a range start "hex-hex " ? */
static bool range_start(const char *s, const char *e)
{
	u128 a, b;
	size_t k = scan_hex128(s, e, &a);

	if (!k || s + k >= e || s[k] != '-')
		return false;
	s += k + 1;
	k = scan_hex128(s, e, &b);
	return k && (s + k == e || s[k] == ' ');
}

static int parse_line(struct pstate *st, struct im_mtree_line *l, const char *s, const char *e)
{
	struct im_mtree *t = st->t;
	const char *p = s;
	size_t k;
	u128 a, b;
	int r;

	while (p < e && *p == ' ')
		p++;
	l->depth = (int)((p - s) / 2);
	l->bar = l->mmap_index = -1;
	l->as_id = -1;
	if (p == e)
		return 0;
	if (starts(p, e, "address-space: ")) {
		const char *nm = p + 15;

		l->kind = IM_MTL_HEADER;
		st->space = intern(st, nm, (size_t)(e - nm));
		if (!st->space)
			return -ENOMEM;
		st->as_id = space_as_id(st->space);
		if (t->shape == IM_MT_UNKNOWN)
			t->shape = IM_MT_HMP;
		return 0;
	}
	if (starts(p, e, "memory-region: ")) {
		/* info mtree: the tree of an alias target, at its own addresses */
		l->kind = IM_MTL_HEADER;
		st->space = NULL;
		st->as_id = -1;
		return 0;
	}
	if (starts(p, e, "FlatView #")) {
		l->kind = IM_MTL_HEADER;
		t->shape = IM_MT_HMP_FLAT;
		st->flat_first_as = true;
		st->space = NULL;
		st->as_id = -1;
		return 0;
	}
	if (starts(p, e, "AS \"")) {
		const char *q = memchr(p + 4, '"', (size_t)(e - (p + 4)));
		const char *nm;
		int id;

		l->kind = IM_MTL_HEADER;
		if (!q)
			return 0;
		nm = intern(st, p + 4, (size_t)(q - (p + 4)));
		if (!nm)
			return -ENOMEM;
		id = space_as_id(nm);
		/* a FlatView shared by memory and cpu-memory-0 is AS 0 */
		if (st->flat_first_as || (st->as_id < 0 && id >= 0)) {
			st->space = nm;
			st->as_id = id;
		}
		st->flat_first_as = false;
		return 0;
	}
	if (starts(p, e, "Root memory region: ") || starts(p, e, "No rendered FlatView")) {
		l->kind = IM_MTL_HEADER;
		return 0;
	}
	if (starts(p, e, "alias: ")) {
		l->kind = IM_MTL_ALIAS;
		l->space = st->space;
		return parse_gdb_alias(l, p + 7, e);
	}
	k = scan_hex128(p, e, &a);
	if (!k || p + k >= e || p[k] != '-')
		return 0;
	p += k + 1;
	k = scan_hex128(p, e, &b);
	if (!k || p + k >= e || p[k] != ' ')
		return 0;
	p += k + 1;
	if ((a >> 64) != 0)
		return 0;
	l->kind = IM_MTL_RANGE;
	l->start = (uint64_t)a;
	l->end = (uint64_t)b;
	l->end_big = (b >> 64) != 0;
	if (starts(p, e, "(prio ")) {
		char *q;
		long prio = strtol(p + 6, &q, 10);
		const char *c = q, *colon;

		if (q == p + 6 || c + 2 > e || c[0] != ',' || c[1] != ' ')
			goto plain;
		c += 2;
		colon = c;
		while (colon < e && *colon != ')')
			colon++;
		if (colon + 2 >= e || colon[1] != ':' || colon[2] != ' ' ||
		    (size_t)(colon - c) >= sizeof(l->type))
			goto plain;
		l->prio = (int)prio;
		memcpy(l->type, c, (size_t)(colon - c));
		l->type[colon - c] = 0;
		if (t->shape == IM_MT_UNKNOWN)
			t->shape = IM_MT_HMP;
		r = parse_hmp_tail(l, colon + 3, e, t->shape == IM_MT_HMP_FLAT);
		if (r == -EINVAL)
			goto plain;
		if (r)
			return r;
	} else {
		if (t->shape == IM_MT_UNKNOWN)
			t->shape = IM_MT_GDB;
		r = parse_gdb_tail(l, p, e);
		if (r)
			return r;
		if (l->depth == 0 && l->name) {
			/* mtree.py's roots: system, io; later roots are alias targets */
			if (!strcmp(l->name, "system")) {
				st->space = "memory";
				st->as_id = 0;
				st->gdb_root_seen = true;
			} else if (!strcmp(l->name, "io")) {
				st->space = "io";
				st->as_id = -1;
				st->gdb_root_seen = true;
			} else if (st->gdb_root_seen) {
				st->space = NULL;
				st->as_id = -1;
			}
		}
	}
	name_bar(l);
	l->space = st->space;
	l->as_id = st->as_id;
	if (l->kvm)
		t->any_kvm = true;
	return 0;
plain:
	free(l->name);
	free(l->alias_target);
	l->name = l->alias_target = NULL;
	l->alias = false;
	l->kind = IM_MTL_TEXT;
	return 0;
}

static bool pow2(u128 v)
{
	return v && !(v & (v - 1));
}

/* The hex digits of v read as a decimal number; false if a digit is a-f. */
static bool hex_as_dec(u128 v, u128 *out)
{
	char d[40];
	int n = 0, i;
	u128 r = 0;

	do {
		d[n++] = (char)(v & 0xf);
		v >>= 4;
	} while (v && n < 33);
	for (i = n - 1; i >= 0; i--) {
		if (d[i] > 9)
			return false;
		r = r * 10 + (u128)d[i];
	}
	*out = r;
	return true;
}

static void apply_int128(struct im_mtree *t, const u128 *ends)
{
	size_t i;

	if (!t->int128_bug)
		return;
	for (i = 0; i < t->nlines; i++) {
		struct im_mtree_line *l = &t->lines[i];
		u128 sz, d;

		if (l->kind != IM_MTL_RANGE || ends[i] < l->start)
			continue;
		sz = ends[i] - l->start + 1;
		if (!hex_as_dec(sz, &d) || !d || d == sz)
			continue;
		if ((u128)l->start + d - 1 > (u128)UINT64_MAX)
			continue;
		l->size_artefact = true;
		l->real_end = l->start + (uint64_t)(d - 1);
	}
}

void im_mtree_free(struct im_mtree *t)
{
	size_t i;

	for (i = 0; i < t->nlines; i++) {
		free(t->lines[i].text);
		free(t->lines[i].name);
		free(t->lines[i].alias_target);
	}
	free(t->lines);
	for (i = 0; i < t->nspaces; i++)
		free(t->spaces[i]);
	free(t->spaces);
	memset(t, 0, sizeof(*t));
}

/* blank, or the gdb or HMP prompt a pasted session carries */
static bool ignorable(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return !*s || !strncmp(s, "(gdb)", 5) || !strncmp(s, "(qemu)", 6);
}

/* strip an e-mail quote prefix ("> > ") */
static const char *unquote(const char *s, const char *e)
{
	const char *p = s;

	while (p < e && *p == '>') {
		p++;
		if (p < e && *p == ' ')
			p++;
	}
	return p;
}

int im_mtree_parse(const char *buf, size_t len, const char *file,
		   struct im_mtree *out, struct im_err *err)
{
	struct pstate st = { .t = out, .file = file, .err = err, .as_id = 0 };
	const char *p = buf, *end = buf + len;
	unsigned int lineno = 0;
	size_t nranges = 0, i;
	u128 *ends = NULL;
	int r = 0;

	memset(out, 0, sizeof(*out));
	st.space = NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *s;
		struct im_mtree_line *l;
		char *text = NULL;
		unsigned int first = ++lineno;

		if (memchr(p, 0, (size_t)(e - p))) {
			im_err_set(err, file, lineno, "NUL byte in memory-tree text");
			r = -EINVAL;
			goto fail;
		}
		s = unquote(p, e);
		if (e > s && e[-1] == '\r')
			e--;
		text = dupn(s, (size_t)(e - s));
		if (!text) {
			r = -ENOMEM;
			goto fail;
		}
		p = nl ? nl + 1 : end;
		/* gdb output wrapped by a mail client: join up to two continuations */
		{
			const char *q = s;
			int joins = 0;

			while (q < e && *q == ' ')
				q++;
			while (joins < 2 && range_start(q, e) && !strstr(text, "(prio") &&
			       (!*text || text[strlen(text) - 1] != ')') && p < end) {
				const char *nl2 = memchr(p, '\n', (size_t)(end - p));
				const char *e2 = nl2 ? nl2 : end, *s2 = unquote(p, e2), *q2;
				char *jt;

				if (e2 > s2 && e2[-1] == '\r')
					e2--;
				q2 = s2;
				while (q2 < e2 && *q2 == ' ')
					q2++;
				if (q2 == e2 || range_start(q2, e2) || memchr(q2, 0, (size_t)(e2 - q2)))
					break;
				jt = im_asprintf("%s %.*s", text, (int)(e2 - q2), q2);
				if (!jt) {
					free(text);
					r = -ENOMEM;
					goto fail;
				}
				free(text);
				text = jt;
				p = nl2 ? nl2 + 1 : end;
				lineno++;
				joins++;
			}
		}
		{
			struct im_mtree_line *nls = out->lines;

			if (out->nlines == st.cap) {
				r = im_grow(&nls, &st.cap, out->nlines + 1, sizeof(*nls));
				if (r) {
					free(text);
					goto fail;
				}
				out->lines = nls;
			}
		}
		l = &out->lines[out->nlines++];
		memset(l, 0, sizeof(*l));
		l->text = text;
		l->line = first;
		r = parse_line(&st, l, text, text + strlen(text));
		if (r)
			goto fail;
		if (l->kind == IM_MTL_RANGE)
			nranges++;
		else if (l->kind == IM_MTL_TEXT && !ignorable(text) && !out->unknown++)
			out->first_unknown = first;
	}
	if (!nranges) {
		if (out->unknown)
			im_err_set(err, file, 0,
				   "no memory-tree lines (\"start-end name\") found: expected qemu mtree, info mtree or info mtree -f output; %u lines not understood (first: %s:%u)",
				   out->unknown, file, out->first_unknown);
		else
			im_err_set(err, file, 0,
				   "no memory-tree lines (\"start-end name\") found: expected qemu mtree, info mtree or info mtree -f output");
		r = -EINVAL;
		goto fail;
	}
	/* the Int128 check needs the full printed end: re-scan the text */
	ends = calloc(out->nlines, sizeof(*ends));
	if (!ends) {
		r = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < out->nlines; i++) {
		struct im_mtree_line *l = &out->lines[i];
		const char *q = l->text, *dash;
		u128 v;

		if (l->kind != IM_MTL_RANGE)
			continue;
		while (*q == ' ')
			q++;
		dash = strchr(q, '-');
		if (dash && scan_hex128(dash + 1, dash + 1 + strlen(dash + 1), &v))
			ends[i] = v;
	}
	{
		/* a size that is no power of two but whose hex digits, read as
		 * decimal, are one: mtree.py parsed gdb's decimal print as hex */
		for (i = 0; i < out->nlines; i++) {
			const struct im_mtree_line *l = &out->lines[i];
			u128 sz, d;

			if (out->shape != IM_MT_GDB || l->kind != IM_MTL_RANGE || ends[i] < l->start)
				continue;
			sz = ends[i] - l->start + 1;
			if (!pow2(sz) && hex_as_dec(sz, &d) && pow2(d))
				out->int128_bug = true;
		}
	}
	apply_int128(out, ends);
	free(ends);
	return 0;
fail:
	free(ends);
	im_mtree_free(out);
	return r;
}

/* ---------------------------------------------------------------- view */

struct note {
	const char *code;
	char *msg;
};

struct notes {
	struct note v[12];
	size_t n;
};

static void add_note(struct notes *ns, const char *code, char *msg)
{
	if (!msg)
		return;
	if (ns->n == sizeof(ns->v) / sizeof(ns->v[0])) {
		free(msg);
		return;
	}
	ns->v[ns->n].code = code;
	ns->v[ns->n].msg = msg;
	ns->n++;
}

static void free_notes(struct notes *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i].msg);
	ns->n = 0;
}

/* "maps line N (path)" and what the mapping is, for an HVA */
static char *describe_hva(const struct im_model *m, uint64_t hva)
{
	const struct im_map *mp;
	struct im_place p;

	im_place_hva(m, hva, &p);
	if (p.f_map.state != IM_KNOWN)
		return m->nmaps ? im_strdup("no mapping of the target contains it") : NULL;
	mp = &m->maps[p.map];
	if (p.f_dev.state == IM_KNOWN)
		return im_asprintf("maps line %u %s: QEMU's mmap of host %s BAR %d from the vfio device fd, HPA 0x%" PRIx64,
				   mp->line, mp->path, m->devices[p.dev].bdf, p.bar, p.hpa);
	return im_asprintf("maps line %u %s", mp->line, mp->path && *mp->path ? mp->path : "[anon]");
}

/* An HVA for the BAR mmap named by the line, from device d's mmaps. */
static bool bar_mmap_hva(const struct im_model *m, const struct im_mtree_line *l, int d,
			 uint64_t *hva)
{
	const struct im_bar *b;
	const struct im_bar_mmap *best = NULL;
	int k = 0;
	size_t i;

	if (l->bar_part == IM_BP_NONE || l->bar < 0 || l->bar >= IM_NBARS || d < 0 ||
	    (size_t)d >= m->ndevices)
		return false;
	b = &m->devices[d].bars[l->bar];
	/* mmaps[k]: the k-th mmap by offset in the BAR; a container: mmaps[0] */
	for (i = 0; i < b->nmmaps; i++) {
		int rank = 0;
		size_t j;

		for (j = 0; j < b->nmmaps; j++)
			if (b->mmaps[j].bar_offset < b->mmaps[i].bar_offset)
				rank++;
		if (rank == (l->mmap_index >= 0 ? l->mmap_index : 0)) {
			best = &b->mmaps[i];
			k++;
		}
	}
	if (!best || k != 1)
		return false;
	*hva = best->hva;
	return true;
}

static bool ram_backed(const struct im_mtree_line *l)
{
	if (l->bar_part == IM_BP_MMAP || (l->name && strstr(l->name, " mmaps[")))
		return true;
	if (l->klass[0] && !strcmp(l->klass, "RAM"))
		return true;
	return !strcmp(l->type, "ram") || !strcmp(l->type, "ramd") || !strcmp(l->type, "rom") ||
	       !strcmp(l->type, "romd") || !strcmp(l->type, "nv-ram");
}

/* What ties the vfio device a line names to a host device of the model. */
struct tie {
	int dev;			/* -1: nothing does */
	bool by_hva;			/* a memslot's HVA, not the name */
	char how[400];			/* the evidence, or why none; "": nothing to say */
};

struct seen {
	char bdfs[16][16];
	size_t nbdfs;
	char names[16][64];		/* vfio device names other than a BDF */
	struct tie ties[16];		/* ... and what ties them */
	size_t nnames;
	bool io_label;
};

/*
 * A device named other than by its BDF, tied through the HVA a KVM memslot
 * gives one of its BAR ranges: a vfio mapping of a known device.
 */
static int hva_tie(const struct im_model *m, const struct im_mtree *t, const char *name,
		   char *how, size_t len)
{
	size_t i;

	if (!m->nmemslots || !m->nmaps)
		return -1;
	for (i = 0; i < t->nlines; i++) {
		const struct im_mtree_line *l = &t->lines[i];
		uint64_t end = l->size_artefact ? l->real_end : l->end, a;
		const struct im_memslot *s;
		struct im_place p;
		long si;

		if (l->kind != IM_MTL_RANGE || l->as_id < 0 || l->bar_part == IM_BP_NONE ||
		    strcmp(l->qemu_dev, name) || (l->end_big && !l->size_artefact) || end < l->start)
			continue;
		si = im_find_memslot_range(m, l->as_id, l->start, end);
		if (si < 0)
			continue;
		s = &m->memslots[si];
		a = l->start > s->gpa ? l->start : s->gpa;
		im_place_gpa(m, l->as_id, a, &p);
		if (p.f_dev.state != IM_KNOWN)
			continue;
		snprintf(how, len, "its HVA: KVM memslot as %d slot %d puts GPA 0x%" PRIx64 " (line %u) at HVA 0x%" PRIx64 ", in maps line %u, QEMU's mmap of BAR %d of that device",
			 s->as_id, s->slot, a, l->line, p.hva, m->maps[p.map].line, p.bar);
		return p.dev;
	}
	return -1;
}

/* with_hva: also look for an HVA tie, which reads every line of the text */
static void find_tie(const struct im_model *m, const struct im_mtree *t,
		     const struct im_mtree_line *l, struct tie *tie, bool with_hva)
{
	char hv[sizeof(tie->how)];
	int d;

	tie->dev = -1;
	tie->by_hva = false;
	tie->how[0] = 0;
	if (!l->qemu_dev[0])
		return;
	tie->dev = im_vfio_name_device(m, l->qemu_dev, tie->how, sizeof(tie->how));
	if (tie->dev >= 0 || l->dev_kind == IM_VN_BDF || !with_hva)
		return;
	d = hva_tie(m, t, l->qemu_dev, hv, sizeof(hv));
	if (d < 0)
		return;
	if (tie->how[0]) {
		char both[2 * sizeof(tie->how) + 2];
		size_t n;

		snprintf(both, sizeof(both), "%s; %s", hv, tie->how);
		n = strlen(both);
		if (n >= sizeof(tie->how))
			n = sizeof(tie->how) - 1;
		memcpy(tie->how, both, n);
		tie->how[n] = 0;
	} else {
		memcpy(tie->how, hv, sizeof(hv));
	}
	tie->dev = d;
	tie->by_hva = true;
}

/*
 * The tie of the line's device, worked out once per name.  16 names are
 * kept; past them, no HVA tie (it would read the whole text for each line).
 */
static void line_tie(const struct im_model *m, const struct im_mtree *t,
		     const struct im_mtree_line *l, struct seen *seen, struct tie *tie,
		     bool *first)
{
	size_t i;

	*first = false;
	if (l->kind != IM_MTL_RANGE || !l->qemu_dev[0] || l->dev_kind == IM_VN_BDF) {
		find_tie(m, t, l, tie, false);
		return;
	}
	for (i = 0; i < seen->nnames; i++)
		if (!strcmp(seen->names[i], l->qemu_dev)) {
			*tie = seen->ties[i];
			return;
		}
	*first = true;
	find_tie(m, t, l, tie, seen->nnames < 16);
	if (seen->nnames < 16) {
		snprintf(seen->names[seen->nnames], sizeof(seen->names[0]), "%s", l->qemu_dev);
		seen->ties[seen->nnames++] = *tie;
	}
}

/* what a vfio device name other than a BDF is, and what ties it to a host device */
static char *name_note(const struct im_model *m, const struct im_mtree_line *l,
		       const struct tie *tie)
{
	const char *g = tie->dev >= 0 ? m->devices[tie->dev].guest_bdf : NULL;
	char what[256], ties[600];
	int fd;

	switch (l->dev_kind) {
	case IM_VN_FD:
		im_vfio_name_kind(l->qemu_dev, &fd);
		snprintf(what, sizeof(what), "%s is QEMU's name for a vfio device given to it as file descriptor %d (fd passing with iommufd, without id=), not a PCI address",
			 l->qemu_dev, fd);
		break;
	case IM_VN_ID:
		snprintf(what, sizeof(what), "%s is the id= of a vfio device given to QEMU as a file descriptor (QEMU 10.2 and later name such a device after its id=), not a PCI address",
			 l->qemu_dev);
		break;
	case IM_VN_MDEV:
		snprintf(what, sizeof(what), "%s is a mediated device's UUID (QEMU names the device after its sysfsdev=), not a PCI address",
			 l->qemu_dev);
		break;
	default:
		return NULL;
	}
	if (tie->dev >= 0)
		snprintf(ties, sizeof(ties), "it is host %s, by %s%s%s", m->devices[tie->dev].bdf,
			 tie->how, g ? "; the guest sees it as " : "", g ? g : "");
	else
		snprintf(ties, sizeof(ties), "the host device is known here only by this QEMU name%s%s%s",
			 tie->how[0] ? " (" : "", tie->how, tie->how[0] ? ")" : "");
	return im_asprintf("%s; %s", what, ties);
}

static void annotate_line(const struct im_model *m, const struct im_mtree *t,
			  const struct im_mtree_line *l, struct seen *seen, const struct tie *tie,
			  bool first_name, struct notes *ns)
{
	uint64_t end = l->size_artefact ? l->real_end : l->end;
	char hs[32];
	long si;
	size_t i;

	if (l->kind == IM_MTL_ALIAS) {
		if (l->have_ptr)
			add_note(ns, "mr-pointer",
				 im_asprintf("(@ 0x%" PRIx64 ") is the address of the alias target's MemoryRegion struct, not an address of its memory",
					     l->ptr));
		return;
	}
	if (l->kind != IM_MTL_RANGE)
		return;
	if (l->size_artefact) {
		uint64_t sz = end - l->start + 1;

		add_note(ns, "int128-size",
			 im_asprintf("real range 0x%" PRIx64 "-0x%" PRIx64 " (size 0x%" PRIx64 ", %s): the printed end 0x%" PRIx64 " is wrong, mtree.py read gdb's decimal size %" PRIu64 " as hex 0x%" PRIu64,
				     l->start, end, sz, im_human_size(sz, hs), l->end, sz, sz));
	} else if (l->end_big && t->int128_bug) {
		add_note(ns, "int128-size",
			 im_asprintf("the printed end does not fit 64 bits: mtree.py read gdb's decimal size as hex"));
	}
	if (l->have_ptr) {
		long mi = im_find_map(m, l->ptr);
		const char *where;

		if (mi >= 0) {
			const struct im_map *mp = &m->maps[mi];

			where = mp->path && *mp->path ? mp->path : "[anon]";
			if (!strcmp(where, "[heap]"))
				add_note(ns, "mr-pointer",
					 im_asprintf("(@ 0x%" PRIx64 ") is the address of this MemoryRegion struct on QEMU's heap (maps line %u [heap] 0x%" PRIx64 "-0x%" PRIx64 "), not an HVA of the memory it describes",
						     l->ptr, mp->line, mp->start, mp->end));
			else
				add_note(ns, "mr-pointer",
					 im_asprintf("(@ 0x%" PRIx64 ") is the address of this MemoryRegion struct (in maps line %u %s), not an HVA of the memory it describes",
						     l->ptr, mp->line, where));
		} else if (m->nmaps) {
			add_note(ns, "mr-pointer",
				 im_asprintf("(@ 0x%" PRIx64 ") is the address of this MemoryRegion struct in QEMU, not an HVA of the memory it describes (no mapping of this target contains it: another QEMU process or run?)",
					     l->ptr));
		} else {
			add_note(ns, "mr-pointer",
				 im_asprintf("(@ 0x%" PRIx64 ") is the address of this MemoryRegion struct on QEMU's heap, not an HVA of the memory it describes",
					     l->ptr));
		}
	}
	if (!strcmp(l->klass, "I/O") && !seen->io_label) {
		seen->io_label = true;
		add_note(ns, "io-label",
			 im_strdup("(I/O) is mtree.py's label for every non-alias region (mr->ops is never NULL), RAM included: it says nothing about the region's kind"));
	}
	if (l->host_bdf[0]) {
		bool first = true;

		for (i = 0; i < seen->nbdfs; i++)
			if (!strcmp(seen->bdfs[i], l->host_bdf))
				first = false;
		if (first) {
			int d = im_find_device(m, l->host_bdf);
			const char *g = d >= 0 ? m->devices[d].guest_bdf : NULL;

			if (seen->nbdfs < 16)
				snprintf(seen->bdfs[seen->nbdfs++], 16, "%s", l->host_bdf);
			if (g)
				add_note(ns, "host-bdf",
					 im_asprintf("%s is the HOST BDF (QEMU names vfio regions after the host device); the guest sees this device as %s",
						     l->host_bdf, g));
			else
				add_note(ns, "host-bdf",
					 im_asprintf("%s is the HOST BDF (QEMU names vfio regions after the host device), not the guest's BDF",
						     l->host_bdf));
		}
	} else if (l->qemu_dev[0] && first_name) {
		add_note(ns, "qemu-name", name_note(m, l, tie));
	}
	switch (l->bar_part) {
	case IM_BP_BASE:
		add_note(ns, "bar-container",
			 im_asprintf("container QEMU registers as BAR %d of the guest device: its range is the guest's BAR address (GPA)", l->bar));
		break;
	case IM_BP_REGION:
		add_note(ns, "bar-region",
			 im_asprintf("the slow path of BAR %d: guest accesses that land here trap to QEMU, which reads or writes the vfio device fd", l->bar));
		break;
	case IM_BP_MMAP:
		add_note(ns, "bar-mmap",
			 im_asprintf("RAM device region: QEMU's mmap of BAR %d from the vfio device fd, which KVM maps into the guest", l->bar));
		break;
	default:
		break;
	}
	if (t->shape == IM_MT_HMP_FLAT && t->any_kvm && ram_backed(l)) {
		if (l->kvm)
			add_note(ns, "kvm-slot", im_strdup("KVM marks this range: a memslot maps exactly it"));
		else
			add_note(ns, "no-kvm-slot",
				 im_strdup("no KVM memslot matches this range exactly (not page-aligned, or shares a page with MMIO): guest accesses outside a page-aligned slot trap to QEMU"));
	}
	/* the HVA behind the range */
	if (l->as_id < 0 || (!ram_backed(l) && l->bar_part == IM_BP_NONE))
		return;
	si = m->memslots_known || m->nmemslots ?
	     im_find_memslot_range(m, l->as_id, l->start, end) : -1;
	if (si >= 0) {
		const struct im_memslot *s = &m->memslots[si];
		uint64_t a = l->start > s->gpa ? l->start : s->gpa;
		uint64_t se = s->gpa + (s->size - 1), b = end < se ? end : se;
		uint64_t hva = s->hva + (a - s->gpa);
		char *where = describe_hva(m, hva);
		const char *lead = ram_backed(l) ? "" : "not RAM itself; its RAM subregion: ";

		add_note(ns, "hva",
			 im_asprintf("%sHVA 0x%" PRIx64 "-0x%" PRIx64 " for GPA 0x%" PRIx64 "-0x%" PRIx64 " (KVM memslot as %d slot %d: GPA 0x%" PRIx64 " -> HVA 0x%" PRIx64 ")%s%s",
				     lead, hva, hva + (b - a), a, b, s->as_id, s->slot, s->gpa, s->hva,
				     where ? "; " : "", where ? where : ""));
		free(where);
		return;
	}
	{
		uint64_t hva;

		if (bar_mmap_hva(m, l, tie->by_hva ? -1 : tie->dev, &hva)) {
			char *where = describe_hva(m, hva);

			add_note(ns, "hva",
				 im_asprintf("%sHVA 0x%" PRIx64 " (from the BAR's mmap in /proc/PID/maps; no memslot source covers this GPA)%s%s",
					     l->bar_part == IM_BP_MMAP ? "" : "not RAM itself; its RAM subregion: ",
					     hva, where ? "; " : "", where ? where : ""));
			free(where);
			return;
		}
	}
	if (ram_backed(l) && !m->memslots_known && !m->nmaps)
		add_note(ns, "hva",
			 im_strdup("HVA not known here: give --pid (maps) and a memslot source (kmod, --qemu-trace, --qmp)"));
}

static const char *shape_name(enum im_mtree_shape s)
{
	switch (s) {
	case IM_MT_GDB:
		return "gdb-mtree";
	case IM_MT_HMP:
		return "info-mtree";
	case IM_MT_HMP_FLAT:
		return "info-mtree-f";
	default:
		return "unknown";
	}
}

static const char *kind_name(enum im_mtree_kind k)
{
	static const char *const n[] = { "text", "header", "range", "alias" };

	return k <= IM_MTL_ALIAS ? n[k] : "text";
}

static const char *part_name(enum im_bar_part p)
{
	static const char *const n[] = { NULL, "base", "region", "mmap" };

	return p <= IM_BP_MMAP ? n[p] : NULL;
}

static const char *vfio_name_kind_name(enum im_vfio_name k)
{
	static const char *const n[] = { NULL, "host-bdf", "mdev-uuid", "fd", "id" };

	return k <= IM_VN_ID ? n[k] : NULL;
}

/* {name, kind, host_bdf, tied_by}: the vfio device a BAR line names, or null */
static void qemu_device_json(struct jw *w, const struct im_model *m,
			     const struct im_mtree_line *l, const struct tie *tie)
{
	const char *by = NULL;

	if (!l->qemu_dev[0]) {
		jw_null(w);
		return;
	}
	if (tie->dev >= 0)
		by = tie->by_hva ? "memslot-hva" : l->dev_kind == IM_VN_BDF ? "name" :
		     l->dev_kind == IM_VN_FD ? "fd" : "qdev-id";
	jw_obj_begin(w);
	jw_kstr(w, "name", l->qemu_dev);
	jw_kstr(w, "kind", vfio_name_kind_name(l->dev_kind));
	jw_kstr(w, "host_bdf", tie->dev >= 0 ? m->devices[tie->dev].bdf : NULL);
	jw_kstr(w, "tied_by", by);
	jw_obj_end(w);
}

static void line_json(struct jw *w, const struct im_model *m, const struct im_mtree_line *l,
		      const struct tie *tie, const struct notes *ns)
{
	size_t i;

	jw_obj_begin(w);
	jw_kint(w, "line", (int)l->line);
	jw_kstr(w, "text", l->text);
	jw_kstr(w, "kind", kind_name(l->kind));
	if (l->kind == IM_MTL_RANGE || l->kind == IM_MTL_ALIAS) {
		uint64_t end = l->size_artefact ? l->real_end : l->end;
		bool range = l->kind == IM_MTL_RANGE;
		bool have_end = range && !(l->end_big && !l->size_artefact);

		jw_kstr(w, "name", l->name);
		jw_khex_or_null(w, "start", range, l->start);
		jw_khex_or_null(w, "end", have_end, end);
		jw_khex_or_null(w, "size", have_end && end >= l->start &&
				end - l->start != UINT64_MAX, end - l->start + 1);
		jw_khex_or_null(w, "printed_end", l->size_artefact, l->end);
		jw_kbool(w, "size_artefact", l->size_artefact);
		jw_kstr(w, "space", l->space);
		jw_kstr(w, "type", l->type[0] ? l->type : NULL);
		jw_kstr(w, "class", l->klass[0] ? l->klass : NULL);
		jw_kstr(w, "alias_of", l->alias_target);
		jw_key(w, "mr_pointer");
		if (l->have_ptr) {
			long mi = im_find_map(m, l->ptr);

			jw_obj_begin(w);
			jw_khex(w, "address", l->ptr);
			jw_kstr(w, "what", "MemoryRegion struct");
			jw_kstr(w, "mapping", mi < 0 ? NULL :
				m->maps[mi].path && *m->maps[mi].path ? m->maps[mi].path : "[anon]");
			jw_obj_end(w);
		} else {
			jw_null(w);
		}
		jw_khex_or_null(w, "offset_in_region", l->have_offset, l->offset);
		jw_key(w, "kvm");
		if (l->kind == IM_MTL_RANGE && l->type[0] && l->kvm)
			jw_bool(w, true);
		else
			jw_null(w);
		jw_kstr(w, "host_bdf", l->host_bdf[0] ? l->host_bdf : NULL);
		jw_key(w, "qemu_device");
		qemu_device_json(w, m, l, tie);
		jw_kint_or_null(w, "bar", l->bar >= 0, l->bar);
		jw_kstr(w, "bar_part", part_name(l->bar_part));
		jw_kint_or_null(w, "mmap_index", l->mmap_index >= 0, l->mmap_index);
	}
	jw_key(w, "notes");
	jw_arr_begin(w);
	for (i = 0; i < ns->n; i++) {
		jw_obj_begin(w);
		jw_kstr(w, "code", ns->v[i].code);
		jw_kstr(w, "message", ns->v[i].msg);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

int im_mtree_annotate_buf(FILE *out, const struct im_model *m, const char *buf,
			  size_t len, const char *file, bool json, struct im_err *err)
{
	struct im_mtree t;
	struct seen seen = { .nbdfs = 0 };
	struct jw w;
	size_t i;
	int r;

	r = im_mtree_parse(buf, len, file, &t, err);
	if (r)
		return r;
	if (json) {
		im_json_begin(&w, out);
		jw_kstr(&w, "input", file);
		jw_kstr(&w, "shape", shape_name(t.shape));
		jw_kbool(&w, "int128_artefact", t.int128_bug);
		jw_key(&w, "mtree");
		jw_arr_begin(&w);
	}
	for (i = 0; i < t.nlines; i++) {
		const struct im_mtree_line *l = &t.lines[i];
		struct notes ns = { .n = 0 };
		struct tie tie;
		bool first;
		size_t k;

		line_tie(m, &t, l, &seen, &tie, &first);
		annotate_line(m, &t, l, &seen, &tie, first, &ns);
		if (json) {
			line_json(&w, m, l, &tie, &ns);
		} else {
			fprintf(out, "%s\n", l->text);
			for (k = 0; k < ns.n; k++)
				fprintf(out, "%*s  # %s\n", l->depth * 2, "", ns.v[k].msg);
		}
		free_notes(&ns);
	}
	r = 0;
	if (json) {
		char *first = t.unknown ? im_asprintf("%s:%u", file, t.first_unknown) : NULL;

		jw_arr_end(&w);
		jw_key(&w, "not_understood");
		jw_obj_begin(&w);
		jw_kint(&w, "lines", (int)t.unknown);
		jw_kstr(&w, "first", first);
		jw_obj_end(&w);
		jw_obj_end(&w);
		free(first);
		r = jw_finish(&w);
	} else if (t.unknown) {
		fprintf(out, "# %u line%s not understood (first: %s:%u)\n", t.unknown,
			t.unknown == 1 ? "" : "s", file, t.first_unknown);
	}
	im_mtree_free(&t);
	return r ? r : ferror(out) ? -EIO : 0;
}

int im_mtree_annotate(FILE *out, const struct im_model *m, const char *file,
		      bool json, struct im_err *err)
{
	bool in = !strcmp(file, "-");
	const char *name = in ? "<stdin>" : file;
	size_t len = 0;
	char *buf = NULL;
	int fd, r;

	fd = in ? 0 : open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		im_err_set(err, file, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	r = im_read_fd(fd, (size_t)256 << 20, &buf, &len);
	if (!in)
		close(fd);
	if (r) {
		im_err_set(err, name, 0, "cannot read: %s", strerror(-r));
		return r;
	}
	r = im_mtree_annotate_buf(out, m, buf, len, name, json, err);
	free(buf);
	return r;
}
