// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of proc.c's parsers: maps files, fdinfo (a line and vfio paths:
 * test-parse.c); the KVM VM fd as known yes / known no / unknown(why); a
 * target that exited (proc/PID/stat) on copies of the fixtures.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "iommu-map.h"
#include "t.h"

static int parse(const char *text, struct im_map **maps, size_t *n, struct im_err *e)
{
	return im_proc_parse_maps(text, strlen(text), "maps", maps, n, e);
}

static void free_maps(struct im_map *maps, size_t n)
{
	while (n)
		im_map_path_free(&maps[--n]);
	free(maps);
}

static char tmp[] = "/tmp/test-proc-XXXXXX";

/* a copy of seed-2021 changed by cmd (run in it), loaded as pid 2021 */
static int load_copy(struct im_model *m, const char *cmd, struct im_err *e)
{
	char sh[4096], dir[64];
	int r;

	snprintf(dir, sizeof(dir), "%s/fx", tmp);
	snprintf(sh, sizeof(sh), "rm -rf '%s' && cp -a tests/fixtures/seed-2021 '%s' && cd '%s' && %s",
		 dir, dir, dir, cmd);
	if (system(sh))
		printf("# failed: %s\n", sh);
	memset(e, 0, sizeof(*e));
	im_root_init(dir);
	im_model_init(m);
	r = im_proc_load(m, 2021, e);
	return r;
}

static void test_lifecycle(void)
{
	struct im_model m;
	struct im_err e = { 0 };
	int r;

	if (access("tests/fixtures/seed-2021", F_OK) || !mkdtemp(tmp)) {
		printf("skip fixture tests: run from the top of the tree\n");
		return;
	}
	im_root_init("tests/fixtures/seed-2021");
	im_model_init(&m);
	T_OK(im_proc_load(&m, 2021, &e) == 0 && m.kvm_vm == IM_TRI_YES && !m.kvm_vm_why,
	     "kvm vm: seed-2021 holds one: known yes");
	im_model_free(&m);
	im_root_init("tests/fixtures/lab-pc-tcg");
	im_model_init(&m);
	T_OK(im_proc_load(&m, 390, &e) == 0 && m.kvm_vm == IM_TRI_NO, "kvm vm: lab-pc-tcg: known no (TCG)");
	im_model_free(&m);
	r = load_copy(&m, "rm -rf proc/2021/fd", &e);
	T_OK(r == 0 && m.kvm_vm == IM_TRI_UNKNOWN && m.kvm_vm_why &&
	     strstr(m.kvm_vm_why, "proc/2021/fd: No such file"), "kvm vm: no proc/PID/fd: unknown, with why (not TCG)");
	T_OK(m.nsources && m.sources[0].status == IM_SRC_PARTIAL &&
	     !strstr(m.sources[0].detail, "need root"), "kvm vm: proc partial, not blamed on permissions");
	im_model_free(&m);
	r = load_copy(&m, "echo '2021 (qemu-system-x86) Z 1 2021 2021 0 -1 4227148 0' >proc/2021/stat", &e);
	T_OK(r == -ESRCH && strstr(e.msg, "the target exited") && strstr(e.msg, "zombie"),
	     "stat Z: the target exited (a zombie)");
	im_model_free(&m);
	r = load_copy(&m, "echo '2021 (qemu-system-x86) R 1 2021 2021 0 -1 4194308 0' >proc/2021/stat", &e);
	T_OK(r == -ESRCH && strstr(e.msg, "the target exited"), "stat PF_EXITING: the target exited");
	im_model_free(&m);
	r = load_copy(&m, "echo '2021 (a) Z b) S 1 2021 2021 0 -1 4194560 0' >proc/2021/stat", &e);
	T_OK(r == 0 && m.kvm_vm == IM_TRI_YES, "stat: a comm holding ') Z' is read to its last ')'; runs");
	im_model_free(&m);
	/* a fixture whose stat says it runs is still a fixture: torn maps are bad input, read once */
	r = load_copy(&m, "sed -i '8s/^7f0a5be00000/56540e000000/' proc/2021/maps", &e);
	T_OK(r == -EINVAL && strstr(e.file, "proc/2021/maps") && e.line == 8 &&
	     strstr(e.msg, "overlaps or is out of order"), "fixture: torn maps are bad input, file and line named (no retry)");
	im_model_free(&m);
	r = load_copy(&m, "true", &e);
	T_OK(r == 0 && m.maps_tries == 0 && !m.maps_text && m.nmaps,
	     "fixture: read once; its maps text not kept (capture copies the file)");
	T_OK(m.nsources && !strstr(m.sources[0].detail, "alike on try"), "fixture: no word of tries");
	im_model_free(&m);
	/* a fixture's maps are parsed as they are read, 64 KiB at a time (stream_maps) */
	r = load_copy(&m, "python3 -c 'import sys; sys.stdout.write(\"\\n\".join("
		      "\"%x-%x r--p 00000000 00:00 0 \" % (0x10000 + 0x1000 * k, 0x11000 + 0x1000 * k) "
		      "for k in range(5000)) + \"\\n\\n%x-%x r--p 0 00:00 0 /%s\" % (0x9000000, 0x9001000, "
		      "\"p\" * 70000))' >proc/2021/maps", &e);
	T_OK(r == 0 && m.nmaps == 5001 && m.maps[4999].start == 0x10000 + 0x1000 * 4999 &&
	     m.maps[5000].line == 5002 && strlen(m.maps[5000].path) == 70001 &&
	     m.maps[5000].end == 0x9001000,
	     "fixture maps, streamed: 5,000 lines over several reads, a blank line, and a last line of 70k "
	     "bytes (longer than a read) with no newline");
	im_model_free(&m);
	r = load_copy(&m, "python3 -c 'import sys; sys.stdout.write(\"\".join("
		      "\"%x-%x r--p 0 00:00 0\\n\" % (0x10000 + 0x1000 * k, 0x11000 + 0x1000 * k) "
		      "for k in range(3000)) + \"not a line\\n\")' >proc/2021/maps", &e);
	T_OK(r == -EINVAL && strstr(e.file, "proc/2021/maps") && e.line == 3001 &&
	     strstr(e.msg, "not a maps line"), "fixture maps, streamed: a bad line past the first read is named by its number");
	im_model_free(&m);
	r = load_copy(&m, ": >proc/2021/maps", &e);
	T_OK(r == 0 && m.nmaps == 0, "fixture maps, streamed: an empty file is no mappings");
	im_model_free(&m);
	r = load_copy(&m, "echo 'garbage' >proc/2021/stat", &e);
	T_OK(r == -EINVAL && strstr(e.file, "proc/2021/stat") && e.line == 1, "stat: garbage names stat:1");
	im_model_free(&m);
	snprintf(e.msg, sizeof(e.msg), "rm -rf '%s'", tmp);
	if (system(e.msg))
		printf("# could not remove %s\n", tmp);
	im_root_init("/");
}

/* where two reads of a maps file differ: the decision to read again */
static void test_maps_diff(void)
{
	static const char a[] = "1000-2000 r--p 0 00:00 0\n2000-3000 rw-p 0 00:00 0\n3000-4000 r--p 0 00:00 0\n";
	char b[sizeof(a)];

	T_EQ_U64(im_proc_maps_diff(a, strlen(a), a, strlen(a)), 0, "maps diff: alike");
	T_EQ_U64(im_proc_maps_diff("", 0, "", 0), 0, "maps diff: both empty: alike");
	memcpy(b, a, sizeof(a));
	b[strlen(a) - 3] = '1';		/* the last line's inode */
	T_EQ_U64(im_proc_maps_diff(a, strlen(a), b, strlen(b)), 3, "maps diff: the last line changed: 3");
	b[0] = '0';
	T_EQ_U64(im_proc_maps_diff(a, strlen(a), b, strlen(b)), 1, "maps diff: the first byte: line 1");
	T_EQ_U64(im_proc_maps_diff(a, strlen(a), a, 25), 2, "maps diff: a line unmapped at the end: 2");
	T_EQ_U64(im_proc_maps_diff(a, 25, a, strlen(a)), 2, "maps diff: a line mapped at the end: 2");
	T_EQ_U64(im_proc_maps_diff(a, strlen(a), "", 0), 1, "maps diff: all gone: 1");
	T_EQ_U64(im_proc_maps_diff(a, 50, a + 25, 25), 1, "maps diff: the first line unmapped: 1");
}

/*
 * a child that sleeps, live: one snapshot, alike on the first try (not this
 * process: its own reads move its heap, and under ASan every time)
 */
static void test_live_child(void)
{
	struct im_model m;
	struct im_err e = { 0 };
	pid_t child;
	int r, st;

	if (im_root_init("/") || (child = fork()) < 0) {
		printf("skip live child: no / or no fork\n");
		return;
	}
	if (child == 0) {
		pause();
		_exit(0);
	}
	im_model_init(&m);
	r = im_proc_load(&m, (int)child, &e);
	if (r)
		printf("# %s: %s\n", e.file, e.msg);
	T_OK(r == 0 && m.maps_tries == 1 && m.nmaps && m.maps_text &&
	     strlen(m.maps_text) == m.maps_len, "live child: one snapshot, alike on try 1");
	im_model_free(&m);
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
}

int main(void)
{
	struct im_map *maps = NULL;
	struct im_err e = { 0 };
	size_t n = 0;
	char *sp;

	T_OK(!parse("7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653                      anon_inode:[vfio-device]\n"
		    "7f0b5c600000-7f0b5c628000 r--p 00000000 fd:01 1315014   /usr/lib/x86_64-linux-gnu/libc.so.6\n"
		    "7f0b5c700000-7f0b5c701000 rw-p 00000000 00:00 0 \n"
		    "7f0b5c800000-7f0b5c801000 rw-s 00001000 00:01 77   /memfd:a name with spaces (deleted)\n",
		    &maps, &n, &e), "maps: the seed line and friends");
	T_EQ_U64(n, 4, "maps: 4 lines");
	T_EQ_U64(maps[0].start, 0x7f0b5c5f4000, "maps: start");
	T_EQ_U64(maps[0].end, 0x7f0b5c5f5000, "maps: end");
	T_EQ_U64(maps[0].offset, 0xe2c20000, "maps: offset");
	T_EQ_U64(maps[0].dev_minor, 0x0e, "maps: dev minor");
	T_EQ_U64(maps[0].inode, 13653, "maps: inode");
	T_OK(maps[0].vfio && maps[0].cdev == -1, "maps: anon vfio");
	T_EQ_STR(maps[0].perms, "rw-s", "maps: perms");
	T_EQ_STR(maps[2].path, "", "maps: anonymous path is empty");
	T_EQ_STR(maps[3].path, "/memfd:a name with spaces (deleted)", "maps: path with spaces");
	T_EQ_U64(maps[1].dev_major, 0xfd, "maps: dev major hex");
	free_maps(maps, n);

	T_OK(parse("7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e\n", &maps, &n, &e) == -EINVAL &&
	     e.line == 1, "maps: truncated line refused at line 1");
	T_OK(parse("7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 1 a\n"
		   "7f0b5c5f4000-7f0b5c5f5000 rwxq e2c20000 00:0e 1 a\n", &maps, &n, &e) == -EINVAL &&
	     e.line == 2, "maps: bad perms refused at line 2");
	T_OK(parse("7f0b5c5f5000-7f0b5c5f4000 rw-s 0 00:0e 1\n", &maps, &n, &e) == -EINVAL,
	     "maps: end before start refused");
	T_OK(parse("1-2 rw-s 0 00:00 1x\n", &maps, &n, &e) == -EINVAL, "maps: garbage inode refused");
	T_OK(parse("2000-3000 rw-s 0 00:00 1\n1000-2000 rw-s 0 00:00 1\n", &maps, &n, &e) == -EINVAL &&
	     e.line == 2, "maps: out of order refused");
	T_OK(!parse("", &maps, &n, &e) && n == 0, "maps: empty file");
	free(maps);

	T_OK(!im_proc_parse_fdinfo("pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t44\n", &sp) && !sp,
	     "fdinfo without syspath (6.1)");
	T_OK(!im_proc_parse_fdinfo("pos:\t0\nvfio-device-syspath: /sys/devices/pci0000:e0/0000:e8:00.0\n", &sp) &&
	     sp && !strcmp(sp, "/sys/devices/pci0000:e0/0000:e8:00.0"), "fdinfo syspath (6.18)");
	free(sp);
	test_maps_diff();
	test_live_child();
	test_lifecycle();
	T_DONE();
}
