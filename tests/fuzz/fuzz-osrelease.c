// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-osrelease.c - proc/sys/kernel/osrelease and all that reads it: the
 * whole pipeline (its kernel-release test decides the vfio offset format,
 * the page-table check its "older than 6.12") and both views, on a copy of
 * the fixture lab-7.3-q35-kvm in $FUZZ_TMPDIR (else /tmp) whose osrelease
 * is the input.  Run from the top of the tree (tests/fuzz/run.sh does).
 *
 * The copy's maps keep only what the release can bear on: the 255 lines
 * of shared libraries (a path under /usr or /lib) are dropped, since the
 * offset format and the page-table check read only the vfio, anonymous and
 * special mappings.  The maps parser has its own targets (fuzz-maps,
 * fuzz-fixture); here 255 of 327 lines were parsed for nothing, and
 * without them a run is 1.3 times faster (170 runs/s to 225 on
 * 2026-12-05, 45 s each from the same seeds).
 */
// seeds: tests/fixtures/*/proc/sys/kernel/osrelease
/* options: -detect_leaks=0 */
/* (libpci's error unwinds out of it and pci.c leaves libpci's state to leak,
 * suppressed by tests/lsan.supp: a leak check after each such run makes the
 * target 10 times slower.  Leaks are still checked, all at once, at exit.) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "pipeline.h"

#define FIXTURE "tests/fixtures/lab-7.3-q35-kvm"
#define PID 600

static char root[4096], rel[4200], ids[4200];
static FILE *devnull;

/* the copy's maps without the lines of shared libraries */
static void trim_maps(void)
{
	char p[4200], tmp[4300], line[4096];
	FILE *in, *out;

	snprintf(p, sizeof(p), "%s/proc/%d/maps", root, PID);
	snprintf(tmp, sizeof(tmp), "%s.new", p);
	in = fopen(p, "r");
	out = fopen(tmp, "w");
	if (!in || !out)
		abort();
	while (fgets(line, sizeof(line), in))
		if (!strstr(line, " /usr/") && !strstr(line, " /lib"))
			fputs(line, out);
	fclose(in);
	if (fclose(out) || rename(tmp, p))
		abort();
}

static void setup(void)
{
	const char *t = getenv("FUZZ_TMPDIR");
	char cmd[8400];
	FILE *f;

	snprintf(root, sizeof(root), "%s/fuzz-osrelease.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(root))
		abort();
	snprintf(cmd, sizeof(cmd), "cp -a " FIXTURE "/. '%s'", root);
	if (system(cmd) || im_root_init(root))
		abort();
	trim_maps();
	snprintf(rel, sizeof(rel), "%s/proc/sys/kernel/osrelease", root);
	snprintf(ids, sizeof(ids), "%s/pci.ids", root);
	f = fopen(ids, "w");	/* the system's would be parsed on every run */
	if (!f)
		abort();
	fputs("1af4  Red Hat, Inc.\n8086  Intel Corporation\n", f);
	fclose(f);
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_load_opts o = { .pid = PID, .ids = ids };
	struct im_model m;
	struct im_err err;
	FILE *f;

	if (!devnull)
		setup();
	f = fopen(rel, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	im_model_init(&m);
	m.sysroot = root;
	if (!im_pipeline_run(&m, &o, &err)) {
		im_report_text(devnull, &m);
		im_report_json(devnull, &m);
	}
	im_model_free(&m);
	return 0;
}
