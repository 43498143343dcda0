// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * victim.c - a stand-in for QEMU that `watch` can be tested on without KVM.
 *
 * Waits until the file named by argv[1] exists, then, from named functions
 * that mirror QEMU's call chain, issues KVM_SET_USER_MEMORY_REGION{,2} on
 * a plain file whose name contains "im-fake-kvm-vm" (the ioctl fails with
 * ENOTTY; watch must still decode the struct), and mmaps/munmaps a file
 * whose name contains "im-fake-vfio" at vfio-pci region offset
 * 2 << 40 | 0x1000.  A second thread, created after the go file appeared,
 * repeats one ioctl.  SIGUSR1 sent meanwhile must be delivered: the count
 * of handled SIGUSR1 is printed at the end.
 *
 * Build it twice: with -g (symbols from .symtab) and stripped with
 * -rdynamic (symbols from .dynsym only).  All names are exported.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#define NOINLINE __attribute__((noinline, visibility("default")))

struct region2 {
	uint32_t slot, flags;
	uint64_t guest_phys_addr, memory_size, userspace_addr;
	uint64_t guest_memfd_offset;
	uint32_t guest_memfd, pad1;
	uint64_t pad2[14];
};
#define SET_REGION2 _IOW(KVMIO, 0x49, struct region2)

static volatile sig_atomic_t usr1;
static int vm_fd = -1;

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

NOINLINE int victim_vm_ioctl(int fd, unsigned long cmd, void *arg)
{
	int r = ioctl(fd, cmd, arg);

	__asm__ volatile("" ::: "memory");	/* keep the frame */
	return r;
}

NOINLINE int victim_set_user_memory_region(int fd, uint32_t slot, int as_id,
					   uint64_t gpa, uint64_t size,
					   uint64_t hva)
{
	struct kvm_userspace_memory_region mem = {
		.slot = slot | ((uint32_t)as_id << 16),
		.flags = 2,	/* KVM_MEM_READONLY */
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = hva,
	};
	int r = victim_vm_ioctl(fd, KVM_SET_USER_MEMORY_REGION, &mem);

	__asm__ volatile("" ::: "memory");
	return r;
}

NOINLINE int victim_set_phys_mem(int fd, uint64_t hva)
{
	int r = victim_set_user_memory_region(fd, 7, 1, 0xfeb40000, 0x20000,
					      hva);

	__asm__ volatile("" ::: "memory");
	return r;
}

NOINLINE int victim_region_add(int fd, uint64_t hva)
{
	int r = victim_set_phys_mem(fd, hva);

	__asm__ volatile("" ::: "memory");
	return r;
}

NOINLINE int victim_update_mappings(int fd, uint64_t hva)
{
	int r = victim_region_add(fd, hva);

	__asm__ volatile("" ::: "memory");
	return r;
}

NOINLINE int victim_region2(int fd)
{
	struct region2 mem;
	int r;

	memset(&mem, 0, sizeof(mem));
	mem.slot = 9;
	mem.guest_phys_addr = 0x100000000ULL;
	mem.memory_size = 0;	/* delete */
	mem.userspace_addr = 0x7f0000000000ULL;
	mem.guest_memfd = 5;
	mem.guest_memfd_offset = 0x3e0000;
	r = victim_vm_ioctl(fd, SET_REGION2, &mem);
	__asm__ volatile("" ::: "memory");
	return r;
}

NOINLINE void *victim_bar_mmap(int fd)
{
	void *p = mmap(NULL, 0x2000, PROT_READ, MAP_SHARED, fd,
		       (2LL << 40) | 0x1000);

	__asm__ volatile("" ::: "memory");
	return p;
}

NOINLINE int victim_bar_munmap(void *p)
{
	int r = munmap(p, 0x2000);

	__asm__ volatile("" ::: "memory");
	return r;
}

NOINLINE void *victim_thread(void *arg)
{
	(void)arg;
	victim_set_user_memory_region(vm_fd, 3, 0, 0xc0000, 0x1000, 0x1000);
	return NULL;
}

int main(int argc, char **argv)
{
	char vm_path[] = "/tmp/im-fake-kvm-vm.XXXXXX";
	char vfio_path[] = "/tmp/im-fake-vfio.XXXXXX";
	struct sigaction sa;
	pthread_t th;
	int vfio_fd;
	void *p;

	if (argc < 2) {
		fprintf(stderr, "usage: victim GO-FILE\n");
		return 64;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	vm_fd = mkstemp(vm_path);
	vfio_fd = mkstemp(vfio_path);
	if (vm_fd < 0 || vfio_fd < 0)
		return 2;
	unlink(vm_path);
	unlink(vfio_path);
	printf("pid %d\n", getpid());
	fflush(stdout);
	while (access(argv[1], F_OK))
		usleep(10000);
	/* the watch is attached now: SIGUSR1s may arrive from here on */
	usleep(100000);
	p = victim_bar_mmap(vfio_fd);
	victim_update_mappings(vm_fd, (uint64_t)(uintptr_t)p + 0x1000);
	victim_region2(vm_fd);
	if (p != MAP_FAILED)
		victim_bar_munmap(p);
	pthread_create(&th, NULL, victim_thread, NULL);
	pthread_join(th, NULL);
	usleep(200000);
	printf("mmap %p\nusr1 %d\n", p, (int)usr1);
	return 0;
}
