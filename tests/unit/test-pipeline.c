// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of pipeline.c: the order of the stages and what each needs,
 * the loop over a table, an early stage (started with the pipeline, joined
 * in its turn), and the memslot fallback on captured fixtures.
 * Run from the top of the tree (reads tests/fixtures/, writes build/t/).
 */
#include <semaphore.h>
#include <stdlib.h>
#include <time.h>
#include "findings.h"
#include "iommu-map.h"
#include "pipeline.h"
#include "t.h"

static long stage_at(const char *name)
{
	size_t n, i;
	const struct im_stage *st = im_pipeline_stages(&n);

	for (i = 0; i < n; i++)
		if (!strcmp(st[i].name, name))
			return (long)i;
	return -1;
}

static void test_table(void)
{
	size_t n, bad = 99;
	const struct im_stage *st = im_pipeline_stages(&n);

	T_OK(im_pipeline_check(st, n, &bad) == 0 && bad == 99,
	     "table: every stage comes after all that fill what it needs");
	T_OK(stage_at("proc") == 0 && stage_at("pci") == 1, "order: proc, then pci");
	T_OK(stage_at("gdb-export") < stage_at("memslots") &&
	     stage_at("qemu-trace") < stage_at("memslots"),
	     "order: QEMU-side memslots before the memslot fallback");
	T_OK(stage_at("memslots") < stage_at("correlate-maps") &&
	     stage_at("correlate-maps") < stage_at("qemu-trace-dma") &&
	     stage_at("qemu-trace-dma") < stage_at("correlate-join"),
	     "order: the trace's DMA ranges are placed after the maps are tied, before the join");
	T_OK(stage_at("correlate-join") < stage_at("qmp-crosscheck") &&
	     stage_at("correlate-join") < stage_at("kmod-checks") &&
	     stage_at("correlate-join") < stage_at("kernel-checks"),
	     "order: the checks after the join");
	T_OK(st[stage_at("qemu-trace-dma")].needs & IM_FILL_IDENT, "needs: DMA placement needs the ties");
}

/* a table of stages that say they ran */
static char ran[64];

static int run_a(struct im_load *l)
{
	(void)l;
	strcat(ran, "a");
	return 0;
}

static int run_b(struct im_load *l)
{
	(void)l;
	strcat(ran, "b");
	return 0;
}

static int run_fail(struct im_load *l)
{
	(void)l;
	strcat(ran, "!");
	return -ENOMEM;
}

static bool never(const struct im_load *l)
{
	(void)l;
	return false;
}

static void test_loop(void)
{
	static const struct im_stage ok[] = {
		{ "a", 0, IM_FILL_MAPS, 0, NULL, run_a },
		{ "skipped", 0, IM_FILL_QBARS, 0, never, run_b },
		{ "b", IM_FILL_MAPS, IM_FILL_IDENT, 0, NULL, run_b },
	};
	static const struct im_stage fails[] = {
		{ "a", 0, IM_FILL_MAPS, 0, NULL, run_a },
		{ "fail", IM_FILL_MAPS, IM_FILL_IDENT, IM_STAGE_CORRELATE, NULL, run_fail },
		{ "b", IM_FILL_IDENT, IM_FILL_JOINED, 0, NULL, run_b },
	};
	static const struct im_stage backwards[] = {
		{ "b", IM_FILL_MAPS, IM_FILL_IDENT, 0, NULL, run_b },
		{ "a", 0, IM_FILL_MAPS, 0, NULL, run_a },
	};
	struct im_err err = { 0 };
	struct im_load l = { .err = &err };
	size_t bad = 99;

	ran[0] = 0;
	T_OK(im_pipeline_run_stages(&l, ok, 3) == 0 && !strcmp(ran, "ab"),
	     "loop: runs in order, skips a stage not wanted");
	T_OK(l.filled == (IM_FILL_MAPS | IM_FILL_IDENT), "loop: filled what the stages run fill");
	ran[0] = 0;
	l.filled = 0;
	T_OK(im_pipeline_run_stages(&l, fails, 3) == -ENOMEM && !strcmp(ran, "a!"),
	     "loop: stops at the first error");
	T_EQ_STR(err.msg, "correlate: Cannot allocate memory",
		 "loop: a correlate stage's error without words");
	ran[0] = 0;
	T_OK(im_pipeline_check(backwards, 2, &bad) == -EINVAL && bad == 0,
	     "check: a stage before the one that fills what it needs");
	T_OK(im_pipeline_run_stages(&l, backwards, 2) == -EINVAL && !ran[0] &&
	     strstr(err.msg, "stage b needs"), "loop: such a table runs nothing");
}

/* an early stage posts this; the stage before it waits for it (5 s at most) */
static sem_t early_ran;

static int run_wait(struct im_load *l)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 5;
	strcat(ran, sem_timedwait(&early_ran, &t) ? "a-" : "a+");
	return im_add_source(l->m, "a", IM_SRC_OK, "first");
}

static int run_last(struct im_load *l)
{
	strcat(ran, "b");
	return im_add_source(l->m, "b", IM_SRC_OK, "last");
}

/* fills a device, a source and a finding, on the model it is given */
static int run_early_ok(struct im_load *l)
{
	sem_post(&early_ran);
	l->m->devices = calloc(1, sizeof(*l->m->devices));
	if (!l->m->devices)
		return -ENOMEM;
	l->m->ndevices = 1;
	strcpy(l->m->devices[0].bdf, "0000:00:02.0");
	return im_add_source(l->m, "e", IM_SRC_PARTIAL, "early") ?:
	       IM_FINDING(l->m, IM_F_BAR_SIZE_ODD, "e", (uint64_t)0x3000);
}

static int run_early_fail(struct im_load *l)
{
	sem_post(&early_ran);
	im_add_source(l->m, "e", IM_SRC_OK, "never seen");
	im_err_set(l->err, "efile", 3, "the early stage's own error");
	return -EINVAL;
}

static void test_early(void)
{
	static const struct im_stage ok[] = {
		{ "a", 0, IM_FILL_MAPS, 0, NULL, run_wait },
		{ "e", 0, IM_FILL_DEVICES, IM_STAGE_EARLY, NULL, run_early_ok },
		{ "b", IM_FILL_MAPS | IM_FILL_DEVICES, IM_FILL_IDENT, 0, NULL, run_last },
	};
	static const struct im_stage fails[] = {
		{ "a", 0, IM_FILL_MAPS, 0, NULL, run_wait },
		{ "e", 0, IM_FILL_DEVICES, IM_STAGE_EARLY, NULL, run_early_fail },
		{ "b", IM_FILL_MAPS | IM_FILL_DEVICES, IM_FILL_IDENT, 0, NULL, run_last },
	};
	static const struct im_stage before[] = {
		{ "fail", 0, IM_FILL_MAPS, 0, NULL, run_fail },
		{ "e", 0, IM_FILL_DEVICES, IM_STAGE_EARLY, NULL, run_early_ok },
	};
	static const struct im_stage unwanted[] = {
		{ "e", 0, IM_FILL_DEVICES, IM_STAGE_EARLY, never, run_early_ok },
		{ "b", 0, IM_FILL_IDENT, 0, NULL, run_last },
	};
	static const struct im_stage needy[] = {
		{ "a", 0, IM_FILL_MAPS, 0, NULL, run_a },
		{ "e", IM_FILL_MAPS, IM_FILL_DEVICES, IM_STAGE_EARLY, NULL, run_early_ok },
	};
	struct im_model m;
	struct im_err err = { 0 };
	struct im_load l = { .m = &m, .err = &err };
	size_t bad = 99;

	sem_init(&early_ran, 0, 0);
	im_model_init(&m);
	ran[0] = 0;
	T_OK(im_pipeline_run_stages(&l, ok, 3) == 0 && !strcmp(ran, "a+b"),
	     "early: started with the pipeline (the stage before it saw it run)");
	T_OK(m.nsources == 3 && !strcmp(m.sources[0].name, "a") && !strcmp(m.sources[1].name, "e") &&
	     !strcmp(m.sources[2].name, "b") && m.sources[1].status == IM_SRC_PARTIAL,
	     "early: its source in its place in the table (a, e, b)");
	T_OK(m.ndevices == 1 && !strcmp(m.devices[0].bdf, "0000:00:02.0") && m.nfindings == 1 &&
	     !strcmp(m.findings[0].subject, "e"), "early: its device and finding in the model");
	T_OK(l.filled == (IM_FILL_MAPS | IM_FILL_DEVICES | IM_FILL_IDENT), "early: what it fills, filled");
	im_model_free(&m);

	im_model_init(&m);
	memset(&err, 0, sizeof(err));
	ran[0] = 0;
	l.filled = 0;
	T_OK(im_pipeline_run_stages(&l, fails, 3) == -EINVAL && !strcmp(ran, "a+"),
	     "early: its error stops the loop in its turn");
	T_OK(!strcmp(err.file, "efile") && err.line == 3 && !strcmp(err.msg, "the early stage's own error"),
	     "early: its error is the one reported, as written");
	T_OK(m.nsources == 1 && !strcmp(m.sources[0].name, "a"), "early: a failed stage adds no source");
	im_model_free(&m);

	im_model_init(&m);
	memset(&err, 0, sizeof(err));
	ran[0] = 0;
	T_OK(im_pipeline_run_stages(&l, before, 2) == -ENOMEM && !strcmp(ran, "!") &&
	     m.nsources == 0 && !m.devices && !m.nfindings,
	     "early: an error before its turn drops it (joined, nothing merged)");
	im_model_free(&m);
	while (!sem_trywait(&early_ran))
		;

	im_model_init(&m);
	ran[0] = 0;
	T_OK(im_pipeline_run_stages(&l, unwanted, 2) == 0 && !strcmp(ran, "b") &&
	     sem_trywait(&early_ran) && !m.devices, "early: not wanted, not started");
	im_model_free(&m);
	T_OK(im_pipeline_check(needy, 2, &bad) == -EINVAL && bad == 1,
	     "check: an early stage that needs anything");
	sem_destroy(&early_ran);
}

/* the pipeline on a fixture; the model is the caller's to free */
static int load(struct im_model *m, const char *root, int pid, const char *trace)
{
	struct im_load_opts o = { .pid = pid, .ids = "tests/pci.ids", .qemu_trace = trace };
	struct im_err err = { 0 };
	int r;

	im_model_init(m);
	if (im_root_init(root))
		return -ENOENT;
	m->sysroot = im_root();
	r = im_pipeline_run(m, &o, &err);
	if (r)
		printf("# %s: %s: %s\n", root, err.file, err.msg);
	return r;
}

static const struct im_source *source(const struct im_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nsources; i++)
		if (!strcmp(m->sources[i].name, name))
			return &m->sources[i];
	return NULL;
}

static void test_memslot_fallback(void)
{
	struct im_model m;
	const struct im_source *s;

	T_OK(load(&m, "tests/fixtures/seed-2021", 2021, NULL) == 0 && m.memslots_known &&
	     m.nmemslots && (s = source(&m, "memslots")) && s->status == IM_SRC_OK,
	     "fallback: the fixture's memslots file");
	im_model_free(&m);

	T_OK(load(&m, "tests/fixtures/synthetic-6.18-q35", 7100,
		  "tests/data/qemu/trace-10.0-pid.log") == 0 &&
	     !strcmp(m.memslot_source, "qemu-trace"),
	     "fallback: a trace's memslots before the fixture's file");
	s = source(&m, "qemu-trace");
	T_OK(m.nqbars == 5 && s && strstr(s->detail, "; 5 BARs placed;"),
	     "6.18: the trace's DMA ranges are placed on BARs (after correlate ties the maps)");
	im_model_free(&m);

	T_OK(load(&m, "tests/fixtures/lab-pc-tcg", 390, NULL) == 0 && !m.memslots_known &&
	     (s = source(&m, "memslots")) && s->status == IM_SRC_OK && strstr(s->detail, "TCG"),
	     "fallback: no KVM VM: no memslots, and that is known");
	im_model_free(&m);

	T_OK(system("rm -rf build/t/pipe-nomemslots && mkdir -p build/t && "
		     "cp -a tests/fixtures/seed-2021 build/t/pipe-nomemslots && "
		     "rm build/t/pipe-nomemslots/iommu-map/memslots") == 0, "copy a fixture");
	T_OK(load(&m, "build/t/pipe-nomemslots", 2021, NULL) == 0 && !m.memslots_known &&
	     (s = source(&m, "memslots")) && s->status == IM_SRC_UNAVAILABLE &&
	     !strcmp(s->detail, "the fixture has no iommu-map/memslots"),
	     "fallback: none in the fixture: unavailable, and why");
	im_model_free(&m);

	T_OK(system("echo 'the module was not loaded' > build/t/pipe-nomemslots/iommu-map/memslots.status") == 0,
	     "write memslots.status");
	T_OK(load(&m, "build/t/pipe-nomemslots", 2021, NULL) == 0 &&
	     (s = source(&m, "memslots")) && s->status == IM_SRC_UNAVAILABLE &&
	     strstr(s->detail, "the module was not loaded"),
	     "fallback: the fixture's word why there are none");
	im_model_free(&m);
}

int main(void)
{
	test_table();
	test_loop();
	test_early();
	test_memslot_fallback();
	T_DONE();
}
