// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-gdbexport.c - src/sources/gdbexport.c on a real export (gdb on QEMU 7.2
 * under TCG), a synthetic vfio/KVM one, and hostile inputs.
 * Links src/sources/gdbexport.c + the CLI library (model.c, util.c).
 * Run from the top of the tree (reads tests/fixtures-gdb/).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sources/gdbexport.h"
#include "iommu-map.h"
#include "t.h"

static int parse(struct im_model *m, const char *s, struct im_err *e)
{
	memset(e, 0, sizeof(*e));
	return im_gdbexport_parse(m, s, strlen(s), "test.json", e);
}

static const char *find_source(const struct im_model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nsources; i++)
		if (!strcmp(m->sources[i].name, name))
			return m->sources[i].detail ? m->sources[i].detail : "";
	return NULL;
}

static void test_real_tcg(void)
{
	struct im_model m;
	struct im_err e = { 0 };
	int r;

	im_model_init(&m);
	r = im_gdbexport_load(&m, "tests/fixtures-gdb/tcg-qemu-7.2.json", false, &e);
	T_OK(r == 0, "real tcg export loads");
	if (r)
		printf("# %s:%u: %s\n", e.file, e.line, e.msg);
	T_OK(!m.memslots_known, "tcg: memslots not known (kvm_slots null)");
	T_EQ_U64(m.nmemslots, 0, "tcg: no memslots");
	T_EQ_U64(m.nqbars, 0, "tcg: no vfio BARs");
	T_OK(find_source(&m, "gdb-export") != NULL, "tcg: source recorded");
	T_OK(find_source(&m, "gdb-export") &&
	     strstr(find_source(&m, "gdb-export"), "accel tcg"),
	     "tcg: source says accel tcg");
	im_model_free(&m);
}

static void test_synthetic_vfio(void)
{
	struct im_model m;
	struct im_err e = { 0 };
	int r;

	im_model_init(&m);
	r = im_gdbexport_load(&m, "tests/fixtures-gdb/vfio-synthetic.json", false, &e);
	T_OK(r == 0, "vfio export loads");
	if (r)
		printf("# %s:%u: %s\n", e.file, e.line, e.msg);
	T_OK(m.memslots_known, "vfio: memslots known");
	T_EQ_STR(m.memslot_source, "gdb-export", "vfio: memslot source");
	T_EQ_U64(m.nmemslots, 4, "vfio: 4 memslots");
	if (m.nmemslots == 4) {
		/* sorted by as_id, gpa */
		T_EQ_U64(m.memslots[0].gpa, 0, "vfio: slot sorted first gpa 0");
		T_EQ_U64(m.memslots[2].gpa, 0xfeb00000, "vfio: BAR slot gpa");
		T_EQ_U64(m.memslots[2].hva, 0x7fb29d882000, "vfio: BAR slot hva");
		T_EQ_U64(m.memslots[2].slot, 7, "vfio: BAR slot number");
		T_EQ_U64(m.memslots[3].as_id, 1, "vfio: SMM slot last");
	}
	T_EQ_U64(m.nqbars, 2, "vfio: 2 BARs");
	if (m.nqbars == 2) {
		T_EQ_STR(m.qbars[0].host_bdf, "0000:00:03.0", "vfio: bar bdf");
		T_EQ_U64(m.qbars[0].bar, 0, "vfio: bar index");
		T_EQ_U64(m.qbars[0].gpa, 0xfeb00000, "vfio: bar gpa");
		T_EQ_U64(m.qbars[0].size, 0x20000, "vfio: bar size");
		T_OK(m.qbars[0].have_hva, "vfio: BAR 0 hva from mmaps[0]");
		T_EQ_U64(m.qbars[0].hva, 0x7fb29d882000, "vfio: BAR 0 hva");
		T_EQ_STR(m.qbars[0].source, "gdb-export", "vfio: bar source");
		T_OK(!m.qbars[1].have_hva,
		     "vfio: BAR 3 mmap at offset 0x2000 gives no hva of offset 0");
	}
	im_model_free(&m);
}

#define HDR "{\"schema\":\"iommu-map-gdb/1\",\"qemu\":{\"pid\":null,\"accel\":null}," \
	"\"pci_bars\":[],\"bar_mmaps\":[],"

/* kvm_slots null with a reason: memslots unknown (why), never "none". */
static void test_slots_unknown(void)
{
	struct im_model m;
	struct im_err e = { 0 };
	const char *src;
	size_t i;
	int r;

	im_model_init(&m);
	r = im_gdbexport_load(&m, "tests/fixtures-gdb/kvm-unknown.json", false, &e);
	T_OK(r == 0, "unknown: export loads");
	if (r)
		printf("# %s:%u: %s\n", e.file, e.line, e.msg);
	T_OK(!m.memslots_known, "unknown: memslots not known");
	T_EQ_U64(m.nmemslots, 0, "unknown: no memslots invented");
	T_OK(m.memslots_why && strstr(m.memslots_why, "tests/fixtures-gdb/kvm-unknown.json: "
				       "KVM slots unknown: slot 3 has as_id 211; the types "
				       "object (from QEMU 10.2.2's source) does not match "
				       "this QEMU 11.1.3"),
	     "unknown: memslots_why names the file and the reason");
	src = find_source(&m, "gdb-export");
	T_OK(src && strstr(src, "KVM slots unknown: slot 3 has as_id 211"),
	     "unknown: the gdb-export source says why");
	for (i = 0; i < m.nsources; i++)
		if (!strcmp(m.sources[i].name, "gdb-export"))
			T_EQ_U64(m.sources[i].status, IM_SRC_PARTIAL,
				 "unknown: the gdb-export source is partial");
	T_EQ_U64(m.nqbars, 2, "unknown: the vfio BARs are still read");
	im_model_free(&m);

	/* absent and null kvm_slots_unknown: TCG, nothing unknown */
	im_model_init(&m);
	r = parse(&m, HDR "\"kvm_slots\":null,\"kvm_slots_unknown\":null}", &e);
	T_OK(r == 0 && !m.memslots_known && !m.memslots_why &&
	     m.nsources == 1 && m.sources[0].status == IM_SRC_OK,
	     "kvm_slots_unknown null: no KVM slots, source ok");
	im_model_free(&m);
}

/* capture's copy: the text as read, only when asked for */
static void test_keep(void)
{
	static const char path[] = "tests/fixtures-gdb/vfio-synthetic.json";
	struct im_model m;
	struct im_err e = { 0 };
	char buf[1 << 16];
	size_t n;
	FILE *f = fopen(path, "r");

	n = f ? fread(buf, 1, sizeof(buf), f) : 0;
	if (f)
		fclose(f);
	im_model_init(&m);
	T_OK(im_gdbexport_load(&m, path, true, &e) == 0 && m.gdb_export_text &&
	     m.gdb_export_len == n && n && !memcmp(m.gdb_export_text, buf, n),
	     "keep: the text kept byte for byte");
	im_model_free(&m);
	im_model_init(&m);
	T_OK(im_gdbexport_load(&m, path, false, &e) == 0 && !m.gdb_export_text,
	     "keep: nothing kept unless asked");
	im_model_free(&m);
}

static void test_pid_mismatch(void)
{
	struct im_model m;
	struct im_err e = { 0 };

	im_model_init(&m);
	m.pid = 77;
	T_OK(im_gdbexport_load(&m, "tests/fixtures-gdb/vfio-synthetic.json", false,
			       &e) == 0, "pid mismatch: loads");
	T_OK(m.nfindings == 1 &&
	     !strcmp(m.findings[0].code, "gdb-export-other-pid"),
	     "pid mismatch: a warning finding");
	im_model_free(&m);
}

static const struct {
	const char *name, *text, *msg;
} hostile[] = {
	{ "empty", "", "ends too early" },
	{ "not json", "hello", "not valid JSON" },
	{ "truncated", "{\"schema\":\"iommu-map-gdb/1\"", "ends too early" },
	{ "array top", "[]", "not a JSON object" },
	{ "trailing garbage", HDR "\"kvm_slots\":null} x", "text after" },
	{ "wrong schema", "{\"schema\":\"iommu-map/1\"}", "schema" },
	{ "schema not string", "{\"schema\":1}", "expected string" },
	{ "no qemu", "{\"schema\":\"iommu-map-gdb/1\"}", "missing \"qemu\"" },
	{ "no kvm_slots", HDR "\"x\":1}", "missing \"kvm_slots\"" },
	{ "kvm_slots object", HDR "\"kvm_slots\":{}}", "expected an array" },
	{ "slot not object", HDR "\"kvm_slots\":[1]}", "expected an object" },
	{ "slot missing gpa", HDR "\"kvm_slots\":[{\"as_id\":0,\"slot\":0,"
	  "\"size\":\"0x1000\",\"hva\":\"0x1000\",\"flags\":\"0x0\"}]}",
	  "missing \"gpa\"" },
	{ "gpa number", HDR "\"kvm_slots\":[{\"as_id\":0,\"slot\":0,\"gpa\":4096,"
	  "\"size\":\"0x1000\",\"hva\":\"0x1000\",\"flags\":\"0x0\"}]}",
	  "expected string" },
	{ "gpa decimal", HDR "\"kvm_slots\":[{\"as_id\":0,\"slot\":0,\"gpa\":\"4096\","
	  "\"size\":\"0x1000\",\"hva\":\"0x1000\",\"flags\":\"0x0\"}]}",
	  "not a 0x hex" },
	{ "gpa 65 bits", HDR "\"kvm_slots\":[{\"as_id\":0,\"slot\":0,"
	  "\"gpa\":\"0x10000000000000000\",\"size\":\"0x1000\",\"hva\":\"0x1000\","
	  "\"flags\":\"0x0\"}]}", "not a 0x hex" },
	{ "gpa bare 0x", HDR "\"kvm_slots\":[{\"as_id\":0,\"slot\":0,\"gpa\":\"0x\","
	  "\"size\":\"0x1000\",\"hva\":\"0x1000\",\"flags\":\"0x0\"}]}",
	  "not a 0x hex" },
	{ "size zero", HDR "\"kvm_slots\":[{\"as_id\":0,\"slot\":0,\"gpa\":\"0x0\","
	  "\"size\":\"0x0\",\"hva\":\"0x1000\",\"flags\":\"0x0\"}]}", "empty or wraps" },
	{ "size wraps", HDR "\"kvm_slots\":[{\"as_id\":0,\"slot\":0,"
	  "\"gpa\":\"0xfffffffffffff000\",\"size\":\"0x2000\",\"hva\":\"0x1000\","
	  "\"flags\":\"0x0\"}]}", "empty or wraps" },
	{ "flags 33 bits", HDR "\"kvm_slots\":[{\"as_id\":0,\"slot\":0,\"gpa\":\"0x0\","
	  "\"size\":\"0x1000\",\"hva\":\"0x1000\",\"flags\":\"0x100000000\"}]}",
	  "more than 32 bits" },
	{ "negative slot", HDR "\"kvm_slots\":[{\"as_id\":0,\"slot\":-1,\"gpa\":\"0x0\","
	  "\"size\":\"0x1000\",\"hva\":\"0x1000\",\"flags\":\"0x0\"}]}", "out of range" },
	{ "as_id 2", HDR "\"kvm_slots\":[{\"as_id\":2,\"slot\":0,"
	  "\"gpa\":\"0x0\",\"size\":\"0x1000\",\"hva\":\"0x1000\",\"flags\":\"0x0\"}]}",
	  "kvm_slots[0].as_id: 2 is out of range 0..1" },
	{ "huge as_id", HDR "\"kvm_slots\":[{\"as_id\":99999999999,\"slot\":0,"
	  "\"gpa\":\"0x0\",\"size\":\"0x1000\",\"hva\":\"0x1000\",\"flags\":\"0x0\"}]}",
	  "out of range" },
	{ "unknown with slots", HDR "\"kvm_slots\":[],\"kvm_slots_unknown\":\"x\"}",
	  "kvm_slots_unknown is set but kvm_slots is not null" },
	{ "unknown empty", HDR "\"kvm_slots\":null,\"kvm_slots_unknown\":\"\"}",
	  "an empty reason" },
	{ "unknown number", HDR "\"kvm_slots\":null,\"kvm_slots_unknown\":3}",
	  "kvm_slots_unknown: expected string" },
	{ "unknown newline", HDR "\"kvm_slots\":null,\"kvm_slots_unknown\":\"a\\nb\"}",
	  "a control character at byte 1" },
	{ "bar 6", "{\"schema\":\"iommu-map-gdb/1\",\"qemu\":{},\"kvm_slots\":null,"
	  "\"bar_mmaps\":[],\"pci_bars\":[{\"host_bdf\":\"0000:00:03.0\",\"bar\":6,"
	  "\"gpa\":\"0x0\",\"size\":\"0x1000\"}]}", "out of range" },
	{ "bdf not string", "{\"schema\":\"iommu-map-gdb/1\",\"qemu\":{},"
	  "\"kvm_slots\":null,\"bar_mmaps\":[],\"pci_bars\":[{\"host_bdf\":3,"
	  "\"bar\":0,\"gpa\":\"0x0\",\"size\":\"0x1000\"}]}", "expected string" },
	{ "pid string", "{\"schema\":\"iommu-map-gdb/1\",\"qemu\":{\"pid\":\"1\"}}",
	  "expected int" },
	{ "pid zero", "{\"schema\":\"iommu-map-gdb/1\",\"qemu\":{\"pid\":0}}",
	  "not a pid" },
	{ "deep nesting", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	  "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	  "]]]]]]]]]]]]]]]]]]]]", "not valid JSON" },
};

static void test_hostile(void)
{
	struct im_model m;
	struct im_err e;
	char name[128];
	size_t i;
	int r;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		im_model_init(&m);
		r = parse(&m, hostile[i].text, &e);
		snprintf(name, sizeof(name), "hostile %s: -EINVAL", hostile[i].name);
		T_OK(r == -EINVAL, name);
		snprintf(name, sizeof(name), "hostile %s: says \"%s\"",
			 hostile[i].name, hostile[i].msg);
		T_OK(strstr(e.msg, hostile[i].msg) != NULL, name);
		if (!strstr(e.msg, hostile[i].msg))
			printf("# got: %s:%u: %s\n", e.file, e.line, e.msg);
		snprintf(name, sizeof(name), "hostile %s: model untouched",
			 hostile[i].name);
		T_OK(!m.nmemslots && !m.nqbars && !m.nsources &&
		     !m.memslots_known, name);
		im_model_free(&m);
	}

	/* A NUL inside the buffer, and no NUL at its end at all. */
	im_model_init(&m);
	T_OK(im_gdbexport_parse(&m, "{\"a\0\":1}", 9, "nul.json", &e) == -EINVAL,
	     "hostile embedded NUL: -EINVAL");
	im_model_free(&m);
	{
		static const char text[] = HDR "\"kvm_slots\":null}";
		char *buf = malloc(sizeof(text) - 1);

		memcpy(buf, text, sizeof(text) - 1);
		im_model_init(&m);
		T_OK(im_gdbexport_parse(&m, buf, sizeof(text) - 1, "exact", &e) == 0,
		     "buffer without a final NUL parses");
		im_model_free(&m);
		free(buf);
	}
	/* Syntax error on line 3 is reported on line 3. */
	im_model_init(&m);
	r = parse(&m, "{\n\"schema\":\n  ,}", &e);
	T_OK(r == -EINVAL && e.line == 3, "syntax error line number");
	im_model_free(&m);

	/* A device name too long for the model is skipped, not fatal. */
	im_model_init(&m);
	r = parse(&m, "{\"schema\":\"iommu-map-gdb/1\",\"qemu\":{},\"kvm_slots\":[],"
		  "\"bar_mmaps\":[],\"pci_bars\":[{\"host_bdf\":"
		  "\"a-very-long-vfio-device-name\",\"bar\":0,\"gpa\":\"0x0\","
		  "\"size\":\"0x1000\"}]}", &e);
	T_OK(r == 0 && m.nqbars == 0 && m.memslots_known,
	     "long device name skipped; empty kvm_slots still known");
	im_model_free(&m);

	im_model_init(&m);
	r = im_gdbexport_load(&m, "tests/fixtures-gdb/no-such-file.json", false, &e);
	T_OK(r == -ENOENT, "missing file: -ENOENT");
	im_model_free(&m);
}

int main(void)
{
	test_real_tcg();
	test_synthetic_vfio();
	test_keep();
	test_pid_mismatch();
	test_slots_unknown();
	test_hostile();
	T_DONE();
}
