// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sysroot.c: the one way a fixture's files are opened, with
 * openat2 and with the walk used where the kernel has none (before 5.6).
 * A FIFO is never opened (the test would hang), a loop is a loop, an
 * escape an escape, the read bound exact.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include "iommu-map.h"
#include "t.h"

static char dir[] = "/tmp/im-test-sysroot-XXXXXX";

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int rd(const char *rel, char *out, size_t n)
{
	char *buf;
	size_t len;
	int r = im_root_read(rel, &buf, &len);

	if (!r) {
		snprintf(out, n, "%s", buf);
		free(buf);
	}
	return r;
}

static void cases(const char *how)
{
	char got[64] = "", name[128], big[IM_BOUND_ATTR + 2];
	int fd;

#define N(s) (snprintf(name, sizeof(name), "%s: %s", how, s), name)
	T_OK(!rd("a/file", got, sizeof(got)) && !strcmp(got, "hello"), N("regular file read"));
	T_OK(!rd("a/link", got, sizeof(got)) && !strcmp(got, "hello"), N("relative link followed"));
	T_OK(!rd("a/b/../file", got, sizeof(got)), N("dotdot inside the root"));
	T_OK(!rd("a/dirlink/file", got, sizeof(got)), N("link to a directory on the way"));
	T_OK(rd("a/fifo", got, sizeof(got)) == -(IM_ENOTREG + (S_IFIFO >> 12)), N("fifo refused, not opened"));
	T_OK(rd("a/fifolink", got, sizeof(got)) == -(IM_ENOTREG + (S_IFIFO >> 12)), N("link to a fifo refused"));
	T_OK(rd("a", got, sizeof(got)) == -(IM_ENOTREG + (S_IFDIR >> 12)), N("directory refused as a file"));
	T_OK(rd("a/loop1", got, sizeof(got)) == -ELOOP, N("symlink loop: ELOOP"));
	T_OK(rd("a/abs", got, sizeof(got)) == -EXDEV, N("absolute link: EXDEV"));
	T_OK(rd("a/up", got, sizeof(got)) == -EXDEV, N("link above the root: EXDEV"));
	T_OK(rd("../x", got, sizeof(got)) == -EXDEV, N("path above the root: EXDEV"));
	T_OK(rd("a/none", got, sizeof(got)) == -ENOENT, N("missing: ENOENT"));
	T_OK(rd("a/file/x", got, sizeof(got)) == -ENOTDIR, N("file on the way: ENOTDIR"));
	fd = im_root_open("a/dirlink", O_RDONLY | O_DIRECTORY);
	T_OK(fd >= 0, N("directory through a link with O_DIRECTORY"));
	if (fd >= 0)
		close(fd);
	fd = im_root_open("a/link", O_PATH | O_NOFOLLOW);
	T_OK(fd >= 0, N("O_PATH|O_NOFOLLOW: the link itself"));
	if (fd >= 0)
		close(fd);
	T_OK(im_root_readlink("a/link", got, sizeof(got)) == 4 && !strcmp(got, "file"), N("readlink"));
	memset(big, 'x', sizeof(big) - 1);
	big[IM_BOUND_ATTR] = '\0';
	put("sys/exact", big);
	T_OK(!rd("sys/exact", got, sizeof(got)), N("a sys file of exactly its bound is read"));
	big[IM_BOUND_ATTR] = 'x';
	big[IM_BOUND_ATTR + 1] = '\0';
	put("sys/over", big);
	T_OK(rd("sys/over", got, sizeof(got)) == -EFBIG, N("one byte over the bound: EFBIG"));
#undef N
}

/* im_root_openat and im_root_read_at: one entry of a directory opened beneath the root */
static void at_cases(const char *how)
{
	char what[96], *buf = NULL;
	size_t len = 0;
	int d = im_root_open("a", O_RDONLY | O_DIRECTORY), fd;

	snprintf(what, sizeof(what), "%s: openat: the directory opens", how);
	T_OK(d >= 0, what);
	if (d < 0)
		return;
	snprintf(what, sizeof(what), "%s: read_at: a file, whole", how);
	T_OK(im_root_read_at(d, "file", 64, &buf, &len) == 0 && len == 5 && !memcmp(buf, "hello", 5), what);
	free(buf);
	snprintf(what, sizeof(what), "%s: read_at: past its bound", how);
	T_OK(im_root_read_at(d, "file", 4, &buf, &len) == -EFBIG, what);
	snprintf(what, sizeof(what), "%s: openat: a fifo is refused, never opened", how);
	T_OK(im_root_openat(d, "fifo", O_RDONLY) == -(IM_ENOTREG + (S_IFIFO >> 12)), what);
	snprintf(what, sizeof(what), "%s: openat: a link up and out is refused", how);
	fd = im_root_openat(d, "up", O_RDONLY);	/* walk: the link is not followed at all */
	T_OK(fd == -EXDEV || fd == -ELOOP || fd == -(IM_ENOTREG + (S_IFLNK >> 12)), what);
	snprintf(what, sizeof(what), "%s: openat: an absolute link is refused", how);
	fd = im_root_openat(d, "abs", O_RDONLY);
	T_OK(fd == -EXDEV || fd == -ELOOP || fd == -(IM_ENOTREG + (S_IFLNK >> 12)), what);
	snprintf(what, sizeof(what), "%s: openat: a path with '/' is refused", how);
	T_OK(im_root_openat(d, "../a/file", O_RDONLY) == -EINVAL, what);
	snprintf(what, sizeof(what), "%s: openat: a loop is refused", how);
	fd = im_root_openat(d, "loop1", O_RDONLY);
	T_OK(fd == -ELOOP || fd == -EXDEV || fd == -(IM_ENOTREG + (S_IFLNK >> 12)), what);
	close(d);
}

int main(void)
{
	struct im_err err = { 0 };
	char p[PATH_MAX];
	int r;

	if (!mkdtemp(dir)) {
		T_OK(0, "mkdtemp");
		T_DONE();
	}
#define P(rel) (snprintf(p, sizeof(p), "%s/%s", dir, rel), p)
	mkdir(P("a"), 0755);
	mkdir(P("a/b"), 0755);
	mkdir(P("sys"), 0755);
	put("a/file", "hello");
	r = symlink("file", P("a/link"));
	r |= symlink("b/..", P("a/dirlink"));
	r |= mkfifo(P("a/fifo"), 0644);
	r |= symlink("fifo", P("a/fifolink"));
	r |= symlink("loop2", P("a/loop1"));
	r |= symlink("loop1", P("a/loop2"));
	r |= symlink("/etc/passwd", P("a/abs"));
	r |= symlink("../../etc/passwd", P("a/up"));
	mkdir(P("c"), 0755);
	r |= mkfifo(P("c/fifo"), 0644);
	T_OK(r == 0, "tree built");
	T_OK(im_root_init(dir) == 0, "root init");
	cases("openat2");
	im_root_use_openat2(false);
	cases("walk");
	im_root_use_openat2(true);
	T_EQ_STR(im_root_strerror(-(IM_ENOTREG + (S_IFCHR >> 12))),
		 "not a regular file (character device)", "strerror: device");
	T_OK(strstr(im_root_strerror(-ELOOP), "symlink loop") != NULL, "strerror: loop");
	at_cases("openat2");
	im_root_use_openat2(false);
	at_cases("walk");
	im_root_use_openat2(true);
	im_root_err(&err, "proc/1/maps", -EACCES);
	T_OK(strstr(err.file, "proc/1/maps") && strstr(err.msg, "CAP_SYS_PTRACE"), "err: EACCES names the file");
	im_root_err(&err, "sys/x", -EFBIG);
	T_OK(strstr(err.file, "sys/x") && strstr(err.msg, "64K"), "err: EFBIG names the file and bound");
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	if (system(p))
		T_OK(0, "cleanup");
	T_DONE();
}
