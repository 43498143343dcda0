// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kmod-test.c - drive and abuse /dev/iommu-map (the iommu_map module).
 * Meant for the lab's L1 (root, /dev/kvm, module loaded); never for a
 * machine whose kernel you care about.
 *
 *   kmod-test info
 *   kmod-test memslots PID          slots of PID's VM, fixture format
 *   kmod-test walk PID HVA LEN      runs of PID's page tables
 *   kmod-test iommu BDF [IOVA...]   domain type and translations
 *   kmod-test abuse [ITERATIONS]    the abuse suite (default 100000 random
 *                                   ioctls); one line per check, then
 *                                   "N passed, N failed"
 *   kmod-test zeropfn               PFN of the kernel's zero page
 *   kmod-test unpriv                as a non-root user: open must fail
 *                                   (EACCES), and so must every ioctl on an
 *                                   fd inherited from root (EPERM)
 *
 * Build (static, so that it runs as nobody from a 9p share in the lab):
 *   cc -std=gnu11 -O2 -static -Wall -Wextra -Iinclude -o kmod-test \
 *      tests/kmod/kmod-test.c -lpthread
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uapi/iommu_map.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static int passed, failed;

static void check(bool ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s", ok ? "PASS" : "FAIL", what);
	if (fmt && *fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static int dev_open(void)
{
	int fd = open(IOMMU_MAP_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "kmod-test: %s: %s\n", IOMMU_MAP_DEVICE, strerror(errno));
		exit(2);
	}
	return fd;
}

/* ioctl returning 0 or errno */
static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? errno : 0;
}

static const char *en(int e)
{
	static char buf[8][32];
	static int i;
	char *b = buf[i++ & 7];

	if (!e)
		return "0";
	switch (e) {
	case EINVAL: return "EINVAL";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EFAULT: return "EFAULT";
	case ENOTTY: return "ENOTTY";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ESRCH: return "ESRCH";
	case EMSGSIZE: return "EMSGSIZE";
	case ENODEV: return "ENODEV";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOMEM: return "ENOMEM";
	case EINTR: return "EINTR";
	}
	snprintf(b, 32, "errno %d", e);
	return b;
}

/* --- QEMU's VM fd ----------------------------------------------------------- */

/* a dup of PID's fd whose /proc link is @target (prefix match), or -1 */
static int steal_fd(int pid, const char *target)
{
	char path[64], link[256];
	int n, pidfd, fd;
	ssize_t l;

	for (n = 0; n < 4096; n++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, n);
		l = readlink(path, link, sizeof(link) - 1);
		if (l < 0)
			continue;
		link[l] = 0;
		if (strncmp(link, target, strlen(target)))
			continue;
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pidfd < 0)
			return -1;
		fd = (int)syscall(SYS_pidfd_getfd, pidfd, n, 0);
		close(pidfd);
		return fd;
	}
	return -1;
}

static int cmd_info(void)
{
	struct iommu_map_info i = { .size = sizeof(i) };
	int fd = dev_open(), e = xioctl(fd, IOMMU_MAP_INFO, &i);

	if (e) {
		fprintf(stderr, "kmod-test: INFO: %s\n", strerror(e));
		return 2;
	}
	printf("abi %u features 0x%x kernel %u.%u.%u address_spaces %u\n", i.abi_version,
	       i.features, i.kernel_version >> 16, i.kernel_version >> 8 & 0xff,
	       i.kernel_version & 0xff, i.max_address_spaces);
	return 0;
}

static int get_slots(int dfd, int vmfd, struct iommu_map_memslot **out, uint32_t *n,
		     struct iommu_map_memslots *hdr)
{
	uint32_t cap = 8;
	int e;

	*out = NULL;
	for (;;) {
		struct iommu_map_memslot *s = realloc(*out, cap * sizeof(*s));

		if (!s)
			return ENOMEM;
		*out = s;
		memset(hdr, 0, sizeof(*hdr));
		hdr->size = sizeof(*hdr);
		hdr->vm_fd = vmfd;
		hdr->num_slots = cap;
		hdr->slots_uptr = (uintptr_t)s;
		e = xioctl(dfd, IOMMU_MAP_MEMSLOTS, hdr);
		if (e == EMSGSIZE && hdr->num_slots > cap) {
			cap = hdr->num_slots + 8;
			continue;
		}
		*n = e ? 0 : hdr->num_slots;
		return e;
	}
}

static int cmd_memslots(int pid)
{
	struct iommu_map_memslots h;
	struct iommu_map_memslot *s;
	int dfd = dev_open(), vmfd = steal_fd(pid, "anon_inode:kvm-vm"), e;
	uint32_t n, i;

	if (vmfd < 0) {
		fprintf(stderr, "kmod-test: pid %d: no kvm-vm fd\n", pid);
		return 2;
	}
	e = get_slots(dfd, vmfd, &s, &n, &h);
	if (e) {
		fprintf(stderr, "kmod-test: MEMSLOTS: %s\n", strerror(e));
		return 2;
	}
	printf("# as_id slot gpa size hva flags  (kvm-memslot, generation %" PRIu64 ")\n",
	       (uint64_t)h.generation);
	for (i = 0; i < n; i++)
		printf("%u %u 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%x\n", s[i].as_id,
		       s[i].id, (uint64_t)s[i].base_gfn << 12, (uint64_t)s[i].npages << 12,
		       (uint64_t)s[i].userspace_addr, s[i].flags);
	free(s);
	return 0;
}

static int do_walk(int dfd, int vmfd, uint64_t hva, uint64_t len, FILE *out,
		   uint64_t *present_pfn0)
{
	struct iommu_map_walk_entry e[512];
	uint64_t off = 0;
	int err;

	while (off < len) {
		struct iommu_map_walk w = { .size = sizeof(w), .vm_fd = vmfd,
					    .num_entries = 512, .hva = hva + off,
					    .length = len - off,
					    .entries_uptr = (uintptr_t)e };
		uint32_t i;

		err = xioctl(dfd, IOMMU_MAP_WALK, &w);
		if (err)
			return err;
		for (i = 0; i < w.num_entries; i++) {
			if (out)
				fprintf(out, "0x%" PRIx64 " 0x%" PRIx64 " pfn 0x%" PRIx64
					" flags 0x%x shift %u\n", (uint64_t)e[i].hva,
					(uint64_t)e[i].length, (uint64_t)e[i].pfn, e[i].flags,
					e[i].page_shift);
			if (present_pfn0 && !off && !i &&
			    (e[i].flags & IOMMU_MAP_WALK_PRESENT))
				*present_pfn0 = e[i].pfn;
		}
		if (!w.done)
			return EPROTO;
		off += w.done;
	}
	return 0;
}

static int cmd_walk(int pid, uint64_t hva, uint64_t len)
{
	int dfd = dev_open(), vmfd = steal_fd(pid, "anon_inode:kvm-vm"), e;

	if (vmfd < 0) {
		fprintf(stderr, "kmod-test: pid %d: no kvm-vm fd\n", pid);
		return 2;
	}
	e = do_walk(dfd, vmfd, hva, len, stdout, NULL);
	if (e) {
		fprintf(stderr, "kmod-test: WALK: %s\n", strerror(e));
		return 2;
	}
	return 0;
}

static int parse_bdf(const char *s, struct iommu_map_iommu *a)
{
	unsigned int d, b, sl, f;

	if (sscanf(s, "%x:%x:%x.%x", &d, &b, &sl, &f) != 4)
		return -1;
	a->pci_domain = d;
	a->pci_bus = b;
	a->pci_devfn = sl << 3 | f;
	return 0;
}

static int cmd_iommu(const char *bdf, int n, char **iovas)
{
	struct iommu_map_iommu a = { .size = sizeof(a) };
	struct iommu_map_iova *v = calloc(n ? n : 1, sizeof(*v));
	int dfd = dev_open(), i, e;

	if (!v || parse_bdf(bdf, &a)) {
		fprintf(stderr, "kmod-test: bad BDF %s\n", bdf);
		return 64;
	}
	for (i = 0; i < n; i++)
		v[i].iova = strtoull(iovas[i], NULL, 0);
	a.num_iovas = n;
	a.iovas_uptr = (uintptr_t)v;
	e = xioctl(dfd, IOMMU_MAP_IOMMU, &a);
	if (e) {
		fprintf(stderr, "kmod-test: IOMMU: %s\n", strerror(e));
		return 2;
	}
	printf("domain %u group %d pgsize 0x%" PRIx64 "\n", a.domain_type, a.group_id,
	       (uint64_t)a.pgsize_bitmap);
	for (i = 0; i < n; i++)
		printf("0x%" PRIx64 " -> 0x%" PRIx64 " %s\n", (uint64_t)v[i].iova,
		       (uint64_t)v[i].phys, v[i].flags ? "mapped" : "unmapped");
	return 0;
}

/* --- a VM of our own -------------------------------------------------------- */

struct own_vm {
	int kvm, vm, vcpu;
	void *mem, *mem2;
	size_t size;
};

#define SLOT0_GPA	0x100000ULL
#define SLOT1_GPA	0x40000000ULL

static int own_vm_create(struct own_vm *v)
{
	struct kvm_userspace_memory_region r;

	memset(v, 0, sizeof(*v));
	v->vcpu = -1;
	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		return -errno;
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		return -errno;
	v->size = 2 << 20;
	v->mem = mmap(NULL, v->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	v->mem2 = mmap(NULL, 0x10000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->mem == MAP_FAILED || v->mem2 == MAP_FAILED)
		return -errno;
	memset(&r, 0, sizeof(r));
	r.slot = 3;
	r.guest_phys_addr = SLOT0_GPA;
	r.memory_size = v->size;
	r.userspace_addr = (uintptr_t)v->mem;
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	r.slot = 7;
	r.flags = KVM_MEM_READONLY;
	r.guest_phys_addr = SLOT1_GPA;
	r.memory_size = 0x10000;
	r.userspace_addr = (uintptr_t)v->mem2;
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	/* the same RAM in the SMM address space, where the kernel has one */
	r.slot = 1 << 16 | 5;
	r.flags = 0;
	r.guest_phys_addr = SLOT0_GPA;
	r.memory_size = v->size;
	r.userspace_addr = (uintptr_t)v->mem;
	(void)ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &r);
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	return 0;
}

/* --- the abuse suite ------------------------------------------------------ */

static int sz_call(int dfd, unsigned long req, void *arg)
{
	return xioctl(dfd, req, arg);
}

static void abuse_memslots(int dfd, struct own_vm *vm)
{
	struct iommu_map_memslot s[16];
	struct iommu_map_memslots h;
	unsigned char big[sizeof(h) + 64];
	int e, found = 0;
	uint32_t i;

	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.vm_fd = vm->vm;
	h.num_slots = 16;
	h.slots_uptr = (uintptr_t)s;
	e = sz_call(dfd, IOMMU_MAP_MEMSLOTS, &h);
	for (i = 0; !e && i < h.num_slots; i++) {
		if (s[i].as_id == 0 && s[i].id == 3 && s[i].base_gfn == SLOT0_GPA >> 12 &&
		    s[i].npages == vm->size >> 12 && s[i].userspace_addr == (uintptr_t)vm->mem &&
		    s[i].flags == 0)
			found |= 1;
		if (s[i].as_id == 0 && s[i].id == 7 && s[i].base_gfn == SLOT1_GPA >> 12 &&
		    s[i].npages == 16 && s[i].userspace_addr == (uintptr_t)vm->mem2 &&
		    s[i].flags == KVM_MEM_READONLY)
			found |= 2;
		if (s[i].as_id == 1 && s[i].id == 5)
			found |= 4;
	}
	check(!e && (found & 3) == 3, "MEMSLOTS on our own VM returns the slots we set",
	      "%s, %u slots, %u address spaces, generation %" PRIu64 "%s", en(e),
	      h.num_slots, h.num_address_spaces, (uint64_t)h.generation,
	      found & 4 ? ", SMM slot too" : "");

	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.vm_fd = vm->vm;
	e = sz_call(dfd, IOMMU_MAP_MEMSLOTS, &h);
	check(e == EMSGSIZE && h.num_slots >= 2, "MEMSLOTS with no room: EMSGSIZE and the count",
	      "%s, needs %u", en(e), h.num_slots);

#define MS_EXPECT(field_stmt, want, name) do {				\
	memset(&h, 0, sizeof(h));					\
	h.size = sizeof(h); h.vm_fd = vm->vm; h.num_slots = 16;		\
	h.slots_uptr = (uintptr_t)s;					\
	field_stmt;							\
	e = sz_call(dfd, IOMMU_MAP_MEMSLOTS, &h);			\
	check(e == (want), name, "%s (want %s)", en(e), en(want));	\
} while (0)

	MS_EXPECT(h.size = 0, EINVAL, "MEMSLOTS size 0");
	MS_EXPECT(h.size = sizeof(h) - 1, EINVAL, "MEMSLOTS size one short");
	MS_EXPECT(h.size = 4, EINVAL, "MEMSLOTS size 4");
	MS_EXPECT(h.size = 4096 + 1, E2BIG, "MEMSLOTS size above a page");
	MS_EXPECT(h.flags = 1, EINVAL, "MEMSLOTS unknown flag");
	MS_EXPECT(h.__reserved = 1, EINVAL, "MEMSLOTS reserved field set");
	MS_EXPECT(h.generation = 5, EINVAL, "MEMSLOTS output field set on input");
	MS_EXPECT(h.slots_uptr = 0, EFAULT, "MEMSLOTS NULL slots pointer");
	MS_EXPECT(h.slots_uptr = 0xffffffff81000000ULL, EFAULT, "MEMSLOTS kernel slots pointer");
	MS_EXPECT(h.vm_fd = -1, EBADF, "MEMSLOTS vm_fd -1");
	MS_EXPECT(h.vm_fd = 4000, EBADF, "MEMSLOTS vm_fd not open");
	MS_EXPECT(h.vm_fd = dfd, EBADF, "MEMSLOTS vm_fd = /dev/iommu-map");
	MS_EXPECT(h.vm_fd = vm->kvm, EBADF, "MEMSLOTS vm_fd = /dev/kvm");
	if (vm->vcpu >= 0)
		MS_EXPECT(h.vm_fd = vm->vcpu, EBADF, "MEMSLOTS vm_fd = a vCPU fd");
	{
		int efd = eventfd(0, EFD_CLOEXEC), zfd = open("/dev/zero", O_RDONLY);
		int vfio = open("/dev/vfio/vfio", O_RDWR);

		MS_EXPECT(h.vm_fd = efd, EBADF, "MEMSLOTS vm_fd = an eventfd");
		MS_EXPECT(h.vm_fd = zfd, EBADF, "MEMSLOTS vm_fd = /dev/zero");
		if (vfio >= 0)
			MS_EXPECT(h.vm_fd = vfio, EBADF, "MEMSLOTS vm_fd = a vfio container fd");
		close(efd);
		close(zfd);
		if (vfio >= 0)
			close(vfio);
	}
	if (getenv("L2_PID")) {
		/* QEMU's own vfio device and group fds, and its vCPU fd */
		int pid = atoi(getenv("L2_PID"));
		int dev = steal_fd(pid, "anon_inode:[vfio-device]");
		int grp = steal_fd(pid, "/dev/vfio/");
		int vcpu = steal_fd(pid, "anon_inode:kvm-vcpu");

		if (dev >= 0)
			MS_EXPECT(h.vm_fd = dev, EBADF, "MEMSLOTS vm_fd = QEMU's vfio device fd");
		if (grp >= 0)
			MS_EXPECT(h.vm_fd = grp, EBADF, "MEMSLOTS vm_fd = QEMU's /dev/vfio fd (group or container)");
		if (vcpu >= 0)
			MS_EXPECT(h.vm_fd = vcpu, EBADF, "MEMSLOTS vm_fd = QEMU's vCPU fd");
		if (dev < 0 && grp < 0)
			printf("INFO L2_PID %d: no vfio fds to borrow\n", pid);
		if (dev >= 0)
			close(dev);
		if (grp >= 0)
			close(grp);
		if (vcpu >= 0)
			close(vcpu);
	}
	e = xioctl(dfd, IOMMU_MAP_MEMSLOTS, NULL);
	check(e == EFAULT, "MEMSLOTS NULL argument", "%s", en(e));
	e = xioctl(dfd, IOMMU_MAP_MEMSLOTS, (void *)0xffffffff81000000ULL);
	check(e == EFAULT, "MEMSLOTS kernel-address argument", "%s", en(e));

	/* a larger struct: zero tail is fine, a non-zero tail is E2BIG */
	memset(big, 0, sizeof(big));
	memset(&h, 0, sizeof(h));
	h.size = sizeof(big);
	h.vm_fd = vm->vm;
	h.num_slots = 16;
	h.slots_uptr = (uintptr_t)s;
	memcpy(big, &h, sizeof(h));
	e = xioctl(dfd, IOMMU_MAP_MEMSLOTS, big);
	check(e == 0, "MEMSLOTS larger struct with a zero tail", "%s", en(e));
	memset(&h, 0, sizeof(h));
	h.size = sizeof(big);
	h.vm_fd = vm->vm;
	h.num_slots = 16;
	h.slots_uptr = (uintptr_t)s;
	memset(big, 0, sizeof(big));
	memcpy(big, &h, sizeof(h));
	big[sizeof(big) - 1] = 1;
	e = xioctl(dfd, IOMMU_MAP_MEMSLOTS, big);
	check(e == E2BIG, "MEMSLOTS larger struct with a non-zero tail", "%s", en(e));
}

static void abuse_walk(int dfd, struct own_vm *vm)
{
	struct iommu_map_walk_entry en_[8];
	struct iommu_map_walk w;
	void *hole;
	int e;

#define W_INIT(h, l) do {						\
	memset(&w, 0, sizeof(w));					\
	w.size = sizeof(w); w.vm_fd = vm->vm; w.num_entries = 8;	\
	w.hva = (h); w.length = (l); w.entries_uptr = (uintptr_t)en_;	\
} while (0)

	W_INIT((uintptr_t)vm->mem, vm->size);
	e = xioctl(dfd, IOMMU_MAP_WALK, &w);
	check(!e && w.num_entries == 1 && (en_[0].flags & IOMMU_MAP_WALK_NOT_PFNMAP) &&
	      !(en_[0].flags & IOMMU_MAP_WALK_PRESENT) && w.done == vm->size,
	      "WALK of anonymous RAM: one not-pfnmap run, nothing read",
	      "%s, %u entries, flags 0x%x", en(e), w.num_entries, en_[0].flags);

	hole = mmap(NULL, 0x4000, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, 0x4000);
	W_INIT((uintptr_t)hole, 0x4000);
	e = xioctl(dfd, IOMMU_MAP_WALK, &w);
	check(!e && w.num_entries == 1 && en_[0].flags == IOMMU_MAP_WALK_NO_VMA,
	      "WALK of unmapped addresses: one no-vma run", "%s, flags 0x%x", en(e),
	      en_[0].flags);

	W_INIT(0x1000, (1ULL << 47) - 0x2000);
	e = xioctl(dfd, IOMMU_MAP_WALK, &w);
	check(!e && w.done > 0, "WALK of the whole user address space returns",
	      "%s, %u entries, done 0x%" PRIx64, en(e), w.num_entries, (uint64_t)w.done);

#define W_EXPECT(stmt, want, name) do {					\
	W_INIT((uintptr_t)vm->mem, vm->size);				\
	stmt;								\
	e = xioctl(dfd, IOMMU_MAP_WALK, &w);				\
	check(e == (want), name, "%s (want %s)", en(e), en(want));	\
} while (0)

	W_EXPECT(w.hva += 1, EINVAL, "WALK unaligned hva");
	W_EXPECT(w.length = 0, EINVAL, "WALK zero length");
	W_EXPECT(w.length = 0x1001, EINVAL, "WALK unaligned length");
	W_EXPECT((w.hva = ~0xfffULL, w.length = 0x2000), EINVAL, "WALK range wraps");
	W_EXPECT(w.num_entries = 0, EMSGSIZE, "WALK no room for entries");
	W_EXPECT(w.entries_uptr = 0, EFAULT, "WALK NULL entries pointer");
	W_EXPECT(w.entries_uptr = 0xffffffff81000000ULL, EFAULT, "WALK kernel entries pointer");
	W_EXPECT(w.flags = 2, EINVAL, "WALK unknown flag");
	W_EXPECT(w.done = 1, EINVAL, "WALK output field set on input");
	W_EXPECT(w.size = 8, EINVAL, "WALK size 8");
	W_EXPECT(w.vm_fd = dfd, EBADF, "WALK vm_fd = /dev/iommu-map");
	if (vm->vcpu >= 0)
		W_EXPECT(w.vm_fd = vm->vcpu, EBADF, "WALK vm_fd = a vCPU fd");
}

static void abuse_iommu(int dfd)
{
	struct iommu_map_iova v[4] = { { .iova = 0 }, { .iova = 0x1000 } };
	struct iommu_map_iommu a;
	int e;

#define I_EXPECT(stmt, want, name) do {					\
	memset(&a, 0, sizeof(a));					\
	a.size = sizeof(a); a.num_iovas = 2; a.iovas_uptr = (uintptr_t)v; \
	stmt;								\
	e = xioctl(dfd, IOMMU_MAP_IOMMU, &a);				\
	check(e == (want), name, "%s (want %s), domain %u group %d", en(e), \
	      en(want), a.domain_type, a.group_id);			\
} while (0)

	I_EXPECT((void)0, 0, "IOMMU on 0000:00:00.0 answers");
	I_EXPECT((a.pci_bus = 0xfe, a.pci_devfn = 0xff), ENODEV, "IOMMU on a missing device");
	I_EXPECT(a.pci_bus = 256, EINVAL, "IOMMU bus 256");
	I_EXPECT(a.pci_devfn = 256, EINVAL, "IOMMU devfn 256");
	I_EXPECT(a.pci_domain = 0x10000, EINVAL, "IOMMU segment 0x10000");
	I_EXPECT(a.num_iovas = IOMMU_MAP_MAX_IOVAS + 1, EINVAL, "IOMMU too many IOVAs");
	I_EXPECT(a.iovas_uptr = 0, EFAULT, "IOMMU NULL IOVA pointer");
	I_EXPECT(a.iovas_uptr = 0xffffffff81000000ULL, EFAULT, "IOMMU kernel IOVA pointer");
	I_EXPECT(a.group_id = 3, EINVAL, "IOMMU output field set on input");
	I_EXPECT(a.flags = 1, EINVAL, "IOMMU unknown flag");
	v[1].__reserved = 1;
	I_EXPECT((void)0, EINVAL, "IOMMU reserved field in an IOVA entry");
	v[1].__reserved = 0;
	I_EXPECT(a.num_iovas = 0, 0, "IOMMU with no IOVAs gives the domain only");
}

static void abuse_unknown(int dfd)
{
	struct iommu_map_info i = { .size = sizeof(i) };
	int e;

	e = xioctl(dfd, _IOWR(IOMMU_MAP_TYPE, 0x7f, struct iommu_map_info), &i);
	check(e == ENOTTY, "unknown nr: ENOTTY", "%s", en(e));
	e = xioctl(dfd, _IOWR('Q', IOMMU_MAP_CMD_INFO, struct iommu_map_info), &i);
	check(e == ENOTTY, "our nr with another type: ENOTTY", "%s", en(e));
	e = xioctl(dfd, IOMMU_MAP_INFO, &i);
	check(!e && i.abi_version == IOMMU_MAP_ABI_VERSION, "INFO",
	      "%s, abi %u, features 0x%x, %u address spaces", en(e), i.abi_version,
	      i.features, i.max_address_spaces);
	/* the number is ignored beyond type and nr, as in iommufd */
	e = xioctl(dfd, _IO(IOMMU_MAP_TYPE, IOMMU_MAP_CMD_INFO), &i);
	check(!e, "INFO through _IO() of the same nr (size comes from the struct)", "%s", en(e));
}

/* VFS handles some ioctls itself; leave those out of the random ones */
static bool vfs_ioctl(unsigned long req)
{
	unsigned int type = _IOC_TYPE(req);

	return type == 'T' || type == 'X' || type == 'f' || type == 0x94 ||
	       type == 0 || type == 0x15 || type == '$';
}

static uint64_t rnd64(void)
{
	return (uint64_t)random() << 33 ^ (uint64_t)random() << 11 ^ (uint64_t)random();
}

static void abuse_random(int dfd, struct own_vm *vm, long iters)
{
	static const unsigned int nrs[] = { IOMMU_MAP_CMD_INFO, IOMMU_MAP_CMD_MEMSLOTS,
					    IOMMU_MAP_CMD_WALK, IOMMU_MAP_CMD_IOMMU };
	size_t scratch_len = 4 << 20;
	unsigned char *scratch, *blob;
	long i, hits[256] = { 0 }, ours = 0;
	int efd = eventfd(0, EFD_CLOEXEC);
	int fds[] = { vm->vm, vm->vcpu, vm->kvm, dfd, efd, -1, 0, 999 };
	struct timespec t0, t1;
	int e;

	/* a scratch area with a PROT_NONE guard after it: the module may write
	 * anywhere in it, never beyond */
	scratch = mmap(NULL, scratch_len + (4 << 20), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED) {
		check(false, "random ioctls", "mmap: %s", strerror(errno));
		return;
	}
	mprotect(scratch + scratch_len, 4 << 20, PROT_NONE);
	blob = scratch;
	srandom(12345);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < iters; i++) {
		unsigned long req;
		unsigned int k, len = 8 + random() % 200;
		uint64_t *q = (uint64_t *)blob;

		if (random() % 4) {
			unsigned int sz = random() % 3 ? random() % 128 : random() % 0x4000;

			req = _IOC(random() % 4, IOMMU_MAP_TYPE,
				   random() % 2 ? nrs[random() % 4] : random() % 256, sz);
			ours++;
		} else {
			req = (unsigned long)random() << 1 ^ (unsigned long)random();
			req &= 0xffffffff;
			if (vfs_ioctl(req))
				continue;
		}
		for (k = 0; k < len / 8 + 1; k++)
			q[k] = rnd64();
		/* sometimes make it look right, so the handlers get past the checks */
		switch (random() % 4) {
		case 0: {
			/* a well-formed header for one of the structs; the nr may
			 * still be another's */
			uint32_t *w = (uint32_t *)blob;
			uint64_t hvas[] = { (uintptr_t)vm->mem, (uintptr_t)scratch,
					    rnd64() & 0x7ffffffff000ULL, 0x1000 };

			memset(blob, 0, 128);
			w[1] = random() % 16 ? 0 : 1u << (random() % 32);
			switch (random() % 4) {
			case 0:
				w[0] = sizeof(struct iommu_map_info);
				break;
			case 1:
				w[0] = sizeof(struct iommu_map_memslots);
				w[2] = (uint32_t)fds[random() % 8];
				w[3] = random() % 64;
				q[2] = (uintptr_t)scratch + 4096;
				break;
			case 2:
				w[0] = sizeof(struct iommu_map_walk);
				w[2] = (uint32_t)fds[random() % 8];
				w[3] = random() % 64;
				q[2] = hvas[random() % 4];
				q[3] = 0x1000ULL * (uint64_t)(random() % 4096);
				q[4] = (uintptr_t)scratch + 8192;
				break;
			default:
				w[0] = sizeof(struct iommu_map_iommu);
				w[3] = random() % 4;
				w[4] = random() % 64;
				w[5] = random() % 64;
				q[3] = (uintptr_t)scratch + 8192;
				break;
			}
			if (!(random() % 8))	/* and now and then a stray byte */
				blob[random() % 128] ^= 1u << (random() % 8);
			break;
		}
		case 1:
			((uint32_t *)blob)[0] = random() % 8192;
			break;
		default:
			break;
		}
		e = xioctl(dfd, req, random() % 16 ? (void *)blob :
			   (void *)(uintptr_t)(random() % 2 ? 0 : rnd64()));
		hits[e & 0xff]++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("INFO random ioctls: %ld (%ld with our type) in %.1fs; errno counts:", iters,
	       ours, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	for (e = 0; e < 256; e++)
		if (hits[e])
			printf(" %s=%ld", en(e), hits[e]);
	putchar('\n');
	{
		static const int ok[] = { 0, EINVAL, E2BIG, EBADF, EFAULT, ENOTTY, EMSGSIZE,
					  ENODEV, ESRCH, EOPNOTSUPP };
		long other = 0;
		size_t k;

		for (e = 0; e < 256; e++) {
			bool known = false;

			for (k = 0; k < sizeof(ok) / sizeof(ok[0]); k++)
				known |= ok[k] == e;
			if (!known)
				other += hits[e];
		}
		check(other == 0, "random ioctls get only documented errors",
		      "%ld undocumented", other);
	}
	close(efd);
	munmap(scratch, scratch_len + (4 << 20));
}

/*
 * A VM whose process exits during and after our calls: we hold a dup of its
 * fd, so MEMSLOTS keeps answering, and WALK says ESRCH once the mm is gone.
 */
static void abuse_exiting_vm(int dfd, int rounds)
{
	int r, bad = 0, esrch_after = 0, memslots_after = 0, during[256] = { 0 };
	int skipped = 0, after_walk[256] = { 0 }, e;
	char hist[256] = "", *h = hist;

	for (r = 0; r < rounds; r++) {
		int p[2], vmfd = -1, pidfd, childfd;
		struct iommu_map_memslot s[8];
		pid_t pid;

		if (pipe(p))
			return;
		pid = fork();
		if (pid == 0) {
			struct own_vm v;

			close(p[0]);
			if (own_vm_create(&v))
				_exit(1);
			if (write(p[1], &v.vm, sizeof(v.vm)) != sizeof(v.vm))
				_exit(1);
			usleep(random() % 3000);
			_exit(0);
		}
		close(p[1]);
		if (read(p[0], &childfd, sizeof(childfd)) != sizeof(childfd)) {
			close(p[0]);
			waitpid(pid, NULL, 0);
			bad++;
			continue;
		}
		close(p[0]);
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pidfd >= 0) {
			vmfd = (int)syscall(SYS_pidfd_getfd, pidfd, childfd, 0);
			close(pidfd);
		}
		if (vmfd < 0) {	/* it exited before we got there */
			waitpid(pid, NULL, 0);
			skipped++;
			continue;
		}
		/* hammer while it exits */
		for (int k = 0; k < 200; k++) {
			struct iommu_map_walk_entry e[4];
			struct iommu_map_walk w = { .size = sizeof(w), .vm_fd = vmfd,
						    .num_entries = 4, .hva = 0x10000,
						    .length = 1ULL << 40,
						    .entries_uptr = (uintptr_t)e };
			during[xioctl(dfd, IOMMU_MAP_WALK, &w) & 0xff]++;
		}
		waitpid(pid, NULL, 0);
		{
			struct iommu_map_walk_entry e[4];
			struct iommu_map_walk w = { .size = sizeof(w), .vm_fd = vmfd,
						    .num_entries = 4, .hva = 0x10000,
						    .length = 0x1000,
						    .entries_uptr = (uintptr_t)e };
			struct iommu_map_memslots h = { .size = sizeof(h), .vm_fd = vmfd,
							.num_slots = 8,
							.slots_uptr = (uintptr_t)s };

			int we = xioctl(dfd, IOMMU_MAP_WALK, &w);

			after_walk[we & 0xff]++;
			esrch_after += we == ESRCH;
			memslots_after += !xioctl(dfd, IOMMU_MAP_MEMSLOTS, &h) &&
					  h.num_slots >= 2;
		}
		close(vmfd);
	}
	for (e = 0; e < 256; e++) {
		if (during[e])
			h += snprintf(h, hist + sizeof(hist) - h, " %s=%d", en(e), during[e]);
		if (after_walk[e] && h < hist + sizeof(hist))
			h += snprintf(h, hist + sizeof(hist) - h, " after:%s=%d", en(e),
				      after_walk[e]);
		if (h >= hist + sizeof(hist) - 1)
			break;
	}
	check(!bad && esrch_after == rounds - skipped && memslots_after == rounds - skipped &&
	      skipped < rounds,
	      "a VM whose process exited: WALK ESRCH, MEMSLOTS still answers",
	      "%d rounds (%d exited before pidfd_getfd), %d ESRCH, %d memslots, walks:%s",
	      rounds, skipped, esrch_after, memslots_after, hist);
}

/* two threads: one closes and re-dups the VM fd, the other calls with it */
struct race { int dfd, vmfd, slot; volatile int stop; long calls, errs[256]; };

static void *race_caller(void *arg)
{
	struct race *r = arg;
	struct iommu_map_memslot s[8];

	while (!r->stop) {
		struct iommu_map_memslots h = { .size = sizeof(h), .vm_fd = r->slot,
						.num_slots = 8, .slots_uptr = (uintptr_t)s };
		r->errs[xioctl(r->dfd, IOMMU_MAP_MEMSLOTS, &h) & 0xff]++;
		r->calls++;
	}
	return NULL;
}

static void abuse_fd_race(int dfd, struct own_vm *vm)
{
	struct race r = { .dfd = dfd, .vmfd = vm->vm };
	pthread_t t;
	int i;

	r.slot = dup(vm->vm);
	pthread_create(&t, NULL, race_caller, &r);
	for (i = 0; i < 20000; i++) {
		close(r.slot);
		if (i & 1)
			dup2(vm->vm, r.slot);
		else
			dup2(vm->vcpu >= 0 ? vm->vcpu : vm->kvm, r.slot);
	}
	r.stop = 1;
	pthread_join(t, NULL);
	close(r.slot);
	check(r.calls > 0 && r.errs[0] + r.errs[EBADF] == r.calls,
	      "fd closed and swapped under a running MEMSLOTS", "%ld calls: 0=%ld EBADF=%ld",
	      r.calls, r.errs[0], r.errs[EBADF]);
}

/* the PFN of the kernel's shared zero page, from our own pagemap */
static int cmd_zeropfn(void)
{
	volatile unsigned char *p = mmap(NULL, 4096, PROT_READ,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (p == MAP_FAILED || fd < 0)
		return 2;
	(void)p[0];
	if (pread(fd, &ent, 8, (off_t)((uintptr_t)p >> 12) * 8) != 8 || !(ent >> 63))
		return 2;
	printf("0x%" PRIx64 "\n", (uint64_t)(ent & ((1ULL << 55) - 1)));
	return 0;
}

static int cmd_unpriv(void)
{
	struct iommu_map_info i = { .size = sizeof(i) };
	int fd = open(IOMMU_MAP_DEVICE, O_RDWR);

	check(fd < 0 && errno == EACCES, "unprivileged open: EACCES",
	      "%s", fd < 0 ? en(errno) : "opened");
	if (fd >= 0)
		close(fd);
	/* fd 3, if the caller passed one in (setpriv keeps it open) */
	if (fcntl(3, F_GETFD) >= 0) {
		int e = xioctl(3, IOMMU_MAP_INFO, &i);

		check(e == EPERM, "unprivileged ioctl on an inherited fd: EPERM", "%s", en(e));
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

static int cmd_abuse(long iters)
{
	struct own_vm vm;
	int dfd = dev_open(), r;

	r = own_vm_create(&vm);
	if (r) {
		check(false, "create our own VM through /dev/kvm", "%s", strerror(-r));
		goto out;
	}
	check(vm.vcpu >= 0, "create our own VM (2 slots) and a vCPU", "vm fd %d vcpu fd %d",
	      vm.vm, vm.vcpu);
	abuse_unknown(dfd);
	abuse_memslots(dfd, &vm);
	abuse_walk(dfd, &vm);
	abuse_iommu(dfd);
	abuse_exiting_vm(dfd, 20);
	abuse_fd_race(dfd, &vm);
	abuse_random(dfd, &vm, iters);
	/* the module survived: a last sane call */
	{
		struct iommu_map_info i = { .size = sizeof(i) };

		r = xioctl(dfd, IOMMU_MAP_INFO, &i);
		check(!r, "INFO still answers after the abuse", "%s", en(r));
	}
out:
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && !strcmp(argv[1], "info"))
		return cmd_info();
	if (argc == 3 && !strcmp(argv[1], "memslots"))
		return cmd_memslots(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "walk"))
		return cmd_walk(atoi(argv[2]), strtoull(argv[3], NULL, 0),
				strtoull(argv[4], NULL, 0));
	if (argc >= 3 && !strcmp(argv[1], "iommu"))
		return cmd_iommu(argv[2], argc - 3, argv + 3);
	if (argc >= 2 && !strcmp(argv[1], "abuse"))
		return cmd_abuse(argc >= 3 ? atol(argv[2]) : 100000);
	if (argc >= 2 && !strcmp(argv[1], "zeropfn"))
		return cmd_zeropfn();
	if (argc >= 2 && !strcmp(argv[1], "unpriv"))
		return cmd_unpriv();
	fprintf(stderr, "usage: kmod-test info | memslots PID | walk PID HVA LEN | "
		"iommu BDF [IOVA...] | abuse [N] | zeropfn | unpriv\n");
	return 64;
}
