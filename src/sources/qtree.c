// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qtree.c - QEMU's `info qtree` (qdev_print in qdev-monitor.c), as a QMP run
 * keeps it or as people paste it.  Each line goes through lib/paste.c
 * (blanks, quote markers, log prefixes); what is left of the indentation
 * nests the nodes.  The shapes, the same from QEMU 4 to 11:
 *   bus: NAME / type NAME		a bus and its type
 *   dev: TYPE, id "ID"			a device; its lines are indented deeper
 *   NAME = VALUE			a property (strings quoted, "<null>" unset)
 *   gpio-in/-out, clock-in/-out	a device's GPIOs and clocks
 *   class DESC, addr BB:SS.F, pci id VVVV:DDDD (sub SSSS:SSSS)
 *   bar N: mem|i/o at 0xADDR [0xEND]	pcibus_dev_print, one per sized BAR
 *					(6 is the ROM); 0xffffffffffffffff is
 *					PCI_BAR_UNMAPPED, and END then wraps
 *					to size - 2
 *   mmio ..., isa irq ..., addr ...	other buses' print_dev lines
 * Of the vfio-pci (and vfio-pci-nohotplug) devices it keeps the id, the
 * host device (host=, sysfsdev=: a BDF, or an mdev's UUID), the guest
 * address, the vendor:device, x-no-mmap, x-msix-relocation and each BAR.
 * Other lines are counted, not understood; bad input in a line it
 * understands is an error naming file and line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "findings.h"
#include "iommu-map.h"
#include "lib/paste.h"
#include "sources/qtree.h"

static bool starts(const char *s, const char *e, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(e - s) >= n && !memcmp(s, lit, n);
}

/* exactly n hex digits at p */
static bool hexn(const char *p, const char *e, size_t n, unsigned int *v)
{
	size_t i;

	if ((size_t)(e - p) < n)
		return false;
	*v = 0;
	for (i = 0; i < n; i++) {
		int d = im_hex_digit(p[i]);

		if (d < 0)
			return false;
		*v = *v << 4 | (unsigned int)d;
	}
	return true;
}

/* `NAME = VALUE`: the name ends at *ne, the value starts at *v; false: not one */
static bool prop_line(const char *s, const char *e, const char **ne, const char **v)
{
	const char *p = s;

	while (p < e && (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
		p++;
	if (p == s || e - p < 4 || memcmp(p, " = ", 3))
		return false;
	*ne = p;
	*v = p + 3;
	return true;
}

/* a quoted value [v, e): its text */
static bool quoted(const char *v, const char *e, const char **s, size_t *n)
{
	if (e - v < 2 || *v != '"' || e[-1] != '"')
		return false;
	*s = v + 1;
	*n = (size_t)(e - v - 2);
	return true;
}

static bool is_uuid(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return false;
	for (i = 0; i < n; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-' : im_hex_digit(s[i]) < 0)
			return false;
	return true;
}

/* sysfsdev="PATH": a PCI device's (its BDF wins over host=, as in QEMU) or an mdev's */
static void sysfsdev(struct im_qtree_vfio *cur, const char *s, size_t n)
{
	const char *b = s + n;
	char bdf[16];

	while (b > s && b[-1] != '/')
		b--;
	if (is_uuid(b, (size_t)(s + n - b))) {
		memcpy(cur->mdev, b, 36);
		cur->mdev[36] = 0;
		cur->host_bdf[0] = 0;
	} else if (!im_bdf_norm(b, (size_t)(s + n - b), bdf)) {
		memcpy(cur->host_bdf, bdf, sizeof(bdf));
	}
}

/* a property of the vfio-pci device cur: 0, or -EINVAL for a value it cannot have */
static int vfio_prop(struct im_qtree_vfio *cur, const char *s, const char *ne, const char *v,
		     const char *e)
{
	size_t kn = (size_t)(ne - s), n;
	const char *q;

	if (im_word_is(s, kn, "host")) {
		if (!quoted(v, e, &q, &n))
			return -EINVAL;
		/* unset: get_pci_host_devaddr's "ffff:ff:ff.f" */
		if (n == 12 && !strncasecmp(q, "ffff:ff:ff.f", 12))
			return 0;
		if (cur->host_bdf[0] || cur->mdev[0])
			return 0;
		return im_bdf_norm(q, n, cur->host_bdf) ? -EINVAL : 0;
	}
	if (im_word_is(s, kn, "sysfsdev")) {
		if (quoted(v, e, &q, &n)) {
			if (n)
				sysfsdev(cur, q, n);
			return 0;
		}
		return im_word_is(v, (size_t)(e - v), "<null>") ? 0 : -EINVAL;
	}
	if (im_word_is(s, kn, "x-no-mmap")) {
		if (im_word_is(v, (size_t)(e - v), "true"))
			cur->no_mmap = IM_TRI_YES;
		else if (im_word_is(v, (size_t)(e - v), "false"))
			cur->no_mmap = IM_TRI_NO;
		else
			return -EINVAL;
		return 0;
	}
	if (im_word_is(s, kn, "x-msix-relocation")) {
		if (!quoted(v, e, &q, &n)) {
			q = v;
			n = (size_t)(e - v);
		}
		if (n >= sizeof(cur->msix_relocation))
			return -EINVAL;
		memcpy(cur->msix_relocation, q, n);
		cur->msix_relocation[n] = 0;
	}
	return 0;
}

/* "class DESC, addr BB:SS.F, pci id VVVV:DDDD (sub ...)": 0 or -EINVAL */
static int class_line(struct im_qtree_vfio *cur, const char *s, const char *e)
{
	const char *a = NULL, *p;
	unsigned int bus, slot, fn, vid, did;

	for (p = s; (p = memmem(p, (size_t)(e - p), ", addr ", 7)); p++)
		a = p;
	if (!a)
		return -EINVAL;
	a += 7;
	if (!hexn(a, e, 2, &bus) || a + 2 >= e || a[2] != ':' || !hexn(a + 3, e, 2, &slot) ||
	    a + 5 >= e || a[5] != '.' || !hexn(a + 6, e, 1, &fn) || slot > 31 || fn > 7)
		return -EINVAL;
	cur->bus = (int)bus;
	cur->slot = (int)slot;
	cur->func = (int)fn;
	p = a + 7;
	if (p == e || (p + 1 == e && *p == ','))	/* a mail cut it here */
		return 0;
	if (!starts(p, e, ", pci id ") || !hexn(p + 9, e, 4, &vid) || p + 13 >= e ||
	    p[13] != ':' || !hexn(p + 14, e, 4, &did))
		return -EINVAL;
	cur->have_ids = true;
	cur->vendor_id = (uint16_t)vid;
	cur->device_id = (uint16_t)did;
	return 0;
}

/* "0x" and 1-16 hex digits from p, up to the byte stop: past them, or NULL */
static const char *hex_upto(const char *p, const char *e, char stop, uint64_t *v)
{
	const char *q = memchr(p, stop, (size_t)(e - p));

	if (!q || q - p < 3 || p[0] != '0' || p[1] != 'x' ||
	    im_parse_hex(p, (size_t)(q - p), v))
		return NULL;
	return q;
}

/* "bar N: mem|i/o at 0xADDR [0xEND]": 0 or -EINVAL */
static int bar_line(struct im_qtree_vfio *cur, const char *s, const char *e, unsigned int line)
{
	const char *p = s + 4;
	struct im_qtree_bar b = { .present = true, .line = line };
	uint64_t end;
	int n;

	if (p >= e || *p < '0' || *p > '6' || !starts(p + 1, e, ": "))
		return -EINVAL;
	n = *p - '0';
	p += 3;
	if (starts(p, e, "i/o at "))
		b.io = true;
	else if (!starts(p, e, "mem at "))
		return -EINVAL;
	p = hex_upto(p + 7, e, ' ', &b.addr);
	if (!p || !starts(p, e, " [") || !(p = hex_upto(p + 2, e, ']', &end)) || p + 1 != e)
		return -EINVAL;
	if (b.addr == UINT64_MAX) {
		b.size = end + 2;	/* PCI_BAR_UNMAPPED + size - 1 */
		b.addr = 0;
	} else if (end >= b.addr && end - b.addr != UINT64_MAX) {
		b.size = end - b.addr + 1;
		b.assigned = true;
	} else {
		return -EINVAL;
	}
	if (!b.size || cur->bars[n].present)
		return -EINVAL;
	cur->bars[n] = b;
	return 0;
}

/* "dev: TYPE, id \"ID\"": a vfio-pci device starts a new node (*ci its index) */
static int dev_line(struct im_qtree *q, size_t *cap, long *ci, const char *s, const char *e,
		    unsigned int line)
{
	const char *t = s + 5, *te = memchr(t, ',', (size_t)(e - t)), *id;
	struct im_qtree_vfio *v;
	int r;

	if (!te)
		te = e;
	q->devices++;
	*ci = -1;
	if (!im_word_is(t, (size_t)(te - t), "vfio-pci") &&
	    !im_word_is(t, (size_t)(te - t), "vfio-pci-nohotplug"))
		return 0;
	r = im_grow(&q->v, cap, q->n + 1, sizeof(*q->v));
	if (r)
		return r;
	v = &q->v[q->n];
	memset(v, 0, sizeof(*v));
	v->bus = v->slot = v->func = -1;
	v->line = line;
	id = te + 6;
	if (starts(te, e, ", id \"") && e > id && e[-1] == '"' &&
	    (size_t)(e - 1 - id) < sizeof(v->qdev_id))
		memcpy(v->qdev_id, id, (size_t)(e - 1 - id));
	*ci = (long)q->n++;
	return 0;
}

/* the other shapes of info qtree's lines, understood and not read further */
static bool other_line(const char *s, const char *e)
{
	static const char *const lead[] = {
		"bus: ", "type ", "gpio-in", "gpio-out", "clock-in", "clock-out", "mmio ",
		"isa irq", "addr ", "class ", "bar ",
	};
	const char *ne, *v;
	size_t k;

	for (k = 0; k < sizeof(lead) / sizeof(lead[0]); k++)
		if (starts(s, e, lead[k]))
			return true;
	return prop_line(s, e, &ne, &v);
}

/* one stripped line [s, e): 1 understood, 0 not, -EINVAL (err set), -ENOMEM */
static int one_line(struct im_qtree *q, size_t *cap, long *ci, const char *s, const char *e,
		    unsigned int line, const char *file, struct im_err *err)
{
	struct im_qtree_vfio *cur = *ci >= 0 ? &q->v[*ci] : NULL;
	const char *ne, *v, *what = NULL;

	if (starts(s, e, "dev: "))
		return dev_line(q, cap, ci, s, e, line) ?: 1;
	if (!cur)
		return other_line(s, e);
	if (starts(s, e, "class ")) {
		if (class_line(cur, s, e))
			what = "a class line without \"addr BB:SS.F, pci id VVVV:DDDD\"";
	} else if (starts(s, e, "bar ")) {
		if (bar_line(cur, s, e, line))
			what = "not \"bar N: mem|i/o at 0xADDR [0xEND]\" with N 0-6 once, END >= ADDR";
	} else if (prop_line(s, e, &ne, &v)) {
		if (vfio_prop(cur, s, ne, v, e))
			what = "a vfio-pci property with a value QEMU does not print";
	} else {
		return other_line(s, e);
	}
	if (what) {
		im_err_set(err, file, line, "info qtree: %s", what);
		return -EINVAL;
	}
	return 1;
}

void im_qtree_free(struct im_qtree *q)
{
	free(q->v);
	memset(q, 0, sizeof(*q));
}

/* [p, e) of a line: where its data starts (stripped) and how deep it is indented */
static const char *strip(const char *p, const char *e, const char **te, int *indent)
{
	const char *s = im_paste_strip(p, e), *b = s;

	while (b > p && (b[-1] == ' ' || b[-1] == '\t'))
		b--;
	*indent = (int)(s - b);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*te = e;
	return s;
}

/* the text (decoded when it was quoted-printable); lines named as in the file */
static int parse_text(const struct im_paste_text *text, const char *file, void *o,
		      struct im_err *err)
{
	struct im_qtree *out = o;
	const char *p = text->buf, *end = memchr(text->buf, 0, text->len);
	size_t cap = 0;
	long ci = -1;
	int ci_indent = 0, r = 0;
	unsigned int line = 0, fl = 0;

	if (!end)
		end = text->buf + text->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end, *s, *te;
		int indent;

		fl = im_paste_line(text, ++line);
		s = strip(p, le, &te, &indent);
		p = nl ? nl + 1 : end;
		if (s == te)
			continue;
		if (ci >= 0 && indent <= ci_indent)
			ci = -1;
		r = one_line(out, &cap, &ci, s, te, fl, file, err);
		if (r < 0)
			break;
		if (ci >= 0 && starts(s, te, "dev: "))
			ci_indent = indent;
		if (!r && !out->unknown++)
			out->first_unknown = fl;
		r = 0;
	}
	out->nlines = fl;
	if (r == -ENOMEM)
		im_err_set(err, file, fl, "out of memory");
	if (r)
		im_qtree_free(out);
	return r;
}

int im_qtree_parse(const char *buf, size_t len, const char *file, struct im_qtree *out,
		   struct im_err *err)
{
	memset(out, 0, sizeof(*out));
	return im_paste_parse(buf, len, file, parse_text, out, &out->qp, &out->qp_soft, err);
}

/* whether some line of [buf, buf + len), past its paste prefixes, is one pred takes */
static bool any_line(const char *buf, size_t len, bool (*pred)(const char *s, const char *te))
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end, *s, *te;
		int indent;

		s = strip(p, le, &te, &indent);
		if (pred(s, te))
			return true;
		p = nl ? nl + 1 : end;
	}
	return false;
}

static bool qdev_line(const char *s, const char *te)
{
	return starts(s, te, "dev: ") && memmem(s, (size_t)(te - s), ", id \"", 6);
}

/* hmp_info_pci_device's "  Bus %2d, device %3d, function %d:" */
static bool pci_bus_line(const char *s, const char *te)
{
	return starts(s, te, "Bus ") && memmem(s, (size_t)(te - s), ", device ", 9) &&
	       memmem(s, (size_t)(te - s), ", function ", 11);
}

bool im_qtree_looks(const char *buf, size_t len)
{
	return any_line(buf, len, qdev_line);
}

bool im_info_pci_looks(const char *buf, size_t len)
{
	return any_line(buf, len, pci_bus_line);
}

bool im_qtree_guest_bdf(const struct im_qtree_vfio *v, char out[16])
{
	if (v->bus < 0)
		return false;
	snprintf(out, 16, "0000:%02x:%02x.%x", (unsigned int)v->bus & 0xff,
		 (unsigned int)v->slot & 0x1f, (unsigned int)v->func & 7);
	return true;
}

/* ---- --qtree FILE: the paste as a source ---- */

/* what a qtree holds, and how much of it is this host's */
struct tally {
	size_t bdf, on_host, held;	/* devices with a host BDF; of them on the host, held */
	size_t mdev, nohost;		/* mdevs; neither (an fd, or an unset host=) */
	size_t bars, unassigned, io;	/* guest memory BARs with a GPA; unassigned; I/O */
	size_t no_mmap;			/* x-no-mmap=true: every BAR traps */
	const char *first;		/* the first host BDF */
};

static void count(const struct im_model *m, const struct im_qtree *q, struct tally *t)
{
	size_t i;
	int b;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < q->n; i++) {
		const struct im_qtree_vfio *v = &q->v[i];
		int d = v->host_bdf[0] ? im_find_device(m, v->host_bdf) : -1;

		if (v->host_bdf[0] && !t->bdf++)
			t->first = v->host_bdf;
		t->on_host += d >= 0;
		t->held += d >= 0 && m->devices[d].held;
		t->mdev += !v->host_bdf[0] && v->mdev[0];
		t->nohost += !v->host_bdf[0] && !v->mdev[0];
		t->no_mmap += v->no_mmap == IM_TRI_YES;
		for (b = 0; b < IM_NBARS; b++) {
			const struct im_qtree_bar *bar = &v->bars[b];

			t->io += bar->present && bar->io;
			t->unassigned += bar->present && !bar->io && !bar->assigned;
			t->bars += bar->present && !bar->io && bar->assigned;
		}
	}
}

/* each vfio-pci device's assigned memory BARs 0-5, as the model's guest BARs */
static int add_bars(struct im_model *m, const struct im_qtree *q)
{
	size_t i;
	int b, r;

	for (i = 0; i < q->n; i++) {
		const struct im_qtree_vfio *v = &q->v[i];
		char gbdf[16];
		bool g = im_qtree_guest_bdf(v, gbdf);

		if (!v->host_bdf[0])
			continue;
		for (b = 0; b < IM_NBARS; b++) {
			const struct im_qtree_bar *bar = &v->bars[b];
			struct im_qemu_bar qb = { .bar = b, .gpa = bar->addr, .size = bar->size,
						  .guest_bdf = g ? gbdf : NULL,
						  .qdev_id = v->qdev_id[0] ? (char *)v->qdev_id : NULL,
						  .source = "qtree", .no_mmap = v->no_mmap };

			if (!bar->present || bar->io || !bar->assigned)
				continue;
			memcpy(qb.host_bdf, v->host_bdf, sizeof(qb.host_bdf));
			r = im_add_qemu_bar(m, &qb);
			if (r)
				return r;
		}
	}
	return 0;
}

/* "N devices, V vfio-pci (...); G guest BARs (...)" and what was skipped */
static void describe(char *buf, size_t n, const char *file, const struct im_qtree *q,
		     const struct tally *t)
{
	size_t k = (size_t)snprintf(buf, n, "%s: %u device%s, %zu vfio-pci (%zu by host PCI address, %zu mdev, %zu with neither: given as an fd); guest BARs: %zu memory with an address, %zu unassigned, %zu I/O",
				    file, q->devices, q->devices == 1 ? "" : "s", q->n, t->bdf,
				    t->mdev, t->nohost, t->bars, t->unassigned, t->io);

	if (t->no_mmap && k < n)
		k += (size_t)snprintf(buf + k, n - k, "; %zu with x-no-mmap=true: every access to their BARs traps to QEMU",
				      t->no_mmap);
	if (q->unknown && k < n)
		k += (size_t)snprintf(buf + k, n - k, "; %u line%s not understood (first: %s:%u)",
				      q->unknown, q->unknown == 1 ? "" : "s", file, q->first_unknown);
	if (k < n)
		im_paste_qp_note(q->qp, q->qp_soft, buf + k, n - k);
}

/* with a host: the paste's devices against the host's and the target's */
static int join_host(struct im_model *m, const struct im_qtree *q, const struct tally *t,
		     const char *file, const char *what)
{
	const struct im_source *pci = im_find_source(m, "pci");
	int r;

	/* devices read in part: a host BDF not found may still be this host's */
	if (t->bdf && !t->on_host && (!pci || pci->status != IM_SRC_OK))
		return im_add_source(m, "qtree", IM_SRC_PARTIAL, "%s; whether its %zu host devices are this host's is unknown: %s",
				     what, t->bdf, pci ? "the host's PCI devices were read in part" :
				     "the host's PCI devices were not read");
	if (t->bdf && !t->on_host) {
		r = im_add_source(m, "qtree", IM_SRC_PARTIAL, "%s; none of its %zu host devices is a PCI device of this host: the paste is another machine's, kept apart",
				  what, t->bdf);
		return r ? r : IM_FINDING(m, IM_F_QTREE_OTHER_HOST, file, t->bdf, t->first);
	}
	if (t->bdf && !t->held) {
		r = im_add_source(m, "qtree", IM_SRC_PARTIAL, "%s; its host devices are on this host, but the target (pid %d) holds none of them: the paste is another VM's, kept apart",
				  what, m->pid);
		return r ? r : IM_FINDING(m, IM_F_QTREE_OTHER_VM, file, t->on_host, m->pid);
	}
	r = im_add_source(m, "qtree", IM_SRC_OK, "%s; %zu of its %zu host devices held by the target (pid %d)",
			  what, t->held, t->bdf, m->pid);
	return r ? r : add_bars(m, q);
}

int im_qtree_load(struct im_model *m, const char *file, struct im_err *err)
{
	struct im_qtree q;
	struct tally t;
	char what[1024];
	size_t len = 0;
	char *buf = NULL;
	int r = im_paste_read(file, (size_t)16 << 20, &file, &buf, &len, err);

	if (r)
		return r;
	r = im_qtree_parse(buf, len, file, &q, err);
	if (!r && !q.devices) {
		if (im_info_pci_looks(buf, len))
			im_err_set(err, file, 0, "no info qtree line (\"dev: TYPE, id ...\") found: " IM_INFO_PCI_HINT);
		else if (q.unknown)
			im_err_set(err, file, 0, "no info qtree line (\"dev: TYPE, id ...\") found; %u line%s not understood (first: %s:%u)",
				   q.unknown, q.unknown == 1 ? "" : "s", file, q.first_unknown);
		else
			im_err_set(err, file, 0, "no info qtree line (\"dev: TYPE, id ...\") found");
		im_qtree_free(&q);
		r = -EINVAL;
	}
	free(buf);
	if (r)
		return r;
	count(m, &q, &t);
	describe(what, sizeof(what), file, &q, &t);
	if (m->paste) {
		r = im_add_source(m, "qtree", IM_SRC_OK, "%s", what);
		if (!r)
			r = add_bars(m, &q);
	} else {
		r = join_host(m, &q, &t, file, what);
	}
	im_qtree_free(&q);
	return r;
}
