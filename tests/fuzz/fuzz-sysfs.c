// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-sysfs.c - the sysfs side of the pci source (im_pci_load: our reads
 * of the device directory, then im_pci_names through libpci) on a device
 * directory built from the input, under a sysroot in $FUZZ_TMPDIR (else
 * /tmp).  The input is fields separated by "\n%%\n", in this order:
 *   the directory's name (the BDF), resource, config, vendor, device,
 *   class, irq, revision, the driver link's target, the iommu_group link's
 *   target, and the name of the entry in vfio-dev/.
 * A file field "<none>" leaves the file out, "<dir>" makes a directory of
 * it, "<link:T>" a symlink to T; a link target is kept inside the sysroot
 * (no leading '/', at most four ".."), since what the hostile-tree checks
 * do with escapes is theirs to test.  Every file is a regular file, a
 * directory or a link: FIFOs and device nodes are not made here.
 */
/* Seeds: tests/fuzz/seeds/sysfs/ (tests/fuzz/mk-sysfs-seeds.sh writes them from the fixtures). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "iommu-map.h"

enum { F_NAME, F_RESOURCE, F_CONFIG, F_VENDOR, F_DEVICE, F_CLASS, F_IRQ, F_REVISION,
       F_DRIVER, F_GROUP, F_VFIO, NF };
static const char *const files[NF] = {
	[F_RESOURCE] = "resource", [F_CONFIG] = "config", [F_VENDOR] = "vendor",
	[F_DEVICE] = "device", [F_CLASS] = "class", [F_IRQ] = "irq", [F_REVISION] = "revision",
};
static const char sep[] = "\n%%\n";
static char root[4096], ids[4200];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	remove(p);
	return 0;
}

static void setup(void)
{
	const char *t = getenv("FUZZ_TMPDIR");
	FILE *f;

	snprintf(root, sizeof(root), "%s/fuzz-sysfs.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(root) || im_root_init(root))
		abort();
	/* a tiny pci.ids: the system's would be parsed on every run */
	snprintf(ids, sizeof(ids), "%s/pci.ids", root);
	f = fopen(ids, "w");
	if (!f)
		abort();
	fputs("1af4  Red Hat, Inc.\n\t1000  Virtio network device\n8086  Intel Corporation\n", f);
	fclose(f);
}

/* a link target that stays inside the sysroot from sys/devices/pci0000:00/NAME/ */
static bool inside(const char *t)
{
	int up = 0;

	if (*t == '/')
		return false;
	for (const char *p = t; (p = strstr(p, "..")); p += 2)
		up++;
	return up <= 4;
}

/* a file field; a link field's plain text is the link's target */
static void put(const char *dir, const char *name, const char *v, size_t n, bool link)
{
	char path[8192];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (link && n && v[0] != '<') {
		char *t = strndup(v, n);

		if (t && strlen(t) == n && inside(t))
			if (symlink(t, path))
				(void)0;
		free(t);
		return;
	}
	if (n == 6 && !memcmp(v, "<none>", 6))
		return;
	if (n == 5 && !memcmp(v, "<dir>", 5)) {
		mkdir(path, 0755);
		return;
	}
	if (n > 7 && !memcmp(v, "<link:", 6) && v[n - 1] == '>') {
		char *t = strndup(v + 6, n - 7);

		if (t && strlen(t) == n - 7 && inside(t))
			if (symlink(t, path))
				(void)0;
		free(t);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	if (write(fd, v, n) < 0)
		(void)0;
	close(fd);
}

/*
 * A directory's name: one path component, else the default.  A device's
 * must be one libpci parses: on any other, libpci's error callback unwinds
 * out of its scan with the directory open, which leaks (see pci.c), and
 * the leak's stack, inside libc, matches no suppression.
 */
static void dir_name(const char *v, size_t n, char out[64], bool bdf)
{
	unsigned int a, b, c;
	int fn;

	if (!n || n > 63 || memchr(v, '/', n) || memchr(v, 0, n) ||
	    (n == 1 && v[0] == '.') || (n == 2 && !memcmp(v, "..", 2))) {
		strcpy(out, "0000:00:02.0");
		return;
	}
	memcpy(out, v, n);
	out[n] = 0;
	if (bdf && sscanf(out, "%x:%x:%x.%d", &a, &b, &c, &fn) != 4)
		strcpy(out, "0000:00:02.0");
}

static void build(const char *f[NF], const size_t len[NF])
{
	static const char *const dirs[] = { "sys", "sys/devices", "sys/devices/pci0000:00",
		"sys/bus", "sys/bus/pci", "sys/bus/pci/devices" };
	char dev[4400], p[8800], name[64], *t;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
		mkdir(p, 0755);
	}
	dir_name(f[F_NAME], len[F_NAME], name, true);
	snprintf(dev, sizeof(dev), "%s/sys/devices/pci0000:00/%s", root, name);
	mkdir(dev, 0755);
	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s", root, name);
	if (asprintf(&t, "../../../devices/pci0000:00/%s", name) > 0) {
		if (symlink(t, p))
			(void)0;
		free(t);
	}
	for (int i = F_RESOURCE; i <= F_REVISION; i++)
		put(dev, files[i], f[i], len[i], false);
	if (len[F_DRIVER])
		put(dev, "driver", f[F_DRIVER], len[F_DRIVER], true);
	if (len[F_GROUP])
		put(dev, "iommu_group", f[F_GROUP], len[F_GROUP], true);
	if (len[F_VFIO]) {
		snprintf(p, sizeof(p), "%s/vfio-dev", dev);
		mkdir(p, 0755);
		dir_name(f[F_VFIO], len[F_VFIO], name, false);
		put(p, name, "<dir>", 5, false);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *f[NF], *p = (const char *)data, *end = p + size;
	size_t len[NF];
	struct im_model m;
	struct im_err err;
	char sys[4200];

	if (!*root)
		setup();
	for (int i = 0; i < NF; i++) {
		const char *e = p < end ? memmem(p, (size_t)(end - p), sep, sizeof(sep) - 1) : NULL;

		f[i] = p < end ? p : "";
		len[i] = p < end ? (size_t)((e ? e : end) - p) : 0;
		p = e ? e + sizeof(sep) - 1 : end;
	}
	snprintf(sys, sizeof(sys), "%s/sys", root);
	nftw(sys, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	build(f, len);
	im_model_init(&m);
	if (!im_pci_load(&m, &err))
		for (size_t i = 0; i < m.ndevices; i++)
			m.devices[i].held = true;	/* so that every device is named */
	im_pci_names(&m, ids);
	im_model_free(&m);
	return 0;
}
