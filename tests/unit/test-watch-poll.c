// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-watch-poll.c - `watch --poll` (im_watch_poll_with) against a fake
 * module transport that replays memslot snapshots: adds, deletes, flag
 * changes, a reused slot id, an unchanged generation; text and JSON; the
 * target's exit seen through a pidfd.  No module, no KVM, no ptrace.
 * Links: src/watch/{watch,event,output,method-ptrace,method-uprobe,poll}.c
 * src/watch/uprobes.c src/sources/kmod.c src/watch/elfsym.c src/watch/unwind.c src/model.c
 * src/lib/util.c src/lib/sysroot.c, libelf, libunwind-ptrace.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "t.h"
#include "iommu-map.h"
#include "sources/kmod.h"
#include "watch/watch.h"

#define S(as, id, fl, gfn, np, hva) { as, id, fl, 0, gfn, np, hva }

static const struct iommu_map_memslot snap0[] = {
	S(0, 1, 0, 0x0, 0xa0, 0x7f0000000000ULL),
	S(0, 2, 0, 0x100, 0x3f00, 0x7f0000100000ULL),
};
static const struct iommu_map_memslot snap1[] = {	/* 2 flags, 7 added, 1 gone */
	S(0, 2, 1, 0x100, 0x3f00, 0x7f0000100000ULL),
	S(1, 7, 0, 0xfeb40, 0x20, 0x7f1000000000ULL),
};
static const struct iommu_map_memslot snap2[] = {	/* 7 reused elsewhere */
	S(0, 2, 1, 0x100, 0x3f00, 0x7f0000100000ULL),
	S(1, 7, 0, 0xe0000, 0x20, 0x7f1000000000ULL),
};

struct script {
	int calls;
	volatile sig_atomic_t *stop;
};

static int fake(void *ctx, unsigned long req, void *arg)
{
	struct script *sc = ctx;
	struct iommu_map_memslots *a = arg;
	const struct iommu_map_memslot *s;
	size_t n;
	uint64_t gen;

	if (req != IOMMU_MAP_MEMSLOTS || a->size != sizeof(*a) || a->vm_fd != 42)
		return -EINVAL;
	switch (sc->calls++) {
	case 0: case 1: s = snap0; n = 2; gen = 10; break;	/* unchanged */
	case 2: s = snap1; n = 2; gen = 12; break;
	case 3: s = snap2; n = 2; gen = 14; break;
	default: s = snap2; n = 2; gen = 14; *sc->stop = 1; break;
	}
	if (a->num_slots < n) {
		a->num_slots = (uint32_t)n;
		return -EMSGSIZE;
	}
	memcpy((void *)(uintptr_t)a->slots_uptr, s, n * sizeof(*s));
	a->num_slots = (uint32_t)n;
	a->generation = gen;
	return 0;
}

static char *run(bool json, int *ret, int pidfd)
{
	volatile sig_atomic_t stop = 0;
	struct script sc = { 0, &stop };
	struct im_model m;
	struct im_err err = { .msg = "" };
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	memset(&m, 0, sizeof(m));
	m.pid = -1;
	*ret = im_watch_poll_with(&m, f, json, 1, &stop, fake, &sc, 42, pidfd, &err);
	fclose(f);
	return out;
}

int main(void)
{
	char *out, head[160];
	int ret, pidfd;
	pid_t pid;

	im_root_init("/");
	out = run(false, &ret, -1);
	T_EQ_U64(ret, 0, "text: stopped: 0");
	T_OK(strstr(out, "(2 slots, generation 0xa)") != NULL, "text: first snapshot");
	T_OK(strstr(out, "memslot delete as 0 slot 1 gpa 0x0 size 0xa0000 hva 0x7f0000000000 "
		     "flags 0x0 gen 0xc") != NULL, "text: delete");
	T_OK(strstr(out, "memslot flags  as 0 slot 2 gpa 0x100000 size 0x3f00000 "
		     "hva 0x7f0000100000 flags 0x1 (was 0x0) gen 0xc") != NULL, "text: flags");
	T_OK(strstr(out, "memslot add    as 1 slot 7 gpa 0xfeb40000 size 0x20000 "
		     "hva 0x7f1000000000 flags 0x0 gen 0xc") != NULL, "text: add");
	T_OK(strstr(out, "memslot delete as 1 slot 7 gpa 0xfeb40000") &&
	     strstr(out, "memslot add    as 1 slot 7 gpa 0xe0000000"), "text: reused id");
	T_OK(strstr(out, "stopped polling") != NULL, "text: stop line");
	if (t_failed)
		printf("--- output:\n%s---\n", out);
	free(out);

	out = run(true, &ret, -1);
	snprintf(head, sizeof(head), "{\"schema\":\"iommu-map/1\",\"version\":\"%s\","
		 "\"event\":\"memslot\",\"op\":\"add\"", im_version);
	T_OK(strstr(out, head) &&
	     strstr(out, "\"generation\":\"0xc\",\"as_id\":1,\"slot\":7,\"gpa\":\"0xfeb40000\","
		    "\"size\":\"0x20000\",\"hva\":\"0x7f1000000000\",\"flags\":\"0x0\""),
	     "json: add");
	T_OK(strstr(out, "\"op\":\"flags\"") && strstr(out, "\"old_flags\":\"0x0\""),
	     "json: flags");
	t_keep_json("watch-poll.jsonl", out);
	free(out);

	/* the target exits: the pidfd says so */
	pid = fork();
	if (pid == 0)
		_exit(0);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	waitpid(pid, NULL, 0);
	if (pidfd >= 0) {
		out = run(false, &ret, pidfd);
		T_EQ_U64((uint64_t)-ret, ECHILD, "pidfd: target exit is -ECHILD");
		T_OK(strstr(out, "(it exited)") != NULL, "pidfd: exit line");
		free(out);
		close(pidfd);
	} else {
		printf("skip pidfd_open: %s\n", strerror(errno));
	}
	T_DONE();
}
