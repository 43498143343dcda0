// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-fixture.c - a whole sysroot from the input: the tree is built in a
 * fresh directory, the pipeline runs on it as `iommu-map --sysroot DIR`
 * does (the target chosen by im_proc_find_vmms, as main does), then the
 * text and JSON views into /dev/null, then the tree is removed.
 *
 * The input is records separated by "\n%%\n"; a record's first line is
 * "T PATH" (PATH relative to the root), the rest its body:
 *   F  a regular file, the body its bytes
 *   D  a directory
 *   L  a symbolic link, the body its target; a target that starts with
 *      "@OUT@" has it replaced by the absolute path of a directory beside
 *      the root (an absolute escape), and relative ones may climb out with ".."
 *   P  a FIFO
 *   N  a character device node, as root only: body "zero" is /dev/zero's
 *      1:5, anything else /dev/null's 1:3 (both harmless to read)
 * Parents are made as needed.  A PATH with "." or ".." components, or one
 * that would go through a link or a non-directory, is skipped: the tree is
 * built beneath the root only, never through what it holds.
 *
 * The pci source reads the devices in two threads, as on a host of 512 or
 * more (im_pci_set_threads), so their join runs on every tree.
 *
 * What it checks, besides ASan/UBSan: no hang (a FIFO opened for reading
 * without O_NONBLOCK, or a device node read to its end, would be one: the
 * options line's -timeout turns it into a crash), and nothing outside the
 * root is opened: the directory beside it ("outside", which the escaping
 * links point into) holds canary files, a FIFO and a device node, and is
 * watched with inotify; any open or read of it aborts.
 *
 * Isolation: as root it first enters a mount namespace of its own
 * (unshare(CLONE_NEWNS), every mount made private) and mounts a tmpfs on
 * its base directory, so that nothing it makes is seen by, or outlives it
 * on, the machine.  If unshare fails (not root, or no CAP_SYS_ADMIN, as in
 * some containers), it runs anyway in a plain directory under $FUZZ_TMPDIR
 * (else /tmp), and says so once on stderr.
 *
 * Seeds: tests/fuzz/seeds/fixture/, which tests/fuzz/mk-fixture-seeds.py
 * writes from fixtures in tests/fixtures/.
 */
/* options: -detect_leaks=0 -timeout=20 -max_len=65536 */
/* (libpci's error unwinds out of it and pci.c leaves libpci's state to leak,
 * suppressed by tests/lsan.supp, as in fuzz-osrelease: leaks are checked
 * all at once at exit.  -timeout: 20 s for one run is a hang.) */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "iommu-map.h"
#include "pipeline.h"

#define MAX_RECORDS 512
#define MAX_DEPTH 32

static char base[4096], root[4200], outside[4200], ids[4200];
static int rootfd = -1, ino = -1;
static bool is_root, private_ns;
static FILE *devnull;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag;
	if (ftw->level > 0)	/* the contents, not the directory itself */
		remove(p);
	return 0;
}

static void empty_dir(const char *dir)
{
	nftw(dir, rm_one, 64, FTW_DEPTH | FTW_PHYS);
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char p[4400];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

/* the directory the escaping links point into: canaries, watched */
static void make_outside(void)
{
	char p[4400];

	if (mkdir(outside, 0755))
		abort();
	put_file(outside, "maps",
		 "7f0000000000-7f0000001000 rw-s e2c20000 00:0e 1 anon_inode:[vfio-device]\n");
	put_file(outside, "memslots", "0 5 0xfc078000 0x1000 0x7f0000000000 0\n");
	put_file(outside, "vendor", "0xdead\n");
	put_file(outside, "device", "0xbeef\n");
	put_file(outside, "osrelease", "9.9.9-outside\n");
	put_file(outside, "resource",
		 "0x00000000e2c20000 0x00000000e2c20fff 0x0000000000040200\n");
	put_file(outside, "comm", "outside\n");
	snprintf(p, sizeof(p), "%s/fifo", outside);
	if (mkfifo(p, 0644))
		abort();
	if (is_root) {
		snprintf(p, sizeof(p), "%s/zero", outside);
		mknod(p, S_IFCHR | 0644, makedev(1, 5));	/* a tmpfs may say no: then no node */
	}
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ino < 0 || inotify_add_watch(ino, outside, IN_OPEN | IN_ACCESS) < 0)
		abort();
}

/* aborts if anything beside the root was opened or read since the last call */
static void check_outside(const char *when)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(ino, buf, sizeof(buf));

	if (n > 0) {
		const struct inotify_event *ev = (const void *)buf;

		fprintf(stderr, "fuzz-fixture: %s: %s/%s was %s, outside the sysroot\n", when,
			outside, ev->len ? ev->name : "", ev->mask & IN_OPEN ? "opened" : "read");
		abort();
	}
}

static void cleanup(void)
{
	if (rootfd >= 0)
		close(rootfd);
	if (private_ns)
		umount2(base, MNT_DETACH);
	else
		empty_dir(base);
	rmdir(base);
}

/* a mount namespace of our own, with a tmpfs on base; false if not */
static bool enter_private_ns(void)
{
	if (!is_root || unshare(CLONE_NEWNS))
		return false;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", base, "tmpfs", MS_NOSUID, "size=256m,mode=0700"))
		abort();	/* in a namespace of our own already: nothing to undo */
	return true;
}

static void setup(void)
{
	const char *t = getenv("FUZZ_TMPDIR");

	is_root = geteuid() == 0;
	snprintf(base, sizeof(base), "%s/fuzz-fixture.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(base))
		abort();
	private_ns = enter_private_ns();
	if (!private_ns)
		fprintf(stderr, "fuzz-fixture: no private mount namespace (%s): the trees are built in %s itself\n",
			is_root ? strerror(errno) : "not root", base);
	atexit(cleanup);
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	snprintf(ids, sizeof(ids), "%s/pci.ids", base);
	if (mkdir(root, 0755))
		abort();
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || im_root_init(root))
		abort();
	/* the devices in two threads, as on a large host: the join of their
	 * devices, findings and first error is fuzzed on hostile trees too */
	im_pci_set_threads(2);
	/* a tiny pci.ids: the system's would be parsed on every run */
	put_file(base, "pci.ids", "1af4  Red Hat, Inc.\n\t1000  Virtio network device\n8086  Intel Corporation\n");
	make_outside();
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
}

/*
 * The directory that will hold PATH's last component, made as needed, as
 * an fd (the caller closes it) and that component in *leaf; -1 if PATH is
 * one to skip.  path is modified.
 */
static int parent_of(char *path, char **leaf)
{
	int fd = dup(rootfd), depth = 0;
	char *p = path, *slash;

	while (*p == '/')
		p++;
	while (fd >= 0 && (slash = strchr(p, '/'))) {
		int nfd;

		*slash = 0;
		if (!strcmp(p, ".") || !strcmp(p, "..") || ++depth > MAX_DEPTH) {
			close(fd);
			return -1;
		}
		if (*p) {
			mkdirat(fd, p, 0755);
			/* never through a link, never out of the root */
			nfd = openat(fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			close(fd);
			fd = nfd;
		}
		p = slash + 1;
	}
	if (fd >= 0 && (!*p || !strcmp(p, ".") || !strcmp(p, ".."))) {
		close(fd);
		return -1;
	}
	*leaf = p;
	return fd;
}

static void make_link(int dir, const char *leaf, const char *body, size_t n)
{
	char target[4096];

	if (n >= 5 && !memcmp(body, "@OUT@", 5))
		snprintf(target, sizeof(target), "%s%.*s", outside, (int)(n - 5), body + 5);
	else
		snprintf(target, sizeof(target), "%.*s", (int)n, body);
	if (*target)
		symlinkat(target, dir, leaf);
}

static void make_file(int dir, const char *leaf, const char *body, size_t n)
{
	int fd = openat(dir, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return;
	if (n && write(fd, body, n) < 0)
		abort();
	close(fd);
}

/* one record [s, e) into the tree; *pid: the first proc/N seen */
static void make_one(const char *s, const char *e, int *pid)
{
	const char *nl = memchr(s, '\n', (size_t)(e - s));
	const char *body = nl ? nl + 1 : e, *pe = nl ? nl : e;	/* the PATH ends at pe */
	char path[4096];
	char *leaf;
	int dir;

	/* a record that starts with a newline has no "T PATH" (pe before the PATH) */
	if (e - s < 3 || s[1] != ' ' || pe < s + 2 || pe - (s + 2) >= (long)sizeof(path))
		return;
	snprintf(path, sizeof(path), "%.*s", (int)(pe - (s + 2)), s + 2);
	if (memchr(s + 2, 0, (size_t)(pe - (s + 2))))
		return;
	if (*pid < 0 && !strncmp(path, "proc/", 5) && path[5] >= '1' && path[5] <= '9')
		*pid = atoi(path + 5);
	dir = parent_of(path, &leaf);
	if (dir < 0)
		return;
	switch (s[0]) {
	case 'F': make_file(dir, leaf, body, (size_t)(e - body)); break;
	case 'D': mkdirat(dir, leaf, 0755); break;
	case 'L': make_link(dir, leaf, body, (size_t)(e - body)); break;
	case 'P': mkfifoat(dir, leaf, 0644); break;
	case 'N':
		if (is_root)
			mknodat(dir, leaf, S_IFCHR | 0644,
				e - body >= 4 && !memcmp(body, "zero", 4) ? makedev(1, 5) : makedev(1, 3));
		break;
	}
	close(dir);
}

/* the tree from the input; returns the pid of its first proc/N, or -1 */
static int build(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size;
	int pid = -1, n = 0;

	while (s < end && n++ < MAX_RECORDS) {
		const char *sep = memmem(s, (size_t)(end - s), "\n%%\n", 4);
		const char *e = sep ? sep : end;

		make_one(s, e, &pid);
		s = sep ? sep + 4 : end;
	}
	return pid;
}

/* the target main would pick: the one VMM, else the first of several, else
 * the tree's first proc/N (main would stop there; the pipeline still runs) */
static int pick(int fallback)
{
	struct im_candidate *c = NULL;
	struct im_scan_skips skips;
	size_t n = 0;
	int pid = fallback > 0 ? fallback : 1;

	memset(&skips, 0, sizeof(skips));
	if (!im_proc_find_vmms(&c, &n, &skips) && n)
		pid = c[0].pid;
	im_candidates_free(c, n);
	return pid;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct im_err err = { 0 };
	struct im_model m;
	int pid;

	if (!devnull)
		setup();
	pid = build(data, size);
	check_outside("building the tree");	/* the builder's own fault, if any */
	pid = pick(pid);
	im_model_init(&m);
	m.sysroot = im_root();
	if (!im_pipeline_run(&m, &(struct im_load_opts){ .pid = pid, .ids = ids,
							  .kmod_checks = true }, &err)) {
		im_proc_check_running(&m, &err);
		im_report_text(devnull, &m);
		im_report_json(devnull, &m);
	}
	im_model_free(&m);
	fflush(devnull);
	check_outside("the pipeline");
	empty_dir(root);
	return 0;
}
