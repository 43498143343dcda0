// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-watch.c - im_watch() on a forked child that plays QEMU: it waits
 * until it is traced, then issues KVM_SET_USER_MEMORY_REGION on a file
 * (ENOTTY) and mmaps/munmaps a "vfio" file at region offset 1 << 40, from
 * named functions, and exits.  Checks the decoded text and JSON output,
 * the stacks, the exit path, the attach error paths and a stop request.
 * Needs ptrace of a child (root or ptrace_scope <= 1); prints "skip" and
 * exits 77 if not permitted.
 * Links: src/watch/{watch,event,output,method-ptrace,method-uprobe,poll}.c
 * src/watch/uprobes.c src/watch/elfsym.c src/watch/unwind.c src/lib/util.c src/lib/sysroot.c,
 * libelf, libunwind-ptrace.  Build with -g (symbols from .symtab).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kvm.h>
#include "t.h"
#include "iommu-map.h"
#include "watch/elfsym.h"
#include "watch/watch.h"

#define NOINLINE __attribute__((noinline))

static int traced(void)
{
	char buf[4096], *p;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strstr(buf, "TracerPid:");
	return p && atoi(p + 10) != 0;
}

NOINLINE int tw_set_region(int fd)
{
	struct kvm_userspace_memory_region r = {
		.slot = 5, .flags = 1, .guest_phys_addr = 0x1000,
		.memory_size = 0x2000, .userspace_addr = 0x3000,
	};
	int ret = ioctl(fd, KVM_SET_USER_MEMORY_REGION, &r);

	__asm__ volatile("" ::: "memory");
	return ret;
}

NOINLINE int tw_commit(int fd)
{
	int ret = tw_set_region(fd);

	__asm__ volatile("" ::: "memory");
	return ret;
}

NOINLINE void *tw_map_bar(int fd)
{
	void *p = mmap(NULL, 0x1000, PROT_READ, MAP_SHARED, fd, 1ULL << 40);

	__asm__ volatile("" ::: "memory");
	return p;
}

NOINLINE static void child(int vm, int vfio, int wait_traced)
{
	void *p;

	for (int i = 0; wait_traced && !traced() && i < 6000; i++)
		usleep(10000);
	if (!wait_traced)
		for (;;)
			pause();
	usleep(50000);
	tw_commit(vm);
	p = tw_map_bar(vfio);
	if (p != MAP_FAILED)
		munmap(p, 0x1000);
	_exit(0);
}

static int run(bool json, char **out, int *ret, struct im_err *err,
	       int wait_traced, volatile sig_atomic_t *stop)
{
	char vm[] = "/tmp/tw-fake-kvm-vm.XXXXXX", vf[] = "/tmp/tw-fake-vfio.XXXXXX";
	struct im_model m;
	struct im_device dev;
	size_t len;
	FILE *f;
	int vmfd = mkstemp(vm), vffd = mkstemp(vf);
	pid_t pid;

	if (vmfd < 0 || vffd < 0)
		return -1;
	unlink(vm);
	unlink(vf);
	pid = fork();
	if (pid == 0)
		child(vmfd, vffd, wait_traced);
	close(vmfd);
	close(vffd);
	memset(&m, 0, sizeof(m));
	memset(&dev, 0, sizeof(dev));
	snprintf(dev.bdf, sizeof(dev.bdf), "0000:00:05.0");
	dev.held = true;
	dev.driver = (char *)"vfio-pci";	/* correlate's rules: a vfio-pci BAR */
	dev.bars[1].index = 1;
	dev.bars[1].kind = IM_BAR_MEM32;
	dev.bars[1].hpa = 0xfe000000;
	dev.bars[1].size = 0x1000;
	m.devices = &dev;
	m.ndevices = 1;
	m.pid = pid;
	m.offset_mode = IM_OFF_REGION;
	f = open_memstream(out, &len);
	*ret = im_watch(&m, f, json, IM_WATCH_PTRACE, stop, err);
	fclose(f);
	if (!wait_traced) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return pid;
}

int main(void)
{
	volatile sig_atomic_t stop = 0;
	struct im_err err = { .msg = "" };
	struct im_watch_stats st;
	char *out = NULL, want[256];
	int ret, pid;

	im_root_init("/");
	im_watch_test_fd_match("tw-fake-kvm-vm", "tw-fake-vfio");

	pid = run(false, &out, &ret, &err, 1, &stop);
	if (ret == -EPERM) {
		printf("skip: %s\n", err.msg);
		free(out);
		return 77;
	}
	T_EQ_U64((uint64_t)-ret, ECHILD, "text: returns -ECHILD when the target exits");
	T_OK(strstr(err.msg, "exited") != NULL, "text: err says exited");
	snprintf(want, sizeof(want), "watching PID %d (1 threads)", pid);
	T_OK(strstr(out, want) != NULL, "text: watching line");
	T_OK(strstr(out, "KVM_SET_USER_MEMORY_REGION fd ") &&
	     strstr(out, " slot 5 as 0 add gpa 0x1000 size 0x2000 hva 0x3000 "
		     "flags 0x1 = -1 ENOTTY") != NULL,
	     "text: memslot decoded");
	/* (under ASan the first frames are the interceptor and libc's ioctl) */
	T_OK(strstr(out, "ioctl \u2190 tw_set_region \u2190 tw_commit \u2190 child") != NULL,
	     "text: memslot stack");
	T_OK(strstr(out, "size 0x1000 offset 0x10000000000 = 0x") != NULL,
	     "text: mmap decoded");
	T_OK(strstr(out, "[vfio 0000:00:05.0 BAR 1 +0x0 hpa 0xfe000000, by guess]") != NULL,
	     "text: mmap names the BAR");
	T_OK(strstr(out, "tw_map_bar \u2190 child") != NULL, "text: mmap stack");
	T_OK(strstr(out, "munmap hva 0x") != NULL, "text: munmap seen");
	snprintf(want, sizeof(want), "detached from PID %d (it exited)", pid);
	T_OK(strstr(out, want) != NULL, "text: detached line");
	im_watch_last_stats(&st);
	T_EQ_U64(st.events, 3, "text: 3 events");
	if (t_failed)
		printf("--- output:\n%s---\n", out);
	free(out);

	out = NULL;
	run(true, &out, &ret, &err, 1, &stop);
	T_EQ_U64((uint64_t)-ret, ECHILD, "json: returns -ECHILD");
	T_OK(strstr(out, "\"event\":\"kvm_set_user_memory_region\"") &&
	     strstr(out, "\"slot\":5,\"as_id\":0,\"flags\":\"0x1\",\"gpa\":\"0x1000\","
		    "\"size\":\"0x2000\",\"hva\":\"0x3000\",\"op\":\"add\"") &&
	     strstr(out, "\"result\":-1,\"errno\":\"ENOTTY\""), "json: memslot");
	T_OK(strstr(out, "\"symbol\":\"tw_set_region\"") &&
	     strstr(out, "\"table\":\".symtab\""), "json: symbolized frames");
	T_OK(strstr(out, "\"event\":\"mmap\"") && strstr(out, "\"bar\":1,\"bar_offset\":\"0x0\"") &&
	     strstr(out, "\"device\":\"0000:00:05.0\""), "json: mmap");
	T_OK(strstr(out, "\"event\":\"detached\"") && strstr(out, "\"reason\":\"target-exited\""),
	     "json: detached");
	t_keep_json("watch.jsonl", out);
	free(out);

	/* a stop request that is already set: attach, detach, child untouched */
	out = NULL;
	stop = 1;
	run(false, &out, &ret, &err, 0, &stop);
	T_EQ_U64(ret, 0, "stop: returns 0");
	T_OK(strstr(out, "(stopped)") != NULL, "stop: detached line");
	free(out);
	stop = 0;

	/* no such process */
	{
		struct im_model m;

		memset(&m, 0, sizeof(m));
		m.pid = 0x3ffffff0;
		ret = im_watch(&m, stdout, false, IM_WATCH_PTRACE, &stop, &err);
		T_EQ_U64((uint64_t)-ret, ESRCH, "no such pid: -ESRCH");
		m.pid = -1;
		T_EQ_U64((uint64_t)-im_watch(&m, stdout, false, IM_WATCH_PTRACE, &stop, &err), EINVAL,
			 "no pid: -EINVAL");
	}
	im_elfsym_reset();
	T_DONE();
}
