// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysroot.c - every open of /proc, /sys and fixture files goes through here,
 * rooted at --sysroot (default "/"), as util-linux's lscpu --sysroot does.
 *
 * Under a sysroot other than "/", resolution uses openat2(RESOLVE_BENEATH),
 * or a walk with O_NOFOLLOW where the kernel has no openat2: a symlink that
 * leads out of the fixture is an error (-EXDEV), never followed.  The live
 * root "/" opens paths as they are.  Live or not, only a regular file is
 * opened to be read (its type is checked on an O_PATH fd first, so a FIFO
 * never blocks us and a device's driver is never asked), non-blocking, and
 * read up to a bound for its kind of file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "iommu-map.h"

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

/* cleared when the kernel says ENOSYS; atomic, as the pci source reads devices in threads */
static atomic_bool have_openat2 = true;

void im_root_use_openat2(bool on)
{
	have_openat2 = on;
}

/*
 * Without openat2 (before 5.6): walk rel one component at a time from the
 * root with O_NOFOLLOW, expanding symlinks by hand.  An absolute target or a
 * ".." above the root is -EXDEV, more than 40 links -ELOOP, as openat2's
 * RESOLVE_BENEATH has it.
 */
#define WALK_MAX_DEPTH 256

/* the next component of *p, cut in place; *last: nothing follows it */
static char *walk_comp(char **p, bool *last)
{
	char *comp = *p, *next = strchr(comp, '/');

	if (next)
		*next++ = '\0';
	*p = next ? next : comp + strlen(comp);
	while (**p == '/')
		(*p)++;
	*last = !**p;
	return comp;
}

/*
 * A symlink (fd, closed here) met with p still to walk: the walk goes on
 * with *rest = "target/p", in place of the *rest p points into.
 */
static int walk_link(int fd, const char *p, int *links, char **rest)
{
	char target[PATH_MAX], *n;
	ssize_t len = readlinkat(fd, "", target, sizeof(target) - 1);

	close(fd);
	if (len < 0)
		return -errno;
	target[len] = '\0';
	if (++*links > 40)
		return -ELOOP;
	if (target[0] == '/')
		return -EXDEV;
	n = im_asprintf("%s/%s", target, p);
	if (!n)
		return -ENOMEM;
	free(*rest);
	*rest = n;
	return 0;
}

static int walk_open(const char *rel, int flags)
{
	int stack[WALK_MAX_DEPTH], depth = 0, links = 0, ret;
	char *rest = strdup(rel), *p;

	if (!rest)
		return -ENOMEM;
	p = rest;
	for (;;) {
		int cur = depth ? stack[depth - 1] : root.fd, fd;
		char *comp;
		bool last;
		struct stat st;

		while (*p == '/')
			p++;
		if (!*p) {	/* rel named a directory already open (or the root) */
			ret = openat(cur, ".", flags | O_CLOEXEC);
			ret = ret < 0 ? -errno : ret;
			break;
		}
		comp = walk_comp(&p, &last);
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			if (!depth) {
				ret = -EXDEV;
				break;
			}
			close(stack[--depth]);
			continue;
		}
		fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			ret = -errno;
			if (fd >= 0)
				close(fd);
			break;
		}
		if (S_ISLNK(st.st_mode) && (!last || !(flags & O_NOFOLLOW))) {
			ret = walk_link(fd, p, &links, &rest);
			if (ret)
				break;
			p = rest;
			continue;
		}
		if (last) {
			close(fd);
			ret = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC);
			ret = ret < 0 ? -errno : ret;
			break;
		}
		if (!S_ISDIR(st.st_mode) || depth == WALK_MAX_DEPTH) {
			close(fd);
			ret = S_ISDIR(st.st_mode) ? -ENAMETOOLONG : -ENOTDIR;
			break;
		}
		stack[depth++] = fd;
	}
	while (depth)
		close(stack[--depth]);
	free(rest);
	return ret;
}

/*
 * openat2, again while it says EAGAIN: with RESOLVE_BENEATH the kernel says
 * so when a rename or mount elsewhere raced with a ".." of the walk (seen
 * at scale 3 of make bench on a busy machine), and asks the caller to retry.
 * The fd, or -errno.
 */
static long openat2_retry(int dirfd, const char *path, struct open_how *how)
{
	long fd;
	int tries = 0;

	do
		fd = syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
	while (fd < 0 && errno == EAGAIN && ++tries < 64);
	return fd < 0 ? -errno : fd;
}

/*
 * path beneath dirfd by openat2 (no magic links), or -ENOSYS where the
 * kernel has none (and from then on, without asking it again)
 */
static long beneath_openat2(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!have_openat2)
		return -ENOSYS;
	fd = openat2_retry(dirfd, path, &how);
	if (fd == -ENOSYS)
		have_openat2 = false;
	return fd;
}

/* rel beneath the fixture root: openat2, else the walk above */
static int beneath_open(const char *rel, int flags)
{
	long fd = beneath_openat2(root.fd, rel, flags);

	return fd != -ENOSYS ? (int)fd : walk_open(rel, flags);
}

/* rel under the root as it resolves: live as today, a fixture beneath it */
static int root_resolve(int dirfd, const char *rel, int flags)
{
	int fd;

	(void)dirfd;

	if (root.live) {
		fd = openat(root.fd == AT_FDCWD ? AT_FDCWD : root.fd, rel,
			    flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	return beneath_open(rel, flags);
}

static int plain_resolve(int dirfd, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	(void)dirfd;
	return fd < 0 ? -errno : fd;
}

/*
 * One entry of a directory the root's resolution opened (a device's sysfs
 * directory): live as it is; in a fixture beneath that directory, so a
 * symlink there may lead to a sibling but never up and out (without
 * openat2: not followed at all).
 */
static int at_resolve(int dirfd, const char *name, int flags)
{
	long fd;

	if (root.live) {
		fd = openat(dirfd, name, flags | O_CLOEXEC);
		return fd < 0 ? -errno : (int)fd;
	}
	fd = beneath_openat2(dirfd, name, flags);
	if (fd != -ENOSYS)
		return (int)fd;
	fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

static int not_regular(mode_t mode)
{
	return -(IM_ENOTREG + (int)((mode & S_IFMT) >> 12));
}

bool im_root_not_regular(int r)
{
	return r <= -IM_ENOTREG && r > -IM_ENOTREG - 16;
}

/* fd, opened as st said: still that regular file, or closed and refused */
static int same_regular(int fd, const struct stat *st)
{
	struct stat st2;

	if (fstat(fd, &st2)) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (!S_ISREG(st2.st_mode) || st2.st_ino != st->st_ino || st2.st_dev != st->st_dev) {
		close(fd);
		return S_ISREG(st2.st_mode) ? -ESTALE : not_regular(st2.st_mode);
	}
	return fd;
}

/*
 * Open a file to read: never a FIFO, socket or device node.  Its type is
 * checked on an O_PATH fd first (so a device's driver is never asked to open),
 * then it is opened non-blocking, and checked again on that fd: the same
 * regular file, or refused.  Directories only with O_DIRECTORY (the kernel
 * checks), links only as O_PATH.
 */
static int open_checked(int (*resolve)(int, const char *, int), int dirfd, const char *path,
			int flags)
{
	struct stat st;
	int pfd, fd;

	if (flags & O_PATH)
		return resolve(dirfd, path, (flags & (O_DIRECTORY | O_NOFOLLOW)) | O_PATH);
	flags |= O_NONBLOCK | O_NOCTTY;
	if (flags & O_DIRECTORY)
		return resolve(dirfd, path, flags);
	pfd = resolve(dirfd, path, O_PATH);
	if (pfd < 0)
		return pfd;
	if (fstat(pfd, &st)) {
		int e = -errno;

		close(pfd);
		return e;
	}
	close(pfd);
	if (!S_ISREG(st.st_mode))
		return not_regular(st.st_mode);
	fd = resolve(dirfd, path, flags);
	return fd < 0 ? fd : same_regular(fd, &st);
}

int im_root_open(const char *rel, int flags)
{
	while (*rel == '/')
		rel++;
	return open_checked(root_resolve, -1, rel, flags);
}

int im_open_file(const char *path, int flags)
{
	return open_checked(plain_resolve, -1, path, flags);
}

/*
 * One component needs no O_PATH open to be checked: an fstatat of it that
 * does not follow it says what it is, and only a symlink takes the long way.
 * *st: what the open file is.
 */
static int openat_st(int dirfd, const char *name, int flags, struct stat *st)
{
	int fd;

	if (!*name || strchr(name, '/'))
		return -EINVAL;
	if (!(flags & (O_PATH | O_DIRECTORY))) {
		if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW))
			return -errno;
		if (!S_ISLNK(st->st_mode)) {
			if (!S_ISREG(st->st_mode))
				return not_regular(st->st_mode);
			fd = at_resolve(dirfd, name, flags | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
			return fd < 0 ? fd : same_regular(fd, st);
		}
	}
	fd = open_checked(at_resolve, dirfd, name, flags);
	if (fd >= 0 && !(flags & (O_PATH | O_DIRECTORY)) && fstat(fd, st)) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int im_root_openat(int dirfd, const char *name, int flags)
{
	struct stat st;

	return openat_st(dirfd, name, flags, &st);
}

/*
 * A sysfs attribute comes whole in one read, and a fixture's regular file
 * ends where a read comes back short: one read of up to its size + 1 is
 * enough, with no read of the end and no 64K buffer.  (Not for /proc's
 * seq files, which come a page a read: im_root_read reads those.)
 */
int im_root_read_at(int dirfd, const char *name, size_t max, char **bufp, size_t *lenp)
{
	struct stat st;
	size_t cap, len = 0;
	char *buf, *n;
	int fd = openat_st(dirfd, name, O_RDONLY, &st), e = 0;

	if (fd < 0)
		return fd;
	if (st.st_size > 0 && (uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	cap = (st.st_size > 0 ? (size_t)st.st_size : 4096) + 2;
	buf = malloc(cap);
	while (buf) {
		ssize_t r = read(fd, buf + len, cap - 1 - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = -errno;
			break;
		}
		len += (size_t)r;
		if (len > max) {
			e = -EFBIG;
			break;
		}
		if (len < cap - 1)	/* short: the end */
			break;
		n = realloc(buf, cap = cap * 2 > max + 2 ? max + 2 : cap * 2);
		if (!n)
			free(buf);
		buf = n;
	}
	close(fd);
	if (!buf)
		return -ENOMEM;
	if (e) {
		free(buf);
		return e;
	}
	buf[len] = '\0';
	*bufp = buf;
	if (lenp)
		*lenp = len;
	return 0;
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

/* "proc/123/..." */
static bool is_pid_dir(const char *rel)
{
	if (strncmp(rel, "proc/", 5))
		return false;
	rel += 5;
	if (*rel < '0' || *rel > '9')
		return false;
	while (*rel >= '0' && *rel <= '9')
		rel++;
	return *rel == '/';
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/*
 * How much im_root_read reads of a file before it says "too large": maps
 * can be long, a sysfs or /proc attribute is a few bytes, the fixture's
 * own files (memslots, kernel-checks, QMP replies) are in between.
 */
size_t im_root_read_bound(const char *rel)
{
	while (*rel == '/')
		rel++;
	if (is_pid_dir(rel) && (ends_with(rel, "/maps") || ends_with(rel, "/smaps")))
		return IM_BOUND_MAPS;
	/* cpuinfo: about 1.5 KiB a CPU */
	if ((is_pid_dir(rel) && ends_with(rel, "/cmdline")) || !strcmp(rel, "proc/cpuinfo"))
		return IM_BOUND_CMDLINE;
	if (!strncmp(rel, "sys/", 4) || !strncmp(rel, "proc/", 5))
		return IM_BOUND_ATTR;
	return IM_BOUND_OTHER;
}

int im_root_read(const char *rel, char **bufp, size_t *lenp)
{
	size_t max = im_root_read_bound(rel);
	struct stat st;
	int fd = im_root_open(rel, O_RDONLY), r;

	if (fd < 0)
		return fd;
	/* a fixture's file says its size; /proc and /sys files say 0 */
	if (!fstat(fd, &st) && st.st_size > 0 && (uint64_t)st.st_size > max)
		r = -EFBIG;
	else
		r = im_read_fd_sized(fd, max, st.st_size > 0 ? (size_t)st.st_size : 0, bufp, lenp);
	close(fd);
	return r;
}

const char *im_root_strerror(int r)
{
	static const char *const kind[16] = {
		[S_IFIFO >> 12] = "not a regular file (fifo)",
		[S_IFCHR >> 12] = "not a regular file (character device)",
		[S_IFDIR >> 12] = "not a regular file (directory)",
		[S_IFBLK >> 12] = "not a regular file (block device)",
		[S_IFLNK >> 12] = "not a regular file (symlink)",
		[S_IFSOCK >> 12] = "not a regular file (socket)",
	};

	if (im_root_not_regular(r)) {
		const char *k = kind[-r - IM_ENOTREG];

		return k ? k : "not a regular file";
	}
	switch (r) {
	case -EXDEV:
		return "a symlink on the way leads outside the sysroot; not followed";
	case -ELOOP:
		return "symlink loop (too many levels of symbolic links); not followed";
	case -ESTALE:
		return "changed while it was being opened";
	default:
		return strerror(-r);
	}
}

int im_root_err(struct im_err *err, const char *rel, int r)
{
	char *path, sz[32];
	const char *f;

	while (*rel == '/')
		rel++;
	path = im_root_path(rel);
	f = path ? path : rel;
	if (r == -EFBIG)
		im_err_set(err, f, 0, "more than %s bytes, the bound for this kind of file; not read",
			   im_human_size(im_root_read_bound(rel), sz));
	else if ((r == -EACCES || r == -EPERM) && is_pid_dir(rel))
		im_err_set(err, f, 0, "%s (need root or CAP_SYS_PTRACE)", strerror(-r));
	else
		im_err_set(err, f, 0, "%s", im_root_strerror(r));
	free(path);
	return r;
}

bool im_root_hostile(int r)
{
	return im_root_not_regular(r) || r == -EFBIG || r == -EXDEV ||
	       r == -ELOOP || r == -ESTALE;
}
