// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysroot.c - every open of /proc, /sys and fixture files goes through here,
 * rooted at --sysroot (default "/"), as util-linux's lscpu --sysroot does.
 *
 * Under a sysroot other than "/", resolution uses openat2(RESOLVE_BENEATH):
 * a symlink that leads out of the fixture is an error (-EXDEV), never
 * followed.  The live root "/" opens paths as they are.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "iommu-map.h"

#define IM_READ_MAX (512u << 20)

static struct {
	char path[PATH_MAX];
	int fd;
	bool live;
} root = { "/", AT_FDCWD, true };

int im_root_init(const char *sysroot)
{
	char real[PATH_MAX];
	int fd;

	if (!sysroot || !*sysroot)
		sysroot = "/";
	if (!realpath(sysroot, real))
		return -errno;
	fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (root.fd >= 0)
		close(root.fd);
	snprintf(root.path, sizeof(root.path), "%s", sysroot);
	root.fd = fd;
	root.live = !strcmp(real, "/");
	return 0;
}

const char *im_root(void)
{
	return root.path;
}

bool im_root_is_live(void)
{
	return root.live;
}

char *im_root_path(const char *rel)
{
	size_t n = strlen(root.path);

	while (*rel == '/')
		rel++;
	if (n && root.path[n - 1] == '/')
		return im_asprintf("%s%s", root.path, rel);
	return im_asprintf("%s/%s", root.path, rel);
}

static int beneath_open(const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	fd = syscall(SYS_openat2, root.fd, rel, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

int im_root_open(const char *rel, int flags)
{
	int fd;

	while (*rel == '/')
		rel++;
	if (root.live) {
		fd = openat(root.fd == AT_FDCWD ? AT_FDCWD : root.fd, rel,
			    flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return beneath_open(rel, flags);
}

int im_root_readlink(const char *rel, char *buf, size_t len)
{
	const char *slash;
	char *dir;
	int dfd;
	ssize_t n;

	while (*rel == '/')
		rel++;
	slash = strrchr(rel, '/');
	if (!slash)
		return -EINVAL;
	dir = strndup(rel, (size_t)(slash - rel));
	if (!dir)
		return -ENOMEM;
	dfd = im_root_open(dir, O_PATH | O_DIRECTORY);
	free(dir);
	if (dfd < 0)
		return dfd;
	n = readlinkat(dfd, slash + 1, buf, len - 1);
	if (n < 0) {
		int e = -errno;

		close(dfd);
		return e;
	}
	close(dfd);
	buf[n] = '\0';
	return (int)n;
}

int im_root_read(const char *rel, char **bufp, size_t *lenp)
{
	int fd = im_root_open(rel, O_RDONLY), r;

	if (fd < 0)
		return fd;
	r = im_read_fd(fd, IM_READ_MAX, bufp, lenp);
	close(fd);
	return r;
}

/* Every symlink below rel must resolve beneath the root (fixtures only). */
static int check_dir(const char *rel, int depth, struct im_err *err)
{
	struct dirent *de;
	DIR *d;
	int fd, ret = 0;

	if (depth > 64)
		return 0;
	fd = beneath_open(rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	if (fd < 0)
		return fd == -ENOENT || fd == -ENOTDIR ? 0 : fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (!ret && (de = readdir(d))) {
		char *path;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		path = im_asprintf("%s/%s", rel, de->d_name);
		if (!path) {
			ret = -ENOMEM;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			int lfd = beneath_open(path, O_PATH);

			if (lfd >= 0) {
				close(lfd);
			} else if (lfd == -EXDEV || lfd == -ELOOP) {
				char target[PATH_MAX] = "";
				char *full = im_root_path(path);
				ssize_t n = readlinkat(dirfd(d), de->d_name,
						       target, sizeof(target) - 1);

				if (n > 0)
					target[n] = '\0';
				im_err_set(err, full ? full : path, 0,
					   "symlink to '%s' leads outside the sysroot; not followed",
					   target);
				free(full);
				ret = -EXDEV;
			}
		} else if (S_ISDIR(st.st_mode)) {
			ret = check_dir(path, depth + 1, err);
		}
		free(path);
	}
	closedir(d);
	return ret;
}

int im_root_check_tree(const char *rel, struct im_err *err)
{
	if (root.live)
		return 0;
	return check_dir(rel, 0, err);
}
