// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pci.c - host devices and BARs through libpci's sysfs backend, with
 * sysfs.path under the root.  Gives the BAR HPA, size, kind, prefetch,
 * driver, IOMMU group and (from pci.ids, when present) names.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iommu-map.h"

static jmp_buf pci_fail;
static char pci_msg[256];

/* libpci's error callback must not return: unwind to im_pci_load(). */
static void __attribute__((noreturn, format(printf, 1, 2)))
pci_error(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(pci_msg, sizeof(pci_msg), msg, ap);
	va_end(ap);
	longjmp(pci_fail, 1);
}

static void __attribute__((format(printf, 1, 2))) pci_quiet(char *msg, ...)
{
	(void)msg;
}

/* vfio-dev/vfioN under the device directory: the cdev that names it */
static int read_cdev(const char *bdf)
{
	char rel[96];
	struct dirent *de;
	DIR *d;
	int fd, n = -1;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/vfio-dev", bdf);
	fd = im_root_open(rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		int cdev;
		char path[300];

		snprintf(path, sizeof(path), "/dev/vfio/devices/%s", de->d_name);
		if (im_vfio_path_kind(path, &cdev) == IM_VFIO_CDEV) {
			n = cdev;
			break;
		}
	}
	closedir(d);
	return n;
}

static char *link_name(const char *bdf, const char *link)
{
	char rel[128], target[4096];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/%s", bdf, link);
	if (im_root_readlink(rel, target, sizeof(target)) <= 0)
		return NULL;
	return strdup(im_basename(target));
}

/* the MSI-X capability, through libpci; 0, or a hostile config file's error */
static int fill_msix(struct im_device *dev, struct pci_dev *d, struct im_err *err)
{
	struct pci_cap *cap;
	unsigned int ctrl;
	uint32_t tbl, pba;

	char rel[96];
	int fd;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/config", dev->bdf);
	fd = im_root_open(rel, O_RDONLY);
	if (fd < 0)
		return im_root_hostile(fd) ? im_root_err(err, rel, fd) : 0;
	close(fd);
	if (!(pci_fill_info(d, PCI_FILL_CAPS) & PCI_FILL_CAPS))
		return 0;
	dev->caps_known = true;
	cap = pci_find_cap(d, PCI_CAP_ID_MSIX, PCI_CAP_NORMAL);
	if (!cap)
		return 0;
	ctrl = pci_read_word(d, cap->addr + 2 /* message control */);
	tbl = pci_read_long(d, cap->addr + PCI_MSIX_TABLE);
	pba = pci_read_long(d, cap->addr + PCI_MSIX_PBA);
	dev->have_msix = true;
	dev->msix_bar = tbl & PCI_MSIX_BIR;
	dev->msix_table_off = tbl & ~(uint32_t)PCI_MSIX_BIR;
	dev->msix_table_size = ((ctrl & PCI_MSIX_TABSIZE) + 1) * 16u;
	dev->msix_pba_bar = pba & PCI_MSIX_BIR;
	dev->msix_pba_off = pba & ~(uint32_t)PCI_MSIX_BIR;
	dev->msix_pba_size = (((ctrl & PCI_MSIX_TABSIZE) + 1 + 63) / 64) * 8u;
	return 0;
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct im_device *)a)->bdf,
		      ((const struct im_device *)b)->bdf);
}

static void fill_bars(struct im_device *dev, struct pci_dev *d)
{
	int i;

	for (i = 0; i < IM_NBARS; i++) {
		struct im_bar *b = &dev->bars[i];
		pciaddr_t a = d->base_addr[i];
		pciaddr_t fl = (d->known_fields & PCI_FILL_IO_FLAGS) ? d->flags[i] : 0;

		b->index = i;
		b->size = (d->known_fields & PCI_FILL_SIZES) ? d->size[i] : 0;
		if (!a && !b->size)
			continue;
		if (a & PCI_BASE_ADDRESS_SPACE_IO) {
			b->kind = IM_BAR_IO;
			b->hpa = a & PCI_ADDR_IO_MASK;
			continue;
		}
		b->hpa = a & PCI_ADDR_MEM_MASK;
		b->prefetch = !!(a & PCI_BASE_ADDRESS_MEM_PREFETCH);
		b->kind = (a & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
			PCI_BASE_ADDRESS_MEM_TYPE_64 ? IM_BAR_MEM64 : IM_BAR_MEM32;
		(void)fl;
	}
}

/* what libpci and sysfs say of dev beyond its address and ids */
static int fill_device(struct pci_access *pacc, struct pci_dev *d,
		       struct im_device *dev, const char *ids_file, struct im_err *err)
{
	char name[256];

	if (pci_lookup_name(pacc, name, sizeof(name),
			    PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE |
			    PCI_LOOKUP_NO_NUMBERS |
			    (im_root_is_live() && !ids_file ? 0 : PCI_LOOKUP_NO_HWDB),
			    d->vendor_id, d->device_id) &&
	    strcmp(name, "<pci_lookup_name: buffer too small>"))
		dev->name = strdup(name);
	/* the link's last component: no need for its target to exist */
	dev->driver = link_name(dev->bdf, "driver");
	dev->iommu_group = link_name(dev->bdf, "iommu_group");
	fill_bars(dev, d);
	dev->vfio_cdev = read_cdev(dev->bdf);
	return fill_msix(dev, d, err);
}

/* sys/bus/pci/devices can be read; else the "pci" source is unavailable */
static bool pci_sysfs_present(struct im_model *m, const char *sysfs)
{
	int fd = im_root_open("sys/bus/pci/devices", O_RDONLY | O_DIRECTORY);

	if (fd < 0) {
		im_add_source(m, "pci", IM_SRC_UNAVAILABLE, "%s/devices: %s",
			      sysfs, im_root_strerror(fd));
		return false;
	}
	close(fd);
	return true;
}

int im_pci_load(struct im_model *m, const char *ids_file, struct im_err *err)
{
	struct pci_access *volatile pacc = NULL;
	struct im_device *volatile devs = NULL;
	volatile size_t n = 0;
	size_t cap = 0;
	char *sysfs = NULL, *fail_path = NULL;
	struct pci_dev *d;
	int r;

	r = im_root_check_tree("sys", err);
	if (r)
		return r;
	sysfs = im_root_path("sys/bus/pci");
	if (!sysfs)
		return -ENOMEM;
	if (!pci_sysfs_present(m, sysfs)) {
		free(sysfs);
		return 0;
	}
	if (setjmp(pci_fail)) {
		/* pacc is leaked: libpci's state is unknown after its error */
		size_t i;

		for (i = 0; i < n; i++) {
			free(devs[i].name);
			free(devs[i].driver);
			free(devs[i].iommu_group);
		}
		free(devs);
		fail_path = sysfs;
		im_add_source(m, "pci", IM_SRC_UNAVAILABLE, "libpci: %s", pci_msg);
		free(fail_path);
		return 0;
	}
	pacc = pci_alloc();
	pacc->error = pci_error;
	pacc->warning = pci_quiet;
	pacc->debug = pci_quiet;
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_set_param(pacc, "sysfs.path", sysfs);
	if (ids_file)
		pci_set_name_list_path(pacc, (char *)ids_file, 0);
	pci_init(pacc);
	pci_scan_bus(pacc);
	for (d = pacc->devices; d; d = d->next) {
		struct im_device *dev;

		r = im_grow((void *)&devs, &cap, n + 1, sizeof(*devs));
		if (r)
			break;
		dev = &devs[n];
		memset(dev, 0, sizeof(*dev));
		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_BASES | PCI_FILL_SIZES |
			      PCI_FILL_IO_FLAGS);
		snprintf(dev->bdf, sizeof(dev->bdf), "%04x:%02x:%02x.%d",
			 (unsigned int)d->domain, d->bus, d->dev, d->func);
		dev->vendor_id = d->vendor_id;
		dev->device_id = d->device_id;
		n++;	/* counted now: freed on libpci's error from here on */
		r = fill_device(pacc, d, dev, ids_file, err);
		if (r)
			break;
	}
	pci_cleanup(pacc);
	if (n)
		qsort(devs, n, sizeof(*devs), cmp_dev);
	m->devices = devs;
	m->ndevices = n;
	im_add_source(m, "pci", IM_SRC_OK, "%zu devices", (size_t)n);
	free(sysfs);
	return r;
}
