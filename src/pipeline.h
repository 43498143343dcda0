/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pipeline.h - the load order as data.
 *
 * A table of stages: the sources, the two halves of correlate, and the
 * passes that need what correlate found.  Each stage says what it needs and
 * what it fills; the loop runs the wanted ones in table order, and refuses a
 * table where a stage comes before one that fills what it needs.
 */
#ifndef IM_PIPELINE_H
#define IM_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include "model.h"
#include "sources/trace.h"

/* What a stage fills in the model (and what a later stage may need). */
enum im_fill {
	IM_FILL_MAPS = 1u << 0,		/* proc: the target, its maps and fds */
	IM_FILL_DEVICES = 1u << 1,	/* pci: devices and their BARs */
	IM_FILL_QBARS = 1u << 2,	/* guest BARs a QEMU-side source tells of */
	IM_FILL_MEMSLOTS = 1u << 3,	/* memslots, or the word why there are none */
	IM_FILL_IDENT = 1u << 4,	/* each vfio mapping's device and BAR */
	IM_FILL_JOINED = 1u << 5,	/* memslots joined to BARs, guest BARs, findings */
	IM_FILL_CHECKS = 1u << 6,	/* checks on the joined picture */
	IM_FILL_WIDTHS = 1u << 7,	/* the host IOMMU's, host CPU's and guest's widths */
	IM_FILL_CAPS = 1u << 8,		/* the shown devices' capabilities (MSI-X) */
};

/* What main parsed, as far as loading goes. */
struct im_load_opts {
	int pid;
	const char *ids;		/* pci.ids, or NULL: the system's */
	const char *gdb_export, *qemu_trace, *qmp;	/* or NULL */
	const char *maps;		/* --maps: a pasted /proc/PID/maps or pmap -X */
	bool maps_beside_mtree;		/* ... given to --mtree too (one paste) */
	const char *qtree;		/* --qtree: a pasted info qtree */
	bool paste;			/* no target, no host: the pastes alone */
	bool kmod_checks;		/* live, with the module: walk the BAR mmaps */
	bool keep_inputs;		/* capture: keep the --qemu-trace and --gdb-export texts */
};

/* One run of the pipeline. */
struct im_load {
	struct im_model *m;
	const struct im_load_opts *o;
	struct im_err *err;
	struct im_trace trace;		/* kept from its load to its DMA placement */
	const char *trace_name;		/* its file, or the fixture's kept copy */
	bool have_trace;
	unsigned int filled;		/* enum im_fill of the stages run */
};

/* What a stage is, beside what it needs and fills. */
enum im_stage_flag {
	IM_STAGE_CORRELATE = 1u << 0,	/* an error without words is "correlate: ..." */
	/*
	 * May start with the pipeline, in a thread, while the stages before it
	 * run.  It needs nothing, its wanted() asks only the options, and it
	 * fills only devices, sources and findings, on a model of its own that
	 * is joined into the model at its place in the table: the model, the
	 * order of sources and findings, and the error that wins are those of
	 * the table run in turn.
	 */
	IM_STAGE_EARLY = 1u << 1,
};

struct im_stage {
	const char *name;
	unsigned int needs, fills;	/* enum im_fill */
	unsigned int flags;		/* IM_STAGE_* */
	bool (*wanted)(const struct im_load *l);	/* NULL: always */
	int (*run)(struct im_load *l);
};

/* pipeline.c */
const struct im_stage *im_pipeline_stages(size_t *n);
/* 0, or -EINVAL: stage i needs what a stage at or after i fills, or is early
 * and needs anything (*bad = i) */
int im_pipeline_check(const struct im_stage *st, size_t n, size_t *bad);
/* runs a table (tests give their own); stops at the first error */
int im_pipeline_run_stages(struct im_load *l, const struct im_stage *st, size_t n);
/* load every source into m, correlate, and run the passes after it */
int im_pipeline_run(struct im_model *m, const struct im_load_opts *o, struct im_err *err);

#endif
