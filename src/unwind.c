// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unwind.c - libunwind-ptrace with every accessor wrapped: reads only,
 * never of a denied (device) address, no register writes, no resume.
 */
#include <errno.h>
#include <libunwind-ptrace.h>
#include <stdlib.h>
#include "unwind.h"

/* _UPT handles are kept per thread: each caches the ELF image it read */
struct upt_ent {
	int tid;
	void *upt;
};

struct im_unwind {
	unw_addr_space_t as;
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
	free(u);
}

void im_unwind_flush(struct im_unwind *u)
{
	if (!u)
		return;
	unw_flush_cache(u->as, 0, 0);
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

int im_unwind_tid(struct im_unwind *u, int tid, uint64_t *ips, size_t max)
{
	unw_cursor_t c;
	void *upt;
	size_t n = 0;
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
	do {
		unw_word_t ip;

		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		/* a loop in a corrupt stack repeats the same frame */
		if (n && ips[n - 1] == ip && n > 1 && ips[n - 2] == ip)
			break;
		ips[n++] = ip;
	} while (n < max && unw_step(&c) > 0);
	cur = NULL;
	return n ? (int)n : -ESRCH;
}
