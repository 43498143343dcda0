// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * watch-bench.c - a syscall-heavy loop to measure what `watch` costs the
 * target: N ioctl() calls, timed.
 *   watch-bench [--go FILE] [--kvm] N
 * --go: wait until FILE exists before the loop (so a tracer can attach).
 * --kvm: issue KVM_SET_USER_MEMORY_REGION on a file named im-fake-kvm-vm
 *        (an "event" for watch-run --vm-match: struct read, stack unwound,
 *        line printed); default FIONREAD on a pipe (a plain syscall stop).
 * Prints "ioctls N ns_per_call X calls_per_s Y".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

__attribute__((noinline)) static int one_call(int fd, unsigned long cmd,
					      void *arg)
{
	return ioctl(fd, cmd, arg);
}

int main(int argc, char **argv)
{
	const char *go = NULL;
	int kvm = 0, fd, pfd[2], n = 0;
	long calls;
	struct kvm_userspace_memory_region mem = {
		.slot = 1, .guest_phys_addr = 0x100000, .memory_size = 0x1000,
		.userspace_addr = 0x7f0000000000ULL,
	};
	char path[] = "/tmp/im-fake-kvm-vm.XXXXXX";
	struct timespec a, b;
	double ns;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--go") && i + 1 < argc)
			go = argv[++i];
		else if (!strcmp(argv[i], "--kvm"))
			kvm = 1;
		else
			n = atoi(argv[i]);
	}
	if (n <= 0) {
		fprintf(stderr, "usage: watch-bench [--go FILE] [--kvm] N\n");
		return 64;
	}
	if (kvm) {
		fd = mkstemp(path);
		if (fd < 0)
			return 2;
		unlink(path);
	} else {
		if (pipe(pfd) < 0)
			return 2;
		fd = pfd[0];
	}
	printf("pid %d\n", getpid());
	fflush(stdout);
	while (go && access(go, F_OK))
		usleep(5000);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (calls = 0; calls < n; calls++) {
		int v;

		if (kvm)
			one_call(fd, KVM_SET_USER_MEMORY_REGION, &mem);
		else
			one_call(fd, FIONREAD, &v);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("ioctls %ld ns_per_call %.0f calls_per_s %.0f\n", calls,
	       ns / calls, calls / (ns / 1e9));
	return 0;
}
