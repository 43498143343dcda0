// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * poll.c - `watch --poll`: no ptrace.  Reads the VM's memslots through the
 * iommu_map module every interval and prints what changed whenever KVM's
 * memslot generation moved.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "sources/kmod.h"
#include "watch/elfsym.h"
#include "watch/watch-int.h"

static int slot_cmp(const void *a, const void *b)
{
	const struct iommu_map_memslot *x = a, *y = b;

	if (x->as_id != y->as_id)
		return x->as_id < y->as_id ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void print_slot(struct watch *w, const struct timespec *ts,
		       uint64_t gen, const char *op,
		       const struct iommu_map_memslot *u, uint32_t old_flags)
{
	struct im_memslot sl;
	char backing[300] = "", t[64];

	im_kmod_memslot_from_uapi(u, &sl);
	if (sl.size && sl.hva && w->pid > 0)
		describe_hva(w, sl.hva, backing, sizeof(backing));
	im_wstats.events++;
	if (w->json) {
		struct jw j;

		fmt_time(ts, t, sizeof(t), true);
		json_event(&j, w->out, "memslot");
		jw_kstr(&j, "op", op);
		jw_kstr(&j, "time", t);
		jw_kint(&j, "pid", w->pid);
		jw_khex(&j, "generation", gen);
		jw_kint(&j, "as_id", sl.as_id);
		jw_kint(&j, "slot", sl.slot);
		jw_khex(&j, "gpa", sl.gpa);
		jw_khex(&j, "size", sl.size);
		jw_khex(&j, "hva", sl.hva);
		jw_khex(&j, "flags", sl.flags);
		if (!strcmp(op, "flags"))
			jw_khex(&j, "old_flags", old_flags);
		jw_kstr(&j, "backing", backing[0] ? backing : NULL);
		json_event_end(w, &j);
	} else {
		fmt_time(ts, t, sizeof(t), false);
		fprintf(w->out, "%s memslot %-6s as %d slot %d gpa 0x%" PRIx64
			" size 0x%" PRIx64 " hva 0x%" PRIx64 " flags 0x%x", t, op,
			sl.as_id, sl.slot, sl.gpa, sl.size, sl.hva, sl.flags);
		if (!strcmp(op, "flags"))
			fprintf(w->out, " (was 0x%x)", old_flags);
		if (backing[0]) {	/* a path of the target's: escaped */
			fputs(" [", w->out);
			im_term_fputs(w->out, backing);
			fputc(']', w->out);
		}
		fprintf(w->out, " gen 0x%" PRIx64 "\n", gen);
	}
}

/* Print what changed from old[] to cur[] (both sorted by as_id, id). */
static void diff_slots(struct watch *w, uint64_t gen,
		       const struct iommu_map_memslot *old, size_t nold,
		       const struct iommu_map_memslot *cur, size_t ncur)
{
	struct timespec ts;
	size_t i = 0, j = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	while (i < nold || j < ncur) {
		int c = i == nold ? 1 : j == ncur ? -1 : slot_cmp(&old[i], &cur[j]);

		if (c < 0) {
			print_slot(w, &ts, gen, "delete", &old[i++], 0);
		} else if (c > 0) {
			print_slot(w, &ts, gen, "add", &cur[j++], 0);
		} else {
			if (old[i].base_gfn != cur[j].base_gfn ||
			    old[i].npages != cur[j].npages ||
			    old[i].userspace_addr != cur[j].userspace_addr) {
				/* the slot id was reused: a delete and an add */
				print_slot(w, &ts, gen, "delete", &old[i], 0);
				print_slot(w, &ts, gen, "add", &cur[j], 0);
			} else if (old[i].flags != cur[j].flags) {
				print_slot(w, &ts, gen, "flags", &cur[j],
					   old[i].flags);
			}
			i++;
			j++;
		}
	}
	if (fflush(w->out) == EOF || ferror(w->out))
		w->out_err = true;
}

/* The VM's memslots as last read, sorted by as_id, id. */
struct slots {
	struct iommu_map_memslot *v;
	size_t n;
	uint64_t gen;
};

/* Where the memslots come from. */
struct slot_src {
	im_watch_ioctl_fn fn;
	void *ctx;
	int vm_fd;
};

static int fetch_slots(const struct slot_src *src, struct slots *s,
		       struct im_err *err)
{
	int ret = im_kmod_fetch_memslots(src->fn, src->ctx, src->vm_fd, &s->v,
					 &s->n, &s->gen);

	if (ret < 0) {
		im_err_set(err, "", 0, "IOMMU_MAP_MEMSLOTS: %s", strerror(-ret));
		return ret;
	}
	qsort(s->v, s->n, sizeof(*s->v), slot_cmp);
	return 0;
}

static void print_polling(struct watch *w, const struct slots *s,
			  unsigned int interval_ms)
{
	if (w->json) {
		struct jw j;

		json_event(&j, w->out, "polling");
		jw_kint(&j, "pid", w->pid);
		jw_key(&j, "slots");
		jw_uint(&j, s->n);
		jw_khex(&j, "generation", s->gen);
		jw_kint(&j, "interval_ms", interval_ms);
		json_event_end(w, &j);
	} else {
		fprintf(w->out, "polling the memslots of PID %d every %u ms (%zu "
			"slots, generation 0x%" PRIx64 "); interrupt to stop\n",
			w->pid, interval_ms, s->n, s->gen);
	}
	if (fflush(w->out) == EOF)
		w->out_err = true;
}

/* Read the memslots again; when their generation moved, print the change. */
static int poll_round(struct watch *w, const struct slot_src *src,
		      struct slots *old, struct im_err *err)
{
	struct slots cur = { 0 };
	int ret = fetch_slots(src, &cur, err);

	if (ret < 0)
		return ret;
	im_wstats.syscall_stops++;	/* here: polls */
	if (cur.gen == old->gen) {
		free(cur.v);
		return 0;
	}
	if (w->pid > 0)
		maps_refresh(w);
	vr_from_maps(w, w->maps, w->nmaps);
	diff_slots(w, cur.gen, old->v, old->n, cur.v, cur.n);
	free(old->v);
	*old = cur;
	return 0;
}

int im_watch_poll_with(struct im_model *m, FILE *out, bool json,
		       unsigned int interval_ms, volatile sig_atomic_t *stop,
		       im_watch_ioctl_fn fn, void *ctx, int vm_fd, int pidfd,
		       struct im_err *err)
{
	struct watch w = { .m = m, .out = out, .json = json, .pid = m->pid };
	const struct slot_src src = { fn, ctx, vm_fd };
	struct slots old = { 0 };
	sigset_t pipe_set, oldmask;
	int ret;

	memset(&im_wstats, 0, sizeof(im_wstats));
	if (!interval_ms)
		interval_ms = 100;
	ret = fetch_slots(&src, &old, err);
	if (ret < 0)
		return ret;
	if (m->pid > 0 && im_maps_read_live(m->pid, &w.maps, &w.nmaps) == 0) {
		vr_from_maps(&w, m->maps, m->nmaps);
		vr_from_maps(&w, w.maps, w.nmaps);
	}
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, &oldmask);
	print_polling(&w, &old, interval_ms);
	while (!*stop && !w.out_err) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		int r = poll(&pfd, pidfd >= 0 ? 1 : 0, (int)interval_ms);

		if (r > 0 && (pfd.revents & (POLLIN | POLLHUP))) {
			ret = -ECHILD;
			im_err_set(err, "", 0, "PID %d exited", m->pid);
			break;
		}
		if (*stop)
			break;
		ret = poll_round(&w, &src, &old, err);
		if (ret < 0)
			break;
	}
	if (!ret && w.out_err)
		ret = -EIO;
	if (ret == 0 || ret == -ECHILD)
		print_end(&w, ret, "stopped polling");
	watch_unblock(&w, &oldmask);
	free(old.v);
	im_maps_free(w.maps, w.nmaps);
	free(w.vr);
	return ret;
}

static int kmod_dev_ioctl(void *ctx, unsigned long req, void *arg)
{
	return ioctl(*(int *)ctx, req, arg) < 0 ? -errno : 0;
}

int im_watch_poll(struct im_model *m, FILE *out, bool json,
		  unsigned int interval_ms, volatile sig_atomic_t *stop,
		  struct im_err *err)
{
	char target[128];
	struct watch w = { .m = m, .pid = m->pid };
	int kfd, pidfd, vmfd = -1, tfd = -1, ret;

	if (m->pid <= 0) {
		im_err_set(err, "", 0, "watch --poll needs --pid");
		return -EINVAL;
	}
	for (size_t i = 0; i < m->nfds && tfd < 0; i++)
		if (im_fd_target_is_kvm_vm(m->fds[i].target))
			tfd = m->fds[i].fd;
	if (tfd < 0) {
		/* not in the model: look for it */
		char path[64];
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "/proc/%d/fd", m->pid);
		d = opendir(path);
		while (d && (de = readdir(d)) && tfd < 0) {
			int fd = atoi(de->d_name);

			if (de->d_name[0] != '.' &&
			    fd_classify(&w, fd, target, sizeof(target)) == FD_VM)
				tfd = fd;
		}
		if (d)
			closedir(d);
	}
	if (tfd < 0) {
		im_err_set(err, "", 0, "PID %d holds no anon_inode:kvm-vm fd "
			   "(not a KVM guest?)", m->pid);
		return -ENOENT;
	}
	kfd = open(IOMMU_MAP_DEVICE, O_RDWR | O_CLOEXEC);
	if (kfd < 0) {
		ret = -errno;
		im_err_set(err, "", 0, "--poll needs the iommu_map module: "
			   "%s: %s", IOMMU_MAP_DEVICE, strerror(errno));
		return ret == -ENOENT ? -ENODEV : ret;
	}
	pidfd = (int)syscall(SYS_pidfd_open, m->pid, 0);
	if (pidfd >= 0)
		vmfd = (int)syscall(SYS_pidfd_getfd, pidfd, tfd, 0);
	if (pidfd < 0 || vmfd < 0) {
		ret = -errno;
		im_err_set(err, "", 0, "cannot get PID %d's VM fd %d: %s "
			   "(pidfd_getfd needs the same rights as ptrace)",
			   m->pid, tfd, strerror(errno));
		if (pidfd >= 0)
			close(pidfd);
		close(kfd);
		return ret;
	}
	ret = im_watch_poll_with(m, out, json, interval_ms, stop,
				 kmod_dev_ioctl, &kfd, vmfd, pidfd, err);
	close(vmfd);
	close(pidfd);
	close(kfd);
	return ret;
}
