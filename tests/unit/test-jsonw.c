// SPDX-License-Identifier: GPL-2.0-or-later
/* test-jsonw.c - the JSON writer: layout, escaping, UTF-8, numbers, errors. */
#include <json-c/json.h>
#include "t.h"
#include "lib/jsonw.h"

struct mem {
	char *buf;
	size_t len;
	FILE *f;
	struct jw w;
};

static void mem_open(struct mem *m, enum jw_layout layout)
{
	m->buf = NULL;
	m->f = open_memstream(&m->buf, &m->len);
	if (!m->f)
		exit(1);
	jw_init(&m->w, m->f, layout);
}

/* finishes the writer; *r its result; the text, to free */
static char *mem_close(struct mem *m, int *r)
{
	*r = jw_finish(&m->w);
	fclose(m->f);
	return m->buf;
}

/* one string value, compact: its JSON text without the newline */
static char *str_json(const char *s, size_t n)
{
	struct mem m;
	char *out;
	int r;

	mem_open(&m, JW_COMPACT);
	jw_strn(&m.w, s, n);
	out = mem_close(&m, &r);
	if (r || !m.len || out[m.len - 1] != '\n')
		return out;
	out[m.len - 1] = 0;
	return out;
}

#define T_STR(in, want, name) do {					\
	char *t_o = str_json(in, sizeof(in) - 1);			\
	T_EQ_STR(t_o, want, name);					\
	free(t_o);							\
} while (0)

static void test_layout(void)
{
	struct mem m;
	char *out;
	int r;

	mem_open(&m, JW_PRETTY);
	jw_obj_begin(&m.w);
	jw_kstr(&m.w, "schema", "iommu-map/1");
	jw_key(&m.w, "target");
	jw_obj_begin(&m.w);
	jw_kint(&m.w, "pid", 2021);
	jw_kstr(&m.w, "comm", NULL);
	jw_obj_end(&m.w);
	jw_key(&m.w, "list");
	jw_arr_begin(&m.w);
	jw_hex(&m.w, 0x1000);
	jw_obj_begin(&m.w);
	jw_kbool(&m.w, "a", true);
	jw_knull(&m.w, "b");
	jw_khex_or_null(&m.w, "c", true, 0x10);
	jw_khex_or_null(&m.w, "d", false, 0x10);
	jw_kint_or_null(&m.w, "e", true, -2);
	jw_kint_or_null(&m.w, "f", false, 3);
	jw_obj_end(&m.w);
	jw_arr_begin(&m.w);
	jw_arr_end(&m.w);
	jw_obj_begin(&m.w);
	jw_obj_end(&m.w);
	jw_arr_end(&m.w);
	jw_key(&m.w, "empty");
	jw_arr_begin(&m.w);
	jw_arr_end(&m.w);
	jw_key(&m.w, "none");
	jw_obj_begin(&m.w);
	jw_obj_end(&m.w);
	jw_obj_end(&m.w);
	out = mem_close(&m, &r);
	T_OK(r == 0, "pretty: no error");
	T_EQ_STR(out,
		 "{\n"
		 "  \"schema\": \"iommu-map/1\",\n"
		 "  \"target\": {\n"
		 "    \"pid\": 2021,\n"
		 "    \"comm\": null\n"
		 "  },\n"
		 "  \"list\": [\n"
		 "    \"0x1000\",\n"
		 "    {\n"
		 "      \"a\": true,\n"
		 "      \"b\": null,\n"
		 "      \"c\": \"0x10\",\n"
		 "      \"d\": null,\n"
		 "      \"e\": -2,\n"
		 "      \"f\": null\n"
		 "    },\n"
		 "    [],\n"
		 "    {}\n"
		 "  ],\n"
		 "  \"empty\": [],\n"
		 "  \"none\": {}\n"
		 "}\n", "pretty: 2-space indent, \"key\": value, [] and {} when empty");
	free(out);

	mem_open(&m, JW_COMPACT);
	jw_obj_begin(&m.w);
	jw_kstr(&m.w, "event", "mmap");
	jw_key(&m.w, "stack");
	jw_arr_begin(&m.w);
	jw_obj_begin(&m.w);
	jw_khex(&m.w, "ip", 0x7f00);
	jw_obj_end(&m.w);
	jw_arr_end(&m.w);
	jw_key(&m.w, "none");
	jw_arr_begin(&m.w);
	jw_arr_end(&m.w);
	jw_obj_end(&m.w);
	/* a second top-level value: one a line */
	jw_obj_begin(&m.w);
	jw_obj_end(&m.w);
	jw_int(&m.w, 7);
	out = mem_close(&m, &r);
	T_OK(r == 0, "compact: no error");
	T_EQ_STR(out, "{\"event\":\"mmap\",\"stack\":[{\"ip\":\"0x7f00\"}],\"none\":[]}\n{}\n7\n",
		 "compact: one line per top-level value, no space");
	free(out);
}

static void test_escaping(void)
{
	T_STR("plain /path [anon]", "\"plain /path [anon]\"", "escape: none needed, / left alone");
	T_STR("q\"b\\", "\"q\\\"b\\\\\"", "escape: quote and backslash");
	T_STR("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"", "escape: short forms");
	T_STR("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"", "escape: other controls as \\u00xx, DEL as is");
	T_STR("a\0b", "\"a\\u0000b\"", "escape: NUL inside a counted string");
}

static void test_utf8(void)
{
	T_STR("\xc3\xa9 \xe2\x86\x90 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
	      "\"\xc3\xa9 \xe2\x86\x90 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"",
	      "utf-8: well-formed 2, 3, 4 bytes and U+10FFFF pass");
	T_STR("a\x80z", "\"a\xef\xbf\xbdz\"", "utf-8: a lone continuation byte");
	T_STR("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"", "utf-8: overlong C0 AF, two U+FFFD");
	T_STR("\xe0\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "utf-8: overlong E0 80 80");
	T_STR("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "utf-8: surrogate ED A0 80");
	T_STR("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"",
	      "utf-8: past U+10FFFF");
	T_STR("\xf5\xff", "\"\xef\xbf\xbd\xef\xbf\xbd\"", "utf-8: F5 and FF are never UTF-8");
	T_STR("\xe2\x86", "\"\xef\xbf\xbd\"", "utf-8: truncated at the end, one U+FFFD");
	T_STR("\xf0\x9f\x98" "A", "\"\xef\xbf\xbd" "A\"", "utf-8: truncated before ASCII, one U+FFFD");
	T_STR("\xe2\x86\n", "\"\xef\xbf\xbd\\n\"", "utf-8: truncated before a control");
}

static void test_numbers(void)
{
	struct mem m;
	char *out;
	int r;

	mem_open(&m, JW_COMPACT);
	jw_arr_begin(&m.w);
	jw_hex(&m.w, 0);
	jw_hex(&m.w, 0xabc);
	jw_hex(&m.w, UINT64_MAX);
	jw_int(&m.w, 0);
	jw_int(&m.w, -1);
	jw_int(&m.w, INT64_MIN);
	jw_int(&m.w, INT64_MAX);
	jw_uint(&m.w, UINT64_MAX);
	jw_double(&m.w, 1.5);
	jw_double(&m.w, 0.1);
	jw_double(&m.w, 1.0 / 3);
	jw_double(&m.w, 0.0 / 0.0);
	jw_bool(&m.w, false);
	jw_str(&m.w, NULL);
	jw_arr_end(&m.w);
	out = mem_close(&m, &r);
	T_OK(r == 0, "numbers: no error");
	T_EQ_STR(out, "[\"0x0\",\"0xabc\",\"0xffffffffffffffff\",0,-1,-9223372036854775808,"
		 "9223372036854775807,18446744073709551615,1.5,0.1,0.3333333333333333,null,"
		 "false,null]\n", "numbers: hex strings, integers, shortest doubles, NaN as null");
	free(out);
}

static void test_errors(void)
{
	struct mem m;
	char *out;
	int r, i;

	mem_open(&m, JW_PRETTY);
	jw_arr_begin(&m.w);
	T_OK(jw_key(&m.w, "k") == -EINVAL, "error: a key in an array");
	T_OK(jw_int(&m.w, 1) == -EINVAL, "error: sticky");
	out = mem_close(&m, &r);
	T_OK(r == -EINVAL && m.len == 0, "error: nothing written after it");
	free(out);

	mem_open(&m, JW_PRETTY);
	jw_obj_begin(&m.w);
	T_OK(jw_int(&m.w, 1) == -EINVAL, "error: a value in an object without a key");
	free(mem_close(&m, &r));

	mem_open(&m, JW_PRETTY);
	jw_obj_begin(&m.w);
	T_OK(jw_arr_end(&m.w) == -EINVAL, "error: ] for {");
	free(mem_close(&m, &r));

	mem_open(&m, JW_PRETTY);
	jw_obj_begin(&m.w);
	jw_key(&m.w, "k");
	T_OK(jw_obj_end(&m.w) == -EINVAL, "error: } after a key");
	free(mem_close(&m, &r));

	mem_open(&m, JW_PRETTY);
	jw_arr_begin(&m.w);
	out = mem_close(&m, &r);
	T_OK(r == -EINVAL, "error: finish with a container open");
	free(out);

	mem_open(&m, JW_COMPACT);
	for (i = 0; i < JW_MAX_DEPTH; i++)
		jw_arr_begin(&m.w);
	T_OK(m.w.err == 0, "depth: JW_MAX_DEPTH levels");
	T_OK(jw_arr_begin(&m.w) == -E2BIG, "depth: one more is -E2BIG");
	free(mem_close(&m, &r));

	{
		FILE *full = fopen("/dev/full", "w");
		struct jw w;

		if (full) {
			setvbuf(full, NULL, _IONBF, 0);
			jw_init(&w, full, JW_PRETTY);
			jw_str(&w, "x");
			T_OK(jw_finish(&w) == -ENOSPC, "error: a write error is -errno (/dev/full)");
			fclose(full);
		}
	}
}

/* long strings cross the buffer; json-c reads back what was meant */
static void test_roundtrip(void)
{
	static const char *const s[] = {
		"", "tab\there", "quote\" backslash\\ slash/", "\x01\x02\x1f",
		"caf\xc3\xa9 \xe2\x86\x90", "bad \xff byte",
	};
	size_t big = 3 * sizeof(((struct jw *)0)->buf) + 7, i, n = sizeof(s) / sizeof(s[0]);
	char *long_s = malloc(big + 1);
	json_object *top, *a;
	struct mem m;
	char *out;
	bool same = true;
	int r;

	if (!long_s)
		exit(1);
	for (i = 0; i < big; i++)
		long_s[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
	long_s[big] = 0;
	mem_open(&m, JW_PRETTY);
	jw_obj_begin(&m.w);
	jw_key(&m.w, "s");
	jw_arr_begin(&m.w);
	for (i = 0; i < n; i++)
		jw_str(&m.w, s[i]);
	jw_str(&m.w, long_s);
	jw_arr_end(&m.w);
	jw_obj_end(&m.w);
	out = mem_close(&m, &r);
	T_OK(r == 0, "roundtrip: written");
	top = json_tokener_parse(out);
	T_OK(top && json_object_object_get_ex(top, "s", &a) &&
	     json_object_array_length(a) == n + 1, "roundtrip: json-c parses it");
	if (top && a && json_object_array_length(a) == n + 1) {
		for (i = 0; i + 1 < n; i++)
			same &= !strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s[i]);
		T_OK(same, "roundtrip: strings read back as written");
		T_EQ_STR(json_object_get_string(json_object_array_get_idx(a, n - 1)),
			 "bad \xef\xbf\xbd byte", "roundtrip: the bad byte reads back as U+FFFD");
		T_OK(!strcmp(json_object_get_string(json_object_array_get_idx(a, n)), long_s),
		     "roundtrip: a string 3 buffers long");
	}
	json_object_put(top);
	free(out);
	free(long_s);
}

/* keys the fast way (plain, under 64 bytes) and put_string's way (an escape,
 * a byte >= 0x80, 64 bytes or more): the same layout either way */
static void test_keys(void)
{
	static const char k64[] = "k123456789012345678901234567890123456789012345678901234567890123";
	struct mem m;
	char *out, want[512];
	int r;

	mem_open(&m, JW_PRETTY);
	jw_obj_begin(&m.w);
	jw_kint(&m.w, "q\"t", 1);
	jw_kint(&m.w, "\xc3\xa9", 2);
	jw_kint(&m.w, k64, 3);
	jw_kint(&m.w, k64 + 1, 4);
	jw_obj_end(&m.w);
	out = mem_close(&m, &r);
	snprintf(want, sizeof(want), "{\n  \"q\\\"t\": 1,\n  \"\xc3\xa9\": 2,\n  \"%s\": 3,\n  \"%s\": 4\n}\n",
		 k64, k64 + 1);
	T_OK(r == 0 && sizeof(k64) == 65, "keys: no error");
	T_EQ_STR(out, want, "keys: escaped, UTF-8, 64 and 63 bytes, pretty");
	free(out);

	mem_open(&m, JW_COMPACT);
	jw_obj_begin(&m.w);
	jw_kint(&m.w, "q\"t", 1);
	jw_kint(&m.w, k64, 3);
	jw_kint(&m.w, "a", 5);
	jw_obj_end(&m.w);
	out = mem_close(&m, &r);
	snprintf(want, sizeof(want), "{\"q\\\"t\":1,\"%s\":3,\"a\":5}\n", k64);
	T_EQ_STR(out, want, "keys: escaped, 64 bytes, plain, compact");
	free(out);

	/* hex at each digit count, written straight into the buffer, through flushes */
	mem_open(&m, JW_COMPACT);
	jw_arr_begin(&m.w);
	for (r = 0; r < 2000; r++)
		jw_hex(&m.w, r < 64 ? (uint64_t)1 << r : (uint64_t)1 << (r % 64) | 0xf);
	jw_arr_end(&m.w);
	out = mem_close(&m, &r);
	{
		bool good = r == 0 && out[0] == '[';
		const char *q = out + 1;

		for (int i = 0; good && i < 2000; i++) {
			uint64_t v = i < 64 ? (uint64_t)1 << i : (uint64_t)1 << (i % 64) | 0xf, got;
			char *e;

			good = q[0] == '"' && q[1] == '0' && q[2] == 'x' && q[3] != '0';
			got = strtoull(q + 3, &e, 16);
			good = good && got == v && *e == '"' &&
			       e - (q + 3) == (64 - __builtin_clzll(v) + 3) / 4 &&
			       (e[1] == ',' || (i == 1999 && e[1] == ']'));
			q = e + 2;
		}
		T_OK(good, "hex: 2000 values, each digit count, no leading zero, through flushes");
	}
	free(out);

	/* many keys: the fast way flushes when the buffer is nearly full */
	mem_open(&m, JW_COMPACT);
	jw_obj_begin(&m.w);
	for (r = 0; r < 2000; r++)
		jw_kint(&m.w, k64 + 1, r);
	jw_obj_end(&m.w);
	out = mem_close(&m, &r);
	T_OK(r == 0 && m.len == 3 + 2000 * 66 + 6890 + 1999,
	     "keys: 2000 written through several flushes");
	free(out);
}

int main(void)
{
	test_layout();
	test_keys();
	test_escaping();
	test_utf8();
	test_numbers();
	test_errors();
	test_roundtrip();
	T_DONE();
}
