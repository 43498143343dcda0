// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * proc.c - the target process as /proc shows it: maps (every line), fd links,
 * fdinfo of vfio fds, comm, cmdline, and the kernel release.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "iommu-map.h"

/* *torn (when not NULL): the error is a line out of order, which live is a race */
/* maps[] as it is read, a line at a time (parse_maps, stream_maps) */
struct maps_acc {
	struct im_map *maps;
	size_t n, cap;
	unsigned int line;
	const char *file;
	bool *torn;
	struct im_err *err;
};

static void acc_free(struct maps_acc *a)
{
	while (a->n)
		im_map_path_free(&a->maps[--a->n]);
	free(a->maps);
	a->maps = NULL;
}

/* the next line, [p, le) without its '\n': 0, or -errno with err set */
static int acc_line(struct maps_acc *a, const char *p, const char *le)
{
	struct im_map *mp;
	int r;

	a->line++;
	if (le == p)	/* blank line */
		return 0;
	r = im_grow(&a->maps, &a->cap, a->n + 1, sizeof(*a->maps));
	if (r)
		return r;
	mp = &a->maps[a->n];
	memset(mp, 0, sizeof(*mp));
	mp->line = a->line;
	r = im_parse_maps_line(p, le, mp);
	if (r == -ERANGE) {
		im_err_set(a->err, a->file, a->line, "mapping ends before it starts");
		im_map_path_free(mp);
		return -EINVAL;
	}
	if (r) {
		if (r == -EINVAL)
			im_err_set(a->err, a->file, a->line,
				   "not a maps line (want 'start-end perms offset dev inode [path]')");
		im_map_path_free(mp);
		return r;
	}
	if (a->n && mp->start < a->maps[a->n - 1].end) {
		im_err_set(a->err, a->file, a->line,
			   "mapping overlaps or is out of order with line %u",
			   a->maps[a->n - 1].line);
		im_map_path_free(mp);
		if (a->torn)
			*a->torn = true;
		return -EINVAL;
	}
	a->n++;
	return 0;
}

static int parse_maps(const char *buf, size_t len, const char *file,
		      struct im_map **mapsp, size_t *nmapsp, bool *torn, struct im_err *err)
{
	struct maps_acc a = { .file = file, .torn = torn, .err = err };
	const char *p = buf, *end = buf + len;
	int r = 0;

	/* one array of the right size: a doubled one would be zeroed, so resident, to its end */
	for (a.cap = 1; p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++)
		a.cap++;
	p = buf;
	a.maps = im_calloc(a.cap, sizeof(*a.maps));
	if (!a.maps)
		return -ENOMEM;
	while (p < end && !r) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		r = acc_line(&a, p, le);
		p = le + 1;
	}
	if (r) {
		acc_free(&a);
		return r;
	}
	*mapsp = a.maps;
	*nmapsp = a.n;
	return 0;
}

/*
 * A fixture's maps, parsed as they are read, 64 KiB at a time, where a
 * live one is read whole (its text is compared with a second read, and
 * kept for capture): a large host's 7 MiB of maps text is never resident
 * at once.  size: the file's (its st_size), which bounds the lines: each
 * that is not blank is 17 bytes at least ("0-1 ---p 0 0:0 0\n"), so the
 * array is allocated once and only its used part is ever touched.  As
 * parse_maps for the rest; -EFBIG past IM_BOUND_MAPS bytes.
 */
static int stream_maps(int fd, size_t size, const char *file, struct im_map **mapsp,
		       size_t *nmapsp, struct im_err *err)
{
	struct maps_acc a = { .file = file, .err = err };
	size_t cap = 65536, have = 0, total = 0;
	char *buf = malloc(cap);
	int r = 0;

	a.cap = size / 17 + 2;
	a.maps = im_calloc(a.cap, sizeof(*a.maps));
	if (!a.maps) {	/* no room for the bound (1.5 GiB at 256 MiB): less, grown if need be */
		a.cap = size / 64 + 16;
		a.maps = im_calloc(a.cap, sizeof(*a.maps));
	}
	if (!buf || !a.maps) {
		free(buf);
		free(a.maps);
		return -ENOMEM;
	}
	for (;;) {
		const char *p, *end, *nl;
		ssize_t n;

		if (have == cap) {	/* a line longer than the buffer: a bigger one */
			char *b = realloc(buf, cap * 2);

			if (!b) {
				r = -ENOMEM;
				break;
			}
			buf = b;
			cap *= 2;
		}
		n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if ((total += (size_t)n) > IM_BOUND_MAPS) {
			r = -EFBIG;
			break;
		}
		have += (size_t)n;
		p = buf;	/* after the realloc, if there was one */
		end = buf + have;
		while (!r && p < end && (nl = memchr(p, '\n', (size_t)(end - p)))) {
			r = acc_line(&a, p, nl);
			p = nl + 1;
		}
		if (!r && n == 0 && p < end) {	/* the last line, without its '\n' */
			r = acc_line(&a, p, end);
			p = end;
		}
		memmove(buf, p, (size_t)(end - p));
		have = (size_t)(end - p);
		if (r || n == 0)
			break;
	}
	free(buf);
	if (r) {
		acc_free(&a);
		return r;
	}
	*mapsp = a.maps;
	*nmapsp = a.n;
	return 0;
}

int im_proc_parse_maps(const char *buf, size_t len, const char *file,
		       struct im_map **mapsp, size_t *nmapsp, struct im_err *err)
{
	return parse_maps(buf, len, file, mapsp, nmapsp, NULL, err);
}

unsigned int im_proc_maps_diff(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i, n = alen < blen ? alen : blen;
	unsigned int line = 1;

	if (alen == blen && !memcmp(a, b, n))
		return 0;
	for (i = 0; i < n && a[i] == b[i]; i++)
		line += a[i] == '\n';
	return line;
}

static char *trimmed(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

static int cmp_fd(const void *a, const void *b)
{
	const struct im_fd *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

static void free_fds(struct im_model *m)
{
	while (m->nfds) {
		m->nfds--;
		free(m->fds[m->nfds].target);
		free(m->fds[m->nfds].syspath);
	}
	free(m->fds);
	m->fds = NULL;
	m->kvm_vm = IM_TRI_UNKNOWN;
	free(m->kvm_vm_why);
	m->kvm_vm_why = NULL;
}

/* after the fd listing: a KVM VM fd seen, none among all, or unknown (why) */
static int set_kvm_vm(struct im_model *m, const char *rel, bool seen, int perm)
{
	char *path = im_root_path(rel);

	m->kvm_vm = seen ? IM_TRI_YES : perm ? IM_TRI_UNKNOWN : IM_TRI_NO;
	if (m->kvm_vm == IM_TRI_UNKNOWN)
		m->kvm_vm_why = im_asprintf("%s: %s", path ? path : rel, strerror(-perm));
	free(path);
	return m->kvm_vm == IM_TRI_UNKNOWN && !m->kvm_vm_why ? -ENOMEM : 0;
}

/*
 * Lists proc/PID/fd (again, from scratch, when m has its fds already: the
 * scan for candidates reads them before the maps); reads fdinfo of vfio
 * device fds.
 */
static int load_fds(struct im_model *m, int pid, int *perm, struct im_err *err)
{
	char rel[64], target[PATH_MAX];
	struct dirent *de;
	size_t cap = 0;
	bool kvm = false;
	DIR *d;
	int fd, r = 0;

	free_fds(m);
	snprintf(rel, sizeof(rel), "proc/%d/fd", pid);
	fd = im_root_open(rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		*perm = fd;
		return set_kvm_vm(m, rel, false, fd);
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct im_fd *f;
		char link[400];
		uint64_t n;
		int l;

		if (im_parse_u64(de->d_name, &n) || n > INT_MAX)
			continue;
		snprintf(link, sizeof(link), "%s/%s", rel, de->d_name);
		l = im_root_readlink(link, target, sizeof(target));
		if (l < 0) {
			if (l == -EACCES || l == -EPERM)
				*perm = l;
			continue;
		}
		r = im_grow(&m->fds, &cap, m->nfds + 1, sizeof(*m->fds));
		if (r)
			break;
		f = &m->fds[m->nfds];
		memset(f, 0, sizeof(*f));
		f->fd = (int)n;
		f->dev = -1;
		f->target = strdup(target);
		if (!f->target) {
			r = -ENOMEM;
			break;
		}
		m->nfds++;
		kvm |= im_fd_target_is_kvm_vm(target);
		if (im_vfio_path_is_device(im_vfio_path_kind(target, NULL))) {
			char info[400], *buf;

			snprintf(info, sizeof(info), "proc/%d/fdinfo/%s", pid,
				 de->d_name);
			r = im_root_read(info, &buf, NULL);
			if (!r) {
				r = im_proc_parse_fdinfo(buf, &f->syspath);
				free(buf);
				if (r)
					break;
			} else if (im_root_hostile(r)) {
				im_root_err(err, info, r);
				break;
			} else {
				r = 0;
			}
		}
	}
	closedir(d);
	if (m->nfds)
		im_qsort(m->fds, m->nfds, sizeof(*m->fds), cmp_fd);
	return r ? r : set_kvm_vm(m, rel, kvm, *perm);
}

/* *out: the file, trimmed, or NULL when it cannot be read; a hostile file is an error */
static int read_small(const char *rel, char **out, struct im_err *err)
{
	char *buf;
	size_t len, i;
	int r = im_root_read(rel, &buf, &len);

	*out = NULL;
	if (r)
		return im_root_hostile(r) ? im_root_err(err, rel, r) : 0;
	for (i = 0; i + 1 < len; i++)	/* cmdline: NULs between words */
		if (buf[i] == '\0')
			buf[i] = ' ';
	*out = trimmed(buf);
	return 0;
}

#define PF_EXITING 0x4	/* include/linux/sched.h: in do_exit(), before the mm goes */

/*
 * proc/PID/stat: 1 the process runs; 0 it exited or is exiting (*state 'Z'
 * zombie, 'X' dead, or PF_EXITING in its flags); -errno (-ENOENT: no such
 * process, or a fixture without stat).
 */
static int proc_state(int pid, char *state, struct im_err *err)
{
	char rel[64], *buf, *p;
	unsigned long flags;
	int r;

	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	r = im_root_read(rel, &buf, NULL);
	if (r == -ESRCH)
		r = -ENOENT;
	if (r)
		return im_root_hostile(r) ? im_root_err(err, rel, r) : r;
	/* "pid (comm) S ppid pgrp session tty tpgid flags ...": comm may hold ") " */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", state, &flags) != 2) {
		char *path = im_root_path(rel);

		im_err_set(err, path ? path : rel, 1, "not a stat line (want 'pid (comm) state ppid ... flags')");
		free(path);
		free(buf);
		return -EINVAL;
	}
	free(buf);
	return *state == 'Z' || *state == 'X' || *state == 'x' || (flags & PF_EXITING) ? 0 : 1;
}

static int exited(struct im_err *err, int pid, char state, const char *when)
{
	char rel[32], *path;

	snprintf(rel, sizeof(rel), "proc/%d", pid);
	path = im_root_path(rel);
	im_err_set(err, path ? path : rel, 0, "the target exited%s%s", when,
		   state == 'Z' ? " (a zombie, not yet reaped by its parent)" : "");
	free(path);
	return -ESRCH;
}

static int check_running(int pid, struct im_err *err)
{
	char state = '?';
	int r = proc_state(pid, &state, err);

	if (r == 1)
		return 0;
	if (r == 0 || r == -ENOENT)
		return exited(err, pid, r ? '?' : state, " while it was read");
	return r;
}

int im_proc_check_running(const struct im_model *m, struct im_err *err)
{
	return m->running ? check_running(m->pid, err) : 0;
}

int im_proc_parse_vmpte(const char *buf, size_t len, uint64_t *bytes)
{
	const char *p = memmem(buf, len, "\nVmPTE:", 7), *e = buf + len;
	uint64_t kb = 0;

	if (!p && len >= 6 && !memcmp(buf, "VmPTE:", 6))
		p = buf - 1;
	if (!p)
		return -ENOENT;
	for (p += 7; p < e && (*p == ' ' || *p == '\t'); p++)
		;
	if (p >= e || *p < '0' || *p > '9')
		return -EINVAL;
	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		if (kb > UINT64_MAX / 10240)
			return -EINVAL;
		kb = kb * 10 + (uint64_t)(*p - '0');
	}
	if (e - p < 3 || memcmp(p, " kB", 3))
		return -EINVAL;
	*bytes = kb << 10;
	return 0;
}

/* VmPTE of proc/PID/status: known, or why not (a kernel thread has none) */
static int load_vmpte(struct im_model *m, int pid, struct im_err *err)
{
	char rel[64], *buf;
	size_t len;
	int r;

	snprintf(rel, sizeof(rel), "proc/%d/status", pid);
	free(m->vmpte_why);
	m->vmpte_why = NULL;
	m->vmpte_known = false;
	r = im_root_read(rel, &buf, &len);
	if (r && im_root_hostile(r))
		return im_root_err(err, rel, r);
	if (!r) {
		r = im_proc_parse_vmpte(buf, len, &m->vmpte);
		free(buf);
		m->vmpte_known = !r;
		if (!r)
			return 0;
		m->vmpte_why = im_asprintf("%s: %s", rel, r == -ENOENT ?
					   "no VmPTE line" : "its VmPTE line is not \"N kB\"");
	} else {
		m->vmpte_why = im_asprintf("%s: %s", rel, im_root_strerror(r));
	}
	return m->vmpte_why ? 0 : -ENOMEM;
}

/* r, an error reading proc/PID/maps (rel), said in err: -ESRCH when it exited */
static int maps_err(int pid, int running, const char *rel, int r, struct im_err *err)
{
	if (running == 1 && (r == -ENOENT || r == -ESRCH))
		return exited(err, pid, '?', " while it was read");
	im_root_err(err, rel, r);
	if (r == -ENOENT)
		strncat(err->msg, " (no such process)", sizeof(err->msg) - strlen(err->msg) - 1);
	return r;
}

/* proc/PID/maps as read: 0, or -errno with err set (-ESRCH: it exited) */
static int read_maps(int pid, int running, char **bufp, size_t *lenp, struct im_err *err)
{
	char rel[64], *buf = NULL;
	size_t len = 0;
	int r;

	*bufp = NULL;
	*lenp = 0;
	snprintf(rel, sizeof(rel), "proc/%d/maps", pid);
	r = im_root_read(rel, &buf, &len);
	if (r == 0 && len == 0 && running == 1) {
		int c = check_running(pid, err);	/* exited after stat? */

		if (c) {
			free(buf);
			return c;
		}
	}
	if (r)
		return maps_err(pid, running, rel, r, err);
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* a fixture's proc/PID/maps into m, parsed as it is read (stream_maps) */
static int load_maps(struct im_model *m, int pid, int running, struct im_err *err)
{
	char rel[64], *file;
	struct stat st;
	int fd, r;

	snprintf(rel, sizeof(rel), "proc/%d/maps", pid);
	fd = im_root_open(rel, O_RDONLY);
	if (fd < 0)
		return maps_err(pid, running, rel, fd, err);
	if (fstat(fd, &st)) {
		r = -errno;
		close(fd);
		return maps_err(pid, running, rel, r, err);
	}
	if (st.st_size == 0 && running == 1) {
		r = check_running(pid, err);	/* exited after stat? */
		if (r) {
			close(fd);
			return r;
		}
	}
	if ((uint64_t)st.st_size > IM_BOUND_MAPS) {
		close(fd);
		return maps_err(pid, running, rel, -EFBIG, err);
	}
	file = im_root_path(rel);
	r = stream_maps(fd, (size_t)st.st_size, file ? file : rel, &m->maps, &m->nmaps, err);
	free(file);
	close(fd);
	/* a parse error has said its line; a read error (EIO, past the bound) names the file */
	return r && r != -EINVAL && r != -ENOMEM ? maps_err(pid, running, rel, r, err) : r;
}

static void free_maps(struct im_model *m)
{
	while (m->nmaps)
		im_map_path_free(&m->maps[--m->nmaps]);
	free(m->maps);
	m->maps = NULL;
	free(m->maps_text);
	m->maps_text = NULL;
	m->maps_len = 0;
}

/*
 * One try: maps into m, then the fds and fdinfo; live, a second maps read,
 * and *diff: the first line where it differs (0: alike).  *torn: the first
 * read was out of order (live only: a fixture's is bad input).
 */
static int read_once(struct im_model *m, int pid, int running, bool live, bool *torn,
		     unsigned int *diff, int *perm, struct im_err *err)
{
	char rel[64], *file, *again;
	size_t alen;
	int r;

	free_maps(m);
	if (!live) {
		r = load_maps(m, pid, running, err);
		if (r)
			return r;
		*perm = 0;
		return load_fds(m, pid, perm, err);
	}
	r = read_maps(pid, running, &m->maps_text, &m->maps_len, err);
	if (r)
		return r;
	snprintf(rel, sizeof(rel), "proc/%d/maps", pid);
	file = im_root_path(rel);
	r = parse_maps(m->maps_text, m->maps_len, file ? file : rel, &m->maps, &m->nmaps, torn, err);
	free(file);
	if (r)
		return r;
	*perm = 0;
	r = load_fds(m, pid, perm, err);
	if (r || !live)
		return r;
	r = read_maps(pid, running, &again, &alen, err);
	if (r)
		return r;
	*diff = im_proc_maps_diff(m->maps_text, m->maps_len, again, alen);
	free(again);
	return 0;
}

/*
 * The maps, fds and fdinfo as one snapshot: live, tried until two maps reads
 * around the fds are alike, at most IM_PROC_TRIES times, else -EAGAIN (or
 * -ESRCH, if it exited meanwhile).  A fixture is read once.
 */
static int load_snapshot(struct im_model *m, int pid, int running, int *perm, struct im_err *err)
{
	bool live = running == 1 && im_root_is_live();
	char who[32], *path;
	unsigned int t;
	int r;

	for (t = 1; t <= IM_PROC_TRIES; t++) {
		unsigned int diff = 0;
		bool torn = false;

		r = read_once(m, pid, running, live, &torn, &diff, perm, err);
		if (torn || (!r && diff))
			continue;
		m->maps_tries = live ? t : 0;
		if (!live) {	/* kept for capture only live; a fixture's file is copied */
			free(m->maps_text);
			m->maps_text = NULL;
		}
		return r;
	}
	free_maps(m);
	r = check_running(pid, err);	/* gone while it churned: that, not the churn */
	if (r)
		return r;
	snprintf(who, sizeof(who), "proc/%d/maps", pid);	/* named like every error: its file */
	path = im_root_path(who);
	im_err_set(err, path ? path : who, 0, "the target kept changing its mappings (%d tries)",
		   IM_PROC_TRIES);
	free(path);
	return -EAGAIN;
}

static int add_proc_source(struct im_model *m, int perm)
{
	char again[96] = "";

	if (m->maps_tries > 1)
		snprintf(again, sizeof(again), "; the maps changed while they were read, alike on try %u of %d",
			 m->maps_tries, IM_PROC_TRIES);
	if (perm)
		return im_add_source(m, "proc", IM_SRC_PARTIAL,
				     "maps: %zu lines; fd: %s%s: devices are known only from maps offsets, and whether it uses KVM is unknown%s",
				     m->nmaps, strerror(-perm),
				     perm == -EACCES || perm == -EPERM ? " (need root or CAP_SYS_PTRACE)" : "",
				     again);
	return im_add_source(m, "proc", IM_SRC_OK, "maps: %zu lines, fds: %zu%s",
			     m->nmaps, m->nfds, again);
}

int im_proc_load(struct im_model *m, int pid, struct im_err *err)
{
	char rel[64], state = '?';
	int r, perm = 0, running;

	m->pid = pid;
	m->running = false;
	free(m->kernel);
	r = read_small("proc/sys/kernel/osrelease", &m->kernel, err);
	if (r)
		return r;
	/* a zombie reads as a process with no maps and no fds: never a picture */
	running = proc_state(pid, &state, err);
	if (running == 0)
		return exited(err, pid, state, "");
	if (running < 0 && running != -ENOENT)
		return running;
	m->running = running == 1;
	r = load_snapshot(m, pid, running, &perm, err);
	if (r)
		return r;
	snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
	free(m->comm);
	r = read_small(rel, &m->comm, err);
	if (r)
		return r;
	snprintf(rel, sizeof(rel), "proc/%d/cmdline", pid);
	free(m->cmdline);
	r = read_small(rel, &m->cmdline, err);
	if (r)
		return r;
	r = load_vmpte(m, pid, err);
	if (r)
		return r;
	/* read all of it before it exited (or while it was exiting): no picture */
	if (running == 1 && (r = check_running(pid, err)))
		return r;
	return add_proc_source(m, perm);
}

void im_candidates_free(struct im_candidate *c, size_t n)
{
	while (n)
		free(c[--n].comm);
	free(c);
}

/*
 * The scan's look at a process without vfio fds: *vm, its vfio mmaps.  Live,
 * a torn maps is read again (-EAGAIN after IM_PROC_TRIES); -errno.
 */
static int scan_maps(int pid, unsigned int *vm)
{
	char rel[64], *buf;
	struct im_map *maps;
	struct im_err e;
	size_t len, n;
	unsigned int t;
	int r = 0;

	snprintf(rel, sizeof(rel), "proc/%d/maps", pid);
	for (t = 0; t < IM_PROC_TRIES; t++) {
		bool torn = false;

		r = im_root_read(rel, &buf, &len);
		if (r)
			return r;
		r = parse_maps(buf, len, rel, &maps, &n, im_root_is_live() ? &torn : NULL, &e);
		free(buf);
		if (torn) {
			r = -EAGAIN;
			continue;
		}
		if (r)
			return r;
		while (n) {
			*vm += maps[--n].vfio;
			im_map_path_free(&maps[n]);
		}
		free(maps);
		return 0;
	}
	return r;
}

/* one process the scan could not tell, counted by why (r: its fds' or maps' error) */
static void skipped(struct im_scan_skips *s, int r)
{
	if (r == -EACCES || r == -EPERM) {
		s->denied++;
		s->denied_why = s->denied_why ? s->denied_why : r;
	} else if (r == -ENOENT || r == -ESRCH) {
		s->exited++;
	} else if (r == -EAGAIN) {
		s->changing++;
	}
}

/* the vfio fds, then (with none) the vfio mmaps of process pid: 0, or why not */
static int scan_one(int pid, unsigned int *vf, unsigned int *vm, char **comm)
{
	struct im_model pm;
	struct im_err e;
	char rel[64];
	int perm = 0, r;
	size_t i;

	im_model_init(&pm);
	/* fds first: a broken maps file still names its process */
	r = load_fds(&pm, pid, &perm, &e);
	for (i = 0; !r && i < pm.nfds; i++)
		*vf += im_vfio_path_is_device(im_vfio_path_kind(pm.fds[i].target, NULL));
	im_model_free(&pm);
	if (r == -ENOMEM)
		return r;
	if (!*vf)
		r = scan_maps(pid, vm);
	if (!*vf && !*vm && (perm == -EACCES || perm == -EPERM || perm == -ENOENT))
		r = perm;	/* the fds said why first */
	if (r == -EACCES || r == -EPERM) {
		char state;

		if (proc_state(pid, &state, &e) <= 0)
			r = -ESRCH;	/* an exiting process denies what it no longer has */
	}
	snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
	if (*vf || *vm)
		read_small(rel, comm, &e);
	return *vf || *vm ? 0 : r;
}

/*
 * Processes under the root that hold vfio device fds or vfio mmaps; and how
 * many could not be told (fds and maps unreadable, gone, or maps torn), by why.
 * Each process's fds are listed once, and its maps read only without vfio fds.
 */
int im_proc_find_vmms(struct im_candidate **cp, size_t *np, struct im_scan_skips *skips)
{
	struct im_candidate *c = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	memset(skips, 0, sizeof(*skips));
	fd = im_root_open("proc", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		unsigned int vf = 0, vm = 0;
		char *comm = NULL;
		uint64_t pid;
		int s;

		if (im_parse_u64(de->d_name, &pid) || pid > INT_MAX)
			continue;
		s = scan_one((int)pid, &vf, &vm, &comm);
		if (s == -ENOMEM) {
			r = s;
			break;
		}
		if (s)
			skipped(skips, s);
		if (vf || vm) {
			r = im_grow(&c, &cap, n + 1, sizeof(*c));
			if (r) {
				free(comm);
				break;
			}
			c[n++] = (struct im_candidate){ .pid = (int)pid, .comm = comm,
							.vfio_fds = vf, .vfio_maps = vm };
		}
	}
	closedir(d);
	if (r) {
		im_candidates_free(c, n);
		return r;
	}
	*cp = c;
	*np = n;
	return 0;
}
