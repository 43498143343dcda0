// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the MMIO windows (sources/qmp-windows.c, checks/mmio.c,
 * views/mmio-view.c): the firmware read from QEMU's argv; windows known
 * with a BAR left out (bar-unassigned, window too small, the knob of the
 * firmware), known with every BAR in place (no bar-unassigned), and
 * unknown (no qom answer, no QMP at all: the why kept, JSON null).
 *
 * The answers are constructed, in the shapes QEMU gives: query-pci's
 * "regions" (an unmapped BAR's address is all ones, qmp_query_pci_regions
 * of io_regions[].addr = PCI_BAR_UNMAPPED) and qom-get of q35-pcihost's
 * pci-hole properties (a 1 GiB pci-hole64-size, SeaBIOS's window empty).
 */
#include "findings.h"
#include "iommu-map.h"
#include "checks/mmio.h"
#include "sources/qmp.h"
#include "t.h"

/* guest 00:01.0 has a 16 KiB BAR at 0xfebf0000; 00:10.0 a 32-bit BAR 0 at 0xfe000000
 * and a 2 GiB 64-bit BAR 2 */
static const char pci_fmt[] =
	"{\"return\": [{\"bus\": 0, \"devices\": ["
	" {\"bus\": 0, \"slot\": 1, \"function\": 0, \"regions\": ["
	"  {\"bar\": 0, \"type\": \"memory\", \"address\": 4273930240, \"size\": 16384,"
	"   \"prefetch\": false, \"mem_type_64\": false},"
	"  {\"bar\": 1, \"type\": \"io\", \"address\": 49152, \"size\": 32}]},"
	" {\"bus\": 0, \"slot\": 16, \"function\": 0, \"qdev_id\": \"hostdev0\","
	"  \"pci_bridge\": {\"devices\": []}, \"regions\": ["
	"  {\"bar\": 0, \"type\": \"memory\", \"address\": 4261412864, \"size\": 4096,"
	"   \"prefetch\": false, \"mem_type_64\": false},"
	"  {\"bar\": 2, \"type\": \"memory\", \"address\": %s, \"size\": 2147483648,"
	"   \"prefetch\": true, \"mem_type_64\": true}]}]}]}";

static const char qom_q35[] =
	"{\"path\": \"/machine/q35\", \"pci-hole-start\": 2147483648,"
	" \"pci-hole-end\": 4273995776, \"pci-hole64-start\": %s,"
	" \"pci-hole64-end\": %s, \"pci-hole64-size\": 1073741824}";

static bool has(const struct im_model *m, const char *code, const char *text)
{
	size_t i;

	for (i = 0; i < m->nfindings; i++)
		if (!strcmp(m->findings[i].code, code) &&
		    (!text || strstr(m->findings[i].message, text)))
			return true;
	return false;
}

static void firmware(void)
{
	char how[200];

	T_OK(im_firmware_parse("/usr/bin/qemu-system-x86_64 -m 1G", 33, how, sizeof(how)) ==
	     IM_FW_SEABIOS && strstr(how, "default"), "no -bios: SeaBIOS");
#define FW(s) im_firmware_parse(s, strlen(s), how, sizeof(how))
	T_OK(FW("qemu-system-x86_64 -bios /usr/share/OVMF/OVMF.fd") == IM_FW_OVMF,
	     "-bios OVMF.fd: OVMF");
	T_OK(strstr(how, "-bios /usr/share/OVMF/OVMF.fd") != NULL, "... says the words");
	T_OK(FW("qemu-system-x86_64 -drive if=pflash,format=raw,readonly=on,"
		"file=/usr/share/OVMF/OVMF_CODE_4M.fd") == IM_FW_OVMF, "-drive if=pflash: OVMF");
	T_OK(FW("qemu-system-x86_64 -blockdev node-name=fw,driver=file,"
		"filename=/usr/share/qemu/edk2-x86_64-code.fd -machine q35,pflash0=fw") == IM_FW_OVMF,
	     "-blockdev edk2 + pflash0: OVMF");
	T_OK(FW("qemu-system-x86_64 -drive if=pflash,format=raw,readonly=on,"
		"file=/usr/share/OVMF/OVMF_CODE_4M.fd -drive if=pflash,format=raw,"
		"file=/var/lib/libvirt/qemu/nvram/win11_VARS.fd") == IM_FW_OVMF &&
	     strstr(how, "OVMF_CODE_4M.fd"), "OVMF's code, then its variable store: OVMF, named by the code");
	T_OK(FW("qemu-system-x86_64 -drive if=pflash,file=/srv/fw/code.fd "
		"-drive if=pflash,file=/srv/fw/vars.fd") == IM_FW_OTHER, "two pflash of no OVMF path: other");
	T_OK(FW("qemu-system-x86_64 -machine q35,pflash0=fw") == IM_FW_OTHER,
	     "pflash0 of no OVMF path: other");
	T_OK(FW("qemu-system-x86_64 -bios /tmp/my.rom") == IM_FW_OTHER, "-bios other: other");
	T_OK(FW("qemu-system-x86_64 -bios") == IM_FW_SEABIOS, "-bios without a word: default");
#undef FW
	T_EQ_STR(im_firmware_name(IM_FW_OVMF), "ovmf", "name ovmf");
	T_OK(im_firmware_name(IM_FW_UNKNOWN) == NULL, "unknown: no name");
}

/* a model with host 0000:00:04.0 passed through as guest 0000:00:10.0 */
static void model(struct im_model *m, const char *gpa64, const char *h64s, const char *h64e,
		  const char *cmdline)
{
	struct im_qmp_raw raw = { 0 };
	struct im_device *d;
	char pci[2048], qom[512];

	im_model_free(m);
	im_model_init(m);
	m->devices = calloc(1, sizeof(*m->devices));
	m->ndevices = 1;
	d = &m->devices[0];
	snprintf(d->bdf, sizeof(d->bdf), "0000:00:04.0");
	d->guest_bdf = strdup("0000:00:10.0");
	d->bars[0] = (struct im_bar){ .index = 0, .kind = IM_BAR_MEM32, .size = 0x1000 };
	d->bars[2] = (struct im_bar){ .index = 2, .kind = IM_BAR_MEM64, .prefetch = true,
				      .size = 1ULL << 31 };
	d->bars[4] = (struct im_bar){ .index = 4, .kind = IM_BAR_MEM32, .size = 0x1000 };
	m->cmdline = cmdline ? strdup(cmdline) : NULL;
	snprintf(pci, sizeof(pci), pci_fmt, gpa64);
	snprintf(qom, sizeof(qom), qom_q35, h64s ? h64s : "0", h64e ? h64e : "0");
	raw.query_pci = pci;
	raw.qom_pci_host = h64s ? qom : NULL;
	T_OK(!im_mmio_parse(m, &raw), "parse");
}

static void json_of(const struct im_model *m, char *buf, size_t n)
{
	FILE *f = fmemopen(buf, n, "w");

	im_report_json(f, m);
	fclose(f);
	buf[n - 1] = 0;
}

static void known(void)
{
	struct im_model m;
	char *buf = malloc(1 << 16);

	im_model_init(&m);
	/* SeaBIOS put nothing above 4G: QEMU's 64-bit window is pci-hole64-size, 1 GiB */
	model(&m, "18446744073709551615", "4294967296", "5368709120",
	      "qemu-system-x86_64 -machine q35 -global q35-pcihost.pci-hole64-size=1G");
	T_OK(m.mmio.known && m.mmio.w64.present && m.mmio.w64.end - m.mmio.w64.start == 1ULL << 30,
	     "known: the 1 GiB 64-bit window");
	T_EQ_U64(m.mmio.nbars, 3, "three memory BARs (I/O left out)");
	T_OK(!im_mmio_check(&m), "check runs");
	T_OK(m.mmio.firmware == IM_FW_SEABIOS, "SeaBIOS by default");
	T_EQ_U64(m.mmio.w32.nbars, 2, "two BARs in the 32-bit window");
	T_EQ_U64(m.mmio.w32.used, 0x5000, "their bytes");
	T_OK(has(&m, "mmio-window", "64-bit MMIO window is 0x100000000-0x13fffffff (1G): 0 BAR(s)"),
	     "mmio-window finding for the 64-bit window");
	T_OK(has(&m, "bar-unassigned", "64-bit prefetchable BAR of 2G is not assigned (query-pci gives it no address"),
	     "the 2 GiB BAR is unassigned");
	T_OK(has(&m, "bar-unassigned", "is 1G, its largest free stretch 1G: too small for this 2G BAR, which is bigger than the whole window"),
	     "... the window too small, both sizes said");
	T_OK(has(&m, "bar-unassigned", "-global q35-pcihost.pci-hole64-size=2G"),
	     "... SeaBIOS: QEMU's knob, 2G");
	T_OK(has(&m, "bar-unassigned", "query-pci lists no such BAR"), "host BAR 4 missing in the guest");
	T_OK(m.nfindings && !strcmp(m.findings[m.nfindings - 1].subject, "0000:00:04.0 BAR 4"),
	     "... named by the host BDF");
	json_of(&m, buf, 1 << 16);
	T_OK(strstr(buf, "\"window_64\": {") && strstr(buf, "\"mmio_windows_unknown\": null"),
	     "json: the windows");

	/* OVMF: the knob is X-PciMmio64Mb, in MiB, a power of two */
	model(&m, "0", "4294967296", "5368709120",
	      "qemu-system-x86_64 -drive if=pflash,format=raw,file=/usr/share/OVMF/OVMF_CODE_4M.fd");
	T_OK(!im_mmio_check(&m), "check runs (OVMF)");
	T_OK(has(&m, "bar-unassigned", "it is at GPA 0"), "at GPA 0: unassigned");
	T_OK(has(&m, "bar-unassigned", "-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=2048"),
	     "OVMF: X-PciMmio64Mb=2048");

	/* absent: SeaBIOS placed it, and QEMU's window grew to cover it */
	model(&m, "545460846592", "545460846592", "549755813888", "qemu-system-x86_64");
	T_OK(!im_mmio_check(&m), "check runs (placed)");
	T_OK(!has(&m, "bar-unassigned", "64-bit prefetchable BAR of 2G"), "placed: no bar-unassigned for it");
	T_EQ_U64(m.mmio.w64.used, 1ULL << 31, "64-bit window: 2 GiB used");
	T_EQ_U64(m.mmio.w64.largest_gap, 1ULL << 31, "... 2 GiB free");
	free(buf);
	im_model_free(&m);
}

static void unknown(void)
{
	struct im_model m;
	char *buf = malloc(1 << 16);

	im_model_init(&m);
	/* query-pci but no qom answer (an older capture): windows unknown, BARs still checked */
	model(&m, "18446744073709551615", NULL, NULL, NULL);
	T_OK(!m.mmio.known && m.mmio.why && strstr(m.mmio.why, "not asked"), "no qom: unknown, why");
	T_OK(!im_mmio_check(&m), "check runs (unknown)");
	T_OK(has(&m, "bar-unassigned", "the windows are unknown"), "unassigned, cause unknown");
	T_OK(!has(&m, "mmio-window", NULL), "no window finding");
	T_OK(m.mmio.firmware == IM_FW_UNKNOWN, "no cmdline: firmware unknown");
	/* no QMP at all */
	im_model_free(&m);
	im_model_init(&m);
	T_OK(!im_mmio_check(&m) && !m.nfindings, "no QMP: no finding");
	T_OK(m.mmio.why && strstr(m.mmio.why, "give --qmp"), "... why: give --qmp");
	json_of(&m, buf, 1 << 16);
	T_OK(strstr(buf, "\"mmio_windows\": null") && strstr(buf, "\"mmio_windows_unknown\": \"no QMP"),
	     "json: null with why");
	/* neither host bridge answered */
	{
		struct im_qmp_raw raw = { .qom_pci_host = "{\"path\": null, \"error\": \"QMP error: Device '/machine/q35' not found\"}" };

		T_OK(!im_mmio_parse(&m, &raw) && !m.mmio.known && strstr(m.mmio.why, "not found"),
		     "no host bridge: unknown with QEMU's words");
		raw.qom_pci_host = "[1";
		T_OK(!im_mmio_parse(&m, &raw) && !m.mmio.known, "not JSON: unknown");
		raw.qom_pci_host = "{\"path\": \"/machine/q35\", \"pci-hole-start\": 5, \"pci-hole-end\": 4,"
				   " \"pci-hole64-start\": 0, \"pci-hole64-end\": 0}";
		T_OK(!im_mmio_parse(&m, &raw) && !m.mmio.known, "a window backwards: unknown");
	}
	free(buf);
	im_model_free(&m);
}

int main(void)
{
	firmware();
	known();
	unknown();
	T_DONE();
}
