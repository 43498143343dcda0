// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * physbits.c - the guest's physical address width (phys-bits: CPUID
 * 0x80000008 EAX[7:0]), from QEMU's command line.  What QEMU does
 * (target/i386/cpu.c x86_cpu_realizefn and host-cpu.c, the same in 7.2,
 * 10.0 and 11.1 as far as read):
 *   - host-phys-bits=on: the host's MAXPHYADDR, capped by
 *     host-phys-bits-limit=N; it overrides phys-bits=N.  -cpu host and -cpu
 *     max under KVM default to host-phys-bits=on (host_cpu_max_instance_init).
 *   - else phys-bits=N.
 *   - else 40 (TCG_PHYS_ADDR_BITS): every named model (qemu64, the default;
 *     Skylake-Server, ...) leaves phys_bits 0, which becomes 40, under KVM
 *     and TCG alike ("the default is the value used by TCG (40)").
 * QEMU 9.0 added guest-phys-bits= (CPUID 0x80000008 EAX[23:16]), a hint to
 * the firmware of how much to use; it does not change phys-bits.  A machine
 * type's compat properties or -global/-set could change these; they are
 * not read, so a -global of phys-bits makes the width unknown.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "sources/widths.h"

struct cpu_opts {
	bool x86, kvm, global;		/* global: a -global/-set of the CPU's width */
	char model[64];
	int host_phys_bits;		/* -1 not given, 0 off, 1 on */
	unsigned int phys_bits, limit;	/* 0: not given */
	bool bad;			/* a number that is not one */
};

/* the next word of [*p, e) split at NUL or blank: its length, 0 at the end */

static bool prefix(const char *w, size_t n, const char *lit)
{
	return n >= strlen(lit) && !memcmp(w, lit, strlen(lit));
}

static unsigned int number(const char *s, size_t n, bool *bad)
{
	unsigned int v = 0;
	size_t i;

	for (i = 0; i < n && v < 1000; i++) {
		if (s[i] < '0' || s[i] > '9') {
			*bad = true;
			return 0;
		}
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (!n || v > 64)
		*bad = true;
	return v;
}

static int onoff(const char *s, size_t n)
{
	return im_word_is(s, n, "on") || im_word_is(s, n, "true") || im_word_is(s, n, "yes") || !n;
}

/* "-cpu MODEL,key=val,...": the last -cpu wins, as in QEMU */
static void cpu_arg(struct cpu_opts *o, const char *w, size_t n)
{
	const char *e = w + n, *c = memchr(w, ',', n);
	size_t mn = c ? (size_t)(c - w) : n;

	snprintf(o->model, sizeof(o->model), "%.*s", (int)mn, w);
	o->host_phys_bits = -1;
	o->phys_bits = o->limit = 0;
	for (w = c; w && w < e; w = c) {
		const char *eq;

		w++;
		c = memchr(w, ',', (size_t)(e - w));
		n = c ? (size_t)(c - w) : (size_t)(e - w);
		eq = memchr(w, '=', n);
		if (!eq)
			continue;
		if (prefix(w, n, "phys-bits="))
			o->phys_bits = number(eq + 1, n - 10, &o->bad);
		else if (prefix(w, n, "host-phys-bits="))
			o->host_phys_bits = onoff(eq + 1, n - 15);
		else if (prefix(w, n, "host-phys-bits-limit="))
			o->limit = number(eq + 1, n - 21, &o->bad);
	}
}

static void read_argv(struct cpu_opts *o, const char *p, const char *e)
{
	size_t n = im_cmdline_word(&p, e), a;
	const char *arg;

	o->host_phys_bits = -1;
	snprintf(o->model, sizeof(o->model), "qemu64");
	/* Proxmox runs QEMU as /usr/bin/kvm, its link to qemu-system-x86_64 */
	o->x86 = n && (memmem(p, n, "x86_64", 6) || memmem(p, n, "i386", 4) ||
		       memmem(p, n, "qemu-kvm", 8) || (n >= 3 && !memcmp(p + n - 3, "kvm", 3) &&
						      (n == 3 || p[n - 4] == '/')));
	for (p += n; (n = im_cmdline_word(&p, e)); p += n) {
		if (im_word_is(p, n, "-enable-kvm") || im_word_is(p, n, "--enable-kvm")) {
			o->kvm = true;
			continue;
		}
		if (!im_word_is(p, n, "-cpu") && !im_word_is(p, n, "-accel") && !im_word_is(p, n, "-machine") &&
		    !im_word_is(p, n, "-M") && !im_word_is(p, n, "-global") && !im_word_is(p, n, "-set"))
			continue;
		arg = p + n;
		if (!(a = im_cmdline_word(&arg, e)))
			break;
		if (im_word_is(p, n, "-cpu"))
			cpu_arg(o, arg, a);
		else if (im_word_is(p, n, "-accel"))
			o->kvm = prefix(arg, a, "kvm");
		else if (im_word_is(p, n, "-global") || im_word_is(p, n, "-set"))
			o->global = o->global || memmem(arg, a, "phys-bits", 9);
		else if (memmem(arg, a, "accel=kvm", 9))
			o->kvm = true;
		p = arg;
		n = a;
	}
}

static int host_bits(const struct cpu_opts *o, unsigned int host, struct im_width *w)
{
	const char *how = o->host_phys_bits == 1 ? "host-phys-bits=on" : "-cpu host/max under KVM: host-phys-bits=on by default";

	if (!host)
		return im_width_unknown(w, "%s: the host CPU's width, which is unknown", how);
	if (o->limit && o->limit < host)
		return im_width_known(w, o->limit, "%s, host-phys-bits-limit=%u", how, o->limit);
	return im_width_known(w, host, "%s: the host CPU's", how);
}

int im_physbits_parse(const char *argv, size_t len, unsigned int host, struct im_width *w)
{
	struct cpu_opts o;
	bool hostish;

	memset(&o, 0, sizeof(o));
	read_argv(&o, argv, argv + len);
	hostish = !strcmp(o.model, "host") || !strcmp(o.model, "max");
	if (!o.x86)
		return im_width_unknown(w, "not an x86 QEMU (argv[0]): phys-bits is x86's");
	if (o.bad)
		return im_width_unknown(w, "-cpu %s: a phys-bits value that is not a number of bits",
					o.model);
	if (o.global)
		return im_width_unknown(w, "-global/-set of phys-bits: not read");
	if (o.host_phys_bits == 1 || (o.host_phys_bits < 0 && hostish && o.kvm))
		return host_bits(&o, host, w);
	if (o.phys_bits)
		return im_width_known(w, o.phys_bits, "-cpu %s,phys-bits=%u", o.model, o.phys_bits);
	if (hostish)
		return im_width_unknown(w, "-cpu %s without KVM: QEMU's default for it without KVM is not known here",
					o.model);
	return im_width_known(w, 40, "-cpu %s without phys-bits: QEMU's default for a named CPU model",
			      o.model);
}

int im_physbits_load(struct im_model *m)
{
	if (m->paste)
		return im_width_unknown(&m->guest_width, "not known in paste mode (QEMU's -cpu ...,phys-bits= or host-phys-bits=)");
	if (!m->cmdline || !m->cmdline[0])
		return im_width_unknown(&m->guest_width, "QEMU's command line (proc/%d/cmdline) was not read",
					m->pid);
	return im_physbits_parse(m->cmdline, strlen(m->cmdline), m->cpu_width.bits,
				 &m->guest_width);
}
