// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * watch.c - `iommu-map watch`: report the target's memslot ioctls and vfio
 * mmaps with their stacks, seen one of two ways:
 * - uprobes (method-uprobe.c, over uprobes.c): the target never stops;
 * - ptrace (method-ptrace.c): syscall stops on every thread.
 * The event logic is shared (event.c): a call's entry (number and
 * arguments) and its return feed the same on_call_entry()/on_call_exit();
 * output.c prints the events, poll.c is --poll.  This file holds the state
 * of a watch (the target's threads, its vfio ranges and maps) and
 * im_watch(), which picks the method.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "watch/elfsym.h"
#include "watch/unwind.h"
#include "watch/watch-int.h"

struct im_watch_stats im_wstats;

void im_watch_last_stats(struct im_watch_stats *s)
{
	*s = im_wstats;
}

/* ---- threads ---------------------------------------------------------- */

struct wthread *th_find(struct watch *w, int tid)
{
	for (size_t i = 0; i < w->nth; i++)
		if (w->th[i].tid == tid)
			return &w->th[i];
	return NULL;
}

struct wthread *th_add(struct watch *w, int tid)
{
	struct wthread *t = th_find(w, tid);

	if (t)
		return t;
	if (im_grow(&w->th, &w->thcap, w->nth + 1, sizeof(*w->th)) < 0)
		return NULL;
	t = &w->th[w->nth++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	im_wstats.threads_seen++;
	return t;
}

void th_del(struct watch *w, int tid)
{
	for (size_t i = 0; i < w->nth; i++)
		if (w->th[i].tid == tid) {
			w->th[i] = w->th[--w->nth];
			return;
		}
}

/* ---- vfio ranges and the unwinder's read filter ------------------------ */

/* Add [start, end), which no range overlaps, in start order. */
void vr_add(struct watch *w, uint64_t start, uint64_t end, int dev,
	    int bar, uint64_t bar_offset)
{
	size_t lo = 0, hi = w->nvr;
	struct im_map *v;

	if (im_grow(&w->vr, &w->vrcap, w->nvr + 1, sizeof(*w->vr)) < 0)
		return;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->vr[mid].start < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&w->vr[lo + 1], &w->vr[lo], (w->nvr - lo) * sizeof(*w->vr));
	w->nvr++;
	v = &w->vr[lo];
	memset(v, 0, sizeof(*v));
	v->start = start;
	v->end = end;
	v->vfio = true;
	v->cdev = -1;
	v->dev = dev;
	v->bar = bar;
	v->bar_offset = bar_offset;
	v->offset = bar < 0 ? bar_offset :
		    (uint64_t)bar << IM_REGION_SHIFT | bar_offset;
}

/* Forget [start, end) of every range (munmap, MAP_FIXED over it). */
void vr_remove(struct watch *w, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < w->nvr; i++) {
		struct im_map *v = &w->vr[i];

		if (v->end <= start || end <= v->start)
			continue;
		if (v->start < start && end < v->end) {	/* split */
			struct im_map tail = *v;

			v->end = start;
			vr_add(w, end, tail.end, tail.dev, tail.bar,
			       tail.bar_offset + (end - tail.start));
			return;
		}
		if (v->start < start) {
			v->end = start;
		} else if (end < v->end) {
			v->bar_offset += end - v->start;
			v->offset += end - v->start;
			v->start = end;
		} else {
			memmove(v, v + 1, (--w->nvr - i) * sizeof(*v));
			i--;
		}
	}
}

const struct im_map *vr_find(const struct watch *w, uint64_t addr)
{
	long i = im_maps_find(w->vr, w->nvr, addr);

	return i < 0 ? NULL : &w->vr[i];
}

/* w->maps is /proc's order: sorted by start */
const struct im_map *map_find(const struct watch *w, uint64_t addr)
{
	long i = im_maps_find(w->maps, w->nmaps, addr);

	return i < 0 ? NULL : &w->maps[i];
}

bool deny_read(void *ctx, uint64_t addr)
{
	const struct watch *w = ctx;
	const struct im_map *mp;

	if (vr_find(w, addr))
		return true;
	mp = map_find(w, addr);
	return mp && (mp->vfio || !strncmp(mp->path, "/dev/", 5) ||
		      !strncmp(mp->path, "anon_inode:", 11));
}

void maps_refresh(struct watch *w)
{
	struct im_map *maps;
	size_t n;

	bool same;

	if (im_maps_read_live(w->pid, &maps, &n) < 0)
		return;
	same = n == w->nmaps;
	for (size_t i = 0; same && i < n; i++)
		same = maps[i].start == w->maps[i].start &&
		       maps[i].end == w->maps[i].end &&
		       maps[i].offset == w->maps[i].offset &&
		       maps[i].inode == w->maps[i].inode &&
		       !strcmp(maps[i].path, w->maps[i].path);
	im_maps_free(w->maps, w->nmaps);
	w->maps = maps;
	w->nmaps = n;
	if (!same)
		im_unwind_flush(w->uw);	/* its cached unwind info may be stale */
}

/* What a watch needs: the unwinder, the target's maps, its vfio ranges. */
static int watch_open(struct watch *w, struct im_err *err)
{
	int ret;

	w->uw = im_unwind_new(deny_read, w);
	if (!w->uw)
		return -ENOMEM;
	im_elfsym_set_pid(w->pid);
	ret = im_maps_read_live(w->pid, &w->maps, &w->nmaps);
	if (ret == -EACCES || ret == -EPERM) {
		/* maps needs the same access as ptrace: same explanation */
		explain_eperm(w, err);
		return -EPERM;
	}
	if (ret < 0) {
		im_err_set(err, "", 0, "cannot read /proc/%d/maps: %s", w->pid,
			   strerror(-ret));
		return ret == -ENOENT ? -ESRCH : ret;
	}
	/* vfio mappings already there: from the correlated model */
	vr_from_maps(w, w->m->maps, w->m->nmaps);
	vr_from_maps(w, w->maps, w->nmaps);
	return 0;
}

static void watch_close(struct watch *w)
{
	im_unwind_free(w->uw);
	im_maps_free(w->maps, w->nmaps);
	free(w->fdc);
	free(w->th);
	free(w->vr);
}

void watch_unblock(const struct watch *w, const sigset_t *old)
{
	if (w->out_err) {
		/* consume the SIGPIPE our own writes raised */
		sigset_t pipe_set, pend;
		struct timespec zero = { 0, 0 };

		sigemptyset(&pipe_set);
		sigaddset(&pipe_set, SIGPIPE);
		sigpending(&pend);
		if (sigismember(&pend, SIGPIPE) && !sigismember(old, SIGPIPE))
			sigtimedwait(&pipe_set, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, old, NULL);
}

int im_watch(struct im_model *m, FILE *out, bool json,
	     enum im_watch_method method, volatile sig_atomic_t *stop,
	     struct im_err *err)
{
	struct watch w = { .m = m, .out = out, .json = json, .pid = m->pid };
	sigset_t chld, old;
	char why[256] = "asked for";
	int ret;

	memset(&im_wstats, 0, sizeof(im_wstats));
	if (m->pid <= 0) {
		im_err_set(err, "", 0, "watch needs --pid");
		return -EINVAL;
	}
	ret = watch_open(&w, err);
	if (ret < 0) {
		watch_close(&w);
		return ret;
	}
	/*
	 * SIGCHLD: waited for with sigtimedwait().  SIGPIPE: a closed output
	 * must not kill us while threads are stopped; writes fail with EPIPE
	 * instead, we detach and return -EIO.
	 */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigaddset(&chld, SIGPIPE);
	sigprocmask(SIG_BLOCK, &chld, &old);

	ret = -EAGAIN;	/* -EAGAIN: uprobes not tried, or not usable */
	if (method != IM_WATCH_PTRACE)
		ret = watch_uprobes(&w, stop, why, sizeof(why));
	if (ret == -EAGAIN && method == IM_WATCH_UPROBE) {
		im_err_set(err, "", 0, "watch --method=uprobe: %s", why);
		ret = -ENOTSUP;
	} else {
		if (ret == -EAGAIN)
			ret = watch_ptrace(&w, stop, why, err);
		if (ret == -ECHILD)
			im_err_set(err, "", 0, "PID %d exited", w.pid);
		else if (ret == 0 && w.out_err)
			ret = -EIO;
		if (ret == 0 || ret == -ECHILD)
			print_end(&w, ret, "detached from");
	}
	watch_unblock(&w, &old);
	watch_close(&w);
	return ret;
}
