// SPDX-License-Identifier: GPL-2.0-or-later
/* test-pci.c - the sysfs reader of the pci source (src/sources/pci.c) on
 * device directories built here: resource lines, IDs, the MSI-X capability
 * in the config bytes that could be read, the errors that name file and
 * line, and names only for the devices shown. */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include "findings.h"
#include "iommu-map.h"
#include "t.h"

static char top[] = "/tmp/iommu-map-test-pci.XXXXXX";

static void put(const char *rel, const void *data, size_t n)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", top, rel);
	f = fopen(p, "w");
	if (!f || fwrite(data, 1, n, f) != n)
		printf("# cannot write %s\n", p);
	if (f)
		fclose(f);
}

static void sh(const char *fmt, ...)
{
	char cmd[PATH_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd))
		printf("# failed: %s\n", cmd);
}

#define Z "0x0000000000000000 0x0000000000000000 0x0000000000000000\n"

/* a device at sys/devices/pci0000:00/BDF, linked from sys/bus/pci/devices */
static void device(const char *bdf, const char *resource, const uint8_t *cfg, size_t ncfg)
{
	char rel[256];

	sh("mkdir -p %s/sys/devices/pci0000:00/%s %s/sys/bus/pci/devices", top, bdf, top);
	sh("ln -sfn ../../../devices/pci0000:00/%s %s/sys/bus/pci/devices/%s", bdf, top, bdf);
	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/vendor", bdf);
	put(rel, "0x1af4\n", 7);
	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/device", bdf);
	put(rel, "0x1110\n", 7);
	snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/resource", bdf);
	put(rel, resource, strlen(resource));
	if (cfg) {
		snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/config", bdf);
		put(rel, cfg, ncfg);
	}
}

/* the pci source as the pipeline runs it, every device held (config read for it) */
static int load(struct im_model *m, struct im_err *err)
{
	size_t i;
	int r;

	memset(err, 0, sizeof(*err));
	im_model_init(m);
	im_root_init(top);
	r = im_pci_load(m, err);
	for (i = 0; !r && i < m->ndevices; i++)
		m->devices[i].held = true;
	return r ? r : im_pci_caps(m, err);
}

static bool has_finding(const struct im_model *m, const char *code)
{
	size_t i;

	for (i = 0; i < m->nfindings; i++)
		if (!strcmp(m->findings[i].code, code))
			return true;
	return false;
}

/* config bytes: a type-0 header whose capability list holds MSI-X at 0x40 */
static void msix_config(uint8_t *c)
{
	memset(c, 0, 256);
	c[0x06] = 0x10;			/* status: capability list */
	c[0x34] = 0x50;			/* first: a power management cap */
	c[0x50] = 0x01, c[0x51] = 0x40;
	c[0x40] = 0x11, c[0x41] = 0x00;	/* MSI-X, last */
	c[0x42] = 0x03, c[0x43] = 0x00;	/* 4 vectors */
	c[0x44] = 0x00 | 2, c[0x45] = 0x20;	/* table: BAR 2 + 0x2000 */
	c[0x48] = 0x00 | 2, c[0x49] = 0x30;	/* PBA: BAR 2 + 0x3000 */
}

static void bars(void)
{
	const char *res =
		"0x00000000fe800000 0x00000000fe800fff 0x0000000000040200\n"	/* mem32, 4K */
		"0x000000000000c000 0x000000000000c01f 0x0000000000040101\n"	/* io, 32 */
		"0x0000008000000000 0x00000080ffffffff 0x000000000014220c\n"	/* mem64 pref, 4G */
		Z Z Z
		"0x00000000fe840000 0x00000000fe87ffff 0x0000000000046200\n";	/* ROM: not a BAR */
	uint8_t cfg[256];
	struct im_model m;
	struct im_err err;
	const struct im_device *d;

	msix_config(cfg);
	device("0000:00:03.0", res, cfg, sizeof(cfg));
	T_OK(load(&m, &err) == 0 && m.ndevices == 1, "one device read");
	if (m.ndevices != 1)
		return;
	d = &m.devices[0];
	T_EQ_STR(d->bdf, "0000:00:03.0", "bdf");
	T_OK(d->vendor_id == 0x1af4 && d->device_id == 0x1110, "vendor and device ids");
	T_OK(d->bars[0].kind == IM_BAR_MEM32 && d->bars[0].hpa == 0xfe800000 &&
	     d->bars[0].size == 0x1000 && !d->bars[0].prefetch, "BAR 0: mem32, 4K");
	T_OK(d->bars[1].kind == IM_BAR_IO && d->bars[1].hpa == 0xc000 && d->bars[1].size == 32,
	     "BAR 1: io, 32");
	T_OK(d->bars[2].kind == IM_BAR_MEM64 && d->bars[2].prefetch &&
	     d->bars[2].hpa == 0x8000000000 && d->bars[2].size == 0x100000000, "BAR 2: mem64 pref, 4G");
	T_OK(d->bars[3].kind == IM_BAR_NONE && d->bars[5].kind == IM_BAR_NONE, "empty lines: no BAR");
	T_OK(d->caps_known && d->have_msix && d->msix_bar == 2 && d->msix_table_off == 0x2000 &&
	     d->msix_table_size == 64 && d->msix_pba_bar == 2 && d->msix_pba_off == 0x3000 &&
	     d->msix_pba_size == 8, "MSI-X found past another capability");
	T_OK(m.nsources == 1 && m.sources[0].status == IM_SRC_OK, "pci: ok");
	T_OK(!has_finding(&m, "bar-size-odd"), "no bar-size-odd");
	T_OK(d->name == NULL, "no name before names are asked for");
	m.devices[0].held = false;
	im_pci_names(&m, "tests/pci.ids");
	T_OK(d->name == NULL, "not held, not --slot: not named");
	m.devices[0].held = true;
	im_pci_names(&m, "tests/pci.ids");
	T_EQ_STR(d->name, "Red Hat, Inc. Inter-VM shared memory", "held: named from pci.ids");
	im_model_free(&m);

	/* config space as a user who is not root reads it: 64 bytes */
	device("0000:00:03.0", res, cfg, 64);
	load(&m, &err);
	T_OK(m.ndevices == 1 && !m.devices[0].caps_known && !m.devices[0].have_msix,
	     "64 bytes of config: capabilities unknown, not 'no MSI-X'");
	im_model_free(&m);
	cfg[0x41] = 0x50;	/* MSI-X -> PM -> MSI-X ... a loop, with no MSI-X read past */
	cfg[0x40] = 0x05;
	device("0000:00:03.0", res, cfg, sizeof(cfg));
	load(&m, &err);
	T_OK(m.ndevices == 1 && !m.devices[0].caps_known, "a capability loop: unknown");
	im_model_free(&m);
	cfg[0x06] = 0;
	device("0000:00:03.0", res, cfg, sizeof(cfg));
	load(&m, &err);
	T_OK(m.ndevices == 1 && m.devices[0].caps_known && !m.devices[0].have_msix,
	     "no capability list: known, no MSI-X");
	im_model_free(&m);
	sh("rm -f %s/sys/devices/pci0000:00/0000:00:03.0/config", top);
	load(&m, &err);
	T_OK(m.ndevices == 1 && !m.devices[0].caps_known, "no config file: unknown");
	im_model_free(&m);
	cfg[0x06] = 0x10, cfg[0x40] = 0x11, cfg[0x41] = 0;
	device("0000:00:03.0", res, cfg, sizeof(cfg));
	im_model_init(&m);
	im_pci_load(&m, &err);
	im_pci_caps(&m, &err);
	T_OK(m.ndevices == 1 && !m.devices[0].caps_known,
	     "a device nobody holds: its config space is not read (caps unknown)");
	im_model_free(&m);
}

/* lines that cannot be used: exit-2 errors naming file and line */
static void bad(const char *what, const char *res, const char *file, unsigned int line,
		const char *msg)
{
	struct im_model m;
	struct im_err err;
	char name[128];
	int r;

	sh("rm -rf %s/sys", top);
	device("0000:00:04.0", res, NULL, 0);
	r = load(&m, &err);
	snprintf(name, sizeof(name), "bad %s: an error naming %s:%u", what, file, line);
	T_OK(r < 0 && strstr(err.file, file) && err.line == line && strstr(err.msg, msg), name);
	if (!(r < 0 && strstr(err.file, file)))
		printf("# r=%d %s:%u: %s\n", r, err.file, err.line, err.msg);
	im_model_free(&m);
}

static void validation(void)
{
	struct im_model m;
	struct im_err err;

	bad("end before start", Z "0x00000000fe800fff 0x00000000fe800000 0x0000000000040200\n",
	    "0000:00:04.0/resource", 2, "ends (0xfe800000) before it starts (0xfe800fff)");
	bad("all of the space", "0x0000000000000000 0xffffffffffffffff 0x0000000000040200\n",
	    "0000:00:04.0/resource", 1, "spans all of the 64-bit");
	bad("not hex", Z Z "0x00000000fe800000 zz 0x0000000000040200\n",
	    "0000:00:04.0/resource", 3, "not a resource line");
	bad("two fields", "0x00000000fe800000 0x00000000fe800fff\n",
	    "0000:00:04.0/resource", 1, "not a resource line");
	sh("rm -rf %s/sys", top);
	device("0000:00:04.0", Z, NULL, 0);
	put("sys/devices/pci0000:00/0000:00:04.0/vendor", "0x11af4\n", 8);
	T_OK(load(&m, &err) < 0 && strstr(err.file, "0000:00:04.0/vendor") && err.line == 1,
	     "vendor past 16 bits: an error naming the file");
	im_model_free(&m);

	sh("rm -rf %s/sys", top);
	device("0000:00:04.0", "0x00000000fe800000 0x00000000fe802fff 0x0000000000040200\n", NULL, 0);
	T_OK(load(&m, &err) == 0 && m.ndevices == 1 && m.devices[0].bars[0].size == 0x3000 &&
	     has_finding(&m, "bar-size-odd"), "a 12K BAR: shown as the file says, with bar-size-odd");
	im_model_free(&m);

	sh("mkdir -p %s/sys/bus/pci/devices/not-a-bdf", top);
	T_OK(load(&m, &err) < 0 && strstr(err.file, "devices/not-a-bdf") && strstr(err.msg, "PCI address"),
	     "an entry that is no BDF: an error naming it");
	im_model_free(&m);
	sh("rm -rf %s/sys/bus/pci/devices/not-a-bdf", top);

	sh("rm -f %s/sys/devices/pci0000:00/0000:00:04.0/resource", top);
	T_OK(load(&m, &err) == 0 && m.ndevices == 0 && m.nsources == 1 &&
	     m.sources[0].status == IM_SRC_PARTIAL && strstr(m.sources[0].detail, "0000:00:04.0/resource"),
	     "no resource file: the device left out, pci partial, naming the file");
	im_model_free(&m);

	sh("rm -rf %s/sys", top);
	T_OK(load(&m, &err) == 0 && m.nsources == 1 && m.sources[0].status == IM_SRC_UNAVAILABLE,
	     "no sys/bus/pci/devices: pci unavailable");
	im_model_free(&m);
}

static void links(void)
{
	struct im_model m;
	struct im_err err;

	sh("rm -rf %s/sys", top);
	device("0000:00:05.0", Z, NULL, 0);
	sh("mkdir -p %s/sys/bus/pci/drivers/vfio-pci %s/sys/kernel/iommu_groups/7", top, top);
	sh("ln -s ../../../bus/pci/drivers/vfio-pci %s/sys/devices/pci0000:00/0000:00:05.0/driver", top);
	sh("ln -s ../../../kernel/iommu_groups/7 %s/sys/devices/pci0000:00/0000:00:05.0/iommu_group", top);
	T_OK(load(&m, &err) == 0 && m.ndevices == 1 && m.devices[0].driver &&
	     !strcmp(m.devices[0].driver, "vfio-pci") && m.devices[0].iommu_group &&
	     !strcmp(m.devices[0].iommu_group, "7"), "driver and IOMMU group from the links");
	im_model_free(&m);
	sh("ln -sfn /etc %s/sys/devices/pci0000:00/0000:00:05.0/driver", top);
	T_OK(load(&m, &err) < 0 && strstr(err.file, "0000:00:05.0/driver") &&
	     strstr(err.msg, "outside the sysroot"), "a driver link out of the root: an error, not 'etc'");
	im_model_free(&m);
	sh("ln -sfn ../../../bus/pci/drivers/vfio-pci %s/sys/devices/pci0000:00/0000:00:05.0/driver", top);
	sh("ln -sfn ../../../../.. %s/sys/devices/pci0000:00/0000:00:05.0/iommu_group", top);
	T_OK(load(&m, &err) < 0 && strstr(err.file, "0000:00:05.0/iommu_group") &&
	     strstr(err.msg, "not the kernel's (.../iommu_groups/NAME)"),
	     "an IOMMU group link to '..': an error, not group '..'");
	im_model_free(&m);
	sh("ln -sfn ../../../kernel/iommu_groups/7 %s/sys/devices/pci0000:00/0000:00:05.0/iommu_group", top);
	sh("ln -sfn ../../../bus/pci/vfio-pci %s/sys/devices/pci0000:00/0000:00:05.0/driver", top);
	T_OK(load(&m, &err) < 0 && strstr(err.file, "0000:00:05.0/driver") && strstr(err.msg, "drivers/NAME"),
	     "a driver link without drivers/: not the kernel's");
	im_model_free(&m);
}

/* what one load gave, as a line to compare: devices, sources, findings, error */
static void summary(char *out, size_t n, unsigned int threads)
{
	struct im_model m;
	struct im_err err;
	size_t i, at = 0;
	int r;

	im_pci_set_threads(threads);
	memset(&err, 0, sizeof(err));
	im_model_init(&m);
	im_root_init(top);
	r = im_pci_load(&m, &err);
	at += (size_t)snprintf(out + at, n - at, "r=%d err=%s:%u:%s;", r, err.file, err.line, err.msg);
	for (i = 0; i < m.ndevices && at < n; i++)
		at += (size_t)snprintf(out + at, n - at, " %s/%zx", m.devices[i].bdf,
				       (size_t)m.devices[i].bars[0].size);
	for (i = 0; i < m.nsources && at < n; i++)
		at += (size_t)snprintf(out + at, n - at, "; %s %d %s", m.sources[i].name,
				       (int)m.sources[i].status, m.sources[i].detail);
	for (i = 0; i < m.nfindings && at < n; i++)
		at += (size_t)snprintf(out + at, n - at, "; %s %s", m.findings[i].code,
				       m.findings[i].subject);
	im_model_free(&m);
	im_pci_set_threads(0);
}

/*
 * Read by several threads, the devices, findings, the partial source and the
 * first error are those one thread gives, with errors and findings in more
 * than one thread's run of the entries.
 */
static void threads(void)
{
	static const unsigned int counts[] = { 2, 3, 4, 8, 16 };
	char one[8192], many[8192], bdf[16], name[96];
	size_t k;
	int i;

	sh("rm -rf %s/sys", top);
	for (i = 0; i < 12; i++) {
		snprintf(bdf, sizeof(bdf), "0000:00:%02x.0", i + 1);
		device(bdf, i % 4 == 2 ? "0x00000000fe800000 0x00000000fe802fff 0x0000000000040200\n" :
			    "0x00000000fe800000 0x00000000fe800fff 0x0000000000040200\n", NULL, 0);
	}
	sh("rm -f %s/sys/devices/pci0000:00/0000:00:05.0/resource %s/sys/devices/pci0000:00/0000:00:0a.0/resource",
	   top, top);
	summary(one, sizeof(one), 1);
	T_OK(strstr(one, "r=0") && strstr(one, "10 devices; 2 could not be read") &&
	     strstr(one, "bar-size-odd 0000:00:03.0 BAR 0") && strstr(one, "0000:00:0c.0/1000"),
	     "one thread: 10 devices, 2 unread, the 12K BARs' findings");
	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		summary(many, sizeof(many), counts[k]);
		snprintf(name, sizeof(name), "%u threads: the model one thread gives", counts[k]);
		T_EQ_STR(many, one, name);
	}
	summary(many, sizeof(many), 0);
	T_EQ_STR(many, one, "threads by the CPUs (12 devices: one)");

	/* two devices that cannot be used, far apart: the first in entry order wins */
	put("sys/devices/pci0000:00/0000:00:02.0/resource", "zz\n", 3);
	put("sys/devices/pci0000:00/0000:00:0b.0/vendor", "0x11af4\n", 8);
	summary(one, sizeof(one), 1);
	T_OK(strstr(one, "r=-22") != NULL, "one thread: bad input");
	for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		summary(many, sizeof(many), counts[k]);
		snprintf(name, sizeof(name), "%u threads: the same first error and findings", counts[k]);
		T_EQ_STR(many, one, name);
	}
	sh("rm -rf %s/sys", top);
}

int main(void)
{
	if (!mkdtemp(top))
		return 1;
	bars();
	validation();
	links();
	threads();
	im_root_init("/");
	sh("rm -rf '%s'", top);
	T_DONE();
}
