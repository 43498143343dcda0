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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * dir/name read whole and NUL-terminated.  A missing file is NULL with
 * *len 0 when missing_ok (a golden file not written yet), else a FAIL line
 * and exit 1.
 */
static __attribute__((unused)) char *t_slurp(const char *dir, const char *name,
					     size_t *len, bool missing_ok)
{
	char path[512];
	FILE *f;
	char *b;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f) {
		if (len)
			*len = 0;
		if (missing_ok)
			return NULL;
		printf("FAIL open %s\n", path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	b[n] = 0;
	fclose(f);
	if (len)
		*len = (size_t)n;
	return b;
}

/*
 * Keep JSON a test made for tests/schema-check.py: appended to
 * $IM_TEST_JSON_DIR/name (tests/run.sh sets it; unset, nothing is written).
 */
static __attribute__((unused)) void t_keep_json(const char *name, const char *json)
{
	const char *dir = getenv("IM_TEST_JSON_DIR");
	char path[512];
	FILE *f;

	if (!dir || !json)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "a");
	if (!f || fputs(json, f) == EOF || fclose(f)) {
		t_failed++;
		printf("FAIL keep JSON in %s\n", path);
	}
}

#define T_DONE() do {							\
	printf("%d passed, %d failed\n", t_passed, t_failed);		\
	return t_failed ? 1 : 0;					\
} while (0)

#endif
