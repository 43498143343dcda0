// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * outdir.c - the directory `capture -o DIR` writes, and nothing outside it.
 *
 * DIR is created here (it must not exist, or be an empty directory; a
 * symlink is refused).  Every file and directory in it is made relative to
 * a directory fd: mkdirat and openat(O_DIRECTORY|O_NOFOLLOW) at each level,
 * openat(O_CREAT|O_EXCL|O_NOFOLLOW) for files, symlinkat for links, so a
 * `proc` or `sys` symlink planted in DIR makes the write fail instead of
 * landing elsewhere.  With force, a DIR that holds a previous capture (only
 * proc, sys and iommu-map at its top) is replaced, never merged: the new
 * capture is written into a fresh directory beside it, swapped in with
 * renameat2(RENAME_EXCHANGE), and the old one removed by fd, never
 * following a link.  A capture that fails leaves DIR as it found it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "iommu-map.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define MAX_DEPTH 64

/* rmdir -r of what dirfd holds, by fd, on one file system; links are unlinked */
static int remove_contents(int dirfd, int depth)
{
	struct stat top, st;
	struct dirent *de;
	bool again = true;
	int r = 0;

	if (depth > MAX_DEPTH)
		return -ELOOP;
	if (fstat(dirfd, &top))
		return -errno;
	while (again && !r) {
		int dfd = dup(dirfd);
		DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;

		if (!d) {
			r = -errno;
			if (dfd >= 0)
				close(dfd);
			break;
		}
		rewinddir(d);
		again = false;
		while (!r && (de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			again = true;
			if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
				r = -errno;
			} else if (S_ISDIR(st.st_mode)) {
				int sub = openat(dirfd, de->d_name, DIR_FLAGS);

				if (sub < 0)
					r = -errno;
				else if (fstat(sub, &st) || st.st_dev != top.st_dev)
					r = -EXDEV;	/* a mount inside: not ours */
				else
					r = remove_contents(sub, depth + 1);
				if (sub >= 0)
					close(sub);
				if (!r && unlinkat(dirfd, de->d_name, AT_REMOVEDIR))
					r = -errno;
			} else if (unlinkat(dirfd, de->d_name, 0)) {
				r = -errno;
			}
		}
		closedir(d);
	}
	return r;
}

/* rm -r parent/name, never following a link; name may be a link or a file */
static int remove_tree(int parent, const char *name)
{
	int fd = openat(parent, name, DIR_FLAGS), r;

	if (fd < 0)
		return errno == ENOTDIR || errno == ELOOP ?
			(unlinkat(parent, name, 0) ? -errno : 0) : -errno;
	r = remove_contents(fd, 0);
	close(fd);
	if (!r && unlinkat(parent, name, AT_REMOVEDIR))
		r = -errno;
	return r;
}

/* *what: the first entry of fd, or the first not in capture's layout; -errno */
static int scan(int fd, bool capture_only, char **what)
{
	static const char *const ours[] = { "proc", "sys", "iommu-map" };
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;
	int r = 0;
	size_t i;

	*what = NULL;
	if (!d) {
		r = -errno;
		if (dfd >= 0)
			close(dfd);
		return r;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		bool known = false;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		for (i = 0; capture_only && i < sizeof(ours) / sizeof(ours[0]); i++)
			known |= !strcmp(de->d_name, ours[i]);
		if (!known) {
			*what = strdup(de->d_name);
			r = *what ? 0 : -ENOMEM;
			break;
		}
	}
	closedir(d);
	return r;
}

/* the fresh directory beside DIR that --force writes into */
static int make_tmp(struct im_outdir *o)
{
	int i;

	for (i = 0; i < 100; i++) {
		free(o->tmp);
		o->tmp = im_asprintf(".%s.capture-%d-%d", o->name, (int)getpid(), i);
		if (!o->tmp)
			return -ENOMEM;
		if (!mkdirat(o->parent, o->tmp, 0755))
			break;
		if (errno != EEXIST)
			return -errno;
	}
	if (i == 100)
		return -EEXIST;
	o->fd = openat(o->parent, o->tmp, DIR_FLAGS);
	return o->fd < 0 ? -errno : 0;
}

static int split_path(struct im_outdir *o, const char *path)
{
	char *p = strdup(path), *s;
	size_t n;

	if (!p)
		return -ENOMEM;
	for (n = strlen(p); n > 1 && p[n - 1] == '/'; )
		p[--n] = '\0';
	s = strrchr(p, '/');
	o->name = strdup(s ? s + 1 : p);
	if (s == p)
		p[1] = '\0';
	else if (s)
		*s = '\0';
	o->parent_path = strdup(s ? p : ".");
	free(p);
	if (!o->name || !o->parent_path)
		return -ENOMEM;
	o->parent = open(o->parent_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (o->parent < 0)
		return -errno;
	if (!o->name[0] || !strcmp(o->name, ".") || !strcmp(o->name, ".."))
		return -EINVAL;
	return 0;
}

static int open_existing(struct im_outdir *o, bool force, struct im_err *err)
{
	char *what = NULL;
	int r = scan(o->fd, false, &what);

	if (r || !what)
		return r;
	free(what);
	if (!force) {
		im_err_set(err, o->path, 0, "exists and is not empty: capture writes a new "
			   "directory (--force replaces a previous capture)");
		return -ENOTEMPTY;
	}
	r = scan(o->fd, true, &what);
	if (!r && what) {
		im_err_set(err, o->path, 0, "holds '%s', which capture does not write: "
			   "not replacing it, even with --force", what);
		free(what);
		return -ENOTEMPTY;
	}
	close(o->fd);
	o->fd = -1;
	return r ? r : make_tmp(o);
}

static void release(struct im_outdir *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->parent >= 0)
		close(o->parent);
	free(o->name);
	free(o->parent_path);
	free(o->tmp);
	memset(o, 0, sizeof(*o));
	o->parent = o->fd = -1;
}

static int open_dir(struct im_outdir *o, bool force, struct im_err *err)
{
	const char *path = o->path;
	int r;

	r = split_path(o, path);
	if (r) {
		if (r == -EINVAL)
			im_err_set(err, path, 0, "give the directory by its name");
		else
			im_err_set(err, path, 0, "its parent directory: %s", strerror(-r));
		return r;
	}
	o->fd = openat(o->parent, o->name, DIR_FLAGS);
	if (o->fd < 0 && errno == ENOENT) {
		if (mkdirat(o->parent, o->name, 0755)) {
			r = -errno;
			im_err_set(err, path, 0, "cannot create: %s", strerror(-r));
			return r;
		}
		o->created = true;
		o->fd = openat(o->parent, o->name, DIR_FLAGS);
	}
	if (o->fd < 0) {
		struct stat st;

		r = -errno;
		if ((r == -ELOOP || r == -ENOTDIR) &&
		    !fstatat(o->parent, o->name, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode))
			r = -ELOOP;
		if (r == -ELOOP)
			im_err_set(err, path, 0, "is a symlink: give the directory itself");
		else if (r == -ENOTDIR)
			im_err_set(err, path, 0, "exists and is not a directory");
		else
			im_err_set(err, path, 0, "%s", strerror(-r));
		return r;
	}
	if (o->created)
		return 0;
	r = open_existing(o, force, err);
	if (r && !err->msg[0])
		im_err_set(err, path, 0, "%s", strerror(-r));
	return r;
}

int im_outdir_open(struct im_outdir *o, const char *path, bool force, struct im_err *err)
{
	int r;

	memset(o, 0, sizeof(*o));
	o->path = path;
	o->parent = o->fd = -1;
	r = open_dir(o, force, err);
	if (r) {
		if (o->tmp)
			unlinkat(o->parent, o->tmp, AT_REMOVEDIR);
		else if (o->created)
			unlinkat(o->parent, o->name, AT_REMOVEDIR);
		release(o);
		return r;
	}
	o->ours = true;
	return 0;
}

/*
 * The directory holding rel's last component (all of rel when whole),
 * made as needed; never through a link.  *leaf: rel's last component.
 */
static int walk(struct im_outdir *o, const char *rel, bool whole, const char **leaf)
{
	const char *p = rel, *e;
	char comp[256];
	int fd = dup(o->fd), nfd;

	while (fd >= 0) {
		e = strchrnul(p, '/');
		if (e == p || (size_t)(e - p) >= sizeof(comp) ||
		    (e - p == 1 && p[0] == '.') || (e - p == 2 && !strncmp(p, "..", 2))) {
			close(fd);
			return -EINVAL;
		}
		if (!*e && !whole) {
			*leaf = p;
			return fd;
		}
		memcpy(comp, p, (size_t)(e - p));
		comp[e - p] = '\0';
		if (mkdirat(fd, comp, 0755) && errno != EEXIST) {
			int r = -errno;

			close(fd);
			return r;
		}
		nfd = openat(fd, comp, DIR_FLAGS);
		close(fd);
		fd = nfd;
		if (!*e) {
			*leaf = NULL;
			return fd < 0 ? -errno : fd;
		}
		p = e + 1;
	}
	return -errno;
}

int im_outdir_mkdirs(struct im_outdir *o, const char *rel)
{
	const char *leaf;
	int fd = walk(o, rel, true, &leaf);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int im_outdir_put(struct im_outdir *o, const char *rel, const char *buf, size_t len)
{
	const char *leaf;
	int dfd = walk(o, rel, false, &leaf), fd, r = 0;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		r = -errno;
	close(dfd);
	while (!r && len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno != EINTR)
			r = -errno;
		if (w > 0) {
			buf += w;
			len -= (size_t)w;
		}
	}
	if (fd >= 0 && close(fd) && !r)
		r = -errno;
	return r;
}

int im_outdir_symlink(struct im_outdir *o, const char *rel, const char *target)
{
	const char *leaf;
	int dfd = walk(o, rel, false, &leaf), r = 0;

	if (dfd < 0)
		return dfd;
	if (symlinkat(target, dfd, leaf))
		r = -errno;
	close(dfd);
	return r;
}

/* put the fresh directory in DIR's place; the old one ends at o->tmp */
static int swap_in(struct im_outdir *o)
{
	char *old;
	int r;

	if (!renameat2(o->parent, o->tmp, o->parent, o->name, RENAME_EXCHANGE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* a file system without RENAME_EXCHANGE: two renames */
	old = im_asprintf("%s.old", o->tmp);
	if (!old)
		return -ENOMEM;
	r = renameat2(o->parent, o->name, o->parent, old, RENAME_NOREPLACE) ? -errno : 0;
	if (!r && renameat2(o->parent, o->tmp, o->parent, o->name, RENAME_NOREPLACE)) {
		r = -errno;
		renameat(o->parent, old, o->parent, o->name);
	}
	if (!r) {
		free(o->tmp);
		o->tmp = old;
	} else {
		free(old);
	}
	return r;
}

int im_outdir_close(struct im_outdir *o, bool ok, struct im_err *err)
{
	int r = 0;

	if (o->fd >= 0 && !ok && o->ours)
		remove_contents(o->fd, 0);	/* what we wrote: DIR was new or empty */
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp && ok) {
		r = swap_in(o);
		if (r)
			im_err_set(err, o->path, 0, "cannot put the new capture in place: %s",
				   strerror(-r));
	}
	if (o->tmp) {
		int rr = remove_tree(o->parent, o->tmp);

		if (rr && !r) {
			char *p = im_asprintf("%s/%s", o->parent_path, o->tmp);

			im_err_set(err, p ? p : o->tmp, 0, "%s capture is left here: %s",
				   ok ? "the old" : "a failed", strerror(-rr));
			r = rr;
			free(p);
		}
	} else if (!ok && o->created) {
		unlinkat(o->parent, o->name, AT_REMOVEDIR);
	}
	release(o);
	return r;
}

char *im_outdir_path(const struct im_outdir *o, const char *rel)
{
	return im_asprintf("%s/%s", o->path, rel);
}
