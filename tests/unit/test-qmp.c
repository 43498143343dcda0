// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-qmp.c - QMP answers from the lab 6.1 run replayed through a sysroot,
 * the cross-check, and the live client against a real QEMU (TCG, -S, no
 * network) when qemu-system-x86_64 is installed (tests/qemu/install.sh).
 * Links: src/sources/qmp.c src/sources/qmp-client.c src/capture/capture-qmp.c
 * src/checks/qmp.c src/sources/mtree.c src/lib/sysroot.c src/lib/util.c src/model.c, json-c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "t.h"
#include "iommu-map.h"
#include "sources/qmp.h"

#ifndef DATADIR
#define DATADIR "tests/data/qemu"
#endif

static char *slurp(const char *name)
{
	return t_slurp(DATADIR, name, NULL, false);
}

static const struct im_qemu_bar *find_qbar(const struct im_model *m, const char *bdf, int bar)
{
	size_t i;

	for (i = 0; i < m->nqbars; i++)
		if (!strcmp(m->qbars[i].host_bdf, bdf) && m->qbars[i].bar == bar)
			return &m->qbars[i];
	return NULL;
}

static void test_parsers(void)
{
	struct im_err err = { 0 };
	char *qt = NULL;
	uint64_t hva = 0;
	int r;

	/* info qtree: tests/unit/test-qtree.c */
	r = im_qmp_parse_gpa2hva("Host virtual address for 0xfc078000 (0000:0a:00.0 BAR 0 mmaps[0]) is 0x7f0b5c5f4000\r\n", &hva);
	T_OK(r == 0 && hva == 0x7f0b5c5f4000, "gpa2hva: parsed");
	r = im_qmp_parse_gpa2hva("Memory at address 0xfeb40000 is not RAM\r\n", &hva);
	T_OK(r == -ENOENT, "gpa2hva: not RAM");
	r = im_qmp_hmp(-1, "  gpa2hpa 0xfc078000", (char **)&qt, 1000, &err);
	T_OK(r == -EPERM, "gpa2hpa refused");
}

static int put(const char *dir, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void unlink_at(const char *dir, const char *rel)
{
	char p[700];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	unlink(p);
}

static void test_replay(void)
{
	char dir[] = "/tmp/test-qmp-XXXXXX", sub[600];
	struct im_model m;
	struct im_err err = { 0 };
	const struct im_qemu_bar *q;
	char *s;
	size_t i, nokvm = 0;
	int r;

	if (!mkdtemp(dir)) {
		T_OK(0, "replay: mkdtemp");
		return;
	}
	snprintf(sub, sizeof(sub), "%s/iommu-map", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/iommu-map/qmp", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/iommu-map/hmp", dir);
	mkdir(sub, 0755);
	s = slurp("lab-6.1-kvm.query-pci.json");
	put(dir, "iommu-map/qmp/query-pci.json", s);
	free(s);
	s = slurp("lab-6.1-kvm.hmp-info-qtree.txt");
	put(dir, "iommu-map/hmp/info-qtree.txt", s);
	free(s);
	s = slurp("lab-6.1-kvm.hmp-info-mtree-f.txt");
	put(dir, "iommu-map/hmp/info-mtree-f.txt", s);
	free(s);
	/* the HVA the lab's trace and maps give for 0000:00:03.0 BAR 0 */
	put(dir, "iommu-map/hmp/gpa2hva-0xfeb00000.txt",
	    "Host virtual address for 0xfeb00000 (0000:00:03.0 BAR 0 mmaps[0]) is 0x7fb29d882000\r\n");
	r = im_root_init(dir);
	T_OK(r == 0, "replay: sysroot");
	im_model_init(&m);
	r = im_qmp_load_captured(&m, &err);
	if (r)
		printf("# %s:%u: %s\n", err.file, err.line, err.msg);
	T_OK(r == 0, "replay: loads");
	T_EQ_U64(m.nqbars, 6, "replay: six memory BARs of three vfio-pci devices");
	q = find_qbar(&m, "0000:00:03.0", 0);
	T_OK(q && q->gpa == 0xfeb00000 && q->size == 0x20000 && q->have_hva &&
	     q->hva == 0x7fb29d882000 && !strcmp(q->guest_bdf, "0000:00:02.0") &&
	     !strcmp(q->qdev_id, "hostdev0") && !strcmp(q->source, "qmp"),
	     "replay: 03.0 BAR 0 guest 00:02.0 GPA, gpa2hva");
	q = find_qbar(&m, "0000:00:05.0", 2);
	T_OK(q && q->gpa == 0xfe400000 && q->size == 0x400000 && !q->have_hva,
	     "replay: 05.0 BAR 2 (64-bit) GPA");
	T_OK(find_qbar(&m, "0000:00:03.0", 2) == NULL, "replay: I/O BAR skipped");
	for (i = 0; i < m.nfindings; i++)
		if (!strcmp(m.findings[i].code, "qmp-no-kvm-slot")) {
			nokvm++;
			printf("# %s: %s\n", m.findings[i].subject, m.findings[i].message);
		}
	T_EQ_U64(nokvm, 1, "replay: BAR 3 mmaps[0] (MSI-X page) has no exact KVM slot");
	T_OK(m.nsources == 1 && m.sources[0].status == IM_SRC_OK, "replay: source ok");
	printf("# %s\n", m.nsources ? m.sources[0].detail : "");

	/* cross-check: our chain says BAR 0 GPA 0xfeb00000 is HVA 0x7fb29d882000 */
	{
		int d;
		struct im_bar *b;

		m.ndevices = 1;
		m.devices = calloc(1, sizeof(*m.devices));
		snprintf(m.devices[0].bdf, 16, "0000:00:03.0");
		d = 0;
		b = &m.devices[d].bars[0];
		b->nguest = 1;
		b->guest = calloc(1, sizeof(*b->guest));
		b->guest[0] = (struct im_bar_guest){ .gpa = 0xfeb00000, .size = 0x20000,
			.hva = 0x7fb29d882000, .slot = 2, .as_id = 0, .source = "kvm-memslot" };
		r = im_qmp_crosscheck(&m);
		T_OK(r == 0, "crosscheck: runs");
		for (i = 0; i < m.nfindings; i++)
			T_OK(m.findings[i].severity != IM_SEV_ERROR, "crosscheck: agreement, no error");
		b->guest[0].hva = 0x7fb29d8a0000;
		r = im_qmp_crosscheck(&m);
		nokvm = 0;
		for (i = 0; i < m.nfindings; i++)
			if (!strcmp(m.findings[i].code, "qmp-gpa2hva-mismatch")) {
				nokvm++;
				printf("# %s\n", m.findings[i].message);
			}
		T_EQ_U64(nokvm, 1, "crosscheck: disagreement is an error finding");
		b->guest[0].gpa = 0xc0000000;
		r = im_qmp_crosscheck(&m);
		nokvm = 0;
		for (i = 0; i < m.nfindings; i++)
			if (!strcmp(m.findings[i].code, "qmp-gpa-mismatch"))
				nokvm++;
		T_EQ_U64(nokvm, 1, "crosscheck: GPA disagreement is an error finding");
	}
	im_model_free(&m);

	/* hostdev2 given to QEMU as an fd (QEMU 10.0, 11.1): no host address in info qtree
	 * (HMP's CRLF line ends) */
	s = slurp("lab-6.1-kvm.hmp-info-qtree.txt");
	{
		char *h = strstr(s, "host = \"0000:00:05.0\"\r\n        sysfsdev = \"/sys/bus/pci/devices/0000:00:05.0\"");
		char *nq;

		T_OK(h != NULL, "fd: the lab's hostdev2 lines");
		if (h) {
			nq = im_asprintf("%.*shost = \"ffff:ff:ff.f\"\r\n        sysfsdev = \"\"%s", (int)(h - s), s,
					h + strlen("host = \"0000:00:05.0\"\r\n        sysfsdev = \"/sys/bus/pci/devices/0000:00:05.0\""));
			put(dir, "iommu-map/hmp/info-qtree.txt", nq);
			free(nq);
		}
	}
	free(s);
	im_model_init(&m);
	r = im_qmp_load_captured(&m, &err);
	T_OK(r == 0 && m.nqbars == 4 && !find_qbar(&m, "0000:00:05.0", 0) &&
	     !find_qbar(&m, "ffff:ff:ff.f", 0), "fd: its BARs are tied to no host device, none guessed");
	T_OK(m.nsources == 1 && strstr(m.sources[0].detail, "3 vfio-pci; 1 given to QEMU as an fd, with neither host= nor sysfsdev= (hostdev2): their BARs are tied to no host device"),
	     "fd: the detail says so");
	printf("# %s\n", m.nsources ? m.sources[0].detail : "");
	im_model_free(&m);

	/* the MMIO windows: unknown without the host bridge's answer, known with it
	 * (a constructed answer of i440FX-pcihost's pci-hole properties) */
	im_model_init(&m);
	r = im_qmp_load_captured(&m, &err);
	T_OK(r == 0 && !m.mmio.known && m.mmio.why && m.mmio.bars_known && m.mmio.nbars == 6,
	     "windows: no qom-pci-host.json: unknown, the six memory BARs read");
	im_model_free(&m);
	put(dir, "iommu-map/qmp/qom-pci-host.json",
	    "{\"path\": \"/machine/i440fx\", \"pci-hole-start\": 67108864, \"pci-hole-end\": 4273995776,"
	    " \"pci-hole64-start\": 4294967296, \"pci-hole64-end\": 6442450944, \"pci-hole64-size\": 2147483648}\n");
	im_model_init(&m);
	r = im_qmp_load_captured(&m, &err);
	T_OK(r == 0 && m.mmio.known && !strcmp(m.mmio.host_bridge, "/machine/i440fx") &&
	     m.mmio.w32.start == 0x4000000 && m.mmio.w64.end == 0x180000000ULL &&
	     m.mmio.hole64_size == 0x80000000ULL, "windows: replayed from qom-pci-host.json");
	im_model_free(&m);
	unlink_at(dir, "iommu-map/qmp/qom-pci-host.json");

	/* a bad capture names its file */
	put(dir, "iommu-map/qmp/query-pci.json", "{\"return\": [ {\"bus\": 0} ]}\n");
	im_model_init(&m);
	r = im_qmp_load_captured(&m, &err);
	T_OK(r == -EINVAL && strstr(err.file, "query-pci.json"), "replay: bad query-pci named");
	printf("# %s: %s\n", err.file, err.msg);
	put(dir, "iommu-map/qmp/query-pci.json", "{\"return\": [ {\"bus\": 0, ");
	r = im_qmp_load_captured(&m, &err);
	T_OK(r == -EINVAL, "replay: truncated JSON");
	im_model_free(&m);
	{
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			printf("# could not remove %s\n", dir);
	}
}

static void test_live(void)
{
	char dir[] = "/tmp/test-qmp-live-XXXXXX", sock[600], cap[700], capdir[600];
	struct im_outdir o;
	struct im_err err = { 0 };
	struct im_model m;
	char *text = NULL;
	uint64_t hva = 0;
	pid_t pid;
	int fd = -1, i, r, st, gone = 0;

	if (access("/usr/bin/qemu-system-x86_64", X_OK)) {
		printf("skip live: no qemu-system-x86_64 (tests/deps.sh installs it)\n");
		return;
	}
	if (!mkdtemp(dir))
		return;
	snprintf(sock, sizeof(sock), "%s/qmp.sock", dir);
	snprintf(cap, sizeof(cap), "unix:%s,server=on,wait=off", sock);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", 1);

		dup2(null, 1);
		dup2(null, 2);
		execl("/usr/bin/timeout", "timeout", "60", "/usr/bin/qemu-system-x86_64",
		      "-accel", "tcg", "-machine", "pc", "-m", "64M", "-nodefaults",
		      "-nic", "none", "-display", "none", "-S",
		      "-object", "memory-backend-ram,id=mem0,size=4M",
		      "-device", "ivshmem-plain,memdev=mem0,id=shm0",
		      "-qmp", cap, (char *)NULL);
		_exit(127);
	}
	/* QEMU makes the socket before its main loop runs, which sends the
	 * greeting.  Both take seconds when the machine is busy (three check-asan
	 * runs side by side, in CI), so wait for the socket, or QEMU's end, up to
	 * its own 60 s, and give the greeting 30 s. */
	for (i = 0; i < 1200 && access(sock, F_OK); i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			gone = 1;
			break;
		}
		usleep(50000);
	}
	fd = im_qmp_connect(sock, 30000, &err);
	T_OK(fd >= 0, "live: connect, greeting, qmp_capabilities");
	if (fd < 0)
		printf("# %s: %s\n", err.file, err.msg);
	if (fd >= 0) {
		r = im_qmp_hmp(fd, "gpa2hva 0x1000", &text, 30000, &err);
		T_OK(r == 0 && !im_qmp_parse_gpa2hva(text, &hva) && hva, "live: gpa2hva on RAM");
		printf("# %s", text ? text : "\n");
		free(text);
		text = NULL;
		r = im_qmp_hmp(fd, "gpa2hpa 0x1000", &text, 30000, &err);
		T_OK(r == -EPERM && !text, "live: gpa2hpa never sent");
		r = im_qmp_execute(fd, "no-such-command", NULL, NULL, 30000, &err);
		T_OK(r == -EREMOTEIO, "live: QMP error answer");
		close(fd);
	}
	im_model_init(&m);
	r = im_qmp_load(&m, sock, &err);
	if (r)
		printf("# %s: %s\n", err.file, err.msg);
	T_OK(r == 0, "live: im_qmp_load (query-pci, info qtree, info mtree -f)");
	T_OK(m.nqbars == 0, "live: no vfio-pci device, no BARs");
	printf("# %s\n", m.nsources ? m.sources[0].detail : "");
	T_OK(m.qmp.query_pci && strstr(m.qmp.info_qtree, "ivshmem-plain") &&
	     strstr(m.qmp.info_mtree_f, "FlatView"), "live: raw answers kept in the model");
	snprintf(capdir, sizeof(capdir), "%s/cap", dir);
	r = im_outdir_open(&o, capdir, false, &err);
	r = r ? r : im_qmp_write_capture(&o, &m, &err);
	r = im_outdir_close(&o, r == 0, &err) ? -EIO : r;
	T_OK(r == 0, "live: capture written");
	im_model_free(&m);
	r = im_root_init(capdir);
	im_model_init(&m);
	r = r ? r : im_qmp_load_captured(&m, &err);
	T_OK(r == 0 && m.nsources == 1, "live: capture replays");
	im_model_free(&m);
	if (!gone) {
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
	}
	snprintf(cap, sizeof(cap), "rm -rf '%s'", dir);
	if (system(cap))
		printf("# could not remove %s\n", dir);
}

int main(void)
{
	test_parsers();
	test_replay();
	test_live();
	T_DONE();
}
