/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * mmio.h - the root bus's MMIO windows: how full they are, the guest BARs
 * left unassigned, and the firmware whose knob sizes the 64-bit window.
 */
#ifndef IM_CHECKS_MMIO_H
#define IM_CHECKS_MMIO_H

#include <stddef.h>
#include <stdio.h>
#include "model.h"

/* checks/mmio.c */
/* the guest firmware QEMU's argv (words split at NUL or blank) loads; how:
 * the words it was read from */
enum im_firmware im_firmware_parse(const char *argv, size_t len, char *how, size_t n);
const char *im_firmware_name(enum im_firmware f);	/* "seabios", "ovmf", ... or NULL */
/* after correlate: fills the windows' use, adds mmio-window and
 * bar-unassigned findings; 0 or -ENOMEM */
int im_mmio_check(struct im_model *m);

/* views/mmio-view.c: the report's part, "MMIO windows: ..." and the JSON keys
 * "mmio_windows" and "mmio_windows_unknown" */
struct jw;
void im_mmio_text(FILE *f, const struct im_model *m);
void im_mmio_json(struct jw *j, const struct im_model *m);

#endif
