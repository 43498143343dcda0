// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pci.c - host devices and BARs, read from sysfs ourselves: each device's
 * directory sys/bus/pci/devices/BDF is opened beneath the root once, and its
 * vendor, device, resource and config files are read relative to it through
 * sysroot.c's checked open (regular files only, non-blocking, bounded); the
 * driver and iommu_group links are read, never followed.  Gives the BAR
 * HPA, size, kind, prefetch, driver and IOMMU group.  After correlate has
 * said which devices the target holds, only theirs are read further:
 * config space for the MSI-X capability (im_pci_caps: a config read of a
 * real device is slow, a millisecond each here) and names, through libpci
 * (im_pci_names: pci.ids; hwdb live).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "findings.h"
#include "iommu-map.h"
#include "lib/pciids.h"

#define DEVICES "sys/bus/pci/devices"
#define CFG_HEAD 256		/* the header and the capability list */

/* one device's directory, while it is read */
struct sysdev {
	int fd;
	const char *bdf;
	struct im_model *m;
	struct im_err *err;
};

/* "ROOT/sys/bus/pci/devices/BDF/name[:line]: why" for error r; returns r */
static int dev_err(const struct sysdev *sd, const char *name, int r)
{
	char rel[400];

	snprintf(rel, sizeof(rel), DEVICES "/%s%s%s", sd->bdf, *name ? "/" : "", name);
	return im_root_err(sd->err, rel, r);
}

static int dev_bad(const struct sysdev *sd, const char *name, unsigned int line,
		   const char *why)
{
	char rel[400], *path;

	snprintf(rel, sizeof(rel), DEVICES "/%s%s%s", sd->bdf, *name ? "/" : "", name);
	path = im_root_path(rel);
	im_err_set(sd->err, path ? path : rel, line, "%s", why);
	free(path);
	return -EINVAL;
}

/* one line of s[0..n) from *pos: its start, and its length without '\n' */
static const char *next_line(const char *s, size_t n, size_t *pos, size_t *len)
{
	const char *l = s + *pos, *nl;

	if (*pos >= n)
		return NULL;
	nl = memchr(l, '\n', n - *pos);
	*len = nl ? (size_t)(nl - l) : n - *pos;
	*pos += *len + (nl ? 1 : 0);
	return l;
}

/* the next space-separated word of [*p, e) as hex */
static int take_hex_word(const char **p, const char *e, uint64_t *v)
{
	const char *w;

	while (*p < e && (**p == ' ' || **p == '\t'))
		(*p)++;
	w = *p;
	while (*p < e && **p != ' ' && **p != '\t' && **p != '\r')
		(*p)++;
	return im_parse_hex(w, (size_t)(*p - w), v);
}

/* a sysfs attribute, whole; a fixture that lies (FIFO, link out, too large) is an error */
static int read_attr(const struct sysdev *sd, const char *name, char **buf, size_t *len)
{
	int r = im_root_read_at(sd->fd, name, IM_BOUND_ATTR, buf, len);

	return r && im_root_hostile(r) ? dev_err(sd, name, r) : r;
}

/* vendor, device: "0x1af4\n" */
static int read_id(const struct sysdev *sd, const char *name, uint16_t *id)
{
	char *buf;
	size_t len;
	const char *p, *e;
	uint64_t v;
	int r = read_attr(sd, name, &buf, &len);

	if (r)
		return r;
	p = buf;
	e = buf + len;
	while (e > p && (e[-1] == '\n' || e[-1] == ' '))
		e--;
	r = take_hex_word(&p, e, &v);
	free(buf);
	if (r || p != e || v > 0xffff)
		return dev_bad(sd, name, 1, "not a 16-bit PCI ID (0xNNNN)");
	*id = (uint16_t)v;
	return 0;
}

/* one BAR from a resource line "start end flags" (the kernel's, in hex) */
static int fill_bar(const struct sysdev *sd, struct im_bar *b, unsigned int line,
		    uint64_t start, uint64_t end, uint64_t flags)
{
	uint64_t a = start | (flags & 0xf);	/* the BAR register's low bits */
	char why[160];

	if (!start && !end)
		return 0;
	if (end < start) {
		snprintf(why, sizeof(why), "BAR %d ends (0x%" PRIx64 ") before it starts (0x%" PRIx64 ")",
			 b->index, end, start);
		return dev_bad(sd, "resource", line, why);
	}
	if (end - start == UINT64_MAX)
		return dev_bad(sd, "resource", line, "a BAR that spans all of the 64-bit address space");
	b->size = end - start + 1;
	if (a & PCI_BASE_ADDRESS_SPACE_IO) {
		b->kind = IM_BAR_IO;
		b->hpa = a & PCI_ADDR_IO_MASK;
	} else {
		b->hpa = a & PCI_ADDR_MEM_MASK;
		b->prefetch = !!(a & PCI_BASE_ADDRESS_MEM_PREFETCH);
		b->kind = (a & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64 ?
			IM_BAR_MEM64 : IM_BAR_MEM32;
	}
	if (b->size & (b->size - 1)) {
		char subj[40];

		snprintf(subj, sizeof(subj), "%s BAR %d", sd->bdf, b->index);
		return IM_FINDING_AT(sd->m, IM_F_BAR_SIZE_ODD, subj, line, b->size);
	}
	return 0;
}

/* resource: one line a resource, BARs 0-5 first (then the ROM, bridge windows) */
static int read_resource(const struct sysdev *sd, struct im_device *dev)
{
	char *buf;
	size_t len, pos = 0, ll;
	const char *l;
	unsigned int line = 0;
	int r = read_attr(sd, "resource", &buf, &len);

	if (r)
		return r;
	while (!r && line < IM_NBARS && (l = next_line(buf, len, &pos, &ll))) {
		const char *p = l, *e = l + ll;
		uint64_t v[3];

		line++;
		dev->bars[line - 1].index = (int)line - 1;
		if (take_hex_word(&p, e, &v[0]) || take_hex_word(&p, e, &v[1]) ||
		    take_hex_word(&p, e, &v[2])) {
			r = dev_bad(sd, "resource", line, "not a resource line (start end flags, in hex)");
			break;
		}
		r = fill_bar(sd, &dev->bars[line - 1], line, v[0], v[1], v[2]);
	}
	free(buf);
	return r;
}

static uint32_t le(const uint8_t *c, int bytes)
{
	uint32_t v = 0;

	while (bytes--)
		v = v << 8 | c[bytes];
	return v;
}

/*
 * The MSI-X capability from the config bytes that could be read (n: 64 for
 * a user who is not root): caps_known only when the list was walked to its
 * end inside them.
 */
static void parse_caps(struct im_device *dev, const uint8_t *c, size_t n)
{
	uint64_t seen = 0;
	unsigned int p;

	if (n < 64)
		return;
	if (!(le(c + PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)) {
		dev->caps_known = true;
		return;
	}
	p = c[(c[PCI_HEADER_TYPE] & 0x7f) == PCI_HEADER_TYPE_CARDBUS ? PCI_CB_CAPABILITY_LIST :
	      PCI_CAPABILITY_LIST] & ~3u;
	for (; p; p = c[p + 1] & ~3u) {
		uint32_t ctrl, tbl, pba;

		if (p + 2 > n || (seen >> (p / 4) & 1))
			return;		/* past what was read, or a loop: unknown */
		seen |= 1ull << (p / 4);
		if (c[p] == 0xff)
			break;
		if (c[p] != PCI_CAP_ID_MSIX)
			continue;
		if (p + 12 > n)
			return;
		ctrl = le(c + p + 2, 2);	/* message control */
		tbl = le(c + p + PCI_MSIX_TABLE, 4);
		pba = le(c + p + PCI_MSIX_PBA, 4);
		dev->have_msix = true;
		dev->msix_bar = (int)(tbl & PCI_MSIX_BIR);
		dev->msix_table_off = tbl & ~(uint32_t)PCI_MSIX_BIR;
		dev->msix_table_size = ((ctrl & PCI_MSIX_TABSIZE) + 1) * 16u;
		dev->msix_pba_bar = (int)(pba & PCI_MSIX_BIR);
		dev->msix_pba_off = pba & ~(uint32_t)PCI_MSIX_BIR;
		dev->msix_pba_size = (((ctrl & PCI_MSIX_TABSIZE) + 1 + 63) / 64) * 8u;
		break;
	}
	dev->caps_known = true;
}

/* config: as far as it can be read; a hostile file is an error, else unknown */
static int read_config(const struct sysdev *sd, struct im_device *dev)
{
	uint8_t cfg[CFG_HEAD];
	size_t n = 0;
	int fd = im_root_openat(sd->fd, "config", O_RDONLY);

	if (fd < 0)
		return im_root_hostile(fd) ? dev_err(sd, "config", fd) : 0;
	while (n < sizeof(cfg)) {
		ssize_t r = pread(fd, cfg + n, sizeof(cfg) - n, (off_t)n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	parse_caps(dev, cfg, n);
	return 0;
}

/* vfio-dev/vfioN under the device directory: the cdev that names it */
static int read_cdev(const struct sysdev *sd)
{
	struct dirent *de;
	DIR *d;
	int fd, n = -1;

	fd = im_root_openat(sd->fd, "vfio-dev", O_RDONLY | O_DIRECTORY);
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

/*
 * The last component of the driver or iommu_group link, which is read and
 * never followed (its target need not exist in a fixture).  The kernel's
 * links are relative and end in .../drivers/NAME and .../iommu_groups/N; a
 * link that does not (to /etc, to "..") would give a name that is a lie,
 * and is bad input.
 */
static int link_name(const struct sysdev *sd, const char *link, const char *parent, char **out)
{
	char target[4096], why[4200];
	const char *base, *up;
	size_t bo, plen = strlen(parent);
	ssize_t n = readlinkat(sd->fd, link, target, sizeof(target) - 1);

	if (n <= 0)
		return 0;
	target[n] = '\0';
	base = im_basename(target);
	bo = (size_t)(base - target);
	up = bo > plen ? base - plen - 1 : NULL;
	if (target[0] == '/') {
		snprintf(why, sizeof(why), "symlink to '%s' leads outside the sysroot; not followed",
			 target);
		return dev_bad(sd, link, 0, why);
	}
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..") || !up ||
	    strncmp(up, parent, plen) || (up > target && up[-1] != '/')) {
		snprintf(why, sizeof(why), "symlink to '%s' is not the kernel's (.../%s/NAME)", target,
			 parent);
		return dev_bad(sd, link, 0, why);
	}
	*out = strdup(base);
	return *out ? 0 : -ENOMEM;
}

/* a failure that makes the input unusable (err is set), not a file we may not read */
static bool fatal(int r)
{
	return r == -EINVAL || r == -ENOMEM || im_root_hostile(r);
}

/*
 * Everything of one device.  -errno with err set for a fixture that lies;
 * another -errno (ENOENT, EACCES) for a file it could not read, which
 * *what names.
 */
static int read_device(struct sysdev *sd, struct im_device *dev, const char **what)
{
	int r;

	*what = "vendor";
	r = read_id(sd, "vendor", &dev->vendor_id);
	if (!r) {
		*what = "device";
		r = read_id(sd, "device", &dev->device_id);
	}
	if (!r) {
		*what = "resource";
		r = read_resource(sd, dev);
	}
	if (!r)
		r = link_name(sd, "driver", "drivers", &dev->driver);
	if (!r)
		r = link_name(sd, "iommu_group", "iommu_groups", &dev->iommu_group);
	if (!r && dev->driver && !strcmp(dev->driver, "vfio-pci"))	/* only vfio-pci has one */
		dev->vfio_cdev = read_cdev(sd);
	return r;
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct im_device *)a)->bdf,
		      ((const struct im_device *)b)->bdf);
}

/* what the devices that could not be read were, for the source's detail */
struct unread {
	size_t n;
	char first[PATH_MAX + 64];
};

/*
 * The device whose entry is name, into *dev; one that could not be read is
 * counted in u.  A slot with no device is left zeroed (its bdf empty).
 */
static int load_one(struct im_model *m, const char *name, struct im_device *dev,
		    struct unread *u, struct im_err *err)
{
	struct sysdev sd = { .m = m, .err = err };
	char rel[300];
	const char *what = "";
	int r;

	dev->vfio_cdev = -1;
	if (im_bdf_norm(name, strlen(name), dev->bdf)) {
		memset(dev, 0, sizeof(*dev));
		sd.bdf = name;
		return dev_bad(&sd, "", 0, "not a PCI address (DDDD:BB:DD.F)");
	}
	sd.bdf = dev->bdf;
	snprintf(rel, sizeof(rel), DEVICES "/%s", name);	/* a link to sys/devices/... */
	sd.fd = im_root_open(rel, O_RDONLY | O_DIRECTORY);
	if (sd.fd < 0) {
		r = sd.fd;
	} else {
		r = read_device(&sd, dev, &what);
		close(sd.fd);
	}
	if (r && fatal(r)) {
		if (sd.fd < 0 && !err->msg[0])
			r = dev_err(&sd, "", r);
		im_device_free(dev);
		memset(dev, 0, sizeof(*dev));
		return r;
	}
	if (r) {	/* not readable: the device is left out, and said so */
		if (!u->n++) {
			char *path;

			snprintf(rel, sizeof(rel), DEVICES "/%s%s%s", name, *what ? "/" : "", what);
			path = im_root_path(rel);
			snprintf(u->first, sizeof(u->first), "%s: %s", path ? path : rel,
				 strerror(-r));
			free(path);
		}
		im_device_free(dev);
		memset(dev, 0, sizeof(*dev));
	}
	return 0;
}

/*
 * The device directories are read by up to IM_PCI_MAX_THREADS threads, each
 * a run of the entries in directory order, at least IM_PCI_PER_THREAD
 * devices apiece: on a host of thousands, the opens and reads are most of a
 * run and the kernel does them in parallel.  Each thread keeps its devices,
 * findings, error and unread devices apart; they are joined in entry order,
 * so the model, the first error and the findings are those of one thread
 * reading every entry in turn.
 */
#define IM_PCI_PER_THREAD 256
#define IM_PCI_MAX_THREADS 8

static unsigned int pci_threads;	/* 0: by the CPUs and the devices */

void im_pci_set_threads(unsigned int n)
{
	pci_threads = n;
}

/* one thread's run of the entries, and its slots of the devices array */
struct run {
	struct im_model found;		/* its findings, moved to m in order */
	char **names;
	size_t nnames;
	struct im_device *devs;
	struct unread u;
	struct im_err err;
	int r;
};

static void *load_run(void *arg)
{
	struct run *t = arg;
	size_t i;

	for (i = 0; !t->r && i < t->nnames; i++)
		t->r = load_one(&t->found, t->names[i], &t->devs[i], &t->u, &t->err);
	return NULL;
}

static unsigned int threads_for(size_t n)
{
	unsigned int t = pci_threads;
	cpu_set_t set;

	if (!t) {
		t = sched_getaffinity(0, sizeof(set), &set) ? 1 : (unsigned int)CPU_COUNT(&set);
		if (t > n / IM_PCI_PER_THREAD)
			t = (unsigned int)(n / IM_PCI_PER_THREAD);
	}
	if (t > IM_PCI_MAX_THREADS)
		t = IM_PCI_MAX_THREADS;
	if (t > n)
		t = (unsigned int)n;
	return t ? t : 1;
}

/* the entries of the devices directory, in its order; -errno */
static int list_devices(int fd, char ***names, size_t *n)
{
	size_t cap = 0;
	struct dirent *de;
	DIR *d = fdopendir(fd);
	int r = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	while (!r && (errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		r = im_grow((void *)names, &cap, *n + 1, sizeof(**names));
		if (!r && !((*names)[*n] = strdup(de->d_name)))
			r = -ENOMEM;
		if (!r)
			(*n)++;
	}
	if (!r && errno)
		r = -errno;
	closedir(d);
	return r;
}

/*
 * Join the runs in order into m: the first run's error, or every device of
 * devs[0..n) (each run's slots, in entry order), the empty slots dropped
 */
static int join_runs(struct im_model *m, struct run *t, unsigned int nt, struct im_device *devs,
		     size_t n, struct im_err *err)
{
	struct unread u = { 0 };
	size_t kept = 0, i;
	unsigned int k;
	int r = 0;

	for (k = 0; k < nt; k++) {
		r = im_findings_move(m, &t[k].found);
		if (r || t[k].r) {
			r = r ? r : t[k].r;
			*err = t[k].err;
			break;
		}
		if (t[k].u.n && !u.n)
			memcpy(u.first, t[k].u.first, sizeof(u.first));
		u.n += t[k].u.n;
	}
	for (k = 0; k < nt; k++)
		im_model_free(&t[k].found);
	for (i = 0; i < n; i++) {
		if (!devs[i].bdf[0])
			continue;
		if (r)
			im_device_free(&devs[i]);
		else if (kept++ != i)
			devs[kept - 1] = devs[i];
	}
	if (r) {
		free(devs);
		return r;
	}
	if (kept)
		im_qsort(devs, kept, sizeof(*devs), cmp_dev);
	m->devices = devs;
	m->ndevices = kept;
	if (u.n)
		im_add_source(m, "pci", IM_SRC_PARTIAL, "%zu devices; %zu could not be read (%s%s)",
			      kept, u.n, u.first, u.n > 1 ? ", ..." : "");
	else
		im_add_source(m, "pci", IM_SRC_OK, "%zu devices", kept);
	return 0;
}

/* every entry of sys/bus/pci/devices, sorted by BDF into the model */
int im_pci_load(struct im_model *m, struct im_err *err)
{
	struct run t[IM_PCI_MAX_THREADS];
	pthread_t tid[IM_PCI_MAX_THREADS];
	bool started[IM_PCI_MAX_THREADS] = { false };
	struct im_device *devs = NULL;
	char **names;
	size_t n, i, at = 0;
	unsigned int nt, k;
	int fd, r;

	fd = im_root_open(DEVICES, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		char *path;

		if (im_root_hostile(fd))
			return im_root_err(err, DEVICES, fd);
		path = im_root_path(DEVICES);
		im_add_source(m, "pci", IM_SRC_UNAVAILABLE, "%s: %s", path ? path : DEVICES,
			      im_root_strerror(fd));
		free(path);
		return 0;
	}
	r = list_devices(fd, &names, &n);
	if (r && r != -ENOMEM)	/* a directory that could not be listed to its end */
		r = im_root_err(err, DEVICES, r);
	/* one slot an entry, zeroed: no array grows or is copied while threads read */
	if (!r && n && !(devs = calloc(n, sizeof(*devs))))
		r = -ENOMEM;
	nt = threads_for(n);
	for (k = 0; !r && k < nt; k++) {
		size_t end = n * (k + 1) / nt;

		memset(&t[k], 0, sizeof(t[k]));
		im_model_init(&t[k].found);
		t[k].names = names + at;
		t[k].nnames = end - at;
		t[k].devs = devs ? devs + at : NULL;
		at = end;
		/* the first run here, the others each in a thread (or here, if none starts) */
		started[k] = k && !pthread_create(&tid[k], NULL, load_run, &t[k]);
	}
	if (!r) {
		for (k = 0; k < nt; k++)
			if (!started[k])
				load_run(&t[k]);
		for (k = 0; k < nt; k++)
			if (started[k])
				pthread_join(tid[k], NULL);
		r = join_runs(m, t, nt, devs, n, err);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

/* a device the views will show: held by the target, picked by --slot, or a QEMU source's */
static bool wanted(const struct im_model *m, const struct im_device *dev, const bool *named)
{
	return dev->held || named[dev - m->devices] ||
	       (m->filter_bdf && !strcmp(dev->bdf, m->filter_bdf));
}

/* which devices a QEMU-side source names as passed through: *named, one per device */
static int qemu_named(const struct im_model *m, bool **named)
{
	size_t q;

	*named = im_calloc(m->ndevices, sizeof(**named));
	if (!*named)
		return -ENOMEM;
	for (q = 0; q < m->nqbars; q++) {
		int di = im_find_device(m, m->qbars[q].host_bdf);

		if (di >= 0)
			(*named)[di] = true;
	}
	return 0;
}

int im_pci_caps(struct im_model *m, struct im_err *err)
{
	struct sysdev sd = { .m = m, .err = err };
	char rel[64];
	bool *named;
	size_t i;
	int r = qemu_named(m, &named);

	for (i = 0; !r && i < m->ndevices; i++) {
		struct im_device *dev = &m->devices[i];

		if (!wanted(m, dev, named))
			continue;
		sd.bdf = dev->bdf;
		snprintf(rel, sizeof(rel), DEVICES "/%s", dev->bdf);
		sd.fd = im_root_open(rel, O_RDONLY | O_DIRECTORY);
		if (sd.fd < 0) {
			r = im_root_hostile(sd.fd) ? dev_err(&sd, "", sd.fd) : 0;
			continue;	/* else the capabilities stay unknown */
		}
		r = read_config(&sd, dev);
		close(sd.fd);
	}
	free(named);
	return r;
}

static jmp_buf pci_fail;

/* libpci's error callback must not return: unwind to im_pci_names() */
static void __attribute__((noreturn, format(printf, 1, 2))) pci_error(char *msg, ...)
{
	(void)msg;
	longjmp(pci_fail, 1);
}

static void __attribute__((format(printf, 1, 2))) pci_quiet(char *msg, ...)
{
	(void)msg;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The devices to name, vendor << 16 | device, sorted, in *want (malloc'd;
 * *n of them, none repeated)
 */
static int wanted_ids(const struct im_model *m, const bool *named, uint32_t **want, size_t *n)
{
	size_t i, k = 0;

	*n = 0;
	*want = malloc((m->ndevices ? m->ndevices : 1) * sizeof(**want));
	if (!*want)
		return -ENOMEM;
	for (i = 0; i < m->ndevices; i++)
		if (!m->devices[i].name && wanted(m, &m->devices[i], named))
			(*want)[k++] = (uint32_t)m->devices[i].vendor_id << 16 | m->devices[i].device_id;
	qsort(*want, k, sizeof(**want), cmp_u32);
	for (i = 0; i < k; i++)
		if (!*n || (*want)[*n - 1] != (*want)[i])
			(*want)[(*n)++] = (*want)[i];
	return 0;
}

/*
 * The lines of the ID list at path that name the wanted devices
 * (pciids.c), in a memory file: its /proc/self/fd path for libpci, and its
 * fd in *fdp, to close after libpci is done.  NULL when it cannot be made
 * (a compressed list, no /proc, a file larger than IM_BOUND_OTHER...):
 * libpci then reads the whole list, as it would have.  Like libpci, a path
 * in .gz that is not there is tried without it.  *refused: the list is not
 * a regular file (a FIFO, a device), which libpci must not open either.
 * The list is read 16 KiB at a time, through the checked open (a regular
 * file, non-blocking).
 */
#define IDS_CHUNK 16384
static char *ids_excerpt(const char *path, const uint32_t *want, size_t nwant, int *fdp,
			 bool *refused)
{
	char *in = NULL, *out = NULL;
	struct im_pciids f;
	size_t have = 0, total = 0;
	bool skip = false;	/* in a line too long for the buffer: dropped */
	char *proc = NULL;
	int fd, mfd = -1;

	*fdp = -1;
	*refused = false;
	fd = im_open_file(path, O_RDONLY);
	if (fd == -ENOENT && strlen(path) > 3 && !strcmp(path + strlen(path) - 3, ".gz")) {
		char *plain = strndup(path, strlen(path) - 3);	/* libpci's fallback too */

		fd = plain ? im_open_file(plain, O_RDONLY) : -ENOMEM;
		free(plain);
	}
	if (fd < 0) {
		*refused = im_root_not_regular(fd);	/* libpci would block on a FIFO */
		return NULL;
	}
	in = malloc(IDS_CHUNK);
	out = malloc(IDS_CHUNK + 1);
	mfd = in && out ? memfd_create("pci.ids", MFD_CLOEXEC) : -1;
	if (mfd < 0)
		goto fail;
	im_pciids_init(&f, want, nwant);
	for (;;) {
		ssize_t r = read(fd, in + have, IDS_CHUNK - have);
		size_t used, n;
		bool eof;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || (total += (size_t)r) > IM_BOUND_OTHER)
			goto fail;
		if (!total && r == 0)
			goto fail;
		if (total == (size_t)r && r >= 2 && (unsigned char)in[0] == 0x1f &&
		    (unsigned char)in[1] == 0x8b)
			goto fail;	/* gzip: libpci reads it itself */
		have += (size_t)r;
		eof = r == 0;
		if (skip) {	/* the rest of a too long line */
			char *nl = memchr(in, '\n', have);

			used = nl ? (size_t)(nl + 1 - in) : have;
			skip = !nl && !eof;
			memmove(in, in + used, have - used);
			have -= used;
			if (!eof)
				continue;
		}
		n = im_pciids_filter(&f, in, have, eof, out, &used);
		if (n && write(mfd, out, n) != (ssize_t)n)
			goto fail;
		memmove(in, in + used, have - used);
		have -= used;
		if (eof)
			break;
		if (have == IDS_CHUNK) {	/* no line end in 16 KiB: not a pci.ids line */
			have = 0;
			skip = true;
			f.in = false;
		}
	}
	close(fd);
	free(in);
	free(out);
	proc = im_asprintf("/proc/self/fd/%d", mfd);
	if (!proc || access(proc, R_OK)) {
		free(proc);
		close(mfd);
		return NULL;
	}
	*fdp = mfd;
	return proc;
fail:
	close(fd);
	free(in);
	free(out);
	if (mfd >= 0)
		close(mfd);
	return NULL;
}

/*
 * Names from pci.ids (ids_file, else the system's; live without -i, the
 * hwdb too) for the devices shown: those the target holds, or the one
 * --slot picks.  No name stays NULL.  libpci reads nothing else: no bus
 * scan, no sysfs (its sysfs method's init opens nothing); and of pci.ids,
 * only the lines of the devices to name (ids_excerpt).
 */
int im_pci_names(struct im_model *m, const char *ids_file)
{
	struct pci_access *volatile pacc = NULL;
	bool *volatile named = NULL;
	uint32_t *volatile want = NULL;
	char *volatile excerpt = NULL;
	volatile int efd = -1;
	size_t i, nwant;

	if (setjmp(pci_fail)) {
		free(named);
		free(want);
		free(excerpt);
		if (efd >= 0)
			close(efd);
		return 0;	/* pacc is leaked: libpci's state is unknown after its error */
	}
	if (qemu_named(m, (bool **)&named) || wanted_ids(m, named, (uint32_t **)&want, &nwant)) {
		free(named);
		return -ENOMEM;
	}
	for (i = 0; i < m->ndevices; i++) {
		struct im_device *dev = &m->devices[i];
		char name[256];

		if (dev->name || !wanted(m, dev, named))
			continue;
		if (!pacc) {
			bool refused;
			int fd;

			pacc = pci_alloc();
			pacc->error = pci_error;
			pacc->warning = pci_quiet;
			pacc->debug = pci_quiet;
			pacc->method = PCI_ACCESS_SYS_BUS_PCI;
			excerpt = ids_excerpt(ids_file ? ids_file : pacc->id_file_name, want, nwant, &fd,
					      &refused);
			efd = fd;
			if (refused) {	/* no names */
				pci_cleanup(pacc);
				pacc = NULL;
				break;
			}
			if (excerpt)
				pci_set_name_list_path(pacc, excerpt, 0);
			else if (ids_file)
				pci_set_name_list_path(pacc, (char *)ids_file, 0);
			pci_init(pacc);
		}
		if (pci_lookup_name(pacc, name, sizeof(name),
				    PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS |
				    (im_root_is_live() && !ids_file ? 0 : PCI_LOOKUP_NO_HWDB),
				    dev->vendor_id, dev->device_id) &&
		    strcmp(name, "<pci_lookup_name: buffer too small>"))
			dev->name = strdup(name);
	}
	if (pacc)
		pci_cleanup(pacc);
	free(named);
	free(want);
	free(excerpt);
	if (efd >= 0)
		close(efd);
	return 0;
}
