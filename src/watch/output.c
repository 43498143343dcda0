// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * output.c - `watch` events as text lines or JSON objects (one a line): the
 * start and end lines, memslot ioctls, vfio mmaps and munmaps with their
 * results and symbolized stacks.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "watch/elfsym.h"
#include "watch/watch-int.h"

/* JSON events: one compact object a line, through jsonw */
void json_event(struct jw *j, FILE *f, const char *ev)
{
	jw_init(j, f, JW_COMPACT);
	jw_obj_begin(j);
	jw_kstr(j, "schema", IM_SCHEMA);
	jw_kstr(j, "version", im_version);
	jw_kstr(j, "event", ev);
}

void json_event_end(struct watch *w, struct jw *j)
{
	jw_obj_end(j);
	if (jw_finish(j))
		w->out_err = true;
}

static void json_detached(struct watch *w, const char *reason)
{
	struct jw j;

	json_event(&j, w->out, "detached");
	jw_kint(&j, "pid", w->pid);
	jw_kstr(&j, "reason", reason);
	json_event_end(w, &j);
}

void print_end(struct watch *w, int ret, const char *what)
{
	if (w->json)
		json_detached(w, ret ? "target-exited" : "stopped");
	else
		fprintf(w->out, "%s PID %d (%s)\n", what, w->pid,
			ret ? "it exited" : "stopped");
	fflush(w->out);
}

void fmt_time(const struct timespec *ts, char *buf, size_t len,
	      bool iso)
{
	struct tm tm;
	char t[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(t, sizeof(t), iso ? "%Y-%m-%dT%H:%M:%S" : "%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ld%s", t, ts->tv_nsec / 1000, iso ? "Z" : "");
}

/*
 * "vfio 0000:00:03.0 BAR 2 +0x1000", a path, "[anon]" or "unmapped": the
 * vfio mappings as of this event first, else the maps (read again once
 * when none holds hva), placed by correlate's im_place_hva_in.
 */
void describe_hva(struct watch *w, uint64_t hva, char *buf, size_t len)
{
	struct im_place p;
	size_t n;

	im_place_hva_in(w->m, w->vr, w->nvr, hva, &p);
	if (p.f_map.state != IM_KNOWN) {
		if (!map_find(w, hva))
			maps_refresh(w);
		im_place_hva_in(w->m, w->maps, w->nmaps, hva, &p);
	}
	const char *b = im_map_backing(w->m, &p, buf, len);

	if (b != buf)
		snprintf(buf, len, "%s", b);
	n = strlen(buf);
	if (p.f_dev.state == IM_KNOWN && n < len)
		snprintf(buf + n, len - n, " +0x%" PRIx64, p.bar_offset);
}

static const char *errname(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return NULL;
	}
}

/* the stack: a line of text, or with j the event's "stack" array */
static void print_stack(struct watch *w, struct jw *j, const struct event *e)
{
	FILE *f = w->out;
	bool refreshed = false;

	if (j) {
		jw_key(j, "stack");
		jw_arr_begin(j);
	} else {
		fputs("    ", f);
	}
	if (e->nips <= 0) {
		if (j)
			jw_arr_end(j);
		else
			fprintf(f, "(no stack: %s)\n", strerror(-e->nips));
		return;
	}
	for (int i = 0; i < e->nips; i++) {
		/* return addresses point after the call: look up ip - 1 */
		uint64_t look = i ? e->ips[i] - 1 : e->ips[i];
		struct im_sym s;
		char name[256];
		int ret = im_sym_resolve(w->maps, w->nmaps, look, &s);

		if (ret == -EFAULT && !refreshed) {
			maps_refresh(w);
			refreshed = true;
			ret = im_sym_resolve(w->maps, w->nmaps, look, &s);
		}
		if (j) {
			bool named = !ret && s.name;

			jw_obj_begin(j);
			jw_khex(j, "ip", e->ips[i]);
			jw_kstr(j, "symbol", named ? s.name : NULL);
			jw_khex_or_null(j, "offset", named, s.offset + (i ? 1 : 0));
			jw_kstr(j, "file", s.file);
			if (!ret)
				jw_khex(j, "vaddr", s.vaddr + (i ? 1 : 0));
			jw_kstr(j, "table", !ret ? s.table : NULL);
			jw_kstr(j, "build_id", !ret ? s.build_id : NULL);
			jw_obj_end(j);
			continue;
		}
		if (!ret && s.name) {
			/* "pthread_cond_wait@@GLIBC_2.3.2": the name is enough */
			snprintf(name, sizeof(name), "%.*s",
				 (int)strcspn(s.name, "@"), s.name);
		} else if (!ret) {
			snprintf(name, sizeof(name), "%s+0x%" PRIx64,
				 im_basename(s.file), s.vaddr + (i ? 1 : 0));
		} else {
			snprintf(name, sizeof(name), "0x%" PRIx64, e->ips[i]);
		}
		/* symbol and file names are the target's: escaped */
		fputs(i ? " \u2190 " : "", f);
		im_term_fputs(f, name);
	}
	if (j)
		jw_arr_end(j);
	else
		fputc('\n', f);
}

/* the result: text after the call, or with j "result" and "errno" */
static void print_result(struct watch *w, struct jw *j, const struct event *e)
{
	FILE *f = w->out;
	int en = e->is_error ? (int)-e->rval : 0;
	const char *n = en ? errname(en) : NULL;

	if (j) {
		char num[16];

		jw_key(j, "result");
		if (!e->done)
			jw_null(j);
		else if (e->is_error)
			jw_int(j, -1);
		else if (e->kind == EV_MMAP)
			jw_hex(j, (uint64_t)e->rval);
		else
			jw_int(j, e->rval);
		jw_key(j, "errno");
		if (!e->done || !e->is_error || e->errno_unknown) {
			jw_null(j);
		} else if (n) {
			jw_str(j, n);
		} else {
			snprintf(num, sizeof(num), "%d", en);
			jw_str(j, num);
		}
		return;
	}
	if (!e->done)
		fputs(" = ? (thread left the syscall unfinished)", f);
	else if (e->is_error && e->errno_unknown)
		fputs(" = -1 (errno not seen)", f);
	else if (e->is_error)
		fprintf(f, " = -1 %s (%s)", n ? n : "", strerror(en));
	else if (e->kind == EV_MMAP)
		fprintf(f, " = 0x%" PRIx64, (uint64_t)e->rval);
	else
		fprintf(f, " = %" PRId64, e->rval);
}

static void json_head(struct watch *w, struct jw *j, const struct event *e, const char *ev)
{
	char ts[64];

	fmt_time(&e->ts, ts, sizeof(ts), true);
	json_event(j, w->out, ev);
	jw_kstr(j, "time", ts);
	jw_kint(j, "pid", w->pid);
	jw_kint(j, "tid", e->tid);
	/* munmap has no fd: null, as every unknown */
	jw_kint_or_null(j, "fd", e->fd >= 0, e->fd);
	jw_kstr(j, "fd_target", e->fd >= 0 && e->fd_target[0] ? e->fd_target : NULL);
}

static void print_memslot(struct watch *w, const struct event *e)
{
	const struct im_kvm_region2 *r = &e->r;
	const char *name = e->region2 ? "KVM_SET_USER_MEMORY_REGION2" :
		"KVM_SET_USER_MEMORY_REGION";
	const char *op = r->memory_size ? "add" : "delete";
	char backing[300] = "", ts[64];

	if (e->r_read && r->memory_size)
		describe_hva(w, r->userspace_addr, backing, sizeof(backing));
	if (w->json) {
		struct jw j;

		json_head(w, &j, e, "kvm_set_user_memory_region");
		jw_kstr(&j, "ioctl", name);
		if (!e->r_read) {
			jw_knull(&j, "slot");
		} else {
			jw_kint(&j, "slot", r->slot & 0xffff);
			jw_kint(&j, "as_id", r->slot >> 16);
			jw_khex(&j, "flags", r->flags);
			jw_khex(&j, "gpa", r->guest_phys_addr);
			jw_khex(&j, "size", r->memory_size);
			jw_khex(&j, "hva", r->userspace_addr);
			jw_kstr(&j, "op", op);
			jw_kstr(&j, "backing", backing[0] ? backing : NULL);
			if (e->region2) {
				jw_kint(&j, "guest_memfd", (int)r->guest_memfd);
				jw_khex(&j, "guest_memfd_offset", r->guest_memfd_offset);
			}
		}
		print_result(w, &j, e);
		print_stack(w, &j, e);
		json_event_end(w, &j);
		return;
	}
	fmt_time(&e->ts, ts, sizeof(ts), false);
	fprintf(w->out, "%s tid %d %s fd %d", ts, e->tid, name, e->fd);
	if (!e->r_read)
		fputs(" (struct unreadable)", w->out);
	else
		fprintf(w->out, " slot %u as %u %s gpa 0x%" PRIx64 " size 0x%"
			PRIx64 " hva 0x%" PRIx64 " flags 0x%x",
			r->slot & 0xffff, r->slot >> 16, op,
			(uint64_t)r->guest_phys_addr, (uint64_t)r->memory_size,
			(uint64_t)r->userspace_addr, r->flags);
	if (e->r_read && e->region2)
		fprintf(w->out, " guest_memfd %d@0x%" PRIx64,
			(int)r->guest_memfd, (uint64_t)r->guest_memfd_offset);
	print_result(w, NULL, e);
	if (backing[0]) {
		fputs(" [", w->out);
		im_term_fputs(w->out, backing);
		fputc(']', w->out);
	}
	fputc('\n', w->out);
	print_stack(w, NULL, e);
}

static void print_mmap(struct watch *w, const struct event *e)
{
	bool mm = e->kind == EV_MMAP;
	const struct im_device *d = e->dev >= 0 ? &w->m->devices[e->dev] : NULL;
	uint64_t bar_off = e->off & IM_REGION_MASK;
	bool have_hpa = d && e->bar >= 0 && e->bar < IM_NBARS &&
		d->bars[e->bar].size;
	char ts[64];

	if (w->json) {
		struct jw j;

		json_head(w, &j, e, mm ? "mmap" : "munmap");
		if (mm)
			jw_khex_or_null(&j, "hva", !e->is_error && e->done, (uint64_t)e->rval);
		else
			jw_khex(&j, "hva", e->addr);
		jw_khex(&j, "size", e->len);
		if (mm)
			jw_khex(&j, "offset", e->off);
		jw_kstr(&j, "device", d ? d->bdf : NULL);
		if (e->bar >= 0) {
			jw_kint(&j, "bar", e->bar);
			jw_khex(&j, "bar_offset", bar_off);
		} else {
			jw_knull(&j, "bar");
			jw_knull(&j, "bar_offset");
		}
		jw_khex_or_null(&j, "hpa", have_hpa, have_hpa ? d->bars[e->bar].hpa + bar_off : 0);
		jw_kstr(&j, "ident", e->ident);
		print_result(w, &j, e);
		print_stack(w, &j, e);
		json_event_end(w, &j);
		return;
	}
	fmt_time(&e->ts, ts, sizeof(ts), false);
	if (mm)
		fprintf(w->out, "%s tid %d mmap fd %d (%s) size 0x%" PRIx64
			" offset 0x%" PRIx64, ts, e->tid, e->fd, IM_TERM(e->fd_target),
			e->len, e->off);
	else
		fprintf(w->out, "%s tid %d munmap hva 0x%" PRIx64 " size 0x%"
			PRIx64, ts, e->tid, e->addr, e->len);
	print_result(w, NULL, e);
	if (d || e->bar >= 0) {
		fprintf(w->out, " [vfio %s BAR %d +0x%" PRIx64,
			d ? IM_TERM(d->bdf) : "(device unknown)", e->bar, bar_off);
		if (have_hpa)
			fprintf(w->out, " hpa 0x%" PRIx64,
				d->bars[e->bar].hpa + bar_off);
		if (e->ident && strcmp(e->ident, "model"))
			fprintf(w->out, ", by %s", IM_TERM(e->ident));
		fputc(']', w->out);
	}
	fputc('\n', w->out);
	print_stack(w, NULL, e);
}

void emit(struct watch *w, const struct event *e)
{
	im_wstats.events++;
	if (e->kind == EV_MEMSLOT)
		print_memslot(w, e);
	else
		print_mmap(w, e);
	if (fflush(w->out) == EOF || ferror(w->out))
		w->out_err = true;
}

/* Samples the ring buffers dropped: events may be missing. */
void print_lost(struct watch *w, uint64_t lost)
{
	if (w->json) {
		struct jw j;

		json_event(&j, w->out, "lost");
		jw_kint(&j, "pid", w->pid);
		jw_key(&j, "samples");
		jw_uint(&j, lost);
		json_event_end(w, &j);
	} else {
		fprintf(w->out, "lost %" PRIu64 " probe samples (the "
			"ring buffer was full): events may be missing\n", lost);
	}
}

/* A thread we could not probe: say so, its calls go unseen. */
void warn_unprobed(struct watch *w, int tid, int err)
{
	im_wstats.unprobed++;
	if (w->json) {
		struct jw j;

		json_event(&j, w->out, "unprobed");
		jw_kint(&j, "pid", w->pid);
		jw_kint(&j, "tid", tid);
		jw_kstr(&j, "error", strerror(-err));
		json_event_end(w, &j);
	} else {
		fprintf(w->out, "thread %d: cannot probe it (%s): its calls are "
			"not seen\n", tid, strerror(-err));
	}
	fflush(w->out);
}

void print_start(struct watch *w, const struct up_plan *pl,
		 size_t nthreads, const char *why)
{
	FILE *out = w->out;

	if (w->json) {
		struct jw j;

		json_event(&j, out, "attached");
		jw_kint(&j, "pid", w->pid);
		jw_key(&j, "threads");
		jw_uint(&j, nthreads);
		jw_kstr(&j, "method", pl ? "uprobe" : "ptrace");
		if (pl) {
			jw_key(&j, "probes");
			jw_arr_begin(&j);
			for (int i = 0; i < 3; i++)
				jw_str(&j, pl->where[i]);
			jw_arr_end(&j);
			jw_kstr(&j, "threads_followed", why);
		} else {
			jw_kstr(&j, "why", why);
		}
		json_event_end(w, &j);
	} else if (pl) {
		fprintf(out, "watching PID %d (%zu threads) with uprobes at %s, "
			"%s, %s; the target does not stop; %s; interrupt to "
			"stop\n", w->pid, nthreads, IM_TERM(pl->where[0]), IM_TERM(pl->where[1]),
			IM_TERM(pl->where[2]), IM_TERM(why));
	} else {
		fprintf(out, "watching PID %d (%zu threads) with ptrace: every "
			"syscall stops (%s); interrupt to stop\n", w->pid,
			nthreads, IM_TERM(why));
	}
	fflush(out);
}
