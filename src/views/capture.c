// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * capture.c - `capture -o DIR`: the DESIGN.md fixture layout, holding only
 * the files iommu-map reads, so that `--sysroot DIR` replays the same
 * report.  Symlinks are written with the targets read; never followed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "iommu-map.h"

struct cap {
	const char *dir;
	struct im_err *err;
};

static int fail(struct cap *c, const char *rel, int r)
{
	char *p = im_asprintf("%s/%s", c->dir, rel);

	im_err_set(c->err, p ? p : rel, 0, "%s", im_root_strerror(r));
	free(p);
	return r;
}

/* mkdir -p of the directory part of rel (or all of rel when whole) */
static int mkdirs(struct cap *c, const char *rel, bool whole)
{
	char path[PATH_MAX], *s;
	int n = snprintf(path, sizeof(path), "%s/%s", c->dir, rel);

	if (n < 0 || (size_t)n >= sizeof(path))
		return fail(c, rel, -ENAMETOOLONG);
	if (!whole) {
		s = strrchr(path, '/');
		if (s)
			*s = '\0';
	}
	for (s = path + strlen(c->dir) + 1; ; s++) {
		if (*s == '/' || !*s) {
			char ch = *s;

			*s = '\0';
			if (mkdir(path, 0755) && errno != EEXIST)
				return fail(c, rel, -errno);
			*s = ch;
			if (!ch)
				break;
		}
	}
	return 0;
}

static int put(struct cap *c, const char *rel, const char *buf, size_t len)
{
	char path[PATH_MAX];
	int fd, r;

	r = mkdirs(c, rel, false);
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/%s", c->dir, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return fail(c, rel, -errno);
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return fail(c, rel, r);
		}
		buf += w;
		len -= (size_t)w;
	}
	if (close(fd))
		return fail(c, rel, -errno);
	return 0;
}

/* copy a file of the root; a missing file is not an error */
static int copy(struct cap *c, const char *rel)
{
	char *buf;
	size_t len;
	int r = im_root_read(rel, &buf, &len);

	if (r == -ENOENT || r == -EACCES || r == -EPERM || r == -EIO)
		return 0;
	if (r)
		return fail(c, rel, r);
	r = put(c, rel, buf, len);
	free(buf);
	return r;
}

static int link_as(struct cap *c, const char *rel, const char *target)
{
	char path[PATH_MAX];
	int r = mkdirs(c, rel, false);

	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/%s", c->dir, rel);
	unlink(path);
	if (symlink(target, path))
		return fail(c, rel, -errno);
	return 0;
}

/* copy a symlink; create its (relative) target directory when asked */
static int copy_link(struct cap *c, const char *rel, bool mkdir_target)
{
	char target[PATH_MAX], dirrel[PATH_MAX * 2];
	const char *slash;
	int n = im_root_readlink(rel, target, sizeof(target));

	if (n < 0)
		return n == -ENOENT || n == -EINVAL ? 0 : fail(c, rel, n);
	n = link_as(c, rel, target);
	if (n || !mkdir_target || target[0] == '/')
		return n;
	slash = strrchr(rel, '/');
	snprintf(dirrel, sizeof(dirrel), "%.*s/%s", (int)(slash - rel), rel, target);
	return mkdirs(c, dirrel, true);
}

static int capture_device(struct cap *c, const struct im_device *d)
{
	static const char *const files[] = { "vendor", "device", "class",
					     "resource", "config" };
	char rel[PATH_MAX], target[PATH_MAX], devrel[PATH_MAX * 2];
	size_t i;
	int r, n;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s", d->bdf);
	n = im_root_readlink(rel, target, sizeof(target));
	if (n > 0 && target[0] != '/') {
		r = link_as(c, rel, target);
		if (r)
			return r;
		snprintf(devrel, sizeof(devrel), "sys/bus/pci/devices/%s", target);
	} else {
		snprintf(devrel, sizeof(devrel), "%s", rel);
	}
	r = mkdirs(c, devrel, true);
	for (i = 0; i < sizeof(files) / sizeof(files[0]) && !r; i++) {
		char f[PATH_MAX * 2 + 16];

		snprintf(f, sizeof(f), "%s/%s", rel, files[i]);
		r = copy(c, f);
		if (!r && devrel[0] && strcmp(devrel, rel)) {
			/* copy() wrote through the link's path: fine, it resolved */
		}
	}
	if (!r) {
		char f[PATH_MAX + 32];

		snprintf(f, sizeof(f), "%s/driver", rel);
		r = copy_link(c, f, true);
		snprintf(f, sizeof(f), "%s/iommu_group", rel);
		if (!r)
			r = copy_link(c, f, true);
		if (!r && d->vfio_cdev >= 0) {
			/* a file inside, so that the directory survives in git */
			snprintf(f, sizeof(f), "%s/vfio-dev/vfio%d/dev", rel, d->vfio_cdev);
			r = copy(c, f);
		}
	}
	return r;
}

int im_capture(struct im_model *m, const char *dir, struct im_err *err)
{
	struct cap c = { .dir = dir, .err = err };
	char rel[PATH_MAX];
	size_t i;
	int r;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		im_err_set(err, dir, 0, "%s", strerror(errno));
		return -errno;
	}
	r = copy(&c, "proc/sys/kernel/osrelease");
	snprintf(rel, sizeof(rel), "proc/%d/maps", m->pid);
	if (!r)
		r = copy(&c, rel);
	snprintf(rel, sizeof(rel), "proc/%d/comm", m->pid);
	if (!r)
		r = copy(&c, rel);
	snprintf(rel, sizeof(rel), "proc/%d/cmdline", m->pid);
	if (!r)
		r = copy(&c, rel);
	for (i = 0; i < m->nfds && !r; i++) {
		snprintf(rel, sizeof(rel), "proc/%d/fd/%d", m->pid, m->fds[i].fd);
		r = link_as(&c, rel, m->fds[i].target);
		if (!r && im_vfio_path_is_device(im_vfio_path_kind(m->fds[i].target, NULL))) {
			snprintf(rel, sizeof(rel), "proc/%d/fdinfo/%d", m->pid, m->fds[i].fd);
			r = copy(&c, rel);
		}
	}
	if (!r && !m->nfds) {
		snprintf(rel, sizeof(rel), "proc/%d/fd", m->pid);
		r = mkdirs(&c, rel, true);
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
	for (i = 0; i < m->nsources && !r; i++)
		if (!strcmp(m->sources[i].name, "memslots") &&
		    m->sources[i].status != IM_SRC_OK && m->sources[i].detail)
			r = put(&c, "iommu-map/memslots.status", m->sources[i].detail,
				strlen(m->sources[i].detail));
	return r;
}
