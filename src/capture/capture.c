// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * capture.c - `capture -o DIR`: the DESIGN.md fixture layout, holding only
 * the files iommu-map reads, so that `--sysroot DIR` replays the same
 * report.  Symlinks are written with the targets read; never followed.
 * Every write goes through outdir.c: inside DIR, never through a link.
 * Not a view: it reads the inputs again (through the same safe opens as
 * the sources) to copy them, where a view only prints the model.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "sources/gdbexport.h"
#include "sources/trace.h"

struct cap {
	struct im_outdir *o;
	struct im_err *err;
};

static int fail(struct cap *c, const char *rel, int r)
{
	char *p = im_outdir_path(c->o, rel);

	im_err_set(c->err, p ? p : rel, 0, "%s", r == -ELOOP || r == -EEXIST || r == -ENOTDIR ?
		   "is in the way (a link or file that capture did not write): nothing written through it" :
		   im_root_strerror(r));
	free(p);
	return r;
}

static int mkdirs(struct cap *c, const char *rel)
{
	int r = im_outdir_mkdirs(c->o, rel);

	return r ? fail(c, rel, r) : 0;
}

static int put(struct cap *c, const char *rel, const char *buf, size_t len)
{
	int r = im_outdir_put(c->o, rel, buf, len);

	return r ? fail(c, rel, r) : 0;
}

/* copy a file of the root to `to` in DIR; a missing file is not an error */
static int copy(struct cap *c, const char *from, const char *to)
{
	char *buf;
	size_t len;
	int r = im_root_read(from, &buf, &len);

	if (r == -ENOENT || r == -EACCES || r == -EPERM || r == -EIO)
		return 0;
	if (r)
		return fail(c, to, r);
	r = put(c, to, buf, len);
	free(buf);
	return r;
}

static int link_as(struct cap *c, const char *rel, const char *target)
{
	int r = im_outdir_symlink(c->o, rel, target);

	return r ? fail(c, rel, r) : 0;
}

/*
 * out = dir/target with "." and ".." resolved as text, for writing where a
 * relative link of the root leads without following it; -EXDEV past the top.
 */
static int resolve(const char *dir, const char *target, char *out, size_t size)
{
	char *s = im_asprintf("%s/%s", dir, target), *p, *save = NULL;
	size_t n = 0;
	int r = 0;

	if (!s)
		return -ENOMEM;
	out[0] = '\0';
	for (p = strtok_r(s, "/", &save); p && !r; p = strtok_r(NULL, "/", &save)) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			char *slash = strrchr(out, '/');

			if (!n)
				r = -EXDEV;
			n = slash ? (size_t)(slash - out) : 0;
			out[n] = '\0';
			continue;
		}
		if (n + !!n + strlen(p) + 1 > size)
			r = -ENAMETOOLONG;
		else
			n += (size_t)sprintf(out + n, "%s%s", n ? "/" : "", p);
	}
	free(s);
	return r ? r : (n ? 0 : -EXDEV);
}

/*
 * copy the symlink `from` to `to` (the same link, in the real directory);
 * with mkdir_target, make the directory a relative target names
 */
static int copy_link(struct cap *c, const char *from, const char *to, bool mkdir_target)
{
	char target[PATH_MAX], dir[PATH_MAX], where[PATH_MAX];
	const char *slash = strrchr(to, '/');
	int n = im_root_readlink(from, target, sizeof(target));

	if (n < 0)
		return n == -ENOENT || n == -EINVAL ? 0 : fail(c, to, n);
	n = link_as(c, to, target);
	if (n || !mkdir_target || target[0] == '/' || !slash)
		return n;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - to), to);
	n = resolve(dir, target, where, sizeof(where));
	return n ? fail(c, to, n) : mkdirs(c, where);
}

static int capture_device(struct cap *c, const struct im_device *d)
{
	static const char *const files[] = { "vendor", "device", "class",
					     "resource", "config" };
	char rel[PATH_MAX], target[PATH_MAX], devrel[PATH_MAX];
	char from[PATH_MAX + 64], to[PATH_MAX + 64];
	size_t i;
	int r = 0, n;

	/* read through sys/bus/pci/devices/BDF; write in the directory it leads to */
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", d->bdf);
	snprintf(devrel, sizeof(devrel), "%s", rel);
	n = im_root_readlink(rel, target, sizeof(target));
	if (n > 0 && target[0] != '/') {
		r = link_as(c, rel, target);
		if (!r && resolve("sys/bus/pci/devices", target, devrel, sizeof(devrel)))
			r = fail(c, rel, -EXDEV);
	}
	if (!r)
		r = mkdirs(c, devrel);
	for (i = 0; i < sizeof(files) / sizeof(files[0]) && !r; i++) {
		snprintf(from, sizeof(from), "%s/%s", rel, files[i]);
		snprintf(to, sizeof(to), "%s/%s", devrel, files[i]);
		r = copy(c, from, to);
	}
	snprintf(from, sizeof(from), "%s/driver", rel);
	snprintf(to, sizeof(to), "%s/driver", devrel);
	if (!r)
		r = copy_link(c, from, to, true);
	snprintf(from, sizeof(from), "%s/iommu_group", rel);
	snprintf(to, sizeof(to), "%s/iommu_group", devrel);
	if (!r)
		r = copy_link(c, from, to, true);
	if (!r && d->vfio_cdev >= 0) {
		/* a file inside, so that the directory survives in git */
		snprintf(from, sizeof(from), "%s/vfio-dev/vfio%d/dev", rel, d->vfio_cdev);
		snprintf(to, sizeof(to), "%s/vfio-dev/vfio%d/dev", devrel, d->vfio_cdev);
		r = copy(c, from, to);
	}
	return r;
}

/*
 * What the address widths are read from (sources/widths.h): cpuinfo and each
 * IOMMU unit's cap (and AMD's features), as plain directories in DIR.
 */
static int capture_widths(struct cap *c)
{
	static const char *const files[] = { "intel-iommu/cap", "amd-iommu/cap",
					     "amd-iommu/features" };
	char rel[PATH_MAX];
	struct dirent *de;
	DIR *d;
	size_t i;
	int fd, r = copy(c, "proc/cpuinfo", "proc/cpuinfo");

	fd = im_root_open("sys/class/iommu", O_RDONLY | O_DIRECTORY);
	if (r || fd == -ENOENT)
		return r;
	if (fd < 0)
		return fail(c, "sys/class/iommu", fd);
	r = mkdirs(c, "sys/class/iommu");	/* an empty one says: no unit */
	if (r) {
		close(fd);
		return r;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return fail(c, "sys/class/iommu", -errno);
	}
	while (!r && (de = readdir(d))) {
		if (strncmp(de->d_name, "dmar", 4) && strncmp(de->d_name, "ivhd", 4))
			continue;
		for (i = 0; i < sizeof(files) / sizeof(files[0]) && !r; i++) {
			snprintf(rel, sizeof(rel), "sys/class/iommu/%s/%s", de->d_name, files[i]);
			r = copy(c, rel, rel);
		}
	}
	closedir(d);
	return r;
}

int im_capture(struct im_model *m, struct im_outdir *o, struct im_err *err)
{
	struct cap c = { .o = o, .err = err };
	const struct im_source *src;
	char rel[PATH_MAX];
	size_t i;
	int r;

	r = copy(&c, "proc/sys/kernel/osrelease", "proc/sys/kernel/osrelease");
	snprintf(rel, sizeof(rel), "proc/%d/maps", m->pid);
	/* the maps the model was read from: alike before and after its fds */
	if (!r)
		r = m->maps_text ? put(&c, rel, m->maps_text, m->maps_len) : copy(&c, rel, rel);
	snprintf(rel, sizeof(rel), "proc/%d/comm", m->pid);
	if (!r)
		r = copy(&c, rel, rel);
	snprintf(rel, sizeof(rel), "proc/%d/cmdline", m->pid);
	if (!r)
		r = copy(&c, rel, rel);
	snprintf(rel, sizeof(rel), "proc/%d/status", m->pid);	/* VmPTE */
	if (!r)
		r = copy(&c, rel, rel);
	if (!r)
		r = capture_widths(&c);
	for (i = 0; i < m->nfds && !r; i++) {
		snprintf(rel, sizeof(rel), "proc/%d/fd/%d", m->pid, m->fds[i].fd);
		r = link_as(&c, rel, m->fds[i].target);
		if (!r && im_vfio_path_is_device(im_vfio_path_kind(m->fds[i].target, NULL))) {
			snprintf(rel, sizeof(rel), "proc/%d/fdinfo/%d", m->pid, m->fds[i].fd);
			r = copy(&c, rel, rel);
		}
	}
	if (!r && !m->nfds) {
		snprintf(rel, sizeof(rel), "proc/%d/fd", m->pid);
		r = mkdirs(&c, rel);
	}
	for (i = 0; i < m->ndevices && !r; i++)
		r = capture_device(&c, &m->devices[i]);
	if (!r && m->memslots_known) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (!f)
			return fail(&c, "iommu-map/memslots", -ENOMEM);
		r = im_memslots_write(f, m);
		fclose(f);
		if (!r)
			r = put(&c, "iommu-map/memslots", buf, len);
		free(buf);
	}
	if (!r && im_kchecks_any(m)) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (!f)
			return fail(&c, "iommu-map/kernel-checks", -ENOMEM);
		r = im_kchecks_write(f, m);
		fclose(f);
		if (!r)
			r = put(&c, "iommu-map/kernel-checks", buf, len);
		free(buf);
	}
	/* the --qemu-trace text as it was read, which --sysroot reads in its
	 * place: no larger than that read takes */
	if (!r && m->trace_text && m->trace_len > im_root_read_bound(IM_KEPT_TRACE)) {
		im_err_set(err, IM_KEPT_TRACE, 0, "the trace is %zu MiB, past the %zu MiB a fixture may "
			   "hold: capture without --qemu-trace, and keep the trace beside it",
			   m->trace_len >> 20, im_root_read_bound(IM_KEPT_TRACE) >> 20);
		return -EFBIG;
	}
	if (!r && m->trace_text)
		r = put(&c, IM_KEPT_TRACE, m->trace_text, m->trace_len);
	/* the --gdb-export as read (no larger than its parser takes, the bound
	 * of a fixture's own file) */
	if (!r && m->gdb_export_text)
		r = put(&c, IM_KEPT_GDB_EXPORT, m->gdb_export_text, m->gdb_export_len);
	src = im_find_source(m, "memslots");
	if (!r && src && src->status != IM_SRC_OK && src->detail)
		r = put(&c, "iommu-map/memslots.status", src->detail, strlen(src->detail));
	return r;
}
