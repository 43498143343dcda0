// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * trace.c - read a QEMU trace log to its final state.
 *
 * Events understood (formats in QEMU's accel/kvm/trace-events and
 * hw/vfio/trace-events):
 *   kvm_set_user_memory Slot#%d flags=0x%x gpa=0x.. size=0x.. ua=0x.. ret=%d
 *	(QEMU <= 8.2; Slot# is id | as_id << 16)
 *   kvm_set_user_memory AddrSpace#%d Slot#%d flags=.. gpa=.. size=.. ua=..
 *	guest_memfd=%d guest_memfd_offset=0x.. ret=%d	(QEMU >= 9.0)
 *   vfio_region_setup Device %s, region %d "%s", flags: 0x%lx, offset: 0x%lx, size: 0x%lx
 *   vfio_region_mmap Region %s [0x%lx - 0x%lx]
 *   vfio_listener_region_add_ram region_add [ram] 0x.. - 0x.. [%p]
 * and the iommufd backend's DMA maps (QEMU's backends/trace-events, 8.2+;
 * the format starts with a blank, so the log backend prints two):
 *   iommufd_backend_map_dma " iommufd=%d ioas=%d iova=0x%"PRIx64" size=0x%"PRIx64
 *	" addr=%p readonly=%d (%d)"		(addr: the HVA; (%d): the ioctl's return)
 *   iommufd_backend_map_file_dma " iommufd=%d ioas=%d iova=0x%"PRIx64" size=0x%"PRIx64
 *	" fd=%d start=%ld readonly=%d (%d)"	(10.x: a dmabuf fd, no HVA)
 * A map_dma with (0) is a DMA range, IOVA -> HVA, as region_add_ram's; one
 * with another value failed (trace-fail.c).  A map_file_dma with (0) has no
 * HVA, so it is an event read but no range (its section's region_add_ram
 * gives the range).  An unmap takes its range away again (a log of
 * `-trace 'vfio_*'` has them, where BIOS or OVMF remaps ROM and PAM
 * ranges at boot), so the DMA ranges said are those still mapped at the
 * log's end:
 *   vfio_listener_region_del region_del 0x.. - 0x..	(hw/vfio/trace-events)
 *   iommufd_backend_unmap_dma " iommufd=%d ioas=%d iova=0x%"PRIx64" size=0x%"PRIx64
 *	" (%d)"					(backends/trace-events; (0): unmapped)
 * (vfio_listener_region_del_skip and iommufd_backend_unmap_dma_non_exist
 * unmap nothing: other events.)
 * What surrounds a line's data is skipped as lib/paste.c says: blanks,
 * mail quote markers, QEMU's "PID@SEC.USEC:" (7.2, 10.0) and ISO time
 * (11.1) prefixes, syslog's and journald's time, host and tag.
 * A region's device (%s of vfio_region_setup, the start of the region names)
 * is QEMU's name of it: a host BDF, or VFIO_FD<fd>, an id, an mdev UUID, tied
 * to a host device as mtree.c does (im_vfio_name_device), never guessed.
 * Other lines are skipped but counted: lines of other trace events (an
 * event-like name, then a blank) and lines not understood, the first of
 * which is named; a line not understood that names one of the events
 * above means events were lost, and the source says it is partial (not a
 * line that holds an event's name alone: every event above has arguments,
 * so it is a list of names, unless the next line continues it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "iommu-map.h"
#include "lib/paste.h"
#include "sources/mtree.h"
#include "findings.h"
#include "sources/trace.h"

/* a slot's place in t->slots, plus one (0: none), by as_id (0, 1) and id (16 bits) */
#define SLOT_IDS	0x10000

struct tstate {
	struct im_trace *t;
	uint32_t *slot_pos;		/* 2 * SLOT_IDS, made on the first slot event */
	size_t cap_slots, cap_regions, cap_mmaps, cap_dma, cap_fails;
	const char *file;
	const struct im_paste_text *text;	/* what is read, and its line map */
	unsigned int lno;			/* the logical line being read */
	unsigned int line;			/* ... and its line in the file */
	bool fail_line;				/* this line said a mapping failed, or added
						 * to such a line (fail_note) */
	bool after_fail;			/* ... the line before this one did */
	struct im_err *err;
};

/* on to the next logical line (lib/paste.h: a QP soft break joins lines) */
static void next_line(struct tstate *st)
{
	st->line = im_paste_line(st->text, ++st->lno);
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *const events_read[] = {
	"kvm_set_user_memory", "vfio_region_setup", "vfio_region_mmap",
	"vfio_listener_region_add_ram", "iommufd_backend_map_dma",
	"iommufd_backend_map_file_dma", "vfio_listener_region_del",
	"iommufd_backend_unmap_dma",
};

/* Does [s, e) hold one of the events read here as a word of its own? */
static bool names_event_read(const char *s, const char *e)
{
	size_t k;

	for (k = 0; k < sizeof(events_read) / sizeof(events_read[0]); k++) {
		size_t n = strlen(events_read[k]);
		const char *p;

		for (p = s; p + n <= e; p++) {
			if (memcmp(p, events_read[k], n))
				continue;
			if ((p == s || p[-1] == ' ' || p[-1] == ':' || p[-1] == ']') &&
			    (p + n == e || p[n] == ' '))
				return true;
		}
	}
	return false;
}

/*
 * Is [s, e) one of the events read here, alone (trailing blanks aside)?
 * Each of them has arguments, so this is no event line: a list of event
 * names (a -trace events= file), or an event cut after its name, which is
 * read only when the next line continues it (join_wrapped_event).
 */
static bool bare_event(const char *s, const char *e)
{
	size_t k;

	e = im_paste_trim_end(s, e);
	for (k = 0; k < sizeof(events_read) / sizeof(events_read[0]); k++)
		if ((size_t)(e - s) == strlen(events_read[k]) && !memcmp(s, events_read[k], (size_t)(e - s)))
			return true;
	return false;
}

/* A trace event's line: a lower-case name with an '_', then a blank or the end. */
static bool event_like(const char *s, const char *e)
{
	const char *p = s;
	bool us = false;

	if (p == e || *p < 'a' || *p > 'z')
		return false;
	for (; p < e && *p != ' '; p++) {
		if (*p == '_')
			us = true;
		else if (!((*p >= 'a' && *p <= 'z') || is_digit(*p)))
			return false;
	}
	return us;
}

/* Does [s, e) start with word followed by a blank? Returns past the blank. */
static const char *event(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(e - s) <= n || memcmp(s, word, n) || s[n] != ' ')
		return NULL;
	return s + n + 1;
}

/* Find "key" in [s, e); the value runs to the next blank.  -ENOENT if absent. */
static int field(const char *s, const char *e, const char *key,
		 const char **v, size_t *vlen)
{
	size_t n = strlen(key);
	const char *p;

	for (p = s; p + n <= e; p++) {
		if ((p == s || p[-1] == ' ') && !memcmp(p, key, n)) {
			const char *q = p + n;

			while (q < e && *q != ' ')
				q++;
			*v = p + n;
			*vlen = (size_t)(q - *v);
			return 0;
		}
	}
	return -ENOENT;
}

static int hex_field(const char *s, const char *e, const char *key, uint64_t *out)
{
	const char *v;
	size_t n;

	if (field(s, e, key, &v, &n))
		return -ENOENT;
	if (n < 3 || v[0] != '0' || v[1] != 'x')
		return -EINVAL;
	return im_parse_hex(v, n, out);
}

/* a decimal int, optionally negative, 1..10 digits */
static int parse_int(const char *v, size_t n, long long *out)
{
	bool neg = false;
	long long x = 0;
	size_t i = 0;

	if (n && v[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == n || n - i > 10)
		return -EINVAL;
	for (; i < n; i++) {
		if (!is_digit(v[i]))
			return -EINVAL;
		x = x * 10 + (v[i] - '0');
	}
	*out = neg ? -x : x;
	return 0;
}

static int int_field(const char *s, const char *e, const char *key, long long *out)
{
	const char *v;
	size_t n;

	if (field(s, e, key, &v, &n))
		return -ENOENT;
	return parse_int(v, n, out);
}

static int bad(struct tstate *st, const char *what)
{
	im_err_set(st->err, st->file, st->line, "malformed %s trace line", what);
	return -EINVAL;
}

static int set_slot(struct tstate *st, const struct im_trace_slot *ns)
{
	struct im_trace *t = st->t;
	uint32_t *pos;
	size_t i;
	int r;

	if (!st->slot_pos) {
		st->slot_pos = im_calloc(2 * SLOT_IDS, sizeof(*st->slot_pos));
		if (!st->slot_pos)
			return -ENOMEM;
	}
	pos = &st->slot_pos[(size_t)ns->as_id * SLOT_IDS + (size_t)ns->slot];
	if (!ns->size) {	/* deleted: the last slot takes its place */
		if (*pos) {
			const struct im_trace_slot *last = &t->slots[--t->nslots];

			i = *pos - 1;
			if (i != t->nslots) {
				t->slots[i] = *last;
				st->slot_pos[(size_t)last->as_id * SLOT_IDS + (size_t)last->slot] =
					(uint32_t)i + 1;
			}
			*pos = 0;
		}
		return 0;
	}
	if (!*pos) {
		r = im_grow(&t->slots, &st->cap_slots, t->nslots + 1, sizeof(*t->slots));
		if (r)
			return r;
		*pos = (uint32_t)++t->nslots;
	}
	t->slots[*pos - 1] = *ns;
	return 0;
}

/*
 * Is f, an error line, the failure the trace event just before it showed
 * (QEMU's kvm_set_user_memory ret=-22 then its KVM_SET_USER_MEMORY_REGION
 * error; iommufd_backend_map_dma (-1) then vfio_container_dma_map = -22)?
 * Then it is that failure, at the event's line, with what the error line
 * adds: the errno the iommufd event does not carry, QEMU's words for it.
 */
static bool same_failure(struct im_trace *t, const struct im_trace_fail *f)
{
	struct im_trace_fail *p = t->nfails ? &t->fails[t->nfails - 1] : NULL;

	if (!p || p->addr != f->addr || p->size != f->size || (p->err && f->err && p->err != f->err))
		return false;
	if (p->kind == IM_TFAIL_DMA_TRACE && f->kind == IM_TFAIL_DMA) {
		if (p->have_hva && p->hva != f->hva)
			return false;
		p->warning = f->warning;
		memcpy(p->what, f->what, sizeof(p->what));
	} else if (!(p->kind == IM_TFAIL_SLOT_TRACE && f->kind == IM_TFAIL_SLOT &&
		     (f->slot < 0 || (f->slot == p->slot && f->as_id == p->as_id)))) {
		return false;
	}
	if (!p->err)
		p->err = f->err;
	if (!p->msg[0])
		memcpy(p->msg, f->msg, sizeof(p->msg));
	return true;
}

static int add_fail(struct tstate *st, const struct im_trace_fail *f)
{
	struct im_trace *t = st->t;
	int r;

	st->fail_line = true;
	if ((f->kind == IM_TFAIL_DMA || f->kind == IM_TFAIL_SLOT) && same_failure(t, f))
		return 0;
	r = im_grow(&t->fails, &st->cap_fails, t->nfails + 1, sizeof(*t->fails));
	if (r)
		return r;
	t->fails[t->nfails] = *f;
	t->fails[t->nfails++].line = st->line;
	return 0;
}

/*
 * The line that starts at next: its data (no CR, nothing of what surrounds
 * a pasted line, lib/paste.c) in [*ds, *de).  Returns where the line after
 * it starts, or NULL at the end.
 */
static const char *line_data(const char *next, const char *end, const char **ds,
			     const char **de)
{
	const char *nl = memchr(next, '\n', (size_t)(end - next));
	const char *le = nl ? nl : end;

	if (le > next && le[-1] == '\r')
		le--;
	*ds = im_paste_strip(next, le);
	*de = le;
	return nl ? nl + 1 : NULL;
}

/*
 * Join [s, e) to the n bytes in buf (cap bytes), dropping buf's trailing
 * blanks and putting one blank between, or none where a '[' meets a '['.
 * False, with buf as it was, when it does not fit.
 */
static bool join_data(char *buf, size_t *n, size_t cap, const char *s, const char *e)
{
	size_t k = *n;

	while (k && (buf[k - 1] == ' ' || buf[k - 1] == '\t'))
		k--;
	if (k + 1 + (size_t)(e - s) >= cap)
		return false;
	if (!(k && buf[k - 1] == '[' && s < e && *s == '['))
		buf[k++] = ' ';
	memcpy(buf + k, s, (size_t)(e - s));
	*n = k + (size_t)(e - s);
	return true;
}

/*
 * The line at next, when it is nothing but a strerror() ("Invalid
 * argument"): a KVM error whose text a mail put on a line of its own.
 * Then f gets it and true.
 */
static bool lone_errno(const char *next, const char *end, struct im_trace_fail *f)
{
	const char *ns, *ne;
	int en;

	line_data(next, end, &ns, &ne);
	ne = im_paste_trim_end(ns, ne);
	if (ne - ns >= (ptrdiff_t)sizeof(f->msg) || !(en = im_tfail_errno(ns, ne)) ||
	    strlen(strerror(en)) != (size_t)(ne - ns))
		return false;
	f->err = en;
	snprintf(f->msg, sizeof(f->msg), "%.*s", (int)(ne - ns), ns);
	return true;
}

/*
 * A failure line (trace-fail.c) at [s, e), joined to at most 3 more lines
 * while it is incomplete and they start no line of their own: a mail cuts
 * "vfio_dma_map(0x55a21b03a150,\n0x380000001000, ...) = -22".  Returns the
 * lines it took beyond the first (so the caller skips them), or -errno;
 * *found says whether it was a failure line at all.
 */
static int parse_fail(struct tstate *st, const char *s, const char *e,
		      const char *next, const char *end, bool *found)
{
	char buf[1024];
	size_t n = (size_t)(e - s);
	struct im_trace_fail f;
	int r, nr, more = 0;

	*found = false;
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	while ((r = im_tfail_parse(buf, buf + n, &f)) == -EAGAIN && more < 3 && next) {
		const char *ns, *ne, *after = line_data(next, end, &ns, &ne);

		/* a line that is a failure of its own, or starts one when this
		 * line already has its call, is no continuation */
		nr = im_tfail_parse(ns, ne, &f);
		if (ns == ne || event_like(ns, ne) || nr == 1 || nr == -EINVAL ||
		    (nr == -EAGAIN && (memmem(buf, n, "dma_map(", 8) ||
				       memmem(buf, n, "KVM_SET_USER_MEMORY_REGION", 26))) ||
		    !join_data(buf, &n, sizeof(buf), ns, ne))
			break;
		more++;
		next = after;
	}
	if (r == 0 || r == -EAGAIN)
		return 0;	/* not one, or cut off for good: not understood */
	*found = true;
	if (r < 0)
		return bad(st, "failure");
	if (f.kind == IM_TFAIL_SLOT && !f.msg[0] && next && more < 3 && lone_errno(next, end, &f))
		more++;		/* "...: \nInvalid argument": the strerror wrapped alone */
	r = add_fail(st, &f);
	return r ? r : more;
}

static int parse_slot(struct tstate *st, const char *s, const char *e)
{
	struct im_trace_slot ns = { 0 };
	long long as = -1, id, ret;
	uint64_t flags;
	enum im_trace_fmt fmt = IM_TRACE_FMT_SLOT;

	if (!int_field(s, e, "AddrSpace#", &as)) {
		fmt = IM_TRACE_FMT_AS;
		if (as < 0 || as > 1)	/* x86 KVM: 0, and 1 for SMM */
			return bad(st, "kvm_set_user_memory");
	}
	if (int_field(s, e, "Slot#", &id) || id < 0 || id > 0xffffffffLL ||
	    hex_field(s, e, "flags=", &flags) || flags > 0xffffffffULL ||
	    hex_field(s, e, "gpa=", &ns.gpa) || hex_field(s, e, "size=", &ns.size) ||
	    hex_field(s, e, "ua=", &ns.hva) || int_field(s, e, "ret=", &ret))
		return bad(st, "kvm_set_user_memory");
	if (fmt == IM_TRACE_FMT_AS) {
		if (id > 0xffff)
			return bad(st, "kvm_set_user_memory");
		ns.as_id = (int)as;
		ns.slot = (int)id;
	} else {
		if (id >> 16 > 1)
			return bad(st, "kvm_set_user_memory");
		ns.as_id = (int)(id >> 16);
		ns.slot = (int)(id & 0xffff);
	}
	ns.flags = (uint32_t)flags;
	ns.line = st->line;
	st->t->slot_events++;
	if (st->t->fmt == IM_TRACE_FMT_NONE)
		st->t->fmt = fmt;
	else if (st->t->fmt != fmt) {
		im_err_set(st->err, st->file, st->line,
			   "kvm_set_user_memory lines of two QEMU versions in one log");
		return -EINVAL;
	}
	if (ret) {
		struct im_trace_fail f = {
			.kind = IM_TFAIL_SLOT_TRACE, .as_id = ns.as_id, .slot = ns.slot,
			.addr = ns.gpa, .size = ns.size, .have_hva = true, .hva = ns.hva,
			.dmabuf_fd = -1, .slot_flags = (int64_t)flags,
			.err = ret < 0 && ret > -4096 ? (int)-ret : 0,
		};

		st->t->failed_slot_events++;
		return add_fail(st, &f);
	}
	return set_slot(st, &ns);
}

static void copy_str(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

/* last occurrence of needle in [s, e) */
static const char *rfind(const char *s, const char *e, const char *needle)
{
	size_t n = strlen(needle);
	const char *p;

	if ((size_t)(e - s) < n)
		return NULL;
	for (p = e - n; p >= s; p--) {
		if (!memcmp(p, needle, n))
			return p;
		if (p == s)
			break;
	}
	return NULL;
}

/* Device %s, region %d "%s", flags: 0x%lx, offset: 0x%lx, size: 0x%lx */
static int parse_region(struct tstate *st, const char *s, const char *e)
{
	struct im_trace *t = st->t;
	struct im_trace_region rg = { 0 };
	const char *p, *comma, *q, *tail;
	long long idx;
	size_t i;
	int r;

	if ((size_t)(e - s) < 8 || memcmp(s, "Device ", 7))
		return bad(st, "vfio_region_setup");
	p = s + 7;
	comma = memchr(p, ',', (size_t)(e - p));
	if (!comma || comma == p || (size_t)(e - comma) < 9 || memcmp(comma, ", region ", 9))
		return bad(st, "vfio_region_setup");
	copy_str(rg.dev, sizeof(rg.dev), p, (size_t)(comma - p));
	q = comma + 9;
	p = q;
	while (q < e && *q != ' ')
		q++;
	if (parse_int(p, (size_t)(q - p), &idx) || idx < 0 || idx > 0xffff)
		return bad(st, "vfio_region_setup");
	rg.index = (int)idx;
	tail = rfind(q, e, "\", flags: ");
	if (!tail || e - q < 2 || q[0] != ' ' || q[1] != '"' || tail < q + 2)
		return bad(st, "vfio_region_setup");
	copy_str(rg.name, sizeof(rg.name), q + 2, (size_t)(tail - (q + 2)));
	p = tail + 3;		/* "flags: ..." */
	{
		const char *v;
		size_t n;

		if (field(p, e, "flags: ", &v, &n))
			return bad(st, "vfio_region_setup");
		(void)v;
	}
	/* the values end in ',' except the last */
	{
		static const char *const keys[] = { "flags: ", "offset: ", "size: " };
		uint64_t *vals[] = { &rg.flags, &rg.offset, &rg.size };
		unsigned int k;

		for (k = 0; k < 3; k++) {
			const char *v = NULL, *x;
			size_t n = strlen(keys[k]);

			for (x = p; x + n <= e; x++)
				if (!memcmp(x, keys[k], n)) {
					v = x + n;
					break;
				}
			if (!v)
				return bad(st, "vfio_region_setup");
			x = v;
			while (x < e && *x != ',' && *x != ' ')
				x++;
			if (x - v < 3 || v[0] != '0' || v[1] != 'x' ||
			    im_parse_hex(v, (size_t)(x - v), vals[k]))
				return bad(st, "vfio_region_setup");
		}
	}
	rg.line = st->line;
	for (i = 0; i < t->nregions; i++)
		if (!strcmp(t->regions[i].dev, rg.dev) && t->regions[i].index == rg.index)
			break;
	if (i == t->nregions) {
		r = im_grow(&t->regions, &st->cap_regions, t->nregions + 1,
			    sizeof(*t->regions));
		if (r)
			return r;
		t->nregions++;
	}
	t->regions[i] = rg;
	return 0;
}

/* "0000:00:03.0 BAR 0 mmaps[1]" -> dev, bar, index, as mtree reads it */
static void split_name(struct im_trace_mmap *mm)
{
	struct im_vfio_region r;

	mm->bar = -1;
	mm->index = -1;
	mm->dev[0] = 0;
	if (!im_vfio_region_name_parse(mm->name, &r))
		return;
	memcpy(mm->dev, r.dev, sizeof(mm->dev));
	mm->bar = r.bar;
	mm->index = r.mmap_index;
}

/* Region %s [0x%lx - 0x%lx] */
static int parse_mmap(struct tstate *st, const char *s, const char *e)
{
	struct im_trace *t = st->t;
	struct im_trace_mmap mm = { 0 };
	const char *open, *dash;
	int r;

	if ((size_t)(e - s) < 8 || memcmp(s, "Region ", 7))
		return bad(st, "vfio_region_mmap");
	open = rfind(s, e, " [0x");
	if (!open || open < s + 7 || e[-1] != ']')
		return bad(st, "vfio_region_mmap");
	copy_str(mm.name, sizeof(mm.name), s + 7, (size_t)(open - (s + 7)));
	dash = rfind(open, e, " - ");
	if (!dash || im_parse_hex(open + 2, (size_t)(dash - (open + 2)), &mm.start) ||
	    (e - 1) - (dash + 3) < 3 ||
	    im_parse_hex(dash + 3, (size_t)((e - 1) - (dash + 3)), &mm.end) ||
	    mm.end < mm.start)
		return bad(st, "vfio_region_mmap");
	split_name(&mm);
	mm.line = st->line;
	r = im_grow(&t->mmaps, &st->cap_mmaps, t->nmmaps + 1, sizeof(*t->mmaps));
	if (r)
		return r;
	t->mmaps[t->nmmaps++] = mm;
	return 0;
}

static int add_dma(struct tstate *st, struct im_trace_dma *dp);

/* region_add [ram] 0x%lx - 0x%lx [%p] */
static int parse_dma(struct tstate *st, const char *s, const char *e)
{
	struct im_trace_dma d = { 0 };
	const char *p = s, *q;

	if ((size_t)(e - s) < 17 || memcmp(s, "region_add [ram] ", 17))
		return bad(st, "vfio_listener_region_add_ram");
	p = s + 17;
	q = p;
	while (q < e && *q != ' ')
		q++;
	if (im_parse_hex(p, (size_t)(q - p), &d.iova) || (size_t)(e - q) < 4 ||
	    memcmp(q, " - ", 3))
		return bad(st, "vfio_listener_region_add_ram");
	p = q + 3;
	q = p;
	while (q < e && *q != ' ')
		q++;
	if (im_parse_hex(p, (size_t)(q - p), &d.end) || d.end < d.iova ||
	    (size_t)(e - q) < 4 || memcmp(q, " [", 2) || e[-1] != ']')
		return bad(st, "vfio_listener_region_add_ram");
	p = q + 2;
	if ((size_t)((e - 1) - p) == 5 && !memcmp(p, "(nil)", 5))
		d.hva = 0;
	else if (im_parse_hex(p, (size_t)((e - 1) - p), &d.hva))
		return bad(st, "vfio_listener_region_add_ram");
	d.readonly = -1;
	return add_dma(st, &d);
}

/* a DMA range read at this line: a later add replaces what it overlaps (an
 * unmap before it, when the log has one, has already taken it away) */
static int add_dma(struct tstate *st, struct im_trace_dma *dp)
{
	struct im_trace *t = st->t;
	struct im_trace_dma d = *dp;
	size_t i;
	int r;

	d.line = st->line;
	for (i = 0; i < t->ndma;) {
		if (t->dma[i].iova <= d.end && d.iova <= t->dma[i].end) {
			memmove(&t->dma[i], &t->dma[i + 1],
				(t->ndma - i - 1) * sizeof(*t->dma));
			t->ndma--;
		} else {
			i++;
		}
	}
	r = im_grow(&t->dma, &st->cap_dma, t->ndma + 1, sizeof(*t->dma));
	if (r)
		return r;
	t->dma[t->ndma++] = d;
	return 0;
}

/*
 * A DMA range unmapped at this line: what it covers of the ranges read is
 * no longer mapped; a range it cuts keeps the rest (its HVA moved with its
 * IOVA), so the ranges said are the log's last word on each IOVA.
 */
static int del_dma(struct tstate *st, uint64_t iova, uint64_t end)
{
	struct im_trace *t = st->t;
	size_t i;

	for (i = 0; i < t->ndma;) {
		struct im_trace_dma *d = &t->dma[i], rest = *d;
		int r;

		if (d->end < iova || end < d->iova) {
			i++;
		} else if (d->iova < iova && d->end > end) {	/* cut in two */
			rest.iova = end + 1;
			rest.hva = d->hva ? d->hva + (end + 1 - d->iova) : 0;
			d->end = iova - 1;
			r = im_grow(&t->dma, &st->cap_dma, t->ndma + 1, sizeof(*t->dma));
			if (r)
				return r;
			t->dma[t->ndma++] = rest;
			i++;
		} else if (d->iova < iova) {
			d->end = iova - 1;
			i++;
		} else if (d->end > end) {
			d->hva = d->hva ? d->hva + (end + 1 - d->iova) : 0;
			d->iova = end + 1;
			i++;
		} else {
			memmove(d, d + 1, (t->ndma - i - 1) * sizeof(*t->dma));
			t->ndma--;
		}
	}
	return 0;
}

/* region_del 0x%lx - 0x%lx */
static int parse_del(struct tstate *st, const char *s, const char *e)
{
	uint64_t a, b;
	const char *q;

	e = im_paste_trim_end(s, e);
	if ((size_t)(e - s) < 11 || memcmp(s, "region_del ", 11))
		return bad(st, "vfio_listener_region_del");
	s += 11;
	q = memchr(s, ' ', (size_t)(e - s));
	if (!q || im_parse_hex(s, (size_t)(q - s), &a) || e - q < 4 || memcmp(q, " - ", 3) ||
	    im_parse_hex(q + 3, (size_t)(e - (q + 3)), &b) || b < a)
		return bad(st, "vfio_listener_region_del");
	return del_dma(st, a, b);
}

/* "key" in [s, e) with a value of 1..20 decimal digits (start=%ld: an
 * offset in a dmabuf, which may pass 10 digits; not used) */
static bool digits_field(const char *s, const char *e, const char *key)
{
	const char *v;
	size_t n, i;

	if (field(s, e, key, &v, &n) || !n || n > 20)
		return false;
	for (i = 0; i < n; i++)
		if (!is_digit(v[i]))
			return false;
	return true;
}

/* the "(%d)" that ends an iommufd event: the ioctl's return */
static int paren_ret(const char *s, const char *e, long long *ret)
{
	const char *o;

	e = im_paste_trim_end(s, e);
	if (e - s < 3 || e[-1] != ')' || !(o = rfind(s, e, " (")))
		return -EINVAL;
	return parse_int(o + 2, (size_t)((e - 1) - (o + 2)), ret);
}

/*
 * " iommufd=%d ioas=%d iova=0x.. size=0x.. addr=%p readonly=%d (%d)", or
 * with file: "... fd=%d start=%ld readonly=%d (%d)" (see the top).
 */
static int parse_iommufd(struct tstate *st, const char *s, const char *e, bool file)
{
	const char *what = file ? "iommufd_backend_map_file_dma" : "iommufd_backend_map_dma";
	struct im_trace_dma d = { 0 };
	long long ro, ret, fd = -1;
	uint64_t size;
	const char *v;
	size_t n;

	if (hex_field(s, e, "iova=", &d.iova) || hex_field(s, e, "size=", &size) || !size ||
	    size - 1 > UINT64_MAX - d.iova || int_field(s, e, "readonly=", &ro) || ro < 0 ||
	    ro > 1 || paren_ret(s, e, &ret))
		return bad(st, what);
	if (file ? int_field(s, e, "fd=", &fd) || !digits_field(s, e, "start=") :
	    field(s, e, "addr=", &v, &n))
		return bad(st, what);
	if (!file && !(n == 5 && !memcmp(v, "(nil)", 5)) && im_parse_hex(v, n, &d.hva))
		return bad(st, what);
	d.end = d.iova + (size - 1);
	d.readonly = (int)ro;
	if (ret) {
		struct im_trace_fail f = {
			.kind = IM_TFAIL_DMA_TRACE, .as_id = -1, .slot = -1, .addr = d.iova,
			.size = size, .have_hva = !file, .hva = d.hva, .dmabuf_fd = (int)fd,
			.slot_flags = -1,
			/* the ioctl's -1; an -errno (not QEMU's code, but said plainly) too */
			.err = ret < -1 && ret > -4096 ? (int)-ret : 0,
		};

		return add_fail(st, &f);
	}
	return file ? 0 : add_dma(st, &d);
}

/* " iommufd=%d ioas=%d iova=0x.. size=0x.. (%d)": (0) unmapped the range;
 * a failed unmap takes nothing away */
static int parse_iommufd_unmap(struct tstate *st, const char *s, const char *e)
{
	uint64_t iova, size;
	long long ret;

	if (hex_field(s, e, "iova=", &iova) || hex_field(s, e, "size=", &size) || !size ||
	    size - 1 > UINT64_MAX - iova || paren_ret(s, e, &ret))
		return bad(st, "iommufd_backend_unmap_dma");
	return ret ? 0 : del_dma(st, iova, iova + (size - 1));
}

static int cmp_tslot(const void *a, const void *b)
{
	const struct im_trace_slot *x = a, *y = b;

	if (x->as_id != y->as_id)
		return x->as_id < y->as_id ? -1 : 1;
	if (x->gpa != y->gpa)
		return x->gpa < y->gpa ? -1 : 1;
	return (x->slot > y->slot) - (x->slot < y->slot);
}

static int cmp_dma(const void *a, const void *b)
{
	const struct im_trace_dma *x = a, *y = b;

	return (x->iova > y->iova) - (x->iova < y->iova);
}

void im_trace_free(struct im_trace *t)
{
	free(t->slots);
	free(t->regions);
	free(t->mmaps);
	free(t->dma);
	free(t->fails);
	memset(t, 0, sizeof(*t));
}

static bool blank(const char *s, const char *e)
{
	for (; s < e; s++)
		if (*s != ' ' && *s != '\t')
			return false;
	return true;
}

static void not_understood(struct im_trace *t, unsigned int line)
{
	if (!t->unknown++)
		t->first_unknown = line;
}

/* the known event at s, if any, parsed: *a is its arguments, or NULL */
static int parse_event(struct tstate *st, const char *s, const char *e, const char **a)
{
	if ((*a = event(s, e, "kvm_set_user_memory")))
		return parse_slot(st, *a, e);
	if ((*a = event(s, e, "vfio_region_setup")))
		return parse_region(st, *a, e);
	if ((*a = event(s, e, "vfio_region_mmap")))
		return parse_mmap(st, *a, e);
	if ((*a = event(s, e, "vfio_listener_region_add_ram")))
		return parse_dma(st, *a, e);
	if ((*a = event(s, e, "iommufd_backend_map_dma")))
		return parse_iommufd(st, *a, e, false);
	if ((*a = event(s, e, "iommufd_backend_map_file_dma")))
		return parse_iommufd(st, *a, e, true);
	if ((*a = event(s, e, "vfio_listener_region_del")))
		return parse_del(st, *a, e);
	if ((*a = event(s, e, "iommufd_backend_unmap_dma")))
		return parse_iommufd_unmap(st, *a, e);
	return 0;
}

/* count line [p, e) (s: past its prefix) as an event read, one lost, another
 * event or not understood */
static void count_line(struct im_trace *t, unsigned int line, const char *p, const char *s,
		       const char *e, bool read)
{
	if (read) {
		t->nevents++;
	} else if (bare_event(s, e)) {
		not_understood(t, line);	/* a name, no event: nothing lost */
	} else if (names_event_read(p, e)) {
		/* an event read here, cut off or behind an unknown prefix */
		t->lost_events++;
		not_understood(t, line);
	} else if (event_like(s, e)) {
		t->other_events++;
		if ((!strncmp(s, "vfio_", 5) || !strncmp(s, "iommufd_", 8)) && !t->other_vfio++) {
			const char *b = memchr(s, ' ', (size_t)(e - s));

			t->first_other_vfio = line;
			copy_str(t->other_vfio_name, sizeof(t->other_vfio_name), s,
				 (size_t)((b ? b : e) - s));
		}
	} else if (!blank(p, e)) {
		not_understood(t, line);
	}
}

/*
 * A line that only echoes a failure, or QEMU's hint after a failed DMA map
 * of a BAR ("0000:03:00.3: PCI peer-to-peer transactions on BARs are not
 * supported."): what it adds goes to the failure just read, when the line
 * before this one said it (or added to it): the errno of "IOMMU_IOAS_MAP
 * failed: Invalid argument" to an iommufd event's failure, the device to a
 * failed DMA map.
 */
static bool fail_note(struct tstate *st, const char *s, const char *e)
{
	struct im_trace *t = st->t;
	struct im_trace_fail *last = t->nfails && st->after_fail ? &t->fails[t->nfails - 1] : NULL;
	bool dma = last && (last->kind == IM_TFAIL_DMA || last->kind == IM_TFAIL_DMA_TRACE);
	char dev[64];
	const char *k;

	if (im_tfail_p2p(s, e, dev, sizeof(dev))) {
		if (dma && !last->p2p_dev[0])
			memcpy(last->p2p_dev, dev, sizeof(dev));
		st->fail_line = dma;
		return true;
	}
	if (!im_tfail_echo(s, e))
		return false;
	st->fail_line = dma;
	k = memmem(s, (size_t)(e - s), "IOMMU_IOAS_MAP failed", 21);
	if (k && dma && last->kind == IM_TFAIL_DMA_TRACE && !last->err)
		last->err = im_tfail_errno(k, e);
	return true;
}

/* "; N lines not understood (first: FILE:LINE)", or "" */
static const char *unknown_tail(const struct tstate *st, char *buf, size_t n)
{
	buf[0] = 0;
	if (st->t->unknown)
		snprintf(buf, n, "; %u line%s not understood (first: %s:%u)", st->t->unknown,
			 st->t->unknown == 1 ? "" : "s", st->file, st->t->first_unknown);
	return buf;
}

/* after the last line: an error if nothing was read, else sort what was */
static int finish_trace(struct tstate *st)
{
	struct im_trace *t = st->t;
	char tail[320];

	if (!t->nevents && !t->nfails) {
		if (t->malformed)
			im_err_set(st->err, st->file, t->first_malformed,
				   "%s; nothing else in the log could be read (%u malformed lines)",
				   t->malformed_msg, t->malformed);
		else if (t->other_vfio)
			im_err_set(st->err, st->file, 0,
				   "no event read here found; %u line%s of vfio_*/iommufd_* events carry no address read here (first: %s:%u, %s)%s",
				   t->other_vfio, t->other_vfio == 1 ? "" : "s", st->file,
				   t->first_other_vfio, t->other_vfio_name, unknown_tail(st, tail, sizeof(tail)));
		else if (t->unknown)
			im_err_set(st->err, st->file, 0,
				   "no kvm_set_user_memory or vfio_* trace events found; %u line%s not understood (first: %s:%u)",
				   t->unknown, t->unknown == 1 ? "" : "s", st->file, t->first_unknown);
		else
			im_err_set(st->err, st->file, 0,
				   "no kvm_set_user_memory or vfio_* trace events found");
		im_trace_free(t);
		return -EINVAL;
	}
	if (t->nslots)
		qsort(t->slots, t->nslots, sizeof(*t->slots), cmp_tslot);
	if (t->ndma)
		qsort(t->dma, t->ndma, sizeof(*t->dma), cmp_dma);
	return 0;
}

/*
 * An event line that did not parse (or an event's name alone), and the
 * lines after it: while the event does not parse and the next line is no
 * line of its own (not blank, no event, no failure), up to 3 of them read
 * with it as one event ("... [0xf8000000 - 0xf8005fff \n[0x7f...]",
 * "vfio_region_mmap Region \n0000:84:00.0 BAR 0 mmaps[0] [0x0 - 0xffffff]",
 * a format=flowed mail's kvm_set_user_memory over three lines).  Returns
 * how many lines it took beyond the first (0: none, the event is not
 * read); the event is recorded at the first line.
 */
static int join_wrapped_event(struct tstate *st, const char *s, const char *e,
			      const char *next, const char *end, const char **a)
{
	struct im_trace_fail f;
	const char *ns, *ne;
	char buf[2048];
	size_t n = (size_t)(e - s);
	int more;

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	for (more = 1; more <= 3 && next; more++) {
		next = line_data(next, end, &ns, &ne);
		if (ns == ne || event_like(ns, ne) || names_event_read(ns, ne) ||
		    im_tfail_parse(ns, ne, &f) || !join_data(buf, &n, sizeof(buf), ns, ne))
			return 0;
		if (!parse_event(st, buf, buf + n, a) && *a)
			break;
	}
	if (more > 3 || !*a)
		return 0;
	*a = s;		/* not into buf, which is gone on return */
	for (int k = 0; k < more; k++)
		next_line(st);
	return more;
}

static int parse_text(const struct im_paste_text *text, const char *file,
		      struct im_trace *out, struct im_err *err)
{
	struct tstate st = { .t = out, .file = file, .text = text, .err = err };
	const char *p = text->buf, *end = text->buf + text->len;
	int r = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *s, *a;
		bool truncated = !nl;
		int joined;

		next_line(&st);
		st.after_fail = st.fail_line;
		st.fail_line = false;
		if (e > p && e[-1] == '\r')
			e--;
		s = im_paste_strip(p, e);
		r = parse_event(&st, s, e, &a);
		if ((r == -EINVAL || (!r && !a && bare_event(s, e))) && nl &&
		    (joined = join_wrapped_event(&st, s, e, nl + 1, end, &a)) > 0) {
			/* a mail wrapped the event: its lines read as one */
			r = 0;
			while (joined-- > 0 && nl)
				nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1));
			e = nl ? nl : end;
			truncated = !nl;
		}
		if (!a && !r) {
			bool found;
			int more = parse_fail(&st, s, e, nl ? nl + 1 : NULL, end, &found);

			if (more < 0) {
				r = more;
			} else if (found) {
				a = s;
				for (; more > 0 && nl; more--) {
					nl = memchr(nl + 1, '\n', (size_t)(end - nl - 1));
					next_line(&st);
				}
				e = nl ? nl : end;
			} else if (fail_note(&st, s, e)) {
				out->echoes++;
				out->nevents++;
				p = nl ? nl + 1 : end;
				continue;
			}
		}
		if (r == -EINVAL && truncated) {
			/* a log cut off mid-line (QEMU killed): the stub is not understood */
			r = 0;
			a = NULL;
		}
		if (r == -EINVAL) {
			/* a malformed line of an event read here: skipped, counted and
			 * named; the log is refused only when nothing else is read */
			if (!out->malformed++) {
				out->first_malformed = err->line ? err->line : st.line;
				snprintf(out->malformed_msg, sizeof(out->malformed_msg), "%s", err->msg);
			}
			p = nl ? nl + 1 : end;
			continue;
		}
		if (r) {
			free(st.slot_pos);
			im_trace_free(out);
			return r;
		}
		count_line(out, st.line, p, s, e, a != NULL);
		p = nl ? nl + 1 : end;
	}
	out->nlines = st.lno;
	free(st.slot_pos);
	st.slot_pos = NULL;
	return finish_trace(&st);
}

/* parse_text through the frame every paste reader shares */
static int parse_any(const struct im_paste_text *text, const char *file, void *out,
		     struct im_err *err)
{
	return parse_text(text, file, out, err);
}

int im_trace_parse(const char *buf, size_t len, const char *file,
		   struct im_trace *out, struct im_err *err)
{
	memset(out, 0, sizeof(*out));
	return im_paste_parse(buf, len, file, parse_any, out, &out->qp, &out->qp_soft, err);
}

/*
 * The devices QEMU names other than by their host BDF (VFIO_FD<fd>, an id,
 * an mdev UUID), each once, with what ties it to a host device: "; QEMU
 * names devices other than by host BDF: VFIO_FD13 (fd 13 of ...: host ...)".
 */
static char *other_names(const struct im_model *m, const struct im_trace *t)
{
	char *s = NULL;
	size_t i, j, n = 0;

	for (i = 0; i < t->nregions; i++) {
		const char *dev = t->regions[i].dev;
		char how[400], *ns;
		int d;

		if (im_vfio_name_kind(dev, NULL) == IM_VN_BDF)
			continue;
		for (j = 0; j < i; j++)
			if (!strcmp(t->regions[j].dev, dev))
				break;
		if (j < i)
			continue;
		d = im_vfio_name_device(m, dev, how, sizeof(how));
		if (d >= 0)
			ns = im_asprintf("%s%s %s (host %s, by %s)", s ? s : "", n ? "," : "", dev,
					 m->devices[d].bdf, how);
		else
			ns = im_asprintf("%s%s %s (known only by this name here%s%s)", s ? s : "",
					 n ? "," : "", dev, how[0] ? ": " : "", how);
		free(s);
		if (!ns)
			return NULL;
		s = ns;
		n++;
	}
	if (!n)
		return im_strdup("");
	{
		char *out = im_asprintf("; QEMU names %zu device%s other than by host BDF:%s", n,
					n == 1 ? "" : "s", s);

		free(s);
		return out;
	}
}

/* regions[] index of BAR bar of model device dev, by the name QEMU gave it */
static long region_of(const struct im_model *m, const struct im_trace *t, int dev, int bar)
{
	size_t j;

	for (j = 0; j < t->nregions; j++) {
		char how[400];

		if (t->regions[j].index != bar)
			continue;
		if (!strcmp(t->regions[j].dev, m->devices[dev].bdf) ||
		    (im_vfio_name_kind(t->regions[j].dev, NULL) != IM_VN_BDF &&
		     im_vfio_name_device(m, t->regions[j].dev, how, sizeof(how)) == dev))
			return (long)j;
	}
	return -1;
}

/* the source's detail: what the log holds, and how many BARs it placed */
static char *trace_detail(const struct im_model *m, const struct im_trace *t,
			  const char *file, unsigned int nbars)
{
	char other[64] = "", unknown[640] = "", lost[96] = "", bad[640] = "", qp[128];
	char *names = other_names(m, t), *s;

	if (t->malformed)
		snprintf(bad, sizeof(bad), "; %u malformed line%s of events read here skipped (first: %s:%u: %s)",
			 t->malformed, t->malformed == 1 ? "" : "s", file, t->first_malformed,
			 t->malformed_msg);

	if (t->other_events)
		snprintf(other, sizeof(other), "; %u line%s of other events skipped",
			 t->other_events, t->other_events == 1 ? "" : "s");
	if (t->lost_events)
		snprintf(lost, sizeof(lost), "; %u of them name%s an event read here: events are missing",
			 t->lost_events, t->lost_events == 1 ? "s" : "");
	if (t->unknown)
		snprintf(unknown, sizeof(unknown), "; %u line%s not understood (first: %s:%u%s)",
			 t->unknown, t->unknown == 1 ? "" : "s", file, t->first_unknown, lost);
	if (!names)
		return NULL;
	s = im_asprintf("%s: %u events; %zu final memslots (%s); %zu vfio regions, %zu mmaps, %zu DMA ranges; %u BARs placed%s%s%s%s%s",
			file, t->nevents, t->nslots,
			t->fmt == IM_TRACE_FMT_AS ? "QEMU >= 9.0 format" :
			t->fmt == IM_TRACE_FMT_SLOT ? "QEMU <= 8.2 format" :
			"no kvm_set_user_memory lines",
			t->nregions, t->nmmaps, t->ndma, nbars, names, other, unknown, bad,
			im_paste_qp_note(t->qp, t->qp_soft, qp, sizeof(qp)));
	free(names);
	return s;
}

/* the source entry (im_add_source replaces one of the same name in place) */
static int trace_source(struct im_model *m, const struct im_trace *t, const char *file,
			unsigned int nbars)
{
	char *detail = trace_detail(m, t, file, nbars);
	int r;

	if (!detail)
		return -ENOMEM;
	r = im_add_source(m, "qemu-trace", t->lost_events || t->malformed ? IM_SRC_PARTIAL :
			  IM_SRC_OK, "%s", detail);
	free(detail);
	return r;
}

/* the trace's final DMA maps (sorted by IOVA, a later add replaced overlaps) */
static int dma_maps(struct im_model *m, const struct im_trace *t)
{
	size_t i;

	if (!t->ndma)
		return 0;
	free(m->dma);
	m->dma = im_calloc(t->ndma, sizeof(*m->dma));
	if (!m->dma)
		return -ENOMEM;
	for (i = 0; i < t->ndma; i++)
		m->dma[i] = (struct im_dma_map){ .iova = t->dma[i].iova,
						 .size = t->dma[i].end - t->dma[i].iova + 1,
						 .hva = t->dma[i].hva,
						 .readonly = t->dma[i].readonly < 0 ? IM_TRI_UNKNOWN :
							     t->dma[i].readonly ? IM_TRI_YES : IM_TRI_NO,
						 .line = t->dma[i].line };
	m->ndma = t->ndma;
	m->dma_source = "qemu-trace";
	return 0;
}

/* the trace's vfio_region_mmap events, in its order; their HVAs: im_trace_place */
static int region_mmaps(struct im_model *m, const struct im_trace *t)
{
	size_t i;

	if (!t->nmmaps)
		return 0;
	free(m->rmmaps);
	m->rmmaps = im_calloc(t->nmmaps, sizeof(*m->rmmaps));
	if (!m->rmmaps)
		return -ENOMEM;
	for (i = 0; i < t->nmmaps; i++) {
		const struct im_trace_mmap *mm = &t->mmaps[i];
		struct im_region_mmap *r = &m->rmmaps[i];

		memcpy(r->name, mm->name, sizeof(r->name));
		memcpy(r->dev, mm->dev, sizeof(r->dev));
		r->bar = mm->bar;
		r->index = mm->index;
		r->off = mm->start;
		r->size = mm->end - mm->start + 1;	/* 0: the whole 64-bit range */
		r->mdev = -1;
		r->line = mm->line;
		r->hva_why = m->paste ?
			"QEMU's vfio_region_mmap trace does not print it; the target's maps give it: --pid or --sysroot" :
			"QEMU's vfio_region_mmap trace does not print it, and it was not placed in the target's maps";
	}
	m->nrmmaps = t->nmmaps;
	m->rmmap_source = "qemu-trace";
	return 0;
}

/*
 * With a target whose maps were read: whether none of the trace's memslot
 * and DMA-map HVAs (of maps made or failed) is in one of its mappings (the
 * trace is another process's).  *n: how many HVAs were looked up.
 */
static bool other_process(const struct im_model *m, const struct im_trace *t, size_t *n)
{
	size_t i;

	*n = 0;
	if (m->paste || m->pid < 0 || !m->nmaps)
		return false;
	for (i = 0; i < t->nslots; i++) {
		if (!t->slots[i].size)
			continue;
		++*n;
		if (im_find_map(m, t->slots[i].hva) >= 0)
			return false;
	}
	for (i = 0; i < t->ndma; i++) {
		++*n;
		if (im_find_map(m, t->dma[i].hva) >= 0)
			return false;
	}
	for (i = 0; i < t->nfails; i++) {	/* a failed map's HVA (DMA or memslot) is QEMU's too */
		if (!t->fails[i].have_hva)
			continue;
		++*n;
		if (im_find_map(m, t->fails[i].hva) >= 0)
			return false;
	}
	return *n > 0;
}

int im_trace_apply(struct im_model *m, struct im_trace *t, const char *file)
{
	size_t i, n;
	int r;

	if (other_process(m, t, &n)) {
		t->other_process = true;
		r = IM_FINDING(m, IM_F_TRACE_OTHER_PROCESS, file, n, m->pid);
		return r ? r : im_add_source(m, "qemu-trace", IM_SRC_PARTIAL,
					     "%s: another process's (no HVA of it is the target's): not used",
					     file);
	}

	for (i = 0; i < t->nslots; i++) {
		const struct im_trace_slot *s = &t->slots[i];
		struct im_memslot ms = {
			.as_id = s->as_id, .slot = s->slot, .gpa = s->gpa,
			.size = s->size, .hva = s->hva, .flags = s->flags,
		};

		r = im_add_memslot(m, &ms);
		if (r)
			return r;
	}
	if (t->fmt != IM_TRACE_FMT_NONE) {
		im_sort_memslots(m);
		m->memslots_known = true;
		m->memslot_source = "qemu-trace";
	}
	r = dma_maps(m, t);
	if (!r)
		r = region_mmaps(m, t);
	return r ? r : trace_source(m, t, file, 0);
}

/* a qemu-trace guest BAR of host_bdf's BAR bar is already known */
static bool placed(const struct im_model *m, const char *host_bdf, int bar)
{
	size_t j;

	for (j = 0; j < m->nqbars; j++)
		if (!strcmp(m->qbars[j].host_bdf, host_bdf) && m->qbars[j].bar == bar &&
		    m->qbars[j].source && !strcmp(m->qbars[j].source, "qemu-trace"))
			return true;
	return false;
}

/*
 * The HVA of each vfio_region_mmap, from the target's maps: the model's
 * device QEMU's name denotes (never guessed), and the mmap of that BAR
 * that holds all of the mmap's offsets.
 */
static void place_region_mmaps(struct im_model *m)
{
	size_t i;

	for (i = 0; !m->paste && i < m->nrmmaps; i++) {	/* paste: no maps to place in */
		struct im_region_mmap *r = &m->rmmaps[i];
		char how[400];

		if (!r->dev[0] || r->bar < 0 || r->bar >= IM_NBARS) {
			r->hva_why = "the region is not named as a vfio BAR";
			continue;
		}
		r->mdev = im_vfio_name_kind(r->dev, NULL) == IM_VN_BDF ? im_find_device(m, r->dev) :
			  im_vfio_name_device(m, r->dev, how, sizeof(how));
		if (r->mdev < 0) {
			r->hva_why = "the device QEMU names is not one the host shows";
			continue;
		}
		r->have_hva = r->size &&
			      im_bar_off_hva(&m->devices[r->mdev].bars[r->bar], r->off, r->size, &r->hva);
		r->hva_why = r->have_hva ? NULL :
			     "no mmap of the target's maps holds these offsets of the BAR (the trace is another run's?)";
	}
}

int im_trace_place(struct im_model *m, const struct im_trace *t, const char *file)
{
	unsigned int nbars = 0;
	size_t i;
	int r;

	if (t->other_process)
		return 0;

	place_region_mmaps(m);
	for (i = 0; i < t->ndma; i++) {
		const struct im_trace_dma *d = &t->dma[i];
		struct im_qemu_bar qb = { .source = "qemu-trace" };
		struct im_place p;
		long rg;

		if (!d->hva)
			continue;
		im_place_hva(m, d->hva, &p);
		if (p.f_bar.state != IM_KNOWN || p.bar_offset > d->iova)
			continue;
		snprintf(qb.host_bdf, sizeof(qb.host_bdf), "%s", m->devices[p.dev].bdf);
		if (placed(m, qb.host_bdf, p.bar))
			continue;
		qb.bar = p.bar;
		qb.gpa = d->iova - p.bar_offset;
		qb.have_hva = !p.bar_offset;
		qb.hva = p.bar_offset ? 0 : d->hva;
		rg = region_of(m, t, p.dev, p.bar);
		qb.size = rg >= 0 ? t->regions[rg].size : 0;
		r = im_add_qemu_bar(m, &qb);
		if (r)
			return r;
		nbars++;
	}
	/* the same entry, in its place among the sources: now with the count */
	return trace_source(m, t, file, nbars);
}

int im_trace_load_text(struct im_model *m, const char *buf, size_t len, const char *file,
		       struct im_trace *t, struct im_err *err)
{
	int r;

	memset(t, 0, sizeof(*t));
	r = im_trace_parse(buf, len, file, t, err);
	if (r)
		return r;
	r = im_trace_apply(m, t, file);
	if (!r)
		r = im_tfail_findings(m, t, file);
	if (r)
		im_trace_free(t);
	return r;
}

int im_trace_load(struct im_model *m, const char *file, bool keep, struct im_trace *t,
		  struct im_err *err)
{
	size_t len = 0;
	char *buf = NULL;
	int r;

	memset(t, 0, sizeof(*t));
	r = im_paste_read(file, (size_t)2 << 30, &file, &buf, &len, err);
	if (r)
		return r;
	r = im_trace_load_text(m, buf, len, file, t, err);
	if (!r && keep) {
		free(m->trace_text);
		m->trace_text = buf;
		m->trace_len = len;
		buf = NULL;
	}
	free(buf);
	return r;
}
