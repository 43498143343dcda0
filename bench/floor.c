// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * floor [-c] [-s ROOT] LIST: the least a program can do to read what
 * iommu-map reads.  LIST has one "f PATH" (a regular file: open, read to
 * EOF, close), "d PATH" (a directory: open, getdents64 to its end, close) or
 * "l PATH" (a symbolic link the tool read) a line; bench/bench.py writes it
 * from an strace of iommu-map on the same sysroot.  Each path once, in the
 * tool's order.  No parsing, no output.
 *
 * Plain, it reads the files and lists the directories and leaves the links
 * alone: the floor issue 15 measures the tool on.  With -s ROOT, the "safe
 * floor": the same list read under the rules issue 14 sets the tool, as
 * the tool must read it: each path beneath ROOT is checked with
 * fstatat(AT_SYMLINK_NOFOLLOW) to be a regular file before it is opened,
 * opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, O_NONBLOCK |
 * O_NOFOLLOW), checked again with fstat, and read to EOF; and each link is
 * read (readlinkat).  Paths outside ROOT (pci.ids) are read plainly, as the
 * tool reads them.  -c prints the bytes read from files and the counts.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static char buf[1 << 16];

/* the tool's open of a path beneath the root */
static int open_beneath(int root, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (unsigned int)flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
}

/* fd of what p names (a file: regular, checked before and after the open), or -1 */
static int open_safe(int root, const char *rootpath, size_t rootlen, const char *p, char kind)
{
	struct stat st;
	int fd;

	if (root < 0 || strncmp(p, rootpath, rootlen) || p[rootlen] != '/')
		return open(p, kind == 'd' ? O_RDONLY | O_DIRECTORY : O_RDONLY);
	p += rootlen + 1;
	if (kind == 'd')
		return open_beneath(root, p, O_RDONLY | O_DIRECTORY);
	if (fstatat(root, p, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
		return -1;
	fd = open_beneath(root, p, O_RDONLY | O_NOFOLLOW);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	int count = 0, root = -1, a;
	const char *list = argv[argc - 1], *rootpath = "";
	size_t bytes = 0, nf = 0, nd = 0, nlinks = 0, nfail = 0, rootlen = 0;
	struct stat st;
	char *p, *end;
	int fd;

	for (a = 1; a < argc - 1; a++)
		if (!strcmp(argv[a], "-c"))
			count = 1;
		else if (!strcmp(argv[a], "-s") && a + 1 < argc - 1)
			rootpath = argv[++a];
		else
			return 64;
	if (argc < 2)
		return 64;
	if (*rootpath) {
		rootlen = strlen(rootpath);
		root = open(rootpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (root < 0) {
			perror(rootpath);
			return 2;
		}
	}
	fd = open(list, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror(list);
		return 2;
	}
	p = mmap(NULL, st.st_size + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return 2;
	close(fd);
	end = p + st.st_size;
	while (p < end) {
		char *nl = memchr(p, '\n', end - p), kind = p[0];
		ssize_t n;

		if (!nl)
			nl = end;
		*nl = 0;
		if (nl - p > 2 && kind == 'l') {
			if (root >= 0) {	/* the plain floor reads no link */
				char *q = p + 2;

				if (!strncmp(q, rootpath, rootlen) && q[rootlen] == '/')
					q += rootlen + 1;
				if (readlinkat(root, q, buf, sizeof(buf)) < 0)
					nfail++;
				else
					nlinks++;
			}
		} else if (nl - p > 2) {
			fd = root >= 0 ? open_safe(root, rootpath, rootlen, p + 2, kind) :
			     open(p + 2, kind == 'd' ? O_RDONLY | O_DIRECTORY : O_RDONLY);
			if (fd < 0)
				nfail++;
			else if (kind == 'd') {
				while ((n = getdents64(fd, buf, sizeof(buf))) > 0)
					;
				nd++;
			} else {
				while ((n = read(fd, buf, sizeof(buf))) > 0)
					bytes += n;
				nf++;
			}
			if (fd >= 0)
				close(fd);
		}
		p = nl + 1;
	}
	if (count)
		printf("%zu %zu %zu %zu %zu\n", bytes, nf, nd, nfail, nlinks);
	return nfail ? 1 : 0;
}
