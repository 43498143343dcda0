/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unwind.h - user-space stack of a ptrace-stopped thread of the target, or
 * of a sample (registers and a stack copy), with libunwind-ptrace.  Memory reads go through a filter: the unwinder
 * never reads an address the caller's deny() names (vfio BAR mappings),
 * never writes memory or registers and never resumes the thread.
 */
#ifndef IM_UNWIND_H
#define IM_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct im_unwind;

/* deny(ctx, addr): true if the unwinder must not read addr (may be NULL) */
typedef bool (*im_unwind_deny_fn)(void *ctx, uint64_t addr);

/* One unwinder per target process; NULL with errno set on failure. */
struct im_unwind *im_unwind_new(im_unwind_deny_fn deny, void *ctx);
void im_unwind_free(struct im_unwind *u);

/* The target's mappings changed (a library or mapping came or went). */
void im_unwind_flush(struct im_unwind *u);

/* Thread tid exited: drop what was kept for it. */
void im_unwind_forget(struct im_unwind *u, int tid);

/*
 * Unwind thread tid, which must be in a ptrace-stop of ours.  Fills ips[]
 * with at most max instruction pointers, innermost first (ips[0] is the
 * current pc; the others are return addresses).  Returns the count (>= 1
 * when the pc could be read) or -errno.
 */
int im_unwind_tid(struct im_unwind *u, int tid, uint64_t *ips, size_t max);

/*
 * Unwind from a sample taken while the thread ran on: regs in uprobes.h's
 * order (x86-64), stack a copy of the stack from regs[SP].  Reads beyond
 * the copy go to the live process pid (process_vm_readv, through deny());
 * the thread may have moved on, so frames past the copy are best effort.
 * Same returns as im_unwind_tid().
 */
int im_unwind_sample(struct im_unwind *u, int pid, const uint64_t *regs,
		     const uint8_t *stack, uint64_t stack_len, uint64_t *ips,
		     size_t max);

#endif
