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
#include <unistd.h>
#include "iommu-map.h"

int im_proc_parse_maps(const char *buf, size_t len, const char *file,
		       struct im_map **mapsp, size_t *nmapsp, struct im_err *err)
{
	const char *p = buf, *end = buf + len;
	struct im_map *maps = NULL;
	size_t n = 0, cap = 0;
	unsigned int line = 0;
	int r = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		line++;
		if (le == p) {	/* blank line */
			p = le + 1;
			continue;
		}
		r = im_grow(&maps, &cap, n + 1, sizeof(*maps));
		if (r)
			break;
		memset(&maps[n], 0, sizeof(maps[n]));
		maps[n].line = line;
		r = im_parse_maps_line(p, le, &maps[n]);
		if (r == -ERANGE) {
			im_err_set(err, file, line, "mapping ends before it starts");
			free(maps[n].path);
			r = -EINVAL;
			break;
		}
		if (r) {
			if (r == -EINVAL)
				im_err_set(err, file, line,
					   "not a maps line (want 'start-end perms offset dev inode [path]')");
			free(maps[n].path);
			break;
		}
		if (n && maps[n].start < maps[n - 1].end) {
			im_err_set(err, file, line,
				   "mapping overlaps or is out of order with line %u",
				   maps[n - 1].line);
			free(maps[n].path);
			r = -EINVAL;
			break;
		}
		n++;
		p = le + 1;
	}
	if (r) {
		while (n)
			free(maps[--n].path);
		free(maps);
		return r;
	}
	*mapsp = maps;
	*nmapsp = n;
	return 0;
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
	m->has_kvm_vm = false;
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
	DIR *d;
	int fd, r = 0;

	free_fds(m);
	snprintf(rel, sizeof(rel), "proc/%d/fd", pid);
	fd = im_root_open(rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		*perm = fd;
		return 0;
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
		if (im_fd_target_is_kvm_vm(target))
			m->has_kvm_vm = true;
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
		qsort(m->fds, m->nfds, sizeof(*m->fds), cmp_fd);
	return r;
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

int im_proc_load(struct im_model *m, int pid, struct im_err *err)
{
	char rel[64], *buf, *file;
	size_t len;
	int r, perm = 0;

	m->pid = pid;
	free(m->kernel);
	r = read_small("proc/sys/kernel/osrelease", &m->kernel, err);
	if (r)
		return r;
	snprintf(rel, sizeof(rel), "proc/%d/maps", pid);
	r = im_root_read(rel, &buf, &len);
	if (r) {
		im_root_err(err, rel, r);
		if (r == -ENOENT)
			strncat(err->msg, " (no such process)", sizeof(err->msg) - strlen(err->msg) - 1);
		return r;
	}
	file = im_root_path(rel);
	r = im_proc_parse_maps(buf, len, file ? file : rel, &m->maps, &m->nmaps, err);
	free(buf);
	free(file);
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
	r = load_fds(m, pid, &perm, err);
	if (r)
		return r;
	if (perm)
		return im_add_source(m, "proc", IM_SRC_PARTIAL,
				     "maps: %zu lines; fd: %s (need root or CAP_SYS_PTRACE): devices are known only from maps offsets",
				     m->nmaps, strerror(-perm));
	return im_add_source(m, "proc", IM_SRC_OK, "maps: %zu lines, fds: %zu",
			     m->nmaps, m->nfds);
}

void im_candidates_free(struct im_candidate *c, size_t n)
{
	while (n)
		free(c[--n].comm);
	free(c);
}

/* Processes under the root that hold vfio device fds or vfio mmaps. */
int im_proc_find_vmms(struct im_candidate **cp, size_t *np)
{
	struct im_candidate *c = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	fd = im_root_open("proc", O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct im_model pm;
		struct im_err e;
		uint64_t pid;
		unsigned int vf = 0, vm = 0;
		int perm = 0;
		size_t i;

		if (im_parse_u64(de->d_name, &pid) || pid > INT_MAX)
			continue;
		im_model_init(&pm);
		/* fds first: a broken maps file still names its process */
		if (load_fds(&pm, (int)pid, &perm, &e) == 0)
			for (i = 0; i < pm.nfds; i++)
				vf += im_vfio_path_is_device(im_vfio_path_kind(pm.fds[i].target, NULL));
		if (!vf && !im_proc_load(&pm, (int)pid, &e))
			for (i = 0; i < pm.nmaps; i++)
				vm += pm.maps[i].vfio;
		if (!pm.comm) {
			char rel[64];

			snprintf(rel, sizeof(rel), "proc/%d/comm", (int)pid);
			read_small(rel, &pm.comm, &e);
		}
		if (vf || vm) {
			r = im_grow(&c, &cap, n + 1, sizeof(*c));
			if (!r) {
				c[n].pid = (int)pid;
				c[n].comm = pm.comm;
				pm.comm = NULL;
				c[n].vfio_fds = vf;
				c[n].vfio_maps = vm;
				n++;
			}
		}
		im_model_free(&pm);
		if (r)
			break;
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
