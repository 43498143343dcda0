/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * t.h - the unit-test harness: one test-*.c per parser or module, each a
 * program that prints "ok <name>" or "FAIL <name>: why" per check and exits
 * 1 if any check failed.  tests/run-unit.sh adds the totals up.
 */
#ifndef IM_T_H
#define IM_T_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_failed, t_passed;

#define T_OK(cond, name) do {						\
	if (cond) { t_passed++; printf("ok %s\n", (name)); }		\
	else { t_failed++; printf("FAIL %s: %s (%s:%d)\n", (name), #cond,	\
				  __FILE__, __LINE__); }		\
} while (0)

#define T_EQ_U64(got, want, name) do {					\
	uint64_t t_g = (got), t_w = (want);				\
	if (t_g == t_w) { t_passed++; printf("ok %s\n", (name)); }	\
	else { t_failed++; printf("FAIL %s: got 0x%" PRIx64 ", want 0x%" PRIx64 \
				  " (%s:%d)\n", (name), t_g, t_w, __FILE__, __LINE__); } \
} while (0)

#define T_EQ_STR(got, want, name) do {					\
	const char *t_g = (got), *t_w = (want);				\
	if (t_g && t_w && !strcmp(t_g, t_w)) { t_passed++; printf("ok %s\n", (name)); } \
	else { t_failed++; printf("FAIL %s: got \"%s\", want \"%s\" (%s:%d)\n", \
				  (name), t_g ? t_g : "(null)", t_w ? t_w : "(null)", \
				  __FILE__, __LINE__); }		\
} while (0)

#define T_DONE() do {							\
	printf("%d passed, %d failed\n", t_passed, t_failed);		\
	return t_failed ? 1 : 0;					\
} while (0)

#endif
