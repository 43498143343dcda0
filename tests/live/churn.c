// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * churn.c - a target whose mappings change while iommu-map reads them.
 *
 * churn FILE THREADS HOLD_US [LIFE_MS]
 *
 * Maps 512 pages of FILE with alternating protections, so that its maps
 * file has over 512 lines and is read in many chunks (the kernel drops the
 * mmap lock between them: a read can come back torn).  Then THREADS threads
 * each loop: open FILE, mmap a few pages of it and an anonymous mapping,
 * hold them HOLD_US microseconds, unmap, close, and pause as long (the
 * first thread also merges and splits lines of FILE's pages); so the maps
 * and the fd links change under the reader.  Prints "ready" when the
 * threads run; with LIFE_MS, exits (status 0) after that many milliseconds.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 512

static const char *file;
static long page;
static unsigned int hold_us;

/*
 * Thread 0 also merges and splits the lines of FILE's pages: three lines
 * become one and one three, which a reader that resumes at an address sees
 * as overlapping lines.
 */
static char *base;

static void reshape(unsigned int n)
{
	char *p = base + (size_t)page * (2 + 2 * (n % (PAGES / 2 - 1)));	/* an R page */

	mprotect(p, (size_t)page, PROT_READ | PROT_WRITE);	/* merge with both neighbours */
	if (hold_us)
		usleep(hold_us);
	mprotect(p, (size_t)page, PROT_READ);			/* and split again */
}

static void *churn(void *arg)
{
	unsigned int n = (unsigned int)(unsigned long)arg;

	for (;;) {
		size_t len = (size_t)page * (1 + n % 4);
		int fd = open(file, O_RDWR | O_CLOEXEC);
		void *f = fd < 0 ? MAP_FAILED : mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		void *a = mmap(NULL, len * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (hold_us)
			usleep(hold_us);
		if (f != MAP_FAILED)
			munmap(f, len);
		if (a != MAP_FAILED)
			munmap(a, len * 2);
		if (fd >= 0)
			close(fd);
		if (hold_us)
			usleep(hold_us);
		if (!arg)
			reshape(n);
		n++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long threads, i;
	int fd;

	if (argc < 4) {
		fprintf(stderr, "usage: churn FILE THREADS HOLD_US [LIFE_MS]\n");
		return 64;
	}
	file = argv[1];
	threads = strtoul(argv[2], NULL, 0);
	hold_us = (unsigned int)strtoul(argv[3], NULL, 0);
	page = sysconf(_SC_PAGESIZE);
	fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, PAGES * page)) {
		perror(file);
		return 1;
	}
	base = mmap(NULL, (size_t)(PAGES * page), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (i = 0; i < PAGES; i += 2)	/* one maps line per page: R, RW, R, ... */
		mprotect(base + i * (unsigned long)page, (size_t)page, PROT_READ);
	for (i = 0; i < threads; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, churn, (void *)i)) {
			perror("pthread_create");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	if (argc > 4) {
		usleep((useconds_t)(strtoul(argv[4], NULL, 0) * 1000));
		return 0;
	}
	for (;;)
		pause();
}
