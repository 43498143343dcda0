/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gdbexport.h - read the JSON that gdb's 'iommu-map export FILE' writes
 * (schema "iommu-map-gdb/1", see iommu-map-gdb(8)) into the model: KVM
 * memslots and the guest addresses of passed-through BARs.
 */
#ifndef IM_GDBEXPORT_H
#define IM_GDBEXPORT_H

#include <stddef.h>
#include "model.h"

#define IM_GDBEXPORT_SCHEMA "iommu-map-gdb/1"
#define IM_GDBEXPORT_MAX (64u << 20)	/* larger files are refused */
#define IM_GDBEXPORT_WHY_MAX 1024u	/* kvm_slots_unknown's longest reason */

/*
 * Parse [buf, buf+len) (need not be NUL-terminated).  The model is changed
 * only when the whole document is valid.  kvm_slots null with a
 * kvm_slots_unknown reason leaves memslots unknown, sets m->memslots_why
 * ("NAME: KVM slots unknown: WHY") and makes the gdb-export source partial.
 * Returns 0, -EINVAL (err filled, file = name) or -ENOMEM.
 */
int im_gdbexport_parse(struct im_model *m, const char *buf, size_t len,
		       const char *name, struct im_err *err);

/* where capture keeps the --gdb-export it was given, which --sysroot reads */
#define IM_KEPT_GDB_EXPORT "iommu-map/gdb-export.json"

/* Read PATH (a user path, not under the sysroot) and parse it; keep: its
 * text, as read, in m->gdb_export_text (for capture) */
int im_gdbexport_load(struct im_model *m, const char *path, bool keep,
		      struct im_err *err);

#endif
