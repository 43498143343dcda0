/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qmp.h - QEMU's own view through its monitor: a minimal QMP client over a
 * unix socket, and parsers of the answers (query-pci, info qtree, info mtree
 * -f, gpa2hva) shared by live runs and replayed captures.
 *
 * Commands sent: qmp_capabilities, query-pci, human-monitor-command with
 * "info qtree", "info mtree -f" and "gpa2hva <gpa>", and qom-get of the PCI
 * host bridge's pci-hole properties.  Never gpa2hpa: it does
 * a read-modify-write at the target address (FACTS.md §8.1).
 */
#ifndef IM_QMP_H
#define IM_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "lib/jsonw.h"
#include "model.h"

#define IM_QMP_TIMEOUT_MS 5000

/* qmp-client.c: the client */
int im_qmp_connect(const char *path, int timeout_ms, struct im_err *err);	/* fd */
/* sends {"execute": cmd, "arguments": args}; *ret owns the "return" value */
int im_qmp_execute(int fd, const char *cmd, json_object *args, json_object **ret,
		   int timeout_ms, struct im_err *err);
/* human-monitor-command; *out is malloc'd text.  Refuses gpa2hpa (-EPERM). */
int im_qmp_hmp(int fd, const char *cmdline, char **out, int timeout_ms,
	       struct im_err *err);
/* v as text in layout; wrap: as {"wrap": v} (a capture keeps {"return": ...}) */
int im_qmp_value_text(json_object *v, enum jw_layout layout, const char *wrap, char **out);
/* o's integer member key as a uint64 (json-c keeps values above INT64_MAX unsigned) */
bool im_qmp_json_u64(json_object *o, const char *key, uint64_t *v);

/* qmp.c: parsers (info qtree: sources/qtree.h) */
/* "Host virtual address for 0x.. (name) is 0x..": 0, or -ENOENT for an error answer */
int im_qmp_parse_gpa2hva(const char *text, uint64_t *hva);

/* qmp.c: sources.  Both fill m->qbars (source "qmp") and the "qmp" source;
 * im_qmp_load() also keeps its answers in m->qmp. */
int im_qmp_load(struct im_model *m, const char *socket, struct im_err *err);
int im_qmp_load_captured(struct im_model *m, struct im_err *err);
/* the parsers behind both, on answers already in memory */
int im_qmp_parse_answers(struct im_model *m, const struct im_qmp_raw *raw,
			 const char *where, struct im_err *err);
/* where a capture keeps the answers, under its root */
#define CAP_PCI "iommu-map/qmp/query-pci.json"
#define CAP_QTREE "iommu-map/hmp/info-qtree.txt"
#define CAP_MTREE "iommu-map/hmp/info-mtree-f.txt"
#define CAP_GPA2HVA "iommu-map/hmp/gpa2hva-0x%" PRIx64 ".txt"
#define CAP_QOM "iommu-map/qmp/qom-pci-host.json"

/* qmp-windows.c: the root bus's MMIO windows (the host bridge's pci-hole
 * properties, by qom-get) and every guest BAR (query-pci) */
/* asks /machine/q35, else /machine/i440fx; *out: the answers as JSON text,
 * {"path": null, "error": ...} when neither answers; -errno on a dead socket */
int im_qmp_ask_windows(int fd, char **out, struct im_err *err);
/* fills m->mmio from raw: the windows known, or unknown with why; -ENOMEM */
int im_mmio_parse(struct im_model *m, const struct im_qmp_raw *raw);

/* capture/capture-qmp.c: writes m->qmp to DIR/iommu-map/qmp/query-pci.json,
 * DIR/iommu-map/hmp/info-qtree.txt, info-mtree-f.txt and
 * gpa2hva-0x<gpa>.txt (through outdir.c); -ENOENT when the model keeps no answers */
struct im_outdir;
int im_qmp_write_capture(struct im_outdir *o, const struct im_model *m,
			 struct im_err *err);
/* checks/qmp.c: after im_correlate(): error findings where QEMU disagrees with our chain */
int im_qmp_crosscheck(struct im_model *m);

#endif
