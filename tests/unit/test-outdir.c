// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-outdir.c - capture writes only inside -o: links planted in DIR at
 * every level stop the write (nothing lands where they point), a non-empty
 * DIR is refused, --force replaces a previous capture whole and never
 * merges, a failed capture leaves DIR as it was; and a capture of the
 * seed-2021 fixture writes its sysfs layout and replays.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include "t.h"
#include "iommu-map.h"

static char top[] = "/tmp/test-outdir-XXXXXX";
static char dir[PATH_MAX], away[PATH_MAX];

static bool exists(const char *fmt, const char *rel)
{
	char p[PATH_MAX * 2];
	struct stat st;

	snprintf(p, sizeof(p), fmt, rel);
	return !lstat(p, &st);
}

static bool away_empty(void)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", away);
	return system(cmd) == 0;
}

static void sh(const char *fmt, const char *a)
{
	char cmd[PATH_MAX * 4];

	snprintf(cmd, sizeof(cmd), fmt, a, a, a);
	if (system(cmd))
		printf("# failed: %s\n", cmd);
}

static void test_fresh(void)
{
	struct im_outdir o;
	struct im_err err = { 0 };
	char p[PATH_MAX + 32];

	T_OK(im_outdir_open(&o, dir, false, &err) == 0 && o.created, "absent DIR: created");
	T_OK(im_outdir_put(&o, "proc/1/maps", "x\n", 2) == 0, "put proc/1/maps");
	T_OK(im_outdir_put(&o, "proc/1/maps", "y\n", 2) == -EEXIST, "a file is written once");
	T_OK(im_outdir_symlink(&o, "proc/1/fd/3", "/dev/null") == 0, "symlink");
	T_OK(im_outdir_put(&o, "proc/../x", "", 0) == -EINVAL, "'..' refused");
	T_OK(im_outdir_put(&o, "proc//x", "", 0) == -EINVAL, "empty component refused");
	T_OK(im_outdir_close(&o, true, &err) == 0, "close ok");
	snprintf(p, sizeof(p), "%s/proc/1/maps", dir);
	T_OK(access(p, R_OK) == 0, "the file is there");
	T_OK(im_outdir_open(&o, dir, false, &err) == -ENOTEMPTY && strstr(err.msg, "not empty"),
	     "non-empty DIR refused without --force");
	T_OK(o.fd < 0 && o.parent < 0, "refused: nothing held");
	sh("rm -rf '%s'", dir);
}

/* a link planted inside DIR while capture writes: each level */
static void test_planted(const char *link, const char *rel, const char *name)
{
	struct im_outdir o;
	struct im_err err = { 0 };
	char p[PATH_MAX * 2], n[128];
	int r;

	T_OK(im_outdir_open(&o, dir, false, &err) == 0, "open");
	if (strchr(link, '/')) {
		char parent[PATH_MAX];

		snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(link, '/') - link), link);
		im_outdir_mkdirs(&o, parent);
	}
	snprintf(p, sizeof(p), "%s/%s", dir, link);
	if (symlink(away, p))
		printf("# symlink %s: %s\n", p, strerror(errno));
	r = im_outdir_put(&o, rel, "secret\n", 7);
	snprintf(n, sizeof(n), "%s: the write fails", name);
	T_OK(r == -ENOTDIR || r == -ELOOP || r == -EEXIST, n);
	snprintf(n, sizeof(n), "%s: nothing written where it points", name);
	T_OK(away_empty(), n);
	im_outdir_close(&o, false, &err);
	snprintf(n, sizeof(n), "%s: failed capture removed, the link's target kept", name);
	T_OK(!exists("%s", dir) && exists("%s", away), n);
}

static void test_force(void)
{
	struct im_outdir o;
	struct im_err err = { 0 };
	char p[PATH_MAX + 64];

	/* a previous capture whose proc is a link to elsewhere */
	sh("mkdir -p '%s/iommu-map' && echo old > '%s/iommu-map/memslots'", dir);
	snprintf(p, sizeof(p), "%s/proc", dir);
	T_OK(symlink(away, p) == 0, "force: previous capture with a proc link");
	sh("echo keep > '%s/keep'", away);
	T_OK(im_outdir_open(&o, dir, true, &err) == 0 && o.tmp, "force: a fresh directory beside DIR");
	T_OK(im_outdir_put(&o, "proc/1/maps", "new\n", 4) == 0, "force: write the new capture");
	T_OK(im_outdir_close(&o, false, &err) == 0, "force: a failed capture");
	T_OK(exists("%s/iommu-map/memslots", dir) && exists("%s/keep", away) &&
	     !exists("%s/proc/1", dir), "force, failed: the previous capture is intact");
	T_OK(im_outdir_open(&o, dir, true, &err) == 0, "force: again");
	T_OK(im_outdir_put(&o, "proc/1/maps", "new\n", 4) == 0, "force: write");
	T_OK(im_outdir_close(&o, true, &err) == 0, "force: swapped in");
	T_OK(exists("%s/proc/1/maps", dir) && !exists("%s/iommu-map", dir),
	     "force: replaced whole, not merged");
	T_OK(exists("%s/keep", away) && !exists("%s/1", away), "force: the link's target untouched");
	snprintf(p, sizeof(p), "test $(ls -A '%s' | wc -l) = 2", top);
	T_OK(system(p) == 0, "force: no temporary left beside DIR");
	sh("echo x > '%s/notes'", dir);
	T_OK(im_outdir_open(&o, dir, true, &err) == -ENOTEMPTY && strstr(err.msg, "'notes'"),
	     "force: a DIR holding what capture does not write is refused");
	T_OK(exists("%s/notes", dir) && exists("%s/proc/1/maps", dir), "force, refused: DIR intact");
	sh("rm -rf '%s'; rm -f '%s/keep'", dir);
}

/* the seed fixture captured through the library: sysfs layout, links, replay */
static void test_capture_fixture(void)
{
	const char *fx = "tests/fixtures/seed-2021";
	const char *dev = "sys/devices/pci0000:00/0000:00:1c.0/0000:0a:00.0";
	struct im_outdir o;
	struct im_err err = { 0 };
	struct im_model m;
	char a[PATH_MAX * 3], b[PATH_MAX];
	ssize_t n;
	size_t nd;
	int r;

	if (access(fx, F_OK)) {
		printf("skip capture of %s: run from the top of the tree\n", fx);
		return;
	}
	im_root_init(fx);
	im_model_init(&m);
	r = im_proc_load(&m, 2021, &err);
	r = r ? r : im_pci_load(&m, &err);
	r = r ? r : im_outdir_open(&o, dir, false, &err);
	r = r ? r : im_capture(&m, &o, &err);
	if (r)
		printf("# %s: %s\n", err.file, err.msg);
	T_OK(r == 0 && im_outdir_close(&o, true, &err) == 0, "capture seed-2021");
	nd = m.ndevices;
	im_model_free(&m);
	snprintf(a, sizeof(a), "cmp -s '%s/%s/resource' '%s/%s/resource'", fx, dev, dir, dev);
	T_OK(system(a) == 0, "capture: resource written in the device's own directory");
	snprintf(a, sizeof(a), "%s/sys/bus/pci/devices/0000:0a:00.0", dir);
	n = readlink(a, b, sizeof(b) - 1);
	b[n > 0 ? n : 0] = '\0';
	T_EQ_STR(b, "../../../devices/pci0000:00/0000:00:1c.0/0000:0a:00.0", "capture: bus link as read");
	T_OK(exists("%s/sys/bus/pci/drivers/vfio-pci", dir) &&
	     exists("%s/sys/kernel/iommu_groups/12", dir), "capture: link targets made");
	im_root_init(dir);
	im_model_init(&m);
	r = im_proc_load(&m, 2021, &err);
	r = r ? r : im_pci_load(&m, &err);
	T_OK(r == 0 && m.ndevices == nd && nd, "capture: replays with the same devices");
	im_model_free(&m);
	im_root_init("/");
	sh("rm -rf '%s'", dir);
}

int main(void)
{
	if (!mkdtemp(top))
		return 1;
	snprintf(dir, sizeof(dir), "%s/cap", top);
	snprintf(away, sizeof(away), "%s/away", top);
	mkdir(away, 0755);
	test_fresh();
	test_planted("proc", "proc/1/maps", "planted proc");
	test_planted("sys", "sys/devices/x/resource", "planted sys");
	test_planted("proc/1", "proc/1/maps", "planted proc/1");
	test_planted("proc/1/maps", "proc/1/maps", "planted leaf");
	test_force();
	test_capture_fixture();
	sh("rm -rf '%s'", top);
	T_DONE();
}
