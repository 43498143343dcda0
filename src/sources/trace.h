/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * trace.h - QEMU trace logs (-trace kvm_set_user_memory -trace vfio_region_setup
 * -trace vfio_region_mmap -trace vfio_listener_region_add_ram -D FILE).
 *
 * im_trace_parse() reads the text into the final state of what the log says;
 * im_trace_load() puts its memslots and its source into the model, before
 * im_correlate().  im_trace_place() then places the DMA ranges on BARs: it
 * asks im_place_hva() what each range's HVA is, so it runs after
 * im_correlate_maps() has tied the vfio mappings to their devices, and before
 * im_correlate_join() puts the guest BARs it finds in place (pipeline.c).
 */
#ifndef IM_TRACE_H
#define IM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model.h"

enum im_trace_fmt {
	IM_TRACE_FMT_NONE = 0,	/* no kvm_set_user_memory line */
	IM_TRACE_FMT_SLOT,	/* QEMU <= 8.2: "Slot#N" = id | as_id << 16 */
	IM_TRACE_FMT_AS,	/* QEMU >= 9.0: "AddrSpace#A Slot#N" */
};

/* One KVM memslot as the log leaves it (size 0 deletes, re-adds replace). */
struct im_trace_slot {
	int as_id, slot;
	uint32_t flags;
	uint64_t gpa, size, hva;
	unsigned int line;		/* line of the event that set it */
};

/* vfio_region_setup: one region of a vfio device. */
struct im_trace_region {
	char dev[64];			/* vbasedev->name: the host BDF, or VFIO_FD<fd>,
					 * an id, an mdev UUID (see im_vfio_name_kind) */
	int index;
	char name[128];			/* "0000:00:03.0 BAR 0" */
	uint64_t flags, offset, size;	/* offset: the fd offset (index << 40) */
	unsigned int line;
};

/* vfio_region_mmap: one mmap of a region, as offsets inside the region. */
struct im_trace_mmap {
	char name[128];			/* "0000:00:03.0 BAR 0 mmaps[0]" */
	char dev[64];			/* "0000:00:03.0", "VFIO_FD12", "hostdev0"; ""
					 * if not a vfio BAR name (im_vfio_region_name_parse) */
	int bar, index;			/* -1: not in the name */
	uint64_t start, end;		/* inclusive, inside the region */
	unsigned int line;
};

/* vfio_listener_region_add_ram: a RAM section DMA-mapped for the device;
 * iommufd_backend_map_dma (0): one DMA map of the iommufd backend. */
struct im_trace_dma {
	uint64_t iova, end, hva;	/* [iova, end] inclusive; hva of iova */
	int readonly;			/* 1, 0; -1: not said (region_add_ram) */
	unsigned int line;
};

/* A line that says a mapping failed (trace-fail.c). */
enum im_tfail_kind {
	IM_TFAIL_SLOT,		/* QEMU's KVM_SET_USER_MEMORY_REGION failed error */
	IM_TFAIL_SLOT_TRACE,	/* kvm_set_user_memory with ret < 0 */
	IM_TFAIL_DMA,		/* vfio_dma_map(...) / vfio_container_dma_map(...) = -N */
	IM_TFAIL_DMA_TRACE,	/* iommufd_backend_map_dma / _map_file_dma with (ret != 0) */
};

struct im_trace_fail {
	enum im_tfail_kind kind;
	int as_id, slot;		/* -1: not said */
	uint64_t addr, size;		/* GPA (slots) or IOVA (DMA) */
	bool have_hva;
	uint64_t hva;
	int err;			/* a positive errno; 0: not named */
	char msg[64];			/* QEMU's words for it ("Invalid argument") */
	char what[64];			/* vfio_dma_map's "Region NAME:", or "" */
	int dmabuf_fd;			/* iommufd_backend_map_file_dma's fd (no HVA); -1 */
	int64_t slot_flags;		/* kvm_set_user_memory's flags=; -1: not said */
	bool warning;			/* QEMU said "warning:" (10.0+: a BAR's map) */
	char p2p_dev[64];		/* "NAME: PCI peer-to-peer transactions on BARs
					 * are not supported.": the device whose BAR it is */
	unsigned int line;		/* where the failure starts */
};

struct im_trace {
	enum im_trace_fmt fmt;
	struct im_trace_slot *slots;	/* final state, sorted by as_id, gpa */
	size_t nslots;
	struct im_trace_region *regions;
	size_t nregions;
	struct im_trace_mmap *mmaps;
	size_t nmmaps;
	struct im_trace_dma *dma;	/* final state: a later add replaces overlaps */
	size_t ndma;
	unsigned int nlines, nevents;	/* (logical) lines read, events understood */
	bool qp;			/* the log was quoted-printable, decoded */
	unsigned int qp_soft;		/* ... and its soft line breaks joined */
	unsigned int other_events;	/* lines of trace events not read here */
	unsigned int other_vfio;	/* ... of them vfio_* or iommufd_* events */
	unsigned int first_other_vfio;	/* the first of those, 1-based; 0: none */
	char other_vfio_name[48];	/* ... and its event's name */
	unsigned int unknown;		/* non-blank lines not understood */
	unsigned int first_unknown;	/* the first of them, 1-based; 0: none */
	unsigned int lost_events;	/* ... that name an event read here */
	unsigned int slot_events;	/* kvm_set_user_memory lines */
	unsigned int failed_slot_events;	/* ... with ret != 0 (also in fails[]) */
	struct im_trace_fail *fails;	/* failures, in the order of the log */
	size_t nfails;
	unsigned int echoes;		/* lines that only echo a failure */
	unsigned int malformed;		/* lines of an event read here, malformed: skipped */
	bool other_process;		/* im_trace_apply: no HVA of it is the target's */
	unsigned int first_malformed;	/* the first of them, 1-based; 0: none */
	char malformed_msg[256];	/* ... and what was wrong with it */
};

/* trace-fail.c */
/* 1: [s, e) is a failure line, in *f (line not set); 0: it is not; -EAGAIN:
 * it starts one that goes on in the next line; -EINVAL: malformed */
int im_tfail_parse(const char *s, const char *e, struct im_trace_fail *f);
bool im_tfail_echo(const char *s, const char *e);	/* a line that echoes one */
/* the errno whose strerror() ends [s, e) after ": ", or all of it ("Invalid
 * argument", "...: Bad address, PCI BAR?"); 0: none named */
int im_tfail_errno(const char *s, const char *e);
/* "NAME: PCI peer-to-peer transactions on BARs are not supported.": true,
 * with NAME (QEMU's name of the device) in dev */
bool im_tfail_p2p(const char *s, const char *e, char *dev, size_t n);
void im_tfail_explain(const struct im_trace_fail *f, char *buf, size_t n);
int im_tfail_findings(struct im_model *m, const struct im_trace *t, const char *file);

/* trace.c */
int im_trace_parse(const char *buf, size_t len, const char *file,
		   struct im_trace *out, struct im_err *err);
void im_trace_free(struct im_trace *t);
/* a fixture's copy of the trace its capture was given */
#define IM_KEPT_TRACE "iommu-map/qemu-trace"
/* parses file into *t (the caller frees it with im_trace_free) and applies it;
 * file is read as given (not sysroot); keep: the text read goes to
 * m->trace_text (for capture) */
int im_trace_load(struct im_model *m, const char *file, bool keep, struct im_trace *t,
		  struct im_err *err);
/* the same for a text already read, named file in messages */
int im_trace_load_text(struct im_model *m, const char *buf, size_t len, const char *file,
		       struct im_trace *t, struct im_err *err);
/* adds the final memslots (memslots_known, "qemu-trace") and the source */
int im_trace_apply(struct im_model *m, struct im_trace *t, const char *file);
/* adds the qemu bars the DMA ranges prove, and says how many in the source */
int im_trace_place(struct im_model *m, const struct im_trace *t, const char *file);

#endif
