// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the address widths (iommu-width.c, cpuinfo.c, physbits.c)
 * and their check (checks/widths.c): each limit known and exceeded, known
 * and met (no finding), and unknown (no finding, the why kept).
 */
#include "findings.h"
#include "iommu-map.h"
#include "sources/widths.h"
#include "t.h"

static const char *argv_of(const char *s)
{
	return s;	/* blanks split words, as in the model's cmdline */
}

static unsigned int phys(const char *cmd, unsigned int host, struct im_width *w)
{
	im_width_free(w);
	im_physbits_parse(argv_of(cmd), strlen(cmd), host, w);
	return w->bits;
}

static void parsers(void)
{
	unsigned int mgaw, sagaw, bits = 0;
	uint64_t cap = 0;
	struct im_width w = { 0 };

	/* a client part: MGAW 39, SAGAW 3-level only */
	T_OK(!im_vtd_cap_parse("d2008c40660462\n", 15, &cap), "vtd: cap parses");
	T_EQ_U64(im_vtd_domain_width(cap, &mgaw, &sagaw), 39, "vtd: width 39");
	T_EQ_U64(mgaw, 39, "vtd: MGAW 39");
	/* MGAW 48 (field 47), SAGAW 39/48: 48 */
	T_EQ_U64(im_vtd_domain_width((47ULL << 16) | (6ULL << 8), &mgaw, &sagaw), 48, "vtd: 48");
	/* MGAW 46 with a 4-level table: MGAW caps it */
	T_EQ_U64(im_vtd_domain_width((45ULL << 16) | (4ULL << 8), &mgaw, &sagaw), 46, "vtd: MGAW caps");
	T_EQ_U64(im_vtd_domain_width(47ULL << 16, &mgaw, &sagaw), 0, "vtd: no SAGAW bit: none");
	T_OK(im_vtd_cap_parse("zz\n", 3, &cap) == -EINVAL, "vtd: not hex");
	T_OK(im_vtd_cap_parse("", 0, &cap) == -EINVAL, "vtd: empty");

	T_OK(!im_cpuinfo_parse("processor\t: 0\naddress sizes\t: 46 bits physical, 48 bits virtual\n",
			       63, &bits) && bits == 46, "cpuinfo: 46 bits");
	T_OK(im_cpuinfo_parse("processor\t: 0\n", 14, &bits) == -ENOENT, "cpuinfo: no line");
	T_OK(im_cpuinfo_parse("address sizes : lots\n", 21, &bits) == -EINVAL, "cpuinfo: malformed");

	T_EQ_U64(phys("/usr/bin/qemu-system-x86_64 -accel kvm -cpu qemu64,phys-bits=39", 46, &w), 39,
		 "phys-bits=39");
	T_EQ_U64(phys("/usr/bin/qemu-system-x86_64 -enable-kvm -cpu host", 46, &w), 46,
		 "-cpu host under KVM: the host's");
	T_EQ_U64(phys("/usr/bin/qemu-system-x86_64 -enable-kvm -cpu host,host-phys-bits-limit=39", 46, &w),
		 39, "host-phys-bits-limit caps");
	T_EQ_U64(phys("/usr/bin/qemu-system-x86_64 -enable-kvm -cpu host", 0, &w), 0,
		 "-cpu host, host unknown: unknown");
	T_OK(w.why && strstr(w.why, "unknown"), "... with why");
	T_EQ_U64(phys("/usr/bin/qemu-system-x86_64 -m 1G", 46, &w), 40, "no -cpu: qemu64's 40");
	T_EQ_U64(phys("/usr/bin/qemu-system-x86_64 -cpu max", 46, &w), 0, "max without KVM: unknown");
	T_EQ_U64(phys("/usr/bin/qemu-system-aarch64 -cpu max", 46, &w), 0, "not x86: unknown");
	T_EQ_U64(phys("/usr/bin/kvm -id 100 -cpu Cascadelake-Server,phys-bits=48", 46, &w), 48,
		 "Proxmox's /usr/bin/kvm: x86");
	T_EQ_U64(phys("/usr/bin/lkvm -cpu qemu64,phys-bits=48", 46, &w), 0, "lkvm: not QEMU's x86");
	T_EQ_U64(phys("/usr/bin/qemu-system-x86_64 -cpu qemu64,phys-bits=x", 46, &w), 0,
		 "bad phys-bits: unknown");
	T_EQ_U64(phys("/usr/bin/qemu-system-x86_64 -cpu qemu64 -global cpu.phys-bits=44", 46, &w), 0,
		 "-global phys-bits: unknown");
	im_width_free(&w);
}

/* one device with a guest BAR at gpa (size 0x1000), no memslots */
static void model(struct im_model *m, uint64_t gpa)
{
	im_model_free(m);
	im_model_init(m);
	m->devices = calloc(1, sizeof(struct im_device));
	m->ndevices = 1;
	snprintf(m->devices[0].bdf, sizeof(m->devices[0].bdf), "0000:01:00.0");
	m->devices[0].bars[2].kind = IM_BAR_MEM64;
	m->devices[0].bars[2].size = 0x1000;
	m->devices[0].bars[2].have_guest_gpa = true;
	m->devices[0].bars[2].guest_gpa = gpa;
}

static bool has(const struct im_model *m, const char *code)
{
	size_t i;

	for (i = 0; i < m->nfindings; i++)
		if (!strcmp(m->findings[i].code, code))
			return true;
	return false;
}

static void checks(void)
{
	struct im_model m;

	im_model_init(&m);
	/* known, exceeded: 0x3fff00000000 needs 46 bits, MGAW 39 maps 39 */
	model(&m, 0x3fff00000000ULL);
	im_width_known(&m.iommu_width, 39, "dmar0: MGAW 39, SAGAW 39");
	im_width_known(&m.cpu_width, 46, "cpuinfo");
	im_width_known(&m.guest_width, 40, "-cpu qemu64");
	T_OK(!im_widths_check(&m), "check runs");
	T_OK(has(&m, "gpa-beyond-iommu-width"), "known, exceeded: iommu finding");
	T_OK(!has(&m, "gpa-beyond-cpu-width"), "known, met: no cpu finding");
	T_OK(has(&m, "gpa-beyond-guest-width"), "known, exceeded: guest finding");
	T_OK(m.nfindings && strstr(m.findings[0].message, "needs 46 address bits") &&
	     strstr(m.findings[0].message, "MGAW 39"), "says the bits and the limit");
	/* unknown: no finding */
	model(&m, 0x3fff00000000ULL);
	im_width_unknown(&m.iommu_width, "sys/class/iommu: no IOMMU unit");
	T_OK(!im_widths_check(&m) && !m.nfindings, "unknown: no finding");
	/* absent: nothing past any width */
	model(&m, 0xfe000000ULL);
	im_width_known(&m.iommu_width, 39, "dmar0");
	T_OK(!im_widths_check(&m) && !m.nfindings, "below the width: no finding");
	im_model_free(&m);
}

int main(void)
{
	parsers();
	checks();
	T_DONE();
}
