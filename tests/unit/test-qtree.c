// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of sources/qtree.c: `info qtree` as QEMU prints it (the lab's
 * QEMU 7.2 answer) and as people paste it (tests/pastes/24), every shape of
 * the bar line, nesting by indentation, and the errors inside lines it reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iommu-map.h"
#include "sources/qtree.h"
#include "t.h"

static int parse(const char *txt, struct im_qtree *q, struct im_err *err)
{
	memset(err, 0, sizeof(*err));
	return im_qtree_parse(txt, strlen(txt), "q.txt", q, err);
}

/* the lab's real answer: three vfio-pci devices among 37, every line understood */
static void test_lab(void)
{
	struct im_err err = { 0 };
	char *txt = t_slurp("tests/data/qemu", "lab-6.1-kvm.hmp-info-qtree.txt", NULL, false);
	struct im_qtree q;
	char g[16];
	int r = im_qtree_parse(txt, strlen(txt), "lab", &q, &err);

	T_OK(r == 0 && q.n == 3 && q.devices == 37 && q.unknown == 0,
	     "lab: 3 vfio-pci of 37 devices, no line not understood");
	T_OK(r == 0 && !strcmp(q.v[0].qdev_id, "hostdev2") && !strcmp(q.v[0].host_bdf, "0000:00:05.0") &&
	     q.v[0].bus == 0 && q.v[0].slot == 4 && q.v[0].func == 0,
	     "lab: hostdev2 = host 0000:00:05.0 at guest 00:04.0");
	T_OK(r == 0 && im_qtree_guest_bdf(&q.v[2], g) && !strcmp(g, "0000:00:02.0") &&
	     q.v[2].have_ids && q.v[2].vendor_id == 0x8086 && q.v[2].device_id == 0x10d3,
	     "lab: hostdev0's guest BDF and pci id");
	T_OK(r == 0 && q.v[2].bars[0].assigned && q.v[2].bars[0].addr == 0xfeb00000 &&
	     q.v[2].bars[0].size == 0x20000 && q.v[2].bars[2].io && q.v[2].bars[2].size == 0x20 &&
	     q.v[2].bars[3].size == 0x4000 && !q.v[2].bars[4].present,
	     "lab: hostdev0's mem BARs 0, 1, 3 and its I/O BAR 2");
	T_OK(r == 0 && q.v[0].bars[0].size == 0x100 && q.v[0].bars[2].addr == 0xfe400000,
	     "lab: a 256-byte BAR and a 4 MiB one");
	im_qtree_free(&q);
	free(txt);
}

/* tests/pastes/24's shape, quoted in a mail, with the prompt before it */
/*
 * the same answer as a mail archive's raw message keeps it: quoted-printable
 * (Python's quopri.encodestring of the file above: every "=" as "=3D", three
 * long class lines soft-broken), read the same, its lines named as in the file
 */
static void test_qp(void)
{
	struct im_err err = { 0 }, err2 = { 0 };
	char *a = t_slurp("tests/data/qemu", "lab-6.1-kvm.hmp-info-qtree.txt", NULL, false);
	char *b = t_slurp("tests/data/qemu", "lab-6.1-kvm.hmp-info-qtree.qp.txt", NULL, false);
	struct im_qtree qa, qb;
	int ra = im_qtree_parse(a, strlen(a), "lab", &qa, &err);
	int rb = im_qtree_parse(b, strlen(b), "lab.qp", &qb, &err2);
	size_t i, same = 0;

	T_OK(ra == 0 && rb == 0 && !qa.qp && qb.qp && qb.qp_soft == 3,
	     "qp: decoded, 3 soft line breaks joined; the plain text is not");
	T_OK(rb == 0 && qb.n == qa.n && qb.devices == qa.devices && qb.unknown == 0,
	     "qp: the same devices, every line understood");
	for (i = 0; ra == 0 && rb == 0 && i < qa.n && i < qb.n; i++)
		same += !strcmp(qa.v[i].host_bdf, qb.v[i].host_bdf) &&
			!strcmp(qa.v[i].qdev_id, qb.v[i].qdev_id) &&
			qa.v[i].have_ids == qb.v[i].have_ids &&
			qa.v[i].vendor_id == qb.v[i].vendor_id &&
			qa.v[i].bars[0].addr == qb.v[i].bars[0].addr &&
			qa.v[i].bars[0].size == qb.v[i].bars[0].size;
	T_OK(same == 3, "qp: each vfio-pci device as in the plain text");
	/* hostdev1's dev: line is 67 in the plain text, 68 in the QP file (a
	 * soft break at line 64 before it); hostdev0's 105 and 106 */
	T_OK(rb == 0 && qb.n == 3 && qb.v[0].line == 28 && qb.v[1].line == 68 && qb.v[2].line == 106 &&
	     qa.v[1].line == 67 && qa.v[2].line == 105, "qp: lines named as in each file");
	if (!ra)
		im_qtree_free(&qa);
	if (!rb)
		im_qtree_free(&qb);
	free(a);
	free(b);
}

static void test_paste(void)
{
	struct im_err err;
	struct im_qtree q;
	int r = parse("> (qemu) info qtree\n"
		      ">               dev: vfio-pci, id \"hostdev4\"\n"
		      ">                 host = \"0000:00:14.0\"\n"
		      ">                 sysfsdev = \"/sys/bus/pci/devices/0000:00:14.0\"\n"
		      ">                 x-no-mmap = true\n"
		      ">                 x-msix-relocation = \"bar2\"\n"
		      ">                 addr = 01.0\n"
		      ">                 class USB controller, addr 0c:01.0, pci id 8086:8cb1 (sub 1849:8cb1)\n"
		      ">                 bar 0: mem at 0x91000000 [0x9100ffff]\n"
		      ">                 bar 2: mem at 0xffffffffffffffff [0xfffe]\n"
		      ">                 bar 6: mem at 0xffffffffffffffff [0x3fffe]\n"
		      ">               dev: e1000, id \"net0\"\n"
		      ">                 bar 0: mem at 0x92000000 [0x9201ffff]\n", &q, &err);

	T_OK(r == 0 && q.n == 1 && q.devices == 2, "paste: one vfio-pci of two devices");
	T_OK(r == 0 && q.unknown == 1 && q.first_unknown == 1, "paste: the prompt is not understood, and named");
	T_OK(r == 0 && !strcmp(q.v[0].host_bdf, "0000:00:14.0") && q.v[0].bus == 0x0c &&
	     q.v[0].slot == 1 && q.v[0].func == 0, "paste: host BDF and guest 0c:01.0 through the quote marker");
	T_OK(r == 0 && q.v[0].no_mmap == IM_TRI_YES && !strcmp(q.v[0].msix_relocation, "bar2"),
	     "paste: x-no-mmap and x-msix-relocation kept");
	T_OK(r == 0 && q.v[0].bars[0].assigned && q.v[0].bars[0].addr == 0x91000000 &&
	     q.v[0].bars[0].size == 0x10000, "paste: bar 0, 64 KiB at 0x91000000");
	T_OK(r == 0 && q.v[0].bars[2].present && !q.v[0].bars[2].assigned &&
	     q.v[0].bars[2].size == 0x10000, "paste: an unassigned BAR (PCI_BAR_UNMAPPED) and its size");
	T_OK(r == 0 && q.v[0].bars[6].present && q.v[0].bars[6].size == 0x40000, "paste: the ROM, bar 6");
	T_OK(r == 0 && !q.v[0].bars[1].present, "paste: the next device's bar 0 is not the vfio device's");
	im_qtree_free(&q);
}

/* host devices: mdev, a device given as an fd, sysfsdev over host= */
static void test_hosts(void)
{
	struct im_err err;
	struct im_qtree q;
	int r = parse("  dev: vfio-pci, id \"mdev0\"\n"
		      "    host = \"ffff:ff:ff.f\"\n"
		      "    sysfsdev = \"/sys/bus/mdev/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001\"\n"
		      "  dev: vfio-pci, id \"fd\"\n"
		      "    host = \"ffff:ff:ff.f\"\n"
		      "    sysfsdev = <null>\n"
		      "  dev: vfio-pci-nohotplug, id \"\"\n"
		      "    host = \"0000:00:02.0\"\n"
		      "    sysfsdev = \"/sys/bus/pci/devices/0000:03:00.1\"\n", &q, &err);

	T_OK(r == 0 && q.n == 3, "hosts: three vfio devices, nohotplug among them");
	T_OK(r == 0 && !q.v[0].host_bdf[0] && !strcmp(q.v[0].mdev, "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"),
	     "hosts: an mdev's UUID, no host BDF");
	T_OK(r == 0 && !q.v[1].host_bdf[0] && !q.v[1].mdev[0] && !strcmp(q.v[1].qdev_id, "fd"),
	     "hosts: a device given as an fd has neither");
	T_OK(r == 0 && !strcmp(q.v[2].host_bdf, "0000:03:00.1") && q.v[2].bus < 0,
	     "hosts: sysfsdev wins over host=, as in QEMU; no class line");
	im_qtree_free(&q);
}

/* bad input inside a line it reads: file:line */
static void test_errors(void)
{
	static const struct { const char *txt; unsigned int line; const char *name; } bad[] = {
		{ "dev: vfio-pci, id \"a\"\n  bar 0: mem at 0x9100zz00 [0x9100ffff]\n", 2, "bar: not hex" },
		{ "dev: vfio-pci, id \"a\"\n  bar 7: mem at 0x1000 [0x1fff]\n", 2, "bar: index 7" },
		{ "dev: vfio-pci, id \"a\"\n  bar 0: mem at 0x2000 [0x1fff]\n", 2, "bar: end below start" },
		{ "dev: vfio-pci, id \"a\"\n  bar 0: rom at 0x1000 [0x1fff]\n", 2, "bar: neither mem nor i/o" },
		{ "dev: vfio-pci, id \"a\"\n  bar 0: mem at 0x1000 [0x1fff]\n  bar 0: mem at 0x1000 [0x1fff]\n",
		  3, "bar: twice" },
		{ "dev: vfio-pci, id \"a\"\n  bar 0: mem at 0x1000 [0x1fff] x\n", 2, "bar: trailing text" },
		{ "dev: vfio-pci, id \"a\"\n  class USB controller, addr 0c:41.0, pci id 8086:8cb1\n", 2,
		  "class: slot 0x41" },
		{ "dev: vfio-pci, id \"a\"\n  class USB controller, addr 0c:01.0, pci 8086:8cb1\n", 2,
		  "class: no pci id" },
		{ "dev: vfio-pci, id \"a\"\n  host = \"0000:zz:00.0\"\n", 2, "host: not a BDF" },
		{ "dev: vfio-pci, id \"a\"\n  x-no-mmap = maybe\n", 2, "x-no-mmap: not a bool" },
	};
	struct im_err err;
	struct im_qtree q;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = parse(bad[i].txt, &q, &err);

		T_OK(r == -EINVAL && err.line == bad[i].line && !strcmp(err.file, "q.txt"), bad[i].name);
	}
	/* the same lines outside a vfio-pci device are not read further */
	T_OK(parse("dev: e1000, id \"a\"\n  bar 0: mem at 0x2000 [0x1fff]\n", &q, &err) == 0 &&
	     q.n == 0 && q.devices == 1 && q.unknown == 0, "other devices' lines are not checked");
	im_qtree_free(&q);
	/* a mail cut the class line after its address */
	T_OK(parse("dev: vfio-pci, id \"a\"\n  class USB controller, addr 0c:01.0,\n", &q, &err) == 0 &&
	     q.n == 1 && q.v[0].slot == 1 && !q.v[0].have_ids, "class: cut after addr, no ids");
	im_qtree_free(&q);
}

static void test_looks(void)
{
	static const char qt[] = "      dev: vfio-pci, id \"hostdev4\"\n";
	static const char mt[] = "00000000fc078000-00000000fc07c095 0000:0a:00.0 base BAR 0 (I/O)\n";

	T_OK(im_qtree_looks(qt, strlen(qt)), "looks: a dev: line is info qtree");
	T_OK(!im_qtree_looks(mt, strlen(mt)), "looks: an mtree line is not");
}

/* txt as a pasted --qtree file, loaded into m (initialised, paste mode) */
static int load_paste(struct im_model *m, const char *txt, struct im_err *e)
{
	char path[] = "/tmp/im-qtree-paste.XXXXXX";
	int fd = mkstemp(path), r;

	if (fd < 0 || write(fd, txt, strlen(txt)) != (ssize_t)strlen(txt) || close(fd))
		exit(1);
	im_model_init(m);
	m->paste = true;
	r = im_qtree_load(m, path, e);
	unlink(path);
	return r;
}

/*
 * HMP info pci (hmp_info_pci_device: "  Bus %2d, device %3d, function %d:"),
 * which names no host device: --qtree and --mtree say to paste info qtree
 */
static void test_info_pci(void)
{
	static const char ip[] =
		"(qemu) info pci\n"
		"  Bus  0, device   4, function 0:\n"
		"    Ethernet controller: PCI device 8086:10d3\n"
		"      PCI subsystem 8086:0000\n"
		"      IRQ 11, pin A\n"
		"      BAR0: 32 bit memory at 0xfeb00000 [0xfeb1ffff].\n"
		"      id \"hostdev0\"\n";
	static const char qt[] = "      dev: vfio-pci, id \"hostdev4\"\n        host = \"0000:00:14.0\"\n";
	struct im_model m;
	struct im_err e = { 0 };
	int r;

	T_OK(im_info_pci_looks(ip, strlen(ip)), "info pci: looks like it");
	T_OK(!im_info_pci_looks(qt, strlen(qt)) && !im_info_pci_looks("Bus error\n", 10),
	     "info pci: qtree and other text do not");
	r = load_paste(&m, ip, &e);
	T_OK(r == -EINVAL && strstr(e.msg, "this is info pci output, which names no host device") &&
	     strstr(e.msg, "info qtree"), "info pci: --qtree says to paste info qtree");
	im_model_free(&m);
}

/*
 * x-no-mmap in a pasted qtree: the guest BAR says yes, no or (not in the
 * paste) unknown, and the report and explain say that a yes traps
 */
static char *view(const struct im_model *m, bool explain, bool json)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	if (!f)
		exit(1);
	if (explain)
		im_explain(f, m, 0x91000010, json);
	else if (json)
		im_report_json(f, m);
	else
		im_report_text(f, m);
	fclose(f);
	return out;
}

static void test_no_mmap(void)
{
	static const char *const prop[] = { "        x-no-mmap = true\n",
					    "        x-no-mmap = false\n", "" };
	static const enum im_tri want[] = { IM_TRI_YES, IM_TRI_NO, IM_TRI_UNKNOWN };
	static const char *const json[] = { "\"no_mmap\": true", "\"no_mmap\": false",
					    "\"no_mmap\": null" };

	for (int i = 0; i < 3; i++) {
		char txt[512], name[80];
		int r;
		struct im_model m;
		struct im_err e = { 0 };
		char *t, *x, *j;

		snprintf(txt, sizeof(txt), "      dev: vfio-pci, id \"hostdev4\"\n"
			 "        host = \"0000:00:14.0\"\n%s"
			 "        class USB controller, addr 0c:01.0, pci id 8086:a36d (sub 8086:7270)\n"
			 "        bar 0: mem at 0x91000000 [0x9100ffff]\n", prop[i]);
		r = load_paste(&m, txt, &e);
		snprintf(name, sizeof(name), "no-mmap %s: the guest BAR's x-no-mmap", json[i]);
		T_OK(r == 0 && m.nqbars == 1 && m.qbars[0].no_mmap == want[i], name);
		t = view(&m, false, false);
		x = view(&m, true, false);
		j = view(&m, false, true);
		snprintf(name, sizeof(name), "no-mmap %s: report and explain say it traps, or not", json[i]);
		T_OK(t && x && (strstr(t, "x-no-mmap=true: QEMU does not mmap it") != NULL) == (i == 0) &&
		     (strstr(x, "with x-no-mmap=true: the BAR is not mmapped") != NULL) == (i == 0), name);
		snprintf(name, sizeof(name), "no-mmap %s: in the JSON", json[i]);
		T_OK(j && strstr(j, json[i]), name);
		free(t);
		free(x);
		free(j);
		im_model_free(&m);
	}
}

int main(void)
{
	test_lab();
	test_qp();
	test_no_mmap();
	test_info_pci();
	test_paste();
	test_hosts();
	test_errors();
	test_looks();
	T_DONE();
}
