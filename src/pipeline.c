// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pipeline.c - the load order as data: the sources, correlate in its two
 * halves, and the passes after it, each with what it needs and fills.
 * Library code: returns -errno with err filled, never prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iommu-map.h"
#include "pipeline.h"
#include "findings.h"
#include "sources/gdbexport.h"
#include "sources/kmod.h"
#include "sources/maps-paste.h"
#include "sources/trace.h"
#include "sources/qmp.h"
#include "sources/qtree.h"
#include "sources/widths.h"
#include "checks/mmio.h"
#include "checks/pagetables.h"

/* the target and the host: not in paste mode, where nothing of them is read */
static bool want_host(const struct im_load *l)
{
	return !l->o->paste;
}

static int run_proc(struct im_load *l)
{
	return im_proc_load(l->m, l->o->pid, l->err);
}

static int run_pci(struct im_load *l)
{
	return im_pci_load(l->m, l->err);
}

/* after correlate has tied the maps: only the devices it says are held are read further */
static int run_pci_caps(struct im_load *l)
{
	return im_pci_caps(l->m, l->err);
}

/* after correlate, which says which devices are held: only those are named */
static int run_pci_names(struct im_load *l)
{
	return im_pci_names(l->m, l->o->ids);
}

static bool want_maps_paste(const struct im_load *l)
{
	return l->o->maps;
}

static int run_maps_paste(struct im_load *l)
{
	return im_maps_paste_load_beside(l->m, l->o->maps, l->o->maps_beside_mtree, l->err);
}

/*
 * The address widths: the host's from sysfs and cpuinfo, the guest's from
 * QEMU's command line; in paste mode none is read, and each says how to get it.
 */
static int run_widths(struct im_load *l)
{
	struct im_model *m = l->m;
	int r;

	if (m->paste) {
		r = im_width_unknown(&m->iommu_width, "paste mode: cat /sys/class/iommu/*/intel-iommu/cap");
		if (!r)
			r = im_width_unknown(&m->cpu_width, "paste mode: grep -m1 'address sizes' /proc/cpuinfo");
	} else {
		r = im_iommu_width_load(m);
		if (!r)
			r = im_cpuinfo_load(m);
	}
	return r ? r : im_physbits_load(m);
}

static int run_width_checks(struct im_load *l)
{
	return im_widths_check(l->m);
}

static int run_mmio_check(struct im_load *l)
{
	return im_mmio_check(l->m);
}

static int run_leaves_check(struct im_load *l)
{
	return im_leaves_check(l->m);
}

/* a --sysroot fixture, whose iommu-map/ holds what its capture kept */
static bool in_fixture(const struct im_load *l)
{
	return !l->o->paste && !im_root_is_live();
}

/* a file the fixture's capture kept: 0 with *buf, 1 when it kept none, or -errno (err set) */
static int read_kept(struct im_load *l, const char *rel, char **buf, size_t *len)
{
	int r = im_root_read(rel, buf, len);

	if (r == -ENOENT)
		return 1;
	return r ? im_root_err(l->err, rel, r) : 0;
}

/* --gdb-export, or the copy a capture kept (--gdb-export wins) */
static bool want_gdb_export(const struct im_load *l)
{
	return l->o->gdb_export || in_fixture(l);
}

static int run_gdb_export(struct im_load *l)
{
	char *buf;
	size_t len;
	int r;

	if (l->o->gdb_export)
		return im_gdbexport_load(l->m, l->o->gdb_export, l->o->keep_inputs, l->err);
	r = read_kept(l, IM_KEPT_GDB_EXPORT, &buf, &len);
	if (r)
		return r < 0 ? r : 0;
	r = im_gdbexport_parse(l->m, buf, len, IM_KEPT_GDB_EXPORT, l->err);
	free(buf);
	return r;
}

/* --qemu-trace, or the copy a capture kept (--qemu-trace wins) */
static bool want_trace(const struct im_load *l)
{
	return l->o->qemu_trace || in_fixture(l);
}

static int run_trace(struct im_load *l)
{
	char *buf;
	size_t len;
	int r;

	if (l->o->qemu_trace) {
		l->trace_name = l->o->qemu_trace;
		r = im_trace_load(l->m, l->o->qemu_trace, l->o->keep_inputs, &l->trace, l->err);
	} else {
		r = read_kept(l, IM_KEPT_TRACE, &buf, &len);
		if (r)
			return r < 0 ? r : 0;
		l->trace_name = IM_KEPT_TRACE;
		r = im_trace_load_text(l->m, buf, len, IM_KEPT_TRACE, &l->trace, l->err);
		free(buf);
	}
	l->have_trace = !r;
	return r;
}

/* --qmp, or the answers a fixture kept */
static bool want_qmp(const struct im_load *l)
{
	return l->o->qmp || in_fixture(l);
}

static int run_qmp(struct im_load *l)
{
	static const char kept[] = "iommu-map/qmp/query-pci.json";
	int fd;

	if (l->o->qmp)
		return im_qmp_load(l->m, l->o->qmp, l->err);
	fd = im_root_open(kept, O_RDONLY);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return im_root_err(l->err, kept, fd);
	close(fd);
	return im_qmp_load_captured(l->m, l->err);
}

/* Memslots unknown: WHY, after what an earlier source (a gdb export whose
 * slots gdb could not read) said of them. */
static int memslots_unavailable(struct im_model *m, const char *why)
{
	if (m->memslots_why)
		return im_add_source(m, "memslots", IM_SRC_UNAVAILABLE, "%s; %s",
				     m->memslots_why, why);
	return im_add_source(m, "memslots", IM_SRC_UNAVAILABLE, "%s", why);
}

/*
 * The memslot fallback, when no QEMU-side source gave them: the fixture's
 * file, else none without KVM, else the fixture's word why not, else the
 * module, else say what would give them.
 */
static bool want_memslots(const struct im_load *l)
{
	return !l->m->memslots_known;
}

static int run_memslots(struct im_load *l)
{
	struct im_model *m = l->m;
	char *status = NULL;
	int r;

	if (m->paste)
		return memslots_unavailable(m, "no target and no host: only a pasted kvm_set_user_memory trace (--qemu-trace) or gdb export gives memslots");
	r = im_memslots_load(m, l->err);
	if (r != -ENOENT)
		return r;
	if (m->kvm_vm == IM_TRI_NO && !m->memslots_why)
		return im_add_source(m, "memslots", IM_SRC_OK,
				     "the target holds no KVM VM fd (anon_inode:kvm-vm): it runs without KVM (TCG), so there are no memslots");
	r = im_root_read("iommu-map/memslots.status", &status, NULL);
	if (!r) {	/* the capture's whole word, a kept gdb export's why already in it */
		r = im_add_source(m, "memslots", IM_SRC_UNAVAILABLE, "%s", status);
		free(status);
		return r;
	}
	if (r != -ENOENT)
		return im_root_err(l->err, "iommu-map/memslots.status", r);
	if (!im_root_is_live())
		return memslots_unavailable(m, "the fixture has no iommu-map/memslots");
	if (im_kmod_available())
		return im_kmod_load_memslots(m, l->err);
	return memslots_unavailable(m, m->memslots_why ?
				    "load the iommu-map kernel module (kmod/, /dev/iommu-map), or pass --qemu-trace" :
				    "KVM memslots cannot be read from user space: load the iommu-map kernel module (kmod/, /dev/iommu-map), or pass --gdb-export or --qemu-trace");
}

static int run_correlate_maps(struct im_load *l)
{
	return im_correlate_maps(l->m);
}

/* --qtree: after correlate-maps, which says which host devices the target holds */
static bool want_qtree(const struct im_load *l)
{
	return l->o->qtree;
}

static int run_qtree(struct im_load *l)
{
	return im_qtree_load(l->m, l->o->qtree, l->err);
}

/* the trace's DMA ranges, placed on BARs by what correlate tied each HVA to */
static bool want_trace_dma(const struct im_load *l)
{
	return l->have_trace;
}

static int run_trace_dma(struct im_load *l)
{
	return im_trace_place(l->m, &l->trace, l->trace_name);
}

static int run_correlate_join(struct im_load *l)
{
	return im_correlate_join(l->m);
}

/* answers kept: a live --qmp run */
static bool want_qmp_check(const struct im_load *l)
{
	return l->m->qmp.query_pci;
}

static int run_qmp_check(struct im_load *l)
{
	return im_qmp_crosscheck(l->m);
}

static bool want_kmod_checks(const struct im_load *l)
{
	return l->o->kmod_checks && !l->o->paste && im_root_is_live() && im_kmod_available();
}

/*
 * With the module: prove each BAR's HPA by walking its HVAs (the result
 * goes on the mmap), and compare the IOMMU's view with the CPU's.  Each
 * adds its own source entry and findings; only ENOMEM is fatal.
 */
static int run_kmod_checks(struct im_load *l)
{
	struct im_model *m = l->m;
	struct im_kmod_check *c = NULL;
	size_t n = 0, i;
	int r = im_kmod_verify(m, &c, &n, l->err);

	for (i = 0; !r && i < n; i++) {
		struct im_bar_mmap *mm = &m->devices[c[i].dev].bars[c[i].bar].mmaps[c[i].mmap];

		mm->hpa_check = c[i].r.check;
		mm->hpa_present = c[i].r.present;
		mm->hpa_pages = c[i].r.pages;
		mm->hpa_leaves_known = c[i].r.leaves_known;
		memcpy(mm->hpa_leaves, c[i].r.leaves, sizeof(mm->hpa_leaves));
	}
	free(c);
	if (r == -ENOMEM)
		return r;
	r = im_kmod_check_iommu(m, l->err);
	return r == -ENOMEM ? r : 0;
}

/* a fixture: the module's checks as they were captured */
static bool want_kchecks(const struct im_load *l)
{
	return in_fixture(l);
}

static int run_kchecks(struct im_load *l)
{
	return im_kchecks_load(l->m, l->err);
}

#define SRC (IM_FILL_MAPS | IM_FILL_DEVICES)

static const struct im_stage stages[] = {
	{ "proc", 0, IM_FILL_MAPS, 0, want_host, run_proc },
	{ "pci", 0, IM_FILL_DEVICES, IM_STAGE_EARLY, want_host, run_pci },
	{ "maps-paste", 0, IM_FILL_MAPS, 0, want_maps_paste, run_maps_paste },
	{ "widths", IM_FILL_MAPS, IM_FILL_WIDTHS, 0, NULL, run_widths },
	/* QEMU-side sources: after proc and pci, before the memslot fallback */
	{ "gdb-export", SRC, IM_FILL_QBARS | IM_FILL_MEMSLOTS, 0, want_gdb_export,
	  run_gdb_export },
	{ "qemu-trace", SRC | IM_FILL_WIDTHS, IM_FILL_MEMSLOTS, 0, want_trace, run_trace },
	{ "qmp", SRC, IM_FILL_QBARS, 0, want_qmp, run_qmp },
	{ "memslots", IM_FILL_MAPS, IM_FILL_MEMSLOTS, 0, want_memslots, run_memslots },
	{ "correlate-maps", SRC, IM_FILL_IDENT, IM_STAGE_CORRELATE, NULL, run_correlate_maps },
	{ "qtree", SRC | IM_FILL_IDENT, IM_FILL_QBARS, 0, want_qtree, run_qtree },
	{ "qemu-trace-dma", IM_FILL_IDENT, IM_FILL_QBARS, IM_STAGE_CORRELATE,
	  want_trace_dma, run_trace_dma },
	{ "pci-caps", IM_FILL_IDENT | IM_FILL_QBARS, IM_FILL_CAPS, 0, want_host, run_pci_caps },
	{ "correlate-join", SRC | IM_FILL_IDENT | IM_FILL_QBARS | IM_FILL_MEMSLOTS | IM_FILL_CAPS,
	  IM_FILL_JOINED, IM_STAGE_CORRELATE, NULL, run_correlate_join },
	{ "qmp-crosscheck", IM_FILL_JOINED, IM_FILL_CHECKS, IM_STAGE_CORRELATE,
	  want_qmp_check, run_qmp_check },
	{ "kmod-checks", IM_FILL_JOINED, IM_FILL_CHECKS, IM_STAGE_CORRELATE,
	  want_kmod_checks, run_kmod_checks },
	{ "kernel-checks", IM_FILL_JOINED, IM_FILL_CHECKS, IM_STAGE_CORRELATE,
	  want_kchecks, run_kchecks },
	{ "width-checks", IM_FILL_JOINED | IM_FILL_WIDTHS, 0, IM_STAGE_CORRELATE,
	  NULL, run_width_checks },
	{ "leaves-check", IM_FILL_CHECKS, 0, IM_STAGE_CORRELATE, NULL, run_leaves_check },
	{ "mmio-check", IM_FILL_JOINED, 0, IM_STAGE_CORRELATE, NULL, run_mmio_check },
	{ "pci-names", IM_FILL_JOINED, 0, 0, want_host, run_pci_names },
};

const struct im_stage *im_pipeline_stages(size_t *n)
{
	*n = sizeof(stages) / sizeof(stages[0]);
	return stages;
}

int im_pipeline_check(const struct im_stage *st, size_t n, size_t *bad)
{
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i; j < n; j++)
			if ((st[i].needs & st[j].fills) || ((st[i].flags & IM_STAGE_EARLY) && st[i].needs)) {
				*bad = i;
				return -EINVAL;
			}
	return 0;
}

/* an early stage, while it runs: its own load, model and error */
struct early {
	struct im_load l;
	struct im_model m;
	struct im_err err;
	const struct im_stage *st;
	pthread_t tid;
	int r;
	bool started;
};

static void *run_early(void *arg)
{
	struct early *e = arg;

	e->r = e->st->run(&e->l);
	return NULL;
}

/* start stage st of l early; if no thread starts, it runs in its turn */
static void start_early(struct early *e, struct im_load *l, const struct im_stage *st)
{
	memset(e, 0, sizeof(*e));
	im_model_init(&e->m);
	e->m.sysroot = l->m->sysroot;
	e->m.pid = l->m->pid;
	e->l = *l;
	e->l.m = &e->m;
	e->l.err = &e->err;
	e->st = st;
	e->started = !pthread_create(&e->tid, NULL, run_early, e);
	if (!e->started)
		im_model_free(&e->m);
}

/* what an early stage filled, moved into m: devices, then sources and findings in order */
static int merge_early(struct im_model *m, struct im_model *from)
{
	size_t i;
	int r = 0;

	if (from->devices) {
		m->devices = from->devices;
		m->ndevices = from->ndevices;
		from->devices = NULL;
		from->ndevices = 0;
	}
	for (i = 0; !r && i < from->nsources; i++) {
		const struct im_source *s = &from->sources[i];

		r = im_add_source(m, s->name, s->status, "%s", s->detail ? s->detail : "");
	}
	return r ? r : im_findings_move(m, from);
}

/* stage st in its turn: run here, or the early one joined */
static int run_stage(struct im_load *l, const struct im_stage *st, struct early *e)
{
	int r;

	if (!e || !e->started)
		return st->run(l);
	pthread_join(e->tid, NULL);
	e->started = false;
	r = e->r;
	if (r)
		*l->err = e->err;
	else
		r = merge_early(l->m, &e->m);
	im_model_free(&e->m);
	return r;
}

int im_pipeline_run_stages(struct im_load *l, const struct im_stage *st, size_t n)
{
	struct early early[2], *e;
	size_t i, k, bad, ne = 0;
	int r = im_pipeline_check(st, n, &bad);

	if (r) {
		im_err_set(l->err, "", 0, "pipeline: stage %s needs what a later stage fills",
			   st[bad].name);
		return r;
	}
	for (i = 0; i < n && ne < sizeof(early) / sizeof(early[0]); i++)
		if ((st[i].flags & IM_STAGE_EARLY) && (!st[i].wanted || st[i].wanted(l)))
			start_early(&early[ne++], l, &st[i]);
	for (i = 0; i < n; i++) {
		if (st[i].wanted && !st[i].wanted(l))
			continue;
		for (e = NULL, k = 0; k < ne && !e; k++)
			if (early[k].st == &st[i])
				e = &early[k];
		r = run_stage(l, &st[i], e);
		if (r) {
			if ((st[i].flags & IM_STAGE_CORRELATE) && !l->err->msg[0])
				im_err_set(l->err, "", 0, "correlate: %s", strerror(-r));
			break;
		}
		l->filled |= st[i].fills;
	}
	for (k = 0; k < ne; k++)	/* an error before an early stage's turn: it is dropped */
		if (early[k].started) {
			pthread_join(early[k].tid, NULL);
			im_model_free(&early[k].m);
		}
	return r;
}

int im_pipeline_run(struct im_model *m, const struct im_load_opts *o, struct im_err *err)
{
	struct im_load l = { .m = m, .o = o, .err = err };
	size_t n;
	const struct im_stage *st = im_pipeline_stages(&n);
	int r;

	m->paste = o->paste;
	if (o->paste)
		m->pid = -1;
	r = im_pipeline_run_stages(&l, st, n);
	im_trace_free(&l.trace);
	return r;
}
