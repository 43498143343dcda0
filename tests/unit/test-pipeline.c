// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of pipeline.c: the order of the stages and what each needs,
 * the loop over a table, and the memslot fallback on captured fixtures.
 * Run from the top of the tree (reads tests/fixtures/, writes build/t/).
 */
#include <stdlib.h>
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
		{ "a", 0, IM_FILL_MAPS, false, NULL, run_a },
		{ "skipped", 0, IM_FILL_QBARS, false, never, run_b },
		{ "b", IM_FILL_MAPS, IM_FILL_IDENT, false, NULL, run_b },
	};
	static const struct im_stage fails[] = {
		{ "a", 0, IM_FILL_MAPS, false, NULL, run_a },
		{ "fail", IM_FILL_MAPS, IM_FILL_IDENT, true, NULL, run_fail },
		{ "b", IM_FILL_IDENT, IM_FILL_JOINED, false, NULL, run_b },
	};
	static const struct im_stage backwards[] = {
		{ "b", IM_FILL_MAPS, IM_FILL_IDENT, false, NULL, run_b },
		{ "a", 0, IM_FILL_MAPS, false, NULL, run_a },
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
	test_memslot_fallback();
	T_DONE();
}
