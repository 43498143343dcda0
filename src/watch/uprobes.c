// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * uprobes.c - perf_event_open() uprobes on every thread of the target, one
 * ring buffer per thread, records handed to the caller.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include "iommu-map.h"
#include "watch/uprobes.h"

#define RING_PAGES	128	/* data pages per thread: 512 KiB */
#define CLOSERS		8	/* threads closing probe fds (see closer()) */

/* perf's x86 register numbers (arch/x86/include/uapi/asm/perf_regs.h) */
static const int perf_reg[IM_UP_NREGS] = {
	[IM_UP_AX] = 0, [IM_UP_BX] = 1, [IM_UP_CX] = 2, [IM_UP_DX] = 3,
	[IM_UP_SI] = 4, [IM_UP_DI] = 5, [IM_UP_BP] = 6, [IM_UP_SP] = 7,
	[IM_UP_IP] = 8, [IM_UP_R8] = 16, [IM_UP_R9] = 17, [IM_UP_R10] = 18,
	[IM_UP_R11] = 19, [IM_UP_R12] = 20, [IM_UP_R13] = 21, [IM_UP_R14] = 22,
	[IM_UP_R15] = 23,
};

struct qitem {
	struct qitem *next;
	uint64_t key;			/* sample time, for the order across rings */
	size_t seq;			/* pull order, to keep the sort stable */
	int def;			/* -1: lost record */
	uint64_t lost;
	size_t len;
	uint8_t body[];			/* the sample after its header */
};

#define QUEUE_MAX	(256u << 20)	/* bytes queued before we drop */

struct uthread {
	int tid;
	int *fds;			/* one per def; fds[0] owns the ring */
	uint64_t *ids;			/* the kernel's id of each */
	void *ring;
	size_t ring_len;
	bool seen;			/* in the last scan of the task list */
};

struct im_uprobes {
	int pid, type;
	const struct im_uprobe_def *defs;
	size_t ndefs;
	struct uthread *th;
	size_t nth, thcap;
	size_t page;
	struct qitem *qhead, *qtail;	/* records copied out, to handle */
	size_t qbytes;
	/* fds being closed by the closer threads */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t closers[CLOSERS];
	int nclosers;
	int *close_fds;
	size_t nclose, close_cap;
	bool quit;
};

static uint64_t regs_mask(void)
{
	uint64_t m = 0;

	for (int i = 0; i < IM_UP_NREGS; i++)
		m |= 1ULL << perf_reg[i];
	return m;
}

static int pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "re");
	int t = -1;

	if (!f)
		return -ENOENT;
	if (fscanf(f, "%d", &t) != 1)
		t = -1;
	fclose(f);
	return t < 0 ? -ENOENT : t;
}

/* "retprobe" is config bit 0 (…/uprobe/format/retprobe: "config:0") */
static int open_one(const struct im_uprobe_def *d, int type, int tid)
{
	struct perf_event_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = (uint32_t)type;
	a.config = d->ret ? 1 : 0;
	a.config1 = (uint64_t)(uintptr_t)d->path;
	a.config2 = d->offset;
	a.sample_period = 1;
	a.wakeup_events = 1;
	a.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID |
			PERF_SAMPLE_TIME | PERF_SAMPLE_REGS_USER;
	a.sample_regs_user = regs_mask();
	if (d->stack) {
		a.sample_type |= PERF_SAMPLE_STACK_USER;
		a.sample_stack_user = IM_UP_STACK;
	}
	/*
	 * No inherit: perf refuses to mmap an inherited per-task event's ring.
	 * New threads are found by im_uprobes_rescan().
	 */
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	fd = syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

/*
 * Closing a uprobe event waits for an RCU tasks-trace grace period (each
 * event has a trace event of its own): about 0.1 s, measured here.  Six
 * per thread, one thread after the other, would hold up our loop (and the
 * threads waiting in a ptrace stop for it) for seconds.  So closes go to
 * CLOSERS threads of ours, whose waits overlap.
 */

static int pull(struct im_uprobes *u, struct uthread *t);
static int pull_all(struct im_uprobes *u);

static void *closer(void *arg)
{
	struct im_uprobes *u = arg;

	pthread_mutex_lock(&u->mu);
	for (;;) {
		int fd;

		while (!u->nclose && !u->quit)
			pthread_cond_wait(&u->cv, &u->mu);
		if (!u->nclose)
			break;
		fd = u->close_fds[--u->nclose];
		pthread_mutex_unlock(&u->mu);
		close(fd);
		pthread_mutex_lock(&u->mu);
	}
	pthread_mutex_unlock(&u->mu);
	return NULL;
}

static void close_later(struct im_uprobes *u, int fd)
{
	pthread_mutex_lock(&u->mu);
	if (u->nclosers && !im_grow(&u->close_fds, &u->close_cap, u->nclose + 1,
				    sizeof(*u->close_fds))) {
		u->close_fds[u->nclose++] = fd;
		pthread_cond_signal(&u->cv);
		fd = -1;
	}
	pthread_mutex_unlock(&u->mu);
	if (fd >= 0)
		close(fd);	/* no closer threads: here, slowly */
}

static void thread_close(struct im_uprobes *u, struct uthread *t)
{
	if (t->ring)
		munmap(t->ring, t->ring_len);
	for (size_t i = 0; t->fds && i < u->ndefs; i++)
		if (t->fds[i] >= 0)
			close_later(u, t->fds[i]);
	free(t->fds);
	free(t->ids);
	memset(t, 0, sizeof(*t));
}

static int thread_open(struct im_uprobes *u, int type, int tid,
		       struct uthread *t)
{
	int r;

	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->fds = im_calloc(u->ndefs, sizeof(*t->fds));
	t->ids = im_calloc(u->ndefs, sizeof(*t->ids));
	if (!t->fds || !t->ids) {
		free(t->fds);
		free(t->ids);
		t->fds = NULL;
		t->ids = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < u->ndefs; i++)
		t->fds[i] = -1;
	for (size_t i = 0; i < u->ndefs; i++) {
		r = open_one(&u->defs[i], type, tid);
		if (r < 0)
			goto fail;
		t->fds[i] = r;
		if (i == 0) {
			t->ring_len = (1 + RING_PAGES) * u->page;
			t->ring = mmap(NULL, t->ring_len, PROT_READ | PROT_WRITE,
				       MAP_SHARED, r, 0);
			if (t->ring == MAP_FAILED) {
				t->ring = NULL;
				r = -errno;
				goto fail;
			}
		} else if (ioctl(r, PERF_EVENT_IOC_SET_OUTPUT, t->fds[0]) < 0) {
			r = -errno;
			goto fail;
		}
		if (ioctl(r, PERF_EVENT_IOC_ID, &t->ids[i]) < 0) {
			r = -errno;
			goto fail;
		}
	}
	return 0;
fail:
	thread_close(u, t);
	return r;
}

static struct uthread *find_thread(struct im_uprobes *u, int tid)
{
	for (size_t i = 0; i < u->nth; i++)
		if (u->th[i].tid == tid)
			return &u->th[i];
	return NULL;
}

static void explain(int r, char *why, size_t whylen)
{
	int paranoid = -9;
	FILE *f;

	if (r == -ENOENT) {
		snprintf(why, whylen, "no uprobe PMU (/sys/bus/event_source/"
			 "devices/uprobe: kernel without CONFIG_UPROBE_EVENTS "
			 "or older than 4.17)");
		return;
	}
	if (r == -EACCES || r == -EPERM) {
		f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
		if (f) {
			if (fscanf(f, "%d", &paranoid) != 1)
				paranoid = -9;
			fclose(f);
		}
		snprintf(why, whylen, "perf_event_open: %s (uprobes need "
			 "CAP_PERFMON or root; kernel.perf_event_paranoid=%d)",
			 strerror(-r), paranoid);
		return;
	}
	snprintf(why, whylen, "perf_event_open: %s", strerror(-r));
}

/*
 * Open the probes of threads not seen yet, close those of threads gone.
 * Returns the number of threads added (>= 0) or -errno.
 */
static int scan(struct im_uprobes *u, bool *changed)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int r = 0, added = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", u->pid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	for (size_t i = 0; i < u->nth; i++)
		u->th[i].seen = false;
	while ((de = readdir(d))) {
		int tid = atoi(de->d_name);
		struct uthread *t;

		if (tid <= 0)
			continue;
		if ((t = find_thread(u, tid))) {
			t->seen = true;
			continue;
		}
		r = im_grow(&u->th, &u->thcap, u->nth + 1, sizeof(*u->th));
		if (r < 0)
			break;
		r = thread_open(u, u->type, tid, &u->th[u->nth]);
		if (r == -ESRCH && tid != u->pid) {
			r = 0;		/* the thread just exited */
			continue;
		}
		if (r < 0)
			break;
		u->th[u->nth++].seen = true;
		added++;
	}
	closedir(d);
	for (size_t i = 0; r == 0 && i < u->nth;) {
		if (u->th[i].seen) {
			i++;
			continue;
		}
		pull_all(u);
		thread_close(u, &u->th[i]);
		u->th[i] = u->th[--u->nth];
		*changed = true;
	}
	if (added)
		*changed = true;
	return r < 0 ? r : added;
}

int im_uprobes_open(int pid, const struct im_uprobe_def *defs, size_t ndefs,
		    struct im_uprobes **out, char *why, size_t whylen)
{
	struct im_uprobes *u;
	bool changed = false;
	int type = pmu_type(), r = 0, rounds = 0;

	*out = NULL;
	if (type < 0) {
		explain(type, why, whylen);
		return type;
	}
	if (!ndefs)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->pid = pid;
	u->type = type;
	u->defs = defs;
	u->ndefs = ndefs;
	u->page = (size_t)sysconf(_SC_PAGESIZE);
	/* six fds per thread, more while closes are pending: all we may have */
	{
		struct rlimit rl;

		if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	pthread_mutex_init(&u->mu, NULL);
	pthread_cond_init(&u->cv, NULL);
	while (u->nclosers < CLOSERS &&
	       !pthread_create(&u->closers[u->nclosers], NULL, closer, u))
		u->nclosers++;
	/* until a pass finds no new thread */
	while ((r = scan(u, &changed)) > 0 && rounds++ < 100)
		;
	if (r < 0) {
		explain(r, why, whylen);
		im_uprobes_close(u);
		return r;
	}
	*out = u;
	return 0;
}

int im_uprobes_add(struct im_uprobes *u, int tid)
{
	int r;

	if (find_thread(u, tid))
		return 0;
	r = im_grow(&u->th, &u->thcap, u->nth + 1, sizeof(*u->th));
	if (r < 0)
		return r;
	r = thread_open(u, u->type, tid, &u->th[u->nth]);
	if (r < 0)
		return r;
	u->th[u->nth++].seen = true;
	return 1;
}

int im_uprobes_rescan(struct im_uprobes *u, bool *changed)
{
	int r;

	*changed = false;
	r = scan(u, changed);
	return r < 0 ? r : 0;
}

size_t im_uprobes_pollfds(const struct im_uprobes *u, int *fds, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < u->nth && n < max; i++)
		fds[n++] = u->th[i].fds[0];
	return n;
}

size_t im_uprobes_threads(const struct im_uprobes *u)
{
	return u->nth;
}

void im_uprobes_close(struct im_uprobes *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->nth; i++)
		thread_close(u, &u->th[i]);
	free(u->th);
	/* the closers finish what is queued, then exit */
	pthread_mutex_lock(&u->mu);
	u->quit = true;
	pthread_cond_broadcast(&u->cv);
	pthread_mutex_unlock(&u->mu);
	for (int i = 0; i < u->nclosers; i++)
		pthread_join(u->closers[i], NULL);
	free(u->close_fds);
	pthread_cond_destroy(&u->cv);
	pthread_mutex_destroy(&u->mu);
	while (u->qhead) {
		struct qitem *q = u->qhead;

		u->qhead = q->next;
		free(q);
	}
	free(u);
}

int im_uprobes_remove(struct im_uprobes *u, int tid)
{
	for (size_t i = 0; i < u->nth; i++) {
		if (u->th[i].tid != tid)
			continue;
		/* keep what is in the rings (all: for the order), then let go */
		pull_all(u);
		thread_close(u, &u->th[i]);
		u->th[i] = u->th[--u->nth];
		return 1;
	}
	return 0;
}

static int rd64(const uint8_t *p, size_t len, size_t *off, uint64_t *v)
{
	if (len - *off < 8 || *off > len)
		return -EBADMSG;
	memcpy(v, p + *off, 8);
	*off += 8;
	return 0;
}

int im_uprobes_parse_sample(const uint8_t *p, size_t len,
			    struct im_uprobe_rec *r)
{
	const uint64_t mask = regs_mask();
	size_t off = 0;
	uint64_t v, abi, size;

	memset(r, 0, sizeof(*r));
	if (rd64(p, len, &off, &r->perf_id) || rd64(p, len, &off, &v))
		return -EBADMSG;
	r->tid = (int)(uint32_t)(v >> 32);	/* u32 pid, u32 tid (LE) */
	if (rd64(p, len, &off, &r->time_ns) || rd64(p, len, &off, &abi))
		return -EBADMSG;
	if (abi) {
		/* the registers come in perf's bit order */
		for (int bit = 0; bit < 64; bit++) {
			if (!(mask & (1ULL << bit)))
				continue;
			if (rd64(p, len, &off, &v))
				return -EBADMSG;
			for (int k = 0; k < IM_UP_NREGS; k++)
				if (perf_reg[k] == bit)
					r->regs[k] = v;
		}
		r->have_regs = true;
	}
	if (off == len)
		return 0;			/* no stack copy */
	if (rd64(p, len, &off, &size) || size > len - off)
		return -EBADMSG;
	if (size) {
		uint64_t dyn;
		size_t data = off;

		off += size;
		if (rd64(p, len, &off, &dyn) || dyn > size)
			return -EBADMSG;
		r->stack = p + data;
		r->stack_len = dyn;
	}
	return off == len ? 0 : -EBADMSG;
}

static int def_of(const struct im_uprobes *u, const struct uthread *t,
		  uint64_t id)
{
	for (size_t i = 0; i < u->ndefs; i++)
		if (t->ids[i] == id)
			return (int)i;
	return -1;
}

/*
 * Records are copied out of the kernel's rings at once (a cheap memcpy) and
 * handled from this queue: handling (unwinding, symbolizing) is slow, and a
 * ring left full meanwhile would drop samples of a burst (a reset makes
 * hundreds of VM ioctls in a few milliseconds).
 */

static void enqueue(struct im_uprobes *u, struct qitem *q)
{
	q->next = NULL;
	if (u->qtail)
		u->qtail->next = q;
	else
		u->qhead = q;
	u->qtail = q;
	u->qbytes += sizeof(*q) + q->len;
}

/* Note n samples lost (by the kernel, or dropped here). */
static int enqueue_lost(struct im_uprobes *u, uint64_t n)
{
	struct qitem *q;

	if (u->qtail && u->qtail->def < 0) {
		u->qtail->lost += n;
		return 0;
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->def = -1;
	q->lost = n;
	enqueue(u, q);
	return 0;
}

/* Copy len bytes at offset at of a ring of size bytes, across its end. */
static void ring_copy(void *dst, const uint8_t *data, uint64_t size,
		      uint64_t at, size_t len)
{
	size_t first;

	at %= size;
	first = at + len <= size ? len : (size_t)(size - at);
	memcpy(dst, data + at, first);
	memcpy((uint8_t *)dst + first, data, len - first);
}

static int pull(struct im_uprobes *u, struct uthread *t)
{
	struct perf_event_mmap_page *mp = t->ring;
	const uint8_t *data = (const uint8_t *)t->ring + u->page;
	const uint64_t size = (uint64_t)RING_PAGES * u->page;
	uint64_t head, tail;
	int ret = 0;

	head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
	tail = mp->data_tail;
	while (!ret && tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		struct qitem *q;

		ring_copy(&h, data, size, tail, sizeof(h));
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		if (h.type == PERF_RECORD_SAMPLE) {
			size_t len = h.size - sizeof(h);
			uint64_t id;

			if (u->qbytes + len > QUEUE_MAX) {
				ret = enqueue_lost(u, 1);
				tail += h.size;
				continue;
			}
			q = malloc(sizeof(*q) + len);
			if (!q) {
				ret = -ENOMEM;
				break;
			}
			ring_copy(q->body, data, size, tail + sizeof(h), len);
			q->len = len;
			q->lost = 0;
			q->def = -1;
			if (len >= 8) {
				memcpy(&id, q->body, 8);
				q->def = def_of(u, t, id);
			}
			if (q->def < 0)
				free(q);	/* not ours */
			else
				enqueue(u, q);
		} else if (h.type == PERF_RECORD_LOST &&
			   h.size >= sizeof(h) + 16) {
			uint64_t lost;	/* { u64 id; u64 lost; } */

			ring_copy(&lost, data, size, tail + sizeof(h) + 8, 8);
			ret = enqueue_lost(u, lost);
		}
		tail += h.size;
	}
	__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
	return ret;
}

static int qitem_cmp(const void *a, const void *b)
{
	const struct qitem *x = *(struct qitem *const *)a;
	const struct qitem *y = *(struct qitem *const *)b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Copy every ring out, then put what came in time order: each ring is in
 * order, but rings are read one after the other (a thread's calls would
 * otherwise come out after a later call of a thread read first).
 */
static int pull_all(struct im_uprobes *u)
{
	struct qitem *before = u->qtail, *q, **v;
	size_t n = 0, i;
	int r = 0;

	for (i = 0; i < u->nth && !r; i++)
		r = pull(u, &u->th[i]);
	for (q = before ? before->next : u->qhead; q; q = q->next)
		n++;
	if (n < 2)
		return r;
	v = malloc(n * sizeof(*v));
	if (!v)
		return r;	/* unsorted, not lost */
	for (i = 0, q = before ? before->next : u->qhead; q; q = q->next, i++) {
		uint64_t t = UINT64_MAX;	/* lost records: after the batch */

		if (q->def >= 0 && q->len >= 24)
			memcpy(&t, q->body + 16, 8);	/* id, pid/tid, time */
		q->key = t;
		q->seq = i;
		v[i] = q;
	}
	qsort(v, n, sizeof(*v), qitem_cmp);
	for (i = 0; i + 1 < n; i++)
		v[i]->next = v[i + 1];
	v[n - 1]->next = NULL;
	if (before)
		before->next = v[0];
	else
		u->qhead = v[0];
	u->qtail = v[n - 1];
	free(v);
	return r;
}

bool im_uprobes_pending(const struct im_uprobes *u)
{
	return u->qhead != NULL;
}

int im_uprobes_drain(struct im_uprobes *u, im_uprobe_cb cb, void *ctx)
{
	struct timespec t0, now;
	int r = pull_all(u);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!r && u->qhead) {
		struct qitem *q = u->qhead;
		struct im_uprobe_rec rec;

		u->qhead = q->next;
		if (!u->qhead)
			u->qtail = NULL;
		u->qbytes -= sizeof(*q) + q->len;
		if (q->def < 0) {
			memset(&rec, 0, sizeof(rec));
			rec.id = -1;
			rec.lost = q->lost;
			cb(ctx, &rec);
		} else if (!im_uprobes_parse_sample(q->body, q->len, &rec)) {
			rec.ret = u->defs[q->def].ret;
			rec.id = u->defs[q->def].id;
			cb(ctx, &rec);
		}
		free(q);
		/* keep the rings empty while we work; return now and then */
		r = pull_all(u);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000 > 200)
			break;
	}
	return r;
}
