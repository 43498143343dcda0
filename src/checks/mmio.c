// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mmio.c - the root bus's 32-bit and 64-bit MMIO windows (sources/
 * qmp-windows.c fills them): how full each is, which guest BARs are left
 * unassigned, why, and the knob of the firmware in use.
 *
 * Who sizes the 64-bit window (read in the firmwares' sources):
 *   - SeaBIOS (QEMU's default x86 firmware, bios-256k.bin, when neither
 *     -bios nor pflash is given): src/fw/pciinit.c pci_bios_map_devices()
 *     moves the 64-bit BARs above 4 GiB into a window it sizes to their sum
 *     (1 GiB-aligned), placed below 2^phys-bits (at most 2^44); it reads no
 *     pci-hole64-size.  QEMU then reports pci-hole64-end as the larger of
 *     the firmware's last 64-bit BAR and start + pci-hole64-size
 *     (hw/pci-host/q35.c, i440fx.c): -global q35-pcihost.pci-hole64-size=NG
 *     (i440FX-pcihost for -machine pc) sizes what QEMU offers the guest OS.
 *   - OVMF: OvmfPkg/Library/PlatformInitLib/MemDetect.c reads the fw_cfg
 *     file opt/ovmf/X-PciMmio64Mb (MiB, up to 16 TiB) as the 64-bit
 *     aperture's size; PciBusDxe leaves a BAR that does not fit unassigned.
 *     Given as -fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=N.
 * OVMF is recognised by its path (-bios, -drive if=pflash, -blockdev):
 * "ovmf" or "edk2" in it, as Debian's /usr/share/OVMF/ and QEMU's
 * edk2-x86_64-code.fd are named.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "iommu-map.h"
#include "checks/mmio.h"

/* the next word of [*p, e) split at NUL or blank: its length, 0 at the end */

static bool has(const char *w, size_t n, const char *lit)
{
	size_t k = strlen(lit), i, j;

	for (i = 0; i + k <= n; i++) {
		for (j = 0; j < k && (w[i + j] | 0x20) == lit[j]; j++)
			;
		if (j == k)
			return true;
	}
	return false;
}

static bool edk2(const char *w, size_t n)
{
	return has(w, n, "ovmf") || has(w, n, "edk2");
}

enum im_firmware im_firmware_parse(const char *argv, size_t len, char *how, size_t hn)
{
	const char *p = argv, *e = argv + len, *arg;
	enum im_firmware f = IM_FW_SEABIOS;
	bool pflash = false;
	size_t n, a;

	snprintf(how, hn, "no -bios or pflash: QEMU's default, SeaBIOS");
	for (p += im_cmdline_word(&p, e); (n = im_cmdline_word(&p, e)); p += n) {
		bool bios = im_word_is(p, n, "-bios"), drive = im_word_is(p, n, "-drive"),
		     bdev = im_word_is(p, n, "-blockdev"), mach = im_word_is(p, n, "-machine") || im_word_is(p, n, "-M");

		if (!bios && !drive && !bdev && !mach)
			continue;
		arg = p + n;
		if (!(a = im_cmdline_word(&arg, e)))
			break;
		/* a later pflash drive (OVMF's variable store: libvirt's nvram/VM_VARS.fd,
		 * Proxmox's efidisk) does not make OVMF's code something else */
		if ((bios || (drive && has(arg, a, "if=pflash")) || (bdev && edk2(arg, a))) &&
		    (f != IM_FW_OVMF || edk2(arg, a))) {
			f = edk2(arg, a) ? IM_FW_OVMF : IM_FW_OTHER;
			snprintf(how, hn, "%.*s %.*s", (int)n, p, (int)(a > 160 ? 160 : a), arg);
		} else if (mach && has(arg, a, "pflash0=") && f == IM_FW_SEABIOS) {
			pflash = true;
			snprintf(how, hn, "%.*s %.*s", (int)n, p, (int)(a > 160 ? 160 : a), arg);
		}
		p = arg;
		n = a;
	}
	if (pflash && f == IM_FW_SEABIOS)
		f = IM_FW_OTHER;	/* a pflash0 node whose file does not say OVMF */
	return f;
}

const char *im_firmware_name(enum im_firmware f)
{
	static const char *const names[] = { NULL, "seabios", "ovmf", "other" };

	return f <= IM_FW_OTHER ? names[f] : NULL;
}

static bool inside(const struct im_mmio_window *w, const struct im_guest_pci_bar *b)
{
	return w->present && b->gpa != UINT64_MAX && b->gpa >= w->start && b->size &&
	       b->gpa + b->size - 1 < w->end && b->gpa + b->size - 1 >= b->gpa;
}

/*
 * The window's use, and whether a naturally aligned stretch of size fits
 * in a free part of it (size 0: no question).
 */
static bool window_scan(const struct im_mmio *m, struct im_mmio_window *w, uint64_t size)
{
	uint64_t cur = w->start, gap;
	bool fits = false;
	size_t i;

	w->used = w->largest_gap = 0;
	w->nbars = 0;
	for (i = 0; i <= m->nbars; i++) {
		const struct im_guest_pci_bar *b = i < m->nbars ? &m->bars[i] : NULL;
		uint64_t to = b ? b->gpa : w->end, at;

		if (b && !inside(w, b))
			continue;
		gap = to > cur ? to - cur : 0;
		if (gap > w->largest_gap)
			w->largest_gap = gap;
		at = size ? (cur + size - 1) & ~(size - 1) : 0;
		if (size && at >= cur && at < to && to - at >= size)
			fits = true;
		if (!b)
			break;
		w->used += b->size;
		w->nbars++;
		if (b->gpa + b->size > cur)
			cur = b->gpa + b->size;
	}
	return fits;
}

struct devref {
	const char *gbdf;
	int dev;
};

static int by_gbdf(const void *a, const void *b)
{
	return strcmp(((const struct devref *)a)->gbdf, ((const struct devref *)b)->gbdf);
}

/* each guest BAR's host device (a vfio-pci one tied by QMP), by guest BDF */
static int tie_devices(struct im_model *m, struct devref **out, size_t *nout)
{
	struct devref *v = calloc(m->ndevices + 1, sizeof(*v)), key, *hit;
	size_t i, n = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < m->ndevices; i++)
		if (m->devices[i].guest_bdf)
			v[n++] = (struct devref){ m->devices[i].guest_bdf, (int)i };
	qsort(v, n, sizeof(*v), by_gbdf);
	for (i = 0; i < m->mmio.nbars; i++) {
		key.gbdf = m->mmio.bars[i].guest_bdf;
		hit = n ? bsearch(&key, v, n, sizeof(*v), by_gbdf) : NULL;
		m->mmio.bars[i].dev = hit ? hit->dev : -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

static uint64_t pow2_at_least(uint64_t v)
{
	uint64_t p = 1;

	while (p < v && p < (1ULL << 62))
		p <<= 1;
	return p;
}

/* the bytes the 64-bit BARs need: those above 4 GiB and those left out */
static uint64_t need64(const struct im_mmio *w)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < w->nbars; i++)
		if (w->bars[i].mem64 && !inside(&w->w32, &w->bars[i]))
			sum += w->bars[i].size;
	return sum;
}

static void knob(const struct im_mmio *w, char *b, size_t n)
{
	uint64_t need = need64(w);
	unsigned long long mb = pow2_at_least((need + (1ULL << 20) - 1) >> 20);
	unsigned long long gb = pow2_at_least((need + (1ULL << 30) - 1) >> 30);
	const char *host = !w->host_bridge ? "q35-pcihost (i440FX-pcihost for -machine pc)" :
			   strstr(w->host_bridge, "i440fx") ? "i440FX-pcihost" : "q35-pcihost";
	char sz[32];

	im_human_size(need, sz);
	if (w->firmware == IM_FW_OVMF)
		snprintf(b, n, "OVMF (%s) sizes its 64-bit aperture from opt/ovmf/X-PciMmio64Mb: "
			 "-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=%llu (MiB) fits the %s of 64-bit BARs",
			 w->firmware_why, mb, sz);
	else if (w->firmware == IM_FW_SEABIOS)
		snprintf(b, n, "SeaBIOS (%s) sizes its 64-bit window to fit every 64-bit BAR, below "
			 "2^phys-bits (at most 2^44): a 64-bit BAR it left out did not fit there, a 32-bit "
			 "one did not fit below 4 GiB; -global %s.pci-hole64-size=%lluG sizes what QEMU "
			 "offers the guest OS for the %s of 64-bit BARs",
			 w->firmware_why, host, gb, sz);
	else
		snprintf(b, n, "The firmware is %s: with OVMF, -fw_cfg name=opt/ovmf/X-PciMmio64Mb,"
			 "string=%llu (MiB); with SeaBIOS, -global %s.pci-hole64-size=%lluG (the 64-bit "
			 "BARs take %s)", w->firmware_why ? w->firmware_why : "unknown", mb, host, gb, sz);
}

/* why the BAR is out: the window it belongs in, and whether it had room */
static void cause(const struct im_mmio *w, const struct im_guest_pci_bar *g, char *b, size_t n)
{
	struct im_mmio_window win = g->mem64 && w->w64.present ? w->w64 : w->w32;
	unsigned int bits = g->mem64 && w->w64.present ? 64 : 32;
	char ws[32], gs[32], bs[32];

	if (!w->known) {
		snprintf(b, n, "the windows are unknown (%s)", w->why ? w->why : "not read");
		return;
	}
	if (!win.present) {
		snprintf(b, n, "QEMU reports no %u-bit window", bits);
		return;
	}
	im_human_size(g->size, bs);
	im_human_size(win.end - win.start, ws);
	if (window_scan(w, &win, g->size)) {
		snprintf(b, n, "the %u-bit window 0x%" PRIx64 "-0x%" PRIx64 " (%s) has an aligned free "
			 "stretch for it: not the window's size (memory decoding off, or the guest "
			 "released it)", bits, win.start, win.end - 1, ws);
		return;
	}
	im_human_size(win.largest_gap, gs);
	snprintf(b, n, "the %u-bit window 0x%" PRIx64 "-0x%" PRIx64 " is %s, its largest free stretch "
		 "%s: too small for this %s BAR%s", bits, win.start, win.end - 1, ws,
		 win.largest_gap ? gs : "0", bs,
		 g->size > win.end - win.start ? ", which is bigger than the whole window" : "");
}

static int unassigned(struct im_model *m, const struct im_guest_pci_bar *g, const char *how)
{
	const struct im_mmio *w = &m->mmio;
	char subj[80], what[40], sz[32], why[400], fix[480];

	if (g->dev >= 0)
		snprintf(subj, sizeof(subj), "%s BAR %d", m->devices[g->dev].bdf, g->bar);
	else
		snprintf(subj, sizeof(subj), "guest %s BAR %d", g->guest_bdf, g->bar);
	snprintf(what, sizeof(what), "%s%s", g->mem64 ? "64-bit" : "32-bit",
		 g->prefetch ? " prefetchable" : "");
	im_human_size(g->size, sz);
	cause(w, g, why, sizeof(why));
	knob(w, fix, sizeof(fix));
	return IM_FINDING(m, IM_F_BAR_UNASSIGNED, subj, what, sz, how, why, fix);
}

/* the guest BARs QEMU maps nowhere, at 0, or outside both windows */
static int check_bars(struct im_model *m, unsigned char *seen)
{
	const struct im_mmio *w = &m->mmio;
	char how[160];
	size_t i;
	int r = 0;

	for (i = 0; i < w->nbars && !r; i++) {
		const struct im_guest_pci_bar *g = &w->bars[i];

		if (g->dev >= 0)
			seen[g->dev] |= (unsigned char)(1u << g->bar);
		if (g->gpa == UINT64_MAX)
			snprintf(how, sizeof(how), "query-pci gives it no address: QEMU maps it nowhere, "
				 "so it is unprogrammed or the device's memory decoding is off");
		else if (!g->gpa)
			snprintf(how, sizeof(how), "it is at GPA 0");
		else if (w->known && !inside(&w->w32, g) && !inside(&w->w64, g))
			snprintf(how, sizeof(how), "it is at GPA 0x%" PRIx64 "-0x%" PRIx64
				 ", outside both windows", g->gpa, g->gpa + g->size - 1);
		else
			continue;
		r = unassigned(m, g, how);
	}
	return r;
}

/* host BARs of a passed-through device for which query-pci lists none */
static int check_missing(struct im_model *m, const unsigned char *seen)
{
	size_t i;
	int b, r = 0;

	for (i = 0; i < m->ndevices && !r; i++) {
		const struct im_device *d = &m->devices[i];

		if (!d->guest_bdf)
			continue;
		for (b = 0; b < IM_NBARS && !r; b++) {
			const struct im_bar *hb = &d->bars[b];
			struct im_guest_pci_bar g = { .bar = b, .gpa = UINT64_MAX, .size = hb->size,
						      .mem64 = hb->kind == IM_BAR_MEM64,
						      .prefetch = hb->prefetch, .dev = (int)i };

			if ((hb->kind != IM_BAR_MEM32 && hb->kind != IM_BAR_MEM64) || !hb->size ||
			    (seen[i] & (1u << b)))
				continue;
			snprintf(g.guest_bdf, sizeof(g.guest_bdf), "%s", d->guest_bdf);
			r = unassigned(m, &g, "the host has it, but query-pci lists no such BAR of the guest's device");
		}
	}
	return r;
}

static int window_finding(struct im_model *m, struct im_mmio_window *w, unsigned int bits)
{
	char size[32], used[32], gap[32];

	if (!w->present)
		return 0;
	window_scan(&m->mmio, w, 0);
	im_human_size(w->end - w->start, size);
	im_human_size(w->used, used);
	im_human_size(w->largest_gap, gap);
	return IM_FINDING(m, IM_F_MMIO_WINDOW, "root bus", bits, w->start, w->end - 1, size,
			  w->nbars, w->used ? used : "0", w->largest_gap ? gap : "0");
}

static int set_why(struct im_mmio *w, const char *why)
{
	w->why = strdup(why);
	return w->why ? 0 : -ENOMEM;
}

int im_mmio_check(struct im_model *m)
{
	struct im_mmio *w = &m->mmio;
	struct devref *refs = NULL;
	unsigned char *seen;
	char how[200];
	size_t nrefs;
	int r = 0;

	if (m->cmdline && m->cmdline[0]) {
		w->firmware = im_firmware_parse(m->cmdline, strlen(m->cmdline), how, sizeof(how));
		free(w->firmware_why);
		w->firmware_why = strdup(how);
		if (!w->firmware_why)
			return -ENOMEM;
	}
	if (!w->known && !w->why)
		r = set_why(w, m->paste ? "paste mode: give --qmp SOCKET; QEMU's info mtree has no window" :
			    "no QMP source: give --qmp SOCKET; the windows are the host bridge's "
			    "pci-hole properties, QEMU's info mtree has none");
	if (r || !w->bars_known)
		return r;
	seen = calloc(m->ndevices + 1, 1);
	if (!seen)
		return -ENOMEM;
	r = tie_devices(m, &refs, &nrefs);
	if (!r && w->known)
		r = window_finding(m, &w->w32, 32);
	if (!r && w->known)
		r = window_finding(m, &w->w64, 64);
	if (!r)
		r = check_bars(m, seen);
	if (!r)
		r = check_missing(m, seen);
	free(refs);
	free(seen);
	return r;
}
