// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * floor [-c] LIST: the least a program can do to read what iommu-map reads.
 * LIST has one "f PATH" (a regular file: open, read to EOF, close) or
 * "d PATH" (a directory: open, getdents64 to its end, close) a line;
 * bench/bench.py writes it from an strace of iommu-map on the same sysroot.
 * Each path once, in the tool's order.  -c prints the bytes read from files
 * and the counts.  No parsing, no output: the floor the tool is measured on.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[1 << 16];

int main(int argc, char **argv)
{
	int count = argc > 2 && !strcmp(argv[1], "-c");
	const char *list = argv[argc - 1];
	size_t bytes = 0, nf = 0, nd = 0, nfail = 0;
	struct stat st;
	char *p, *end;
	int fd;

	if (argc < 2)
		return 64;
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
		if (nl - p > 2) {
			fd = open(p + 2, kind == 'd' ? O_RDONLY | O_DIRECTORY : O_RDONLY);
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
		printf("%zu %zu %zu %zu\n", bytes, nf, nd, nfail);
	return nfail ? 1 : 0;
}
