// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * trace-fail.c - the lines of a QEMU log or paste that say a mapping FAILED,
 * and what their errno means there.  They carry the answer to most pasted
 * questions, so each becomes a finding that names the range and the errno.
 *   qemu-system-x86_64: kvm_set_user_memory_region: KVM_SET_USER_MEMORY_REGION
 *	failed, slot=1, start=0x100000000, size=0x8ff40000000: Invalid argument
 *	(QEMU's error_report; "REGION2" and ", flags=..., guest_memfd=..." in 9.0+)
 *   Region pc.ram: vfio_dma_map(0x55ba53e7a9d0, 0x100000000, 0xff30000000,
 *	0x7ed243e00000) = -22 (Invalid argument)	(container, iova, size, vaddr)
 *   vfio_container_dma_map(...) = -22 (Invalid argument)	(QEMU 8.2+, iommufd)
 *	a "warning: " before it (QEMU 10.0+: the section is a device's BAR, a
 *	RAM device, whose failed map QEMU does not treat as fatal) and, on the
 *	next line, the hint hw/vfio/listener.c's vfio_device_error_append()
 *	adds then: "%s: PCI peer-to-peer transactions on BARs are not
 *	supported.\n" (vbasedev->name: the device whose BAR it is)
 * and the trace events kvm_set_user_memory with ret < 0 and
 * iommufd_backend_map_dma / iommufd_backend_map_file_dma with "(ret)" not 0
 * (trace.c reads them).  iommufd's ret is the ioctl's, -1: the errno is on
 * the "IOMMU_IOAS_MAP failed: %m" line QEMU prints after it (trace.c gives
 * it to the event's failure), and the vfio_container_dma_map line after
 * that is the same failure (trace.c merges it).
 * Lines that only echo such a failure (VFIO_MAP_DMA failed: ..., VFIO_MAP_DMA:
 * -22, IOMMU_IOAS_MAP failed: ..., kvm_set_phys_mem: error registering slot:
 * ...) carry no range: they are understood and counted, nothing more.
 * A failure line a mail cut in two is joined to the lines after it by
 * trace.c (im_tfail_parse() says -EAGAIN while the line is incomplete).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "iommu-map.h"
#include "sources/trace.h"
#include "sources/widths.h"

/* the first occurrence of needle in [s, e), or NULL */
static const char *find(const char *s, const char *e, const char *needle)
{
	return s < e ? memmem(s, (size_t)(e - s), needle, strlen(needle)) : NULL;
}

static const char *blanks(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* "0x..." at p: past it, or NULL */
static const char *hex_at(const char *p, const char *e, uint64_t *v)
{
	const char *q;

	p = blanks(p, e);
	if (e - p < 3 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
		return NULL;
	for (q = p + 2; q < e && ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
				  (*q >= 'A' && *q <= 'F')); q++)
		;
	return im_parse_hex(p, (size_t)(q - p), v) ? NULL : q;
}

/* "key=0x..." in [s, e) */
static int key_hex(const char *s, const char *e, const char *key, uint64_t *v)
{
	const char *p = find(s, e, key);

	if (!p)
		return -ENOENT;
	return hex_at(p + strlen(key), e, v) ? 0 : -EINVAL;
}

/* the errno whose strerror() is [s, e), or 0 */
static int errno_named(const char *s, const char *e)
{
	int i;

	for (i = 1; i < 134; i++) {
		const char *m = strerror(i);

		if (strlen(m) == (size_t)(e - s) && !memcmp(m, s, (size_t)(e - s)))
			return i;
	}
	return 0;
}

static void trim(const char **s, const char **e)
{
	*s = blanks(*s, *e);
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

int im_tfail_errno(const char *s, const char *e)
{
	const char *p, *c;
	int r;

	trim(&s, &e);
	if ((r = errno_named(s, e)))
		return r;
	/* after the last ": ", whole or up to a ',' ("Bad address, PCI BAR?") */
	for (p = e; p > s + 1 && !(p[-2] == ':' && p[-1] == ' '); p--)
		;
	if (p <= s + 1)
		return 0;
	if ((r = errno_named(p, e)))
		return r;
	c = memchr(p, ',', (size_t)(e - p));
	return c ? errno_named(p, c) : 0;
}

#define P2P_HINT ": PCI peer-to-peer transactions on BARs are not supported."

bool im_tfail_p2p(const char *s, const char *e, char *dev, size_t n)
{
	const char *k = find(s, e, P2P_HINT), *d;

	if (!k || k == s)
		return false;
	/* QEMU's name of the device: the word before the hint */
	for (d = k; d > s && d[-1] != ' ' && d[-1] != '\t'; d--)
		;
	if (d == k)
		return false;
	snprintf(dev, n, "%.*s", (int)(k - d), d);
	return true;
}

static int parse_slot_error(const char *s, const char *e, const char *k,
			    struct im_trace_fail *f)
{
	const char *p = k + strlen("KVM_SET_USER_MEMORY_REGION"), *m;
	long long slot = -1;
	char num[12];
	size_t n;

	if (p < e && *p == '2')
		p++;
	if (!(p = find(p, e, " failed")))
		return 0;
	if (!find(p, e, "size=") || !(m = find(find(p, e, "size="), e, ": ")))
		return -EAGAIN;
	if ((k = find(p, e, "slot="))) {
		k += 5;
		for (n = 0; k + n < m && n + 1 < sizeof(num) && k[n] >= '0' && k[n] <= '9'; n++)
			num[n] = k[n];
		num[n] = 0;
		if (!n || sscanf(num, "%lld", &slot) != 1)
			return -EINVAL;
	}
	memset(f, 0, sizeof(*f));
	f->kind = IM_TFAIL_SLOT;
	f->dmabuf_fd = -1;
	f->slot_flags = -1;
	f->as_id = (int)(slot >= 0 ? slot >> 16 : -1);
	f->slot = (int)(slot >= 0 ? slot & 0xffff : -1);
	if (key_hex(p, m, "start=", &f->addr) || key_hex(p, m + 2, "size=", &f->size))
		return -EINVAL;
	m += 2;
	trim(&m, &e);
	f->err = errno_named(m, e);
	snprintf(f->msg, sizeof(f->msg), "%.*s", (int)(e - m), m);
	(void)s;
	return 1;
}

static int parse_dma_error(const char *s, const char *e, const char *k,
			   struct im_trace_fail *f)
{
	const char *p = memchr(k, '(', (size_t)(e - k)), *r;
	uint64_t v[4];
	long long ret;
	int i;

	if (!p || !memchr(p, ')', (size_t)(e - p)))
		return -EAGAIN;
	p++;
	for (i = 0; i < 4; i++) {
		if (!(p = hex_at(p, e, &v[i])))
			return -EINVAL;
		p = blanks(p, e);
		if (p >= e || *p != (i < 3 ? ',' : ')'))
			return -EINVAL;
		p++;
	}
	p = blanks(p, e);
	if (p >= e || *p != '=')
		return -EINVAL;
	p = blanks(p + 1, e);
	/* the return value, from [p, e) only: the line is no C string (sscanf
	 * read past its end, fuzz-trace found) */
	ret = 0;
	for (r = p + (p < e && *p == '-'); r < e && *r >= '0' && *r <= '9' && r - p <= 11; r++)
		ret = ret * 10 + (*r - '0');
	if (p >= e || *p != '-' || r == p + 1 || r - p > 11 || (r < e && *r >= '0' && *r <= '9'))
		return -EINVAL;
	ret = -ret;
	if (ret >= 0 || ret < -4095)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->kind = IM_TFAIL_DMA;
	f->as_id = f->slot = -1;
	f->addr = v[1];
	f->size = v[2];
	f->hva = v[3];
	f->have_hva = true;
	f->err = (int)-ret;
	f->dmabuf_fd = -1;
	f->slot_flags = -1;
	f->warning = find(s, k, "warning: ") != NULL;
	/* "Region pc.ram: vfio_dma_map(...)": the section QEMU was mapping */
	if ((p = find(s, k, "Region ")) && (r = find(p, k, ": ")) && r + 2 == k)
		snprintf(f->what, sizeof(f->what), "%.*s", (int)(r - p - 7), p + 7);
	return 1;
}

int im_tfail_parse(const char *s, const char *e, struct im_trace_fail *f)
{
	const char *k;

	if ((k = find(s, e, "KVM_SET_USER_MEMORY_REGION")))
		return parse_slot_error(s, e, k, f);
	if ((k = find(s, e, "vfio_container_dma_map(")) || (k = find(s, e, "vfio_dma_map(")))
		return parse_dma_error(s, e, k, f);
	/* "...: kvm_set_user_memory_region:" with the rest on the next line */
	k = e;
	trim(&s, &k);
	if (k - s >= 27 && !memcmp(k - 27, "kvm_set_user_memory_region:", 27))
		return -EAGAIN;
	return 0;
}

bool im_tfail_echo(const char *s, const char *e)
{
	return find(s, e, "VFIO_MAP_DMA failed") || find(s, e, "VFIO_MAP_DMA: -") ||
	       find(s, e, "IOMMU_IOAS_MAP failed") ||
	       find(s, e, "kvm_set_phys_mem: error registering slot");
}

/* bits needed to address the last byte of [a, a + size) */
static int bits_for(uint64_t a, uint64_t size)
{
	uint64_t last = a + (size ? size - 1 : 0);

	return last ? 64 - __builtin_clzll(last) : 1;
}

/* The AMD IOMMU's reserved HyperTransport range (FACTS: amd_iommu reserves it). */
#define HT_START 0xfd00000000ULL
#define HT_END   0xffffffffffULL

static void explain_dma(const struct im_trace_fail *f, char *b, size_t n)
{
	uint64_t last = f->addr + (f->size ? f->size - 1 : 0);
	int bits = bits_for(f->addr, f->size);

	switch (f->err) {
	case EINVAL:
		snprintf(b, n, "the host IOMMU refused the IOVA range: it lies outside the "
			 "IOMMU's address width or in a range it reserves. It needs %d-bit IOVAs%s%s",
			 bits, bits > 39 ? " (an IOMMU with 39-bit addressing, common on Intel "
			 "client CPUs, cannot map it)" : "",
			 f->addr <= HT_END && last >= HT_START ?
			 "; it overlaps 0xfd00000000-0xffffffffff, the HyperTransport range AMD "
			 "IOMMUs reserve" : "");
		break;
	case ENOMEM:
		snprintf(b, n, "out of memory for DMA: the locked-memory limit (ulimit -l, "
			 "RLIMIT_MEMLOCK) or vfio_iommu_type1's dma_entry_limit (65535 by default) "
			 "was reached");
		break;
	case EEXIST:
		snprintf(b, n, "part of the IOVA range was already mapped");
		break;
	case EFAULT:
		if (f->p2p_dev[0] || f->warning)
			snprintf(b, n, "the kernel could not pin the BAR's pages through QEMU's mmap of "
				 "it: the iommufd backend maps no BAR that way (QEMU: \"IOMMUFD doesn't "
				 "support mapping PCI BARs for now\"), and vfio's type1 container cannot "
				 "when the BAR's pages cannot be faulted in (memory decode off, the device "
				 "not in D0)");
		else
			snprintf(b, n, "the HVA could not be pinned: it is not mapped in QEMU, or it is "
				 "memory the kernel cannot pin for DMA");
		break;
	case 0:
		snprintf(b, n, "%s", f->msg[0] ? f->msg : f->kind == IM_TFAIL_DMA_TRACE ?
			 "QEMU prints the errno on the line after the event (\"IOMMU_IOAS_MAP "
			 "failed: ...\"), which is not in the log" : "the errno is not in the log");
		break;
	default:
		snprintf(b, n, "%s", strerror(f->err));
	}
}

static void explain_slot(const struct im_trace_fail *f, char *b, size_t n)
{
	int bits = bits_for(f->addr, f->size);

	switch (f->err) {
	case EINVAL:
		if ((f->size >> 12) > (1ULL << 31) - 1)
			snprintf(b, n, "KVM refuses a slot of more than 2^31-1 pages (8 TiB "
				 "with 4 KiB pages); this one has 0x%" PRIx64 " pages", f->size >> 12);
		else if ((f->addr | f->size) & 0xfff)
			snprintf(b, n, "KVM refuses a slot that is not page-aligned");
		else
			snprintf(b, n, "KVM refused the slot; on x86 (Linux 5.19+) it refuses one "
				 "that ends above the host's physical address width, and this one "
				 "needs %d bits; a bad flag or HVA gives EINVAL too%s", bits,
				 f->slot_flags > 0 && (f->slot_flags & 0x4) ?
				 ", and so does a guest_memfd range another slot already binds "
				 "(this slot's flags have KVM_MEM_GUEST_MEMFD, 0x4)" : "");
		break;
	case EEXIST:
		snprintf(b, n, "the GPA range overlaps a slot that already exists in the same "
			 "address space");
		break;
	default:
		snprintf(b, n, "%s", f->err ? strerror(f->err) : f->msg[0] ? f->msg :
			 "an error QEMU did not name");
	}
}

void im_tfail_explain(const struct im_trace_fail *f, char *b, size_t n)
{
	if (f->kind == IM_TFAIL_DMA || f->kind == IM_TFAIL_DMA_TRACE)
		explain_dma(f, b, n);
	else
		explain_slot(f, b, n);
}

/* not the same failure (kind, range and errno) */
static bool fail_differs(const struct im_trace_fail *x, const struct im_trace_fail *y)
{
	return x->kind != y->kind || x->addr != y->addr || x->size != y->size || x->err != y->err;
}

static int cmp_fail(const void *a, const void *b)
{
	const struct im_trace_fail *x = *(const struct im_trace_fail *const *)a;
	const struct im_trace_fail *y = *(const struct im_trace_fail *const *)b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	if (x->err != y->err)
		return x->err < y->err ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int dma_finding(struct im_model *m, const struct im_trace_fail *f, const char *file,
		       const char *again, const char *err, const char *why)
{
	char subj[64], host[64], bar[160];

	snprintf(subj, sizeof(subj), "iova 0x%" PRIx64, f->addr);
	if (f->dmabuf_fd >= 0)
		snprintf(host, sizeof(host), "dmabuf fd %d, no HVA", f->dmabuf_fd);
	else
		snprintf(host, sizeof(host), "HVA 0x%" PRIx64, f->hva);
	if (!f->p2p_dev[0] && !f->warning)
		return IM_FINDING(m, IM_F_DMA_MAP_FAILED, subj,
				  file, f->line, f->addr, f->addr + f->size - 1, host,
				  f->what[0] ? ", region " : "", f->what, again, err, why);
	if (f->p2p_dev[0])
		snprintf(bar, sizeof(bar), "a BAR of vfio device %s (QEMU: \"PCI peer-to-peer "
			 "transactions on BARs are not supported\")", f->p2p_dev);
	else
		snprintf(bar, sizeof(bar), "a vfio device's BAR (QEMU warns, not errs, only for "
			 "such a map; its next line, which names the device, is not in the paste)");
	return IM_FINDING(m, IM_F_DMA_MAP_FAILED_BAR, subj, file, f->line, f->addr,
			  f->addr + f->size - 1, host, bar, again, err, why);
}

static int one_finding(struct im_model *m, const struct im_trace_fail *f, size_t times,
		       const char *file)
{
	char why[700], subj[64], err[96], again[48] = "", slot[48] = "";

	if (times > 1)
		snprintf(again, sizeof(again), " (%zu times in the log)", times);
	im_tfail_explain(f, why, sizeof(why));
	if (f->err == EINVAL) {		/* which width it had to fit, and whether it is known */
		size_t k = strlen(why);

		snprintf(why + k, sizeof(why) - k, "; ");
		k = strlen(why);
		if (f->kind == IM_TFAIL_DMA || f->kind == IM_TFAIL_DMA_TRACE)
			im_width_clause(&m->iommu_width, "the host IOMMU", "maps", why + k, sizeof(why) - k);
		else
			im_width_clause(&m->cpu_width, "the host CPU", "addresses", why + k, sizeof(why) - k);
	}
	if (f->err)
		snprintf(err, sizeof(err), "-%d (%s)", f->err,
			 strerrorname_np(f->err) ? strerrorname_np(f->err) : "?");
	else if (f->kind == IM_TFAIL_DMA_TRACE)
		snprintf(err, sizeof(err), "the ioctl returned -1, its errno not named");
	else
		snprintf(err, sizeof(err), "%s", f->msg[0] ? f->msg : "no errno named");
	if (f->kind == IM_TFAIL_DMA || f->kind == IM_TFAIL_DMA_TRACE)
		return dma_finding(m, f, file, again, err, why);
	if (f->slot >= 0)
		snprintf(slot, sizeof(slot), " %d (address space %d)", f->slot, f->as_id);
	snprintf(subj, sizeof(subj), "gpa 0x%" PRIx64, f->addr);
	return IM_FINDING(m, IM_F_MEMSLOT_FAILED, subj,
			  file, f->line, slot, f->addr, f->addr + f->size - 1,
			  f->kind == IM_TFAIL_SLOT_TRACE ? " (trace event)" : "", again, err, why);
}

/* a failed DMA map, for explain (model.h: struct im_dma_fail) */
static int add_dma_fail(struct im_model *m, const struct im_trace_fail *f)
{
	struct im_dma_fail *v;

	if (f->kind != IM_TFAIL_DMA && f->kind != IM_TFAIL_DMA_TRACE)
		return 0;
	v = realloc(m->dma_fails, (m->ndma_fails + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	m->dma_fails = v;
	v = &v[m->ndma_fails++];
	memset(v, 0, sizeof(*v));
	v->iova = f->addr;
	v->size = f->size;
	v->hva = f->hva;
	v->have_hva = f->have_hva;
	v->err = f->err;
	v->line = f->line;
	memcpy(v->bar_dev, f->p2p_dev, sizeof(v->bar_dev));
	return 0;
}

/*
 * One finding per distinct failure (kind, range, errno), at its first line,
 * with how often the log repeats it; in the order of the log.
 */
int im_tfail_findings(struct im_model *m, const struct im_trace *t, const char *file)
{
	const struct im_trace_fail **v;
	size_t i, j, *times;
	int r = 0;

	if (!t->nfails)
		return 0;
	v = calloc(t->nfails, sizeof(*v));
	times = calloc(t->nfails, sizeof(*times));
	if (!v || !times) {
		free(v);
		free(times);
		return -ENOMEM;
	}
	for (i = 0; i < t->nfails; i++)
		v[i] = &t->fails[i];
	qsort(v, t->nfails, sizeof(*v), cmp_fail);
	for (i = 0; i < t->nfails; i = j) {	/* times[] of each group's first, by index */
		for (j = i + 1; j < t->nfails && !fail_differs(v[i], v[j]); j++)
			;
		times[v[i] - t->fails] = j - i;
	}
	for (i = 0; i < t->nfails && !r; i++)
		if (times[i]) {
			r = one_finding(m, &t->fails[i], times[i], file);
			/* explain answers of the target's addresses: not from another
			 * process's log, whose failures are findings only */
			if (!r && !t->other_process)
				r = add_dma_fail(m, &t->fails[i]);
		}
	free(v);
	free(times);
	return r;
}
