// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mtree.c - QEMU memory-tree text, parsed (the annotation, what each of
 * its numbers is, is views/mtree-view.c).
 *
 * Three shapes are read (FACTS.md §1.2, §4.5):
 *   gdb `qemu mtree` (mtree.py):   "%016x-%016x <name>< (I/O)|(RAM)|(alias)> (@ <MemoryRegion *>)"
 *	with "  alias: <target>@<%016x offset> (@ <ptr>)" after an alias;
 *   HMP `info mtree`:    "<indent>s-e (prio P, type): name" or "... : alias N @T s-e";
 *   HMP `info mtree -f`: "FlatView #n" blocks of "s-e (prio P, type): name[ @off][ KVM]".
 * In `info mtree`, a "memory-region: NAME" block is an alias target's tree at
 * its own addresses, not guest-physical ones.  A /proc/PID/maps line pasted
 * beside the tree (the seed mail has one) is the maps reader's (--maps):
 * kept as IM_MTL_MAPS, its path joined when a mail wrapped it as the maps
 * reader joins it, and not counted.  Lines that are neither read, blank, a
 * maps line nor a "(gdb)" or "(qemu)" prompt are counted as not understood
 * and said after the text (JSON: not_understood), the first by its line.
 * A rule drawn round a paste ("#####") is never joined to a line.
 * vfio BAR regions are "<device> base BAR n", "<device> BAR n" and
 * "<device> BAR n mmaps[k]", where <device> is QEMU's name of the device: the
 * host BDF, VFIO_FD<fd> for one given to QEMU as an fd (10.0; later QEMU
 * without id=), its id= (10.2 and later, given as an fd) or an mdev UUID.
 * A name other than a BDF is tied to a host device on evidence only (the fd,
 * QMP's id, a memslot's HVA in a vfio mapping), else said to be unknown.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iommu-map.h"
#include "lib/paste.h"
#include "sources/maps-paste.h"
#include "sources/mtree.h"
#include "sources/qtree.h"

typedef unsigned __int128 u128;

/* a hex digit's value, or 16: one load a byte in the scans below, which
 * every line passes through several times */
static const unsigned char hex_value[256] = {
	['0'] = 0 + 1, ['1'] = 1 + 1, ['2'] = 2 + 1, ['3'] = 3 + 1, ['4'] = 4 + 1,
	['5'] = 5 + 1, ['6'] = 6 + 1, ['7'] = 7 + 1, ['8'] = 8 + 1, ['9'] = 9 + 1,
	['a'] = 10 + 1, ['b'] = 11 + 1, ['c'] = 12 + 1, ['d'] = 13 + 1, ['e'] = 14 + 1,
	['f'] = 15 + 1, ['A'] = 10 + 1, ['B'] = 11 + 1, ['C'] = 12 + 1, ['D'] = 13 + 1,
	['E'] = 14 + 1, ['F'] = 15 + 1,
};	/* value + 1, so that 0 is "not a hex digit" */

static bool is_hex(char c)
{
	return hex_value[(unsigned char)c] != 0;
}

/* 1..32 hex digits at s (optional 0x); returns chars used or 0 */
static size_t scan_hex128(const char *s, const char *e, u128 *out)
{
	const char *p = s;
	size_t n = 0;
	u128 v = 0;
	unsigned int d;

	if (e - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && is_hex(p[2]))
		p += 2;
	while (p < e && (d = hex_value[(unsigned char)*p]) != 0) {
		if (++n > 32)
			return 0;
		v = (v << 4) | (d - 1);
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

/* an HMP type of memory a region's accesses reach without QEMU: RAM, a RAM
 * device (a vfio BAR's mmap), ROM or a ROM device */
bool im_mtree_type_ram(const char *type)
{
	return !strcmp(type, "ram") || !strcmp(type, "ramd") || !strcmp(type, "rom") ||
	       !strcmp(type, "romd");
}

/*
 * What QEMU printed as the region's type beats what its name says: vfio
 * names a BAR's mmap "<dev> BAR n mmaps[k]", a RAM device region (ramd), and
 * the BAR's slow path "<dev> BAR n", an i/o region.  A ramd line named
 * "<dev> BAR n" lost its " mmaps[k]" (a mail wrap, a cut paste): it is the
 * mmap, which one not known; an i/o line named "mmaps[k]" is the slow path.
 */
static void type_over_name(struct im_mtree_line *l)
{
	if (!l->type[0])
		return;
	if (l->bar_part == IM_BP_REGION && im_mtree_type_ram(l->type)) {
		l->bar_part = IM_BP_MMAP;
		l->type_wins = true;
	} else if (l->bar_part == IM_BP_MMAP && !strcmp(l->type, "i/o")) {
		l->bar_part = IM_BP_REGION;
		l->mmap_index = -1;
		l->type_wins = true;
	}
}

struct pstate {
	struct im_mtree *t;
	size_t cap;
	const char *file;
	struct im_err *err;
	const char *space;
	int as_id;
	bool flat_first_as;	/* next ` AS "..."` line names the FlatView */
	bool tree_header;	/* an "address-space:" line: the tree view */
	bool in_dispatch;	/* in -d's "Dispatch" block */
	bool gdb_root_seen;	/* a gdb "system" or "io" root was seen */
	unsigned int view;	/* FlatView blocks seen */
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

/*
 * -o's owner text at the end of [s, s + n): " owner:{dev id=..}",
 * " parent:{obj path=..}" or " orphan" (memory.c mtree_print_mr_owner)
 */
static bool owner_suffix(const char *s, size_t n, size_t *keep)
{
	static const char *const tag[] = { " owner:{", " parent:{" };
	size_t i, k;

	if (ends_with(s, n, " orphan", keep))
		return true;
	if (!n || s[n - 1] != '}')
		return false;
	for (i = 0; i < 2; i++) {
		k = strlen(tag[i]);
		for (size_t j = n - 1; j-- >= k;) {
			if (s[j] == '{' && !memcmp(s + j + 1 - k, tag[i], k)) {
				*keep = j + 1 - k;
				return true;
			}
			if (s[j] == '}' || s[j] == '{')
				break;
		}
	}
	return false;
}

/* " @" and 16 hex digits ending [s, s + n): flat's offset in region */
static bool flat_offset(const char *s, size_t n, uint64_t *off)
{
	u128 x;

	if (n <= 18 || s[n - 18] != ' ' || s[n - 17] != '@' ||
	    scan_hex128(s + n - 16, s + n, &x) != 16)
		return false;
	*off = (uint64_t)x;
	return true;
}

/*
 * HMP tail after "(prio P, type): "; *flat: the shape is -f, or turns out
 * to be (an offset or an accelerator mark, which only -f prints)
 */
static int parse_hmp_tail(struct im_mtree_line *l, const char *s, const char *e, bool *flat,
			  bool *owners)
{
	size_t n = (size_t)(e - s), keep;

	for (;;) {
		if (ends_with(s, n, " KVM", &keep) || ends_with(s, n, " kvm", &keep)) {
			l->kvm = true;
			n = keep;
		} else if (ends_with(s, n, " [disabled]", &keep)) {
			l->disabled = true;
			n = keep;
		} else if (owner_suffix(s, n, &keep)) {
			*owners = true;
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
	if (flat_offset(s, n, &l->offset)) {
		l->have_offset = true;
		n -= 18;
	}
	if (l->have_offset || l->kvm)
		*flat = true;
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

/*
 * "Root memory region: NAME": only -f prints it, so without a "FlatView #"
 * line before it (cut from the paste) the ranges after it are NAME's view
 */
static int root_region(struct pstate *st, const char *nm, const char *e)
{
	struct im_mtree *t = st->t;

	if (t->shape == IM_MT_UNKNOWN || (t->shape == IM_MT_HMP && !st->tree_header)) {
		t->shape = IM_MT_HMP_FLAT;
		t->flat_no_header = true;
		st->space = intern(st, nm, (size_t)(e - nm));
		if (!st->space)
			return -ENOMEM;
		st->as_id = space_as_id(st->space);
	}
	return 1;
}

/* A header line ("address-space: ", "FlatView #", "AS \"..\"", ...): sets the
 * space that the range lines after it are in; 1 if it was one, else 0 or -errno */
static int parse_header(struct pstate *st, struct im_mtree_line *l, const char *p, const char *e)
{
	struct im_mtree *t = st->t;

	if (starts(p, e, "address-space: ")) {
		const char *nm = p + 15;

		l->kind = IM_MTL_HEADER;
		st->space = intern(st, nm, (size_t)(e - nm));
		if (!st->space)
			return -ENOMEM;
		st->as_id = space_as_id(st->space);
		if (t->shape == IM_MT_UNKNOWN)
			t->shape = IM_MT_HMP;
		st->tree_header = true;
		return 1;
	}
	if (starts(p, e, "memory-region: ")) {
		/* info mtree: the tree of an alias target, at its own addresses */
		l->kind = IM_MTL_HEADER;
		st->space = NULL;
		st->as_id = -1;
		return 1;
	}
	if (starts(p, e, "FlatView #")) {
		l->kind = IM_MTL_HEADER;
		st->in_dispatch = false;
		st->view++;
		t->shape = IM_MT_HMP_FLAT;
		st->flat_first_as = true;
		st->space = NULL;
		st->as_id = -1;
		return 1;
	}
	if (starts(p, e, "AS \"") || starts(p, e, "AS \\\"")) {
		/* AS \"memory\": the quotes escaped, as a string literal in another
		 * project's source keeps it (tests/pastes/03) */
		bool esc = p[3] == '\\';
		const char *a = p + (esc ? 5 : 4);
		const char *q = memchr(a, '"', (size_t)(e - a));
		const char *nm;
		int id;

		l->kind = IM_MTL_HEADER;
		if (!q)
			return 1;
		nm = intern(st, a, (size_t)(q - a) - (esc && q > a && q[-1] == '\\'));
		if (!nm)
			return -ENOMEM;
		id = space_as_id(nm);
		/* a FlatView shared by memory and cpu-memory-0 is AS 0 */
		if (st->flat_first_as || (st->as_id < 0 && id >= 0)) {
			st->space = nm;
			st->as_id = id;
		}
		st->flat_first_as = false;
		return 1;
	}
	if (starts(p, e, "Root memory region: ")) {
		l->kind = IM_MTL_HEADER;
		return root_region(st, p + 20, e);
	}
	if (starts(p, e, "No rendered FlatView")) {
		l->kind = IM_MTL_HEADER;
		return 1;
	}
	if (t->shape == IM_MT_HMP_FLAT && e - p == 8 && starts(p, e, "Dispatch")) {
		/* -d: the dispatch tree, until the blank line that ends the view */
		l->kind = IM_MTL_HEADER;
		st->in_dispatch = true;
		t->dispatch = true;
		return 1;
	}
	return 0;
}

/*
 * The tail of an HMP range line, and what it says of the shape: a tree
 * ("address-space:" seen) stays one; otherwise an offset or an accelerator
 * mark makes it -f text whose "FlatView #" line was not pasted.
 */
static int hmp_tail_shape(struct pstate *st, struct im_mtree_line *l, const char *s,
			  const char *e)
{
	struct im_mtree *t = st->t;
	bool flat = t->shape == IM_MT_HMP_FLAT, owners = false;
	int r = parse_hmp_tail(l, s, e, &flat, &owners);

	if (owners)
		t->owners = true;
	if (t->shape == IM_MT_UNKNOWN || (t->shape == IM_MT_HMP && !st->tree_header)) {
		if (flat && t->shape != IM_MT_HMP_FLAT) {
			t->shape = IM_MT_HMP_FLAT;
			t->flat_no_header = true;
			if (!st->space) {	/* -f prints the system root first */
				st->space = "memory";
				st->as_id = 0;
			}
		} else if (t->shape == IM_MT_UNKNOWN) {
			t->shape = IM_MT_HMP;
		}
	}
	return r;
}

/* HMP range tail "(prio P, type): ..." at p; -EINVAL if it is not one */
static int parse_hmp_range(struct pstate *st, struct im_mtree_line *l, const char *p, const char *e)
{
	char *q;
	long prio = strtol(p + 6, &q, 10);
	const char *c = q, *colon;

	if (q == p + 6 || c + 2 > e || c[0] != ',' || c[1] != ' ')
		return -EINVAL;
	c += 2;
	if (starts(c, e, "nv-"))	/* a nonvolatile region (QEMU 3.1+) */
		c += 3;
	colon = c;
	while (colon < e && *colon != ')')
		colon++;
	if (colon + 2 >= e || colon[1] != ':' || colon[2] != ' ' ||
	    (size_t)(colon - c) >= sizeof(l->type))
		return -EINVAL;
	l->prio = (int)prio;
	memcpy(l->type, c, (size_t)(colon - c));
	l->type[colon - c] = 0;
	return hmp_tail_shape(st, l, colon + 3, e);
}

/* gdb range tail at p; a depth-0 line is a root that sets the space */
static int parse_gdb_range(struct pstate *st, struct im_mtree_line *l, const char *p, const char *e)
{
	int r;

	if (st->t->shape == IM_MT_UNKNOWN)
		st->t->shape = IM_MT_GDB;
	r = parse_gdb_tail(l, p, e);
	if (r || l->depth != 0 || !l->name)
		return r;
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
	return 0;
}

/*
 * A /proc/PID/maps line ("start-end perms offset dev:inode inode [path]")
 * pasted beside the tree: 1 (and, given l, IM_MTL_MAPS with its range;
 * given no_path, whether it has no path: a mail may have wrapped it onto
 * the next line); not one, 0; -ENOMEM.  Its permissions field tells it
 * from a gdb range ("start-end name"); its addresses are HVAs, never GPAs.
 */
static int maps_line(struct im_mtree_line *l, const char *s, const char *e, bool *no_path)
{
	struct im_map mp;
	int r;

	memset(&mp, 0, sizeof(mp));
	r = im_parse_maps_line(s, e, &mp);
	if (r == -ENOMEM)
		return r;
	if (r)
		return 0;
	if (no_path)
		*no_path = !mp.path || !*mp.path;
	im_map_path_free(&mp);
	if (l) {
		l->kind = IM_MTL_MAPS;
		l->start = mp.start;
		l->end = mp.end;
	}
	return 1;
}

/* a range line that turned out not to be one: plain text */
static void make_plain(struct im_mtree_line *l)
{
	free(l->name);
	free(l->alias_target);
	l->name = l->alias_target = NULL;
	l->alias = false;
	l->kind = IM_MTL_TEXT;
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
	if (p == e || *p == '\t') {
		if (p == e)
			st->in_dispatch = false;
		else if (st->in_dispatch)
			l->kind = IM_MTL_HEADER;	/* a node's entries */
		return 0;
	}
	r = parse_header(st, l, p, e);
	if (!r && st->in_dispatch) {
		l->kind = IM_MTL_HEADER;
		return 0;
	}
	if (r)
		return r < 0 ? r : 0;
	if (starts(p, e, "alias: ")) {
		l->kind = IM_MTL_ALIAS;
		l->space = st->space;
		return parse_gdb_alias(l, p + 7, e);
	}
	r = maps_line(l, p, e, NULL);
	if (r)
		return r < 0 ? r : 0;
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
		r = parse_hmp_range(st, l, p, e);
		if (r == -EINVAL) {
			make_plain(l);
			return 0;
		}
	} else {
		r = parse_gdb_range(st, l, p, e);
	}
	if (r)
		return r;
	name_bar(l);
	type_over_name(l);
	l->view = st->view;
	l->space = st->space;
	l->as_id = st->as_id;
	if (l->kvm)
		t->any_kvm = true;
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

		/* only lines gdb's mtree.py printed ("(I/O)", "(@ 0x..)"): a
		 * maps line or an HMP line in the same paste is not its output */
		if (l->kind != IM_MTL_RANGE || ends[i] < l->start || (!l->ptr && !l->klass[0]))
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
/* a line that holds no data: blank, a prompt, or a rule drawn round a paste */
static bool ignorable(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return !*s || !strncmp(s, "(gdb)", 5) || !strncmp(s, "(qemu)", 6) ||
	       im_paste_rule(s, s + strlen(s));
}

/* the memory-tree text being read, a line at a time */
struct cursor {
	const char *p, *end;
	unsigned int lineno;		/* the logical line (lib/paste.h) */
	const struct im_paste_text *text;	/* its line map to the file's */
};

/*
 * The rest of an `info mtree -f` line a mail client wrapped: its offset
 * ("@0000000000089000[ KVM]"), the "mmaps[k]" of a BAR's name, or the
 * accelerator mark alone.  Nothing else is taken for one.
 */
static bool hmp_continuation(const char *q, const char *e)
{
	u128 x;

	if (q < e && *q == '@')
		return scan_hex128(q + 1, e, &x) == 16 &&
		       (q + 17 == e || q[17] == ' ');
	return starts(q, e, "mmaps[") ||
	       (e - q == 3 && (starts(q, e, "KVM") || starts(q, e, "kvm")));
}

/* the path of a maps line a mail wrapped onto the next line (the maps
 * reader's rule, im_paste_path_word), joined onto *text; the number joined */
static int join_maps_path(struct cursor *c, char **text)
{
	const char *nl = c->p < c->end ? memchr(c->p, '\n', (size_t)(c->end - c->p)) : NULL;
	const char *e = nl ? nl : c->end, *ws, *we;
	char *jt;

	if (c->p >= c->end)
		return 0;
	if (e > c->p && e[-1] == '\r')
		e--;
	we = im_paste_path_word(c->p, e, &ws);
	if (!we)
		return 0;
	jt = im_asprintf("%s %.*s", *text, (int)(we - ws), ws);
	if (!jt)
		return -ENOMEM;
	free(*text);
	*text = jt;
	c->p = nl ? nl + 1 : c->end;
	c->lineno++;
	return 1;
}

/*
 * A line a mail client wrapped: join up to two continuations of gdb's line,
 * or one of an HMP line, [s, e) onto *text; returns the number joined
 */
static int join_wrapped(struct cursor *c, char **text, const char *s, const char *e)
{
	const char *q = s;
	int joins = 0, r;
	bool no_path = false, hmp;

	while (q < e && *q == ' ')
		q++;
	if (!range_start(q, e))	/* most lines: no need to look further */
		return 0;
	r = maps_line(NULL, q, e, &no_path);
	if (r < 0)
		return r;
	if (r)		/* its wrapped path is the maps reader's rule, no gdb continuation */
		return no_path ? join_maps_path(c, text) : 0;
	hmp = strstr(*text, "(prio") != NULL;
	while (joins < (hmp ? 1 : 2) &&
	       (hmp || !**text || (*text)[strlen(*text) - 1] != ')') && c->p < c->end) {
		const char *nl2 = memchr(c->p, '\n', (size_t)(c->end - c->p));
		const char *e2 = nl2 ? nl2 : c->end, *s2 = im_paste_unquote(c->p, e2), *q2;
		char *jt;

		if (e2 > s2 && e2[-1] == '\r')
			e2--;
		q2 = s2;
		while (q2 < e2 && *q2 == ' ')
			q2++;
		if (q2 == e2 || range_start(q2, e2) || memchr(q2, 0, (size_t)(e2 - q2)) ||
		    im_paste_rule(q2, e2) || (hmp && !hmp_continuation(q2, e2)))
			break;
		jt = im_asprintf("%s %.*s", *text, (int)(e2 - q2), q2);
		if (!jt)
			return -ENOMEM;
		free(*text);
		*text = jt;
		c->p = nl2 ? nl2 + 1 : c->end;
		c->lineno++;
		joins++;
	}
	return joins;
}

/* the line at c (numbered c->lineno), unquoted, with wrapped continuations
 * joined, into *text (the caller's to free) */
static int read_line(struct pstate *st, struct cursor *c, char **text)
{
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	const char *e = nl ? nl : c->end, *s;
	int r;

	if (memchr(c->p, 0, (size_t)(e - c->p))) {
		im_err_set(st->err, st->file, im_paste_line(c->text, c->lineno),
			   "NUL byte in memory-tree text");
		return -EINVAL;
	}
	s = im_paste_unquote(c->p, e);
	if (e > s && e[-1] == '\r')
		e--;
	*text = dupn(s, (size_t)(e - s));
	if (!*text)
		return -ENOMEM;
	c->p = nl ? nl + 1 : c->end;
	r = join_wrapped(c, text, s, e);
	if (r < 0) {
		free(*text);
		*text = NULL;
		return r;
	}
	st->t->joined += (unsigned int)r;
	return 0;
}

/* a new zeroed line at the end of st->t's lines, in *l */
static int add_line(struct pstate *st, struct im_mtree_line **l)
{
	struct im_mtree *t = st->t;
	struct im_mtree_line *nls = t->lines;
	int r;

	if (t->nlines == st->cap) {
		r = im_grow(&nls, &st->cap, t->nlines + 1, sizeof(*nls));
		if (r)
			return r;
		t->lines = nls;
	}
	*l = &t->lines[t->nlines++];	/* im_grow zeroed it */
	return 0;
}

/* the Int128 check needs the full printed end: re-scan the text, note
 * mtree.py's Int128 bug and apply it */
static int check_int128(struct im_mtree *t)
{
	u128 *ends = calloc(t->nlines, sizeof(*ends));
	size_t i;

	if (!ends)
		return -ENOMEM;
	for (i = 0; i < t->nlines; i++) {
		struct im_mtree_line *l = &t->lines[i];
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
	/* a size that is no power of two but whose hex digits, read as
	 * decimal, are one: mtree.py parsed gdb's decimal print as hex */
	for (i = 0; i < t->nlines; i++) {
		const struct im_mtree_line *l = &t->lines[i];
		u128 sz, d;

		if (t->shape != IM_MT_GDB || l->kind != IM_MTL_RANGE || ends[i] < l->start ||
		    (!l->ptr && !l->klass[0]))
			continue;
		sz = ends[i] - l->start + 1;
		if (!pow2(sz) && hex_as_dec(sz, &d) && pow2(d))
			t->int128_bug = true;
	}
	apply_int128(t, ends);
	free(ends);
	return 0;
}

/* each flat range: does its FlatView mark any range " KVM" (view_kvm)? */
static int mark_views(struct im_mtree *t)
{
	unsigned int nviews = 0;
	bool *marked;
	size_t i;

	for (i = 0; i < t->nlines; i++)
		if (t->lines[i].view > nviews)
			nviews = t->lines[i].view;
	marked = calloc((size_t)nviews + 1, sizeof(*marked));
	if (!marked)
		return -ENOMEM;
	for (i = 0; i < t->nlines; i++)
		if (t->lines[i].kind == IM_MTL_RANGE && t->lines[i].kvm)
			marked[t->lines[i].view] = true;
	for (i = 0; i < t->nlines; i++)
		t->lines[i].view_kvm = t->shape == IM_MT_HMP_FLAT &&
				       t->lines[i].kind == IM_MTL_RANGE && marked[t->lines[i].view];
	free(marked);
	return 0;
}

void im_mtree_no_slot_why(const struct im_mtree *t, const struct im_mtree_line *l, char *buf,
			  size_t len)
{
	uint64_t end = im_mtree_line_end(l), first = l->start & ~(uint64_t)0xfff, last = end | 0xfff;
	bool aligned = !(l->start & 0xfff) && (end & 0xfff) == 0xfff;
	const struct im_mtree_line *io = NULL;
	char shared[200] = "";
	size_t i;

	for (i = 0; i < t->nlines && !io; i++) {
		const struct im_mtree_line *o = &t->lines[i];

		if (o != l && o->kind == IM_MTL_RANGE && o->view == l->view && o->type[0] &&
		    !o->end_big && !im_mtree_type_ram(o->type) && o->start <= last &&
		    im_mtree_line_end(o) >= first)
			io = o;
	}
	if (io)
		snprintf(shared, sizeof(shared), "it shares a 4 KiB page with %s (line %u, %s)",
			 io->name ? io->name : "?", io->line, io->type);
	if (!aligned)
		snprintf(buf, len, "it does not start and end on 4 KiB page boundaries%s%s",
			 io ? ", and " : "", io ? shared + 3 : "");
	else if (io)
		snprintf(buf, len, "%s", shared);
	else
		snprintf(buf, len, "it is 4 KiB-aligned and shares no page with an i/o range of this FlatView: the text does not say why");
}

/* the lines in [buf, buf + len), at least 1 */
static size_t count_lines(const char *buf, size_t len)
{
	const char *p = buf, *e = buf + len, *nl;
	size_t n = 1;

	while (p < e && (nl = memchr(p, '\n', (size_t)(e - p)))) {
		n++;
		p = nl + 1;
	}
	return n;
}

/*
 * Text with maps lines that the shared maps parser did not take at once (a
 * pmap -X, sizes before the lines, HTML blanks): --maps's own reader finds
 * mappings in it.  1, 0 or -ENOMEM.
 */
static int maps_paste_looks(const struct im_paste_text *pt, const char *file, unsigned int *n,
			    unsigned int *first)
{
	struct im_maps_paste mp;
	struct im_err e = { 0 };
	size_t i;
	int r = im_maps_paste_parse(pt->buf, pt->len, file, &mp, &e);

	if (r == -ENOMEM)
		return r;
	if (r)
		return 0;
	*n = (unsigned int)mp.nmaps;
	*first = 0;
	for (i = 0; i < mp.nmaps; i++)
		if (!*first || mp.maps[i].line < *first)
			*first = mp.maps[i].line;
	im_maps_paste_free(&mp);
	return *n > 0;
}

/* the error for text without a single memory range: what it is instead, if we can tell */
static int no_ranges(const struct im_paste_text *pt, const char *file, struct im_mtree *out,
		     struct im_err *err)
{
	unsigned int n = out->maps_lines, first = out->first_maps;
	int r;

	if (im_qtree_looks(pt->buf, pt->len)) {
		im_err_set(err, file, 0, "no memory-tree lines: this is info qtree output (dev: ..., bar N: ...), which --qtree reads; %u line%s not understood (first: %s:%u)",
			   out->unknown, out->unknown == 1 ? "" : "s", file, out->first_unknown);
		return -EINVAL;
	}
	r = n ? 1 : maps_paste_looks(pt, file, &n, &first);
	if (r < 0)
		return r;
	if (r) {
		im_err_set(err, file, 0, "no memory-tree lines: this is /proc/PID/maps text or pmap -X (%u mapping%s, first: %s:%u), whose addresses are HVAs, not GPAs: give it to --maps",
			   n, n == 1 ? "" : "s", file, first);
		return -EINVAL;
	}
	if (im_info_pci_looks(pt->buf, pt->len)) {
		im_err_set(err, file, 0, "no memory-tree lines: " IM_INFO_PCI_HINT);
		return -EINVAL;
	}
	if (out->unknown)
		im_err_set(err, file, 0,
			   "no memory-tree lines (\"start-end name\") found: expected qemu mtree, info mtree or info mtree -f output; %u line%s not understood (first: %s:%u)",
			   out->unknown, out->unknown == 1 ? "" : "s", file, out->first_unknown);
	else
		im_err_set(err, file, 0,
			   "no memory-tree lines (\"start-end name\") found: expected qemu mtree, info mtree or info mtree -f output");
	return -EINVAL;
}

static int parse_text(const struct im_paste_text *pt, const char *file,
		      struct im_mtree *out, struct im_err *err)
{
	struct pstate st = { .t = out, .file = file, .err = err, .as_id = 0 };
	struct cursor c = { .p = pt->buf, .end = pt->buf + pt->len, .text = pt };
	size_t nranges = 0;
	int r = 0;

	st.space = NULL;
	/* one line array for the whole text, not a realloc at each doubling */
	r = im_grow(&out->lines, &st.cap, count_lines(pt->buf, pt->len), sizeof(*out->lines));
	if (r)
		return r;
	while (c.p < c.end) {
		struct im_mtree_line *l;
		char *text = NULL;
		unsigned int first = im_paste_line(pt, ++c.lineno);

		r = read_line(&st, &c, &text);
		if (r)
			goto fail;
		r = add_line(&st, &l);
		if (r) {
			free(text);
			goto fail;
		}
		l->text = text;
		l->line = first;
		r = parse_line(&st, l, text, text + strlen(text));
		if (r)
			goto fail;
		if (l->kind == IM_MTL_RANGE)
			nranges++;
		else if (l->kind == IM_MTL_MAPS && !out->maps_lines++)
			out->first_maps = first;
		else if (l->kind == IM_MTL_TEXT && !ignorable(text) && !out->unknown++)
			out->first_unknown = first;
	}
	if (!nranges) {
		r = no_ranges(pt, file, out, err);
		goto fail;
	}
	r = check_int128(out);
	if (!r)
		r = mark_views(out);
	if (r)
		goto fail;
	return 0;
fail:
	im_mtree_free(out);
	return r;
}

/* parse_text through the frame every paste reader shares */
static int parse_any(const struct im_paste_text *text, const char *file, void *out,
		     struct im_err *err)
{
	return parse_text(text, file, out, err);
}

int im_mtree_parse(const char *buf, size_t len, const char *file,
		   struct im_mtree *out, struct im_err *err)
{
	memset(out, 0, sizeof(*out));
	return im_paste_parse(buf, len, file, parse_any, out, &out->qp, &out->qp_soft, err);
}

/* file: a path or "-" (stdin), read as given (not under the sysroot) */
int im_mtree_load(const char *file, struct im_mtree *t, const char **name,
		  struct im_err *err)
{
	size_t len = 0;
	char *buf = NULL;
	int r = im_paste_read(file, (size_t)256 << 20, name, &buf, &len, err);

	if (r)
		return r;
	r = im_mtree_parse(buf, len, *name, t, err);
	free(buf);
	return r;
}
