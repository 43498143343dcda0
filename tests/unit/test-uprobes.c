// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-uprobes.c - uprobes.c's sample parser on samples built here the way
 * the kernel lays them out (IDENTIFIER, TID, TIME, REGS_USER, STACK_USER),
 * its errors, elfsym.c's im_sym_locate() on this process, and one live
 * probe on ourselves when the machine lets us (else a SKIP line).
 * Writes tests/unit/data/uprobe-sample.bin when given a path (fuzz seed).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <unistd.h>
#include "t.h"
#include <dlfcn.h>
#include "iommu-map.h"
#include "watch/elfsym.h"
#include "watch/uprobes.h"

/* perf's bit order of our registers: AX BX CX DX SI DI BP SP IP, R8-R15 */
static const int order[IM_UP_NREGS] = {
	IM_UP_AX, IM_UP_BX, IM_UP_CX, IM_UP_DX, IM_UP_SI, IM_UP_DI, IM_UP_BP,
	IM_UP_SP, IM_UP_IP, IM_UP_R8, IM_UP_R9, IM_UP_R10, IM_UP_R11, IM_UP_R12,
	IM_UP_R13, IM_UP_R14, IM_UP_R15,
};

static size_t put64(uint8_t *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, 8);
	return off + 8;
}

/* A sample: stack_size 0 for none; dyn <= stack_size. */
static size_t build(uint8_t *p, uint64_t stack_size, uint64_t dyn)
{
	size_t off = 0;

	off = put64(p, off, 0x1234);			/* id */
	off = put64(p, off, (77ULL << 32) | 66);	/* pid 66, tid 77 */
	off = put64(p, off, 123456789);			/* time */
	off = put64(p, off, 2);				/* abi 64 */
	for (int i = 0; i < IM_UP_NREGS; i++)
		off = put64(p, off, 0x1000 + (uint64_t)order[i]);
	if (stack_size) {
		off = put64(p, off, stack_size);
		for (uint64_t i = 0; i < stack_size; i++)
			p[off++] = (uint8_t)i;
		off = put64(p, off, dyn);
	}
	return off;
}

static void test_parse(const char *seed)
{
	uint8_t buf[4096];
	struct im_uprobe_rec r;
	size_t n;
	bool regs_ok = true;

	n = build(buf, 0, 0);
	T_EQ_U64((uint64_t)im_uprobes_parse_sample(buf, n, &r), 0, "parse: no stack");
	T_EQ_U64(r.perf_id, 0x1234, "parse: id");
	T_EQ_U64((uint64_t)r.tid, 77, "parse: tid (second u32)");
	T_EQ_U64(r.time_ns, 123456789, "parse: time");
	for (int i = 0; i < IM_UP_NREGS; i++)
		regs_ok &= r.regs[order[i]] == 0x1000 + (uint64_t)order[i];
	T_OK(r.have_regs && regs_ok, "parse: registers in perf's bit order");
	T_OK(!r.stack && !r.stack_len, "parse: no stack copy");

	n = build(buf, 64, 40);
	T_EQ_U64((uint64_t)im_uprobes_parse_sample(buf, n, &r), 0, "parse: stack");
	T_OK(r.stack && r.stack_len == 40 && r.stack[0] == 0 && r.stack[39] == 39,
	     "parse: stack copy is dyn_size bytes of data");
	if (seed) {
		FILE *f = fopen(seed, "wb");

		if (f) {
			fwrite(buf, 1, n, f);
			fclose(f);
		}
	}
	T_EQ_U64((uint64_t)-im_uprobes_parse_sample(buf, n - 1, &r), EBADMSG,
		 "parse: cut short -> EBADMSG");
	n = build(buf, 64, 65);
	T_EQ_U64((uint64_t)-im_uprobes_parse_sample(buf, n, &r), EBADMSG,
		 "parse: dyn_size > size -> EBADMSG");
	n = build(buf, 64, 8);
	put64(buf, 8 * 4 + 8 * IM_UP_NREGS, 1ULL << 40);	/* absurd size */
	T_EQ_U64((uint64_t)-im_uprobes_parse_sample(buf, n, &r), EBADMSG,
		 "parse: stack size past the end -> EBADMSG");
	n = build(buf, 0, 0);
	buf[n] = 1;
	T_EQ_U64((uint64_t)-im_uprobes_parse_sample(buf, n + 4, &r), EBADMSG,
		 "parse: trailing bytes -> EBADMSG");
	T_EQ_U64((uint64_t)-im_uprobes_parse_sample(buf, 0, &r), EBADMSG,
		 "parse: empty -> EBADMSG");
	/* abi 0 (no user registers, e.g. a kernel thread): no registers */
	n = 0;
	n = put64(buf, n, 1);
	n = put64(buf, n, 5);
	n = put64(buf, n, 6);
	n = put64(buf, n, 0);
	T_OK(im_uprobes_parse_sample(buf, n, &r) == 0 && !r.have_regs,
	     "parse: abi 0 -> no registers");
}

__attribute__((noinline, used)) int t_probed(int x);
__attribute__((noinline, used)) int t_probed(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 2 + 1;
}

static void on_rec(void *ctx, const struct im_uprobe_rec *r)
{
	int *hits = ctx;

	if (r->id == 7 && !r->ret && r->regs[IM_UP_DI] == 41 && r->stack_len)
		hits[0]++;
	if (r->id == 8 && r->ret && r->regs[IM_UP_AX] == 83)
		hits[1]++;
}

/* a second thread: probed, then calls t_probed(2) when told, and exits */
static pthread_barrier_t bar;
static volatile int other_tid;

static void *other(void *arg)
{
	(void)arg;
	other_tid = (int)syscall(SYS_gettid);
	pthread_barrier_wait(&bar);	/* main opens the probes */
	pthread_barrier_wait(&bar);	/* main has called t_probed(1) */
	t_probed(2);
	return NULL;
}

static void on_order(void *ctx, const struct im_uprobe_rec *r)
{
	int *seen = ctx;

	if (r->id == 7 && !r->ret && seen[0] < 4)
		seen[1 + seen[0]++] = (int)r->regs[IM_UP_DI];
}

/*
 * Records come out in time order across threads: the main thread calls
 * first, the other thread exits and is removed (which reads the rings)
 * before anything is drained.
 */
static void test_order(const struct im_uprobe_def *defs)
{
	struct im_uprobes *u = NULL;
	char why[256];
	int seen[5] = { 0 };
	pthread_t th;

	pthread_barrier_init(&bar, NULL, 2);
	pthread_create(&th, NULL, other, NULL);
	pthread_barrier_wait(&bar);
	if (im_uprobes_open(getpid(), defs, 2, &u, why, sizeof(why)) < 0) {
		pthread_barrier_wait(&bar);
		pthread_join(th, NULL);
		printf("ok uprobes: order # SKIP %s\n", why);
		return;
	}
	t_probed(1);
	pthread_barrier_wait(&bar);
	pthread_join(th, NULL);
	T_EQ_U64((uint64_t)im_uprobes_remove(u, other_tid), 1,
		 "uprobes: an exited thread is removed");
	im_uprobes_drain(u, on_order, seen);
	T_OK(seen[0] == 2 && seen[1] == 1 && seen[2] == 2,
	     "uprobes: records in time order across threads (1 then 2)");
	im_uprobes_close(u);
	pthread_barrier_destroy(&bar);
}

static void test_live(struct im_map *maps, size_t n, const char *exe)
{
	struct im_sym_loc loc;
	struct im_uprobe_def defs[2];
	struct im_uprobes *u = NULL;
	char why[256] = "";
	int hits[2] = { 0, 0 }, r;

	r = im_sym_locate(maps, n, exe, "t_probed", &loc);
	T_OK(r == 0 && loc.addr == (uintptr_t)t_probed,
	     "sym locate: t_probed's runtime address");
	if (r == 0) {
		unsigned char file[16] = { 0 };
		FILE *f = fopen(exe, "rb");
		bool same = f && !fseek(f, (long)loc.offset, SEEK_SET) &&
			    fread(file, 1, sizeof(file), f) == sizeof(file) &&
			    !memcmp(file, (const void *)(uintptr_t)t_probed,
				    sizeof(file));

		if (f)
			fclose(f);
		T_OK(same, "sym locate: the file offset holds t_probed's code");
	}
	/* libc's own munmap: under ASan (clang 19) plain `munmap` is the interceptor */
	{
		void *libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
		void *real = libc ? dlsym(libc, "munmap") : NULL;

		r = im_sym_locate(maps, n, "libc.so.", "munmap", &loc);
		T_OK(r == 0 && real && loc.addr == (uintptr_t)real, "sym locate: munmap in libc");
		if (libc)
			dlclose(libc);
	}
	T_EQ_U64((uint64_t)-im_sym_locate(maps, n, "libc.so.", "no_such_fn_x", &loc),
		 ENOENT, "sym locate: no such symbol -> ENOENT");
	T_EQ_U64((uint64_t)-im_sym_locate(maps, n, "libnope.so", "mmap", &loc),
		 ENODEV, "sym locate: no such file -> ENODEV");

	if (im_sym_locate(maps, n, exe, "t_probed", &loc))
		return;
	defs[0] = (struct im_uprobe_def){ exe, loc.offset, false, true, 7 };
	defs[1] = (struct im_uprobe_def){ exe, loc.offset, true, false, 8 };
	r = im_uprobes_open(getpid(), defs, 2, &u, why, sizeof(why));
	if (r < 0) {
		printf("ok uprobes: live # SKIP %s\n", why);
		return;
	}
	for (int i = 0; i < 3; i++)
		t_probed(41);
	im_uprobes_drain(u, on_rec, hits);
	T_EQ_U64((uint64_t)hits[0], 3, "uprobes: 3 entry samples, arg 41, stack copied");
	T_EQ_U64((uint64_t)hits[1], 3, "uprobes: 3 return samples, result 83");
	/* 3 x 20 samples of ~16 KiB: the 512 KiB ring wraps round */
	hits[0] = hits[1] = 0;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 20; i++)
			t_probed(41);
		im_uprobes_drain(u, on_rec, hits);
	}
	T_OK(hits[0] == 60 && hits[1] == 60,
	     "uprobes: 60 + 60 samples through a ring that wrapped, none lost");
	im_uprobes_close(u);
	t_probed(41);		/* no probe left: must just run */
	T_OK(1, "uprobes: closed, the function runs unprobed");
	test_order(defs);
}

int main(int argc, char **argv)
{
	struct im_map *maps;
	size_t n;
	char exe[4096];
	ssize_t k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[k > 0 ? k : 0] = '\0';
	test_parse(argc > 1 ? argv[1] : NULL);
	if (im_root_init("/") < 0 || im_maps_read_live(getpid(), &maps, &n) < 0) {
		printf("FAIL setup\n");
		return 1;
	}
	test_live(maps, n, exe);
	im_maps_free(maps, n);
	printf("%d passed, %d failed\n", t_passed, t_failed);
	return t_failed != 0;
}
