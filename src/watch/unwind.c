// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unwind.c - libunwind-ptrace with every accessor wrapped: reads only,
 * never of a denied (device) address, no register writes, no resume.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* process_vm_readv */
#endif
#include <errno.h>
#include <libunwind-ptrace.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "watch/unwind.h"
#include "watch/uprobes.h"

/* _UPT handles are kept per thread: each caches the ELF image it read */
struct upt_ent {
	int tid;
	void *upt;
};

struct im_unwind {
	unw_addr_space_t as;
	unw_addr_space_t sas;		/* for samples */
	im_unwind_deny_fn deny;
	void *ctx;
	struct upt_ent *upts;
	size_t nupts;
};

/*
 * The accessors' arg is the _UPT handle itself (libunwind-ptrace passes it
 * on to nested accessor calls), so the filter is found here, set for the
 * duration of one im_unwind_tid() call.  Not reentrant.
 */
static struct im_unwind *cur;

/* the sample being unwound */
static struct {
	int pid;
	const uint64_t *regs;
	const uint8_t *stack;
	uint64_t sp, len;
} smp;

static int w_find_proc_info(unw_addr_space_t as, unw_word_t ip,
			    unw_proc_info_t *pi, int need, void *arg)
{
	return _UPT_find_proc_info(as, ip, pi, need, arg);
}

static void w_put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi,
			      void *arg)
{
	_UPT_put_unwind_info(as, pi, arg);
}

static int w_get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dil,
				    void *arg)
{
	return _UPT_get_dyn_info_list_addr(as, dil, arg);
}

static int w_access_mem(unw_addr_space_t as, unw_word_t addr,
			unw_word_t *val, int write, void *arg)
{
	if (write || !cur)
		return -UNW_EINVAL;
	if (cur->deny && (cur->deny(cur->ctx, addr) ||
			  cur->deny(cur->ctx, addr + sizeof(*val) - 1)))
		return -UNW_EINVAL;
	return _UPT_access_mem(as, addr, val, 0, arg);
}

static int w_access_reg(unw_addr_space_t as, unw_regnum_t reg,
			unw_word_t *val, int write, void *arg)
{
	if (write)
		return -UNW_EREADONLYREG;
	return _UPT_access_reg(as, reg, val, 0, arg);
}

static int w_access_fpreg(unw_addr_space_t as, unw_regnum_t reg,
			  unw_fpreg_t *val, int write, void *arg)
{
	if (write)
		return -UNW_EREADONLYREG;
	return _UPT_access_fpreg(as, reg, val, 0, arg);
}

static int w_resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	(void)as;
	(void)c;
	(void)arg;
	return -UNW_EINVAL;
}

static int w_get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf,
			   size_t len, unw_word_t *off, void *arg)
{
	return _UPT_get_proc_name(as, addr, buf, len, off,
				  arg);
}

static unw_accessors_t accessors = {
	.find_proc_info = w_find_proc_info,
	.put_unwind_info = w_put_unwind_info,
	.get_dyn_info_list_addr = w_get_dyn_info_list_addr,
	.access_mem = w_access_mem,
	.access_reg = w_access_reg,
	.access_fpreg = w_access_fpreg,
	.resume = w_resume,
	.get_proc_name = w_get_proc_name,
};

/* ---- samples: registers and memory from the copy, else the live process */

static int s_access_mem(unw_addr_space_t as, unw_word_t addr,
			unw_word_t *val, int write, void *arg)
{
	struct iovec l = { val, sizeof(*val) }, r = { (void *)(uintptr_t)addr,
						     sizeof(*val) };

	(void)as;
	(void)arg;
	if (write || !cur)
		return -UNW_EINVAL;
	if (addr >= smp.sp && addr - smp.sp <= smp.len &&
	    smp.len - (addr - smp.sp) >= sizeof(*val)) {
		memcpy(val, smp.stack + (addr - smp.sp), sizeof(*val));
		return 0;
	}
	if (cur->deny && (cur->deny(cur->ctx, addr) ||
			  cur->deny(cur->ctx, addr + sizeof(*val) - 1)))
		return -UNW_EINVAL;
	if (process_vm_readv(smp.pid, &l, 1, &r, 1, 0) != (ssize_t)sizeof(*val))
		return -UNW_EINVAL;
	return 0;
}

static int s_access_reg(unw_addr_space_t as, unw_regnum_t reg,
			unw_word_t *val, int write, void *arg)
{
	static const int map[] = {
		[UNW_X86_64_RAX] = IM_UP_AX, [UNW_X86_64_RDX] = IM_UP_DX,
		[UNW_X86_64_RCX] = IM_UP_CX, [UNW_X86_64_RBX] = IM_UP_BX,
		[UNW_X86_64_RSI] = IM_UP_SI, [UNW_X86_64_RDI] = IM_UP_DI,
		[UNW_X86_64_RBP] = IM_UP_BP, [UNW_X86_64_RSP] = IM_UP_SP,
		[UNW_X86_64_R8] = IM_UP_R8, [UNW_X86_64_R9] = IM_UP_R9,
		[UNW_X86_64_R10] = IM_UP_R10, [UNW_X86_64_R11] = IM_UP_R11,
		[UNW_X86_64_R12] = IM_UP_R12, [UNW_X86_64_R13] = IM_UP_R13,
		[UNW_X86_64_R14] = IM_UP_R14, [UNW_X86_64_R15] = IM_UP_R15,
		[UNW_X86_64_RIP] = IM_UP_IP,
	};

	(void)as;
	(void)arg;
	if (write)
		return -UNW_EREADONLYREG;
	if (reg < 0 || (size_t)reg >= sizeof(map) / sizeof(map[0]) ||
	    !smp.regs)
		return -UNW_EBADREG;
	*val = smp.regs[map[reg]];
	return 0;
}

static int s_access_fpreg(unw_addr_space_t as, unw_regnum_t reg,
			  unw_fpreg_t *val, int write, void *arg)
{
	(void)as;
	(void)reg;
	(void)val;
	(void)write;
	(void)arg;
	return -UNW_EBADREG;
}

static unw_accessors_t s_accessors = {
	.find_proc_info = w_find_proc_info,
	.put_unwind_info = w_put_unwind_info,
	.get_dyn_info_list_addr = w_get_dyn_info_list_addr,
	.access_mem = s_access_mem,
	.access_reg = s_access_reg,
	.access_fpreg = s_access_fpreg,
	.resume = w_resume,
	.get_proc_name = w_get_proc_name,
};

struct im_unwind *im_unwind_new(im_unwind_deny_fn deny, void *ctx)
{
	struct im_unwind *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->as = unw_create_addr_space(&accessors, 0);
	if (!u->as) {
		free(u);
		errno = ENOMEM;
		return NULL;
	}
	unw_set_caching_policy(u->as, UNW_CACHE_GLOBAL);
	u->sas = unw_create_addr_space(&s_accessors, 0);
	if (!u->sas) {
		unw_destroy_addr_space(u->as);
		free(u);
		errno = ENOMEM;
		return NULL;
	}
	unw_set_caching_policy(u->sas, UNW_CACHE_GLOBAL);
	u->deny = deny;
	u->ctx = ctx;
	return u;
}

static void drop_upts(struct im_unwind *u)
{
	for (size_t i = 0; i < u->nupts; i++)
		_UPT_destroy(u->upts[i].upt);
	free(u->upts);
	u->upts = NULL;
	u->nupts = 0;
}

void im_unwind_free(struct im_unwind *u)
{
	if (!u)
		return;
	drop_upts(u);
	unw_destroy_addr_space(u->as);
	unw_destroy_addr_space(u->sas);
	free(u);
}

void im_unwind_flush(struct im_unwind *u)
{
	if (!u)
		return;
	unw_flush_cache(u->as, 0, 0);
	unw_flush_cache(u->sas, 0, 0);
	drop_upts(u);
}

void im_unwind_forget(struct im_unwind *u, int tid)
{
	for (size_t i = 0; u && i < u->nupts; i++)
		if (u->upts[i].tid == tid) {
			_UPT_destroy(u->upts[i].upt);
			u->upts[i] = u->upts[--u->nupts];
			return;
		}
}

static void *get_upt(struct im_unwind *u, int tid)
{
	struct upt_ent *n;
	void *upt;

	for (size_t i = 0; i < u->nupts; i++)
		if (u->upts[i].tid == tid)
			return u->upts[i].upt;
	upt = _UPT_create(tid);
	if (!upt)
		return NULL;
	n = realloc(u->upts, (u->nupts + 1) * sizeof(*n));
	if (!n) {
		_UPT_destroy(upt);
		return NULL;
	}
	u->upts = n;
	u->upts[u->nupts].tid = tid;
	u->upts[u->nupts++].upt = upt;
	return upt;
}

static int walk(unw_cursor_t *cp, uint64_t *ips, size_t max);

int im_unwind_tid(struct im_unwind *u, int tid, uint64_t *ips, size_t max)
{
	unw_cursor_t c;
	void *upt;
	int ret;

	if (!u || !max)
		return -EINVAL;
	upt = get_upt(u, tid);
	if (!upt)
		return -ENOMEM;
	cur = u;
	ret = unw_init_remote(&c, u->as, upt);
	if (ret < 0) {
		cur = NULL;
		im_unwind_forget(u, tid);
		return -ESRCH;
	}
	return walk(&c, ips, max);
}

int im_unwind_sample(struct im_unwind *u, int pid, const uint64_t *regs,
		     const uint8_t *stack, uint64_t stack_len, uint64_t *ips,
		     size_t max)
{
	unw_cursor_t c;
	void *upt;

	if (!u || !max || !regs)
		return -EINVAL;
	/* the UPT handle only serves find_proc_info (maps, ELF files) */
	upt = get_upt(u, pid);
	if (!upt)
		return -ENOMEM;
	smp.pid = pid;
	smp.regs = regs;
	smp.stack = stack;
	smp.sp = regs[IM_UP_SP];
	smp.len = stack ? stack_len : 0;
	cur = u;
	if (unw_init_remote(&c, u->sas, upt) < 0) {
		cur = NULL;
		return -ESRCH;
	}
	return walk(&c, ips, max);
}

static int walk(unw_cursor_t *c, uint64_t *ips, size_t max)
{
	size_t n = 0;

	do {
		unw_word_t ip;

		if (unw_get_reg(c, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		/* a loop in a corrupt stack repeats the same frame */
		if (n && ips[n - 1] == ip && n > 1 && ips[n - 2] == ip)
			break;
		ips[n++] = ip;
	} while (n < max && unw_step(c) > 0);
	cur = NULL;
	smp.regs = NULL;
	return n ? (int)n : -ESRCH;
}
