// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz-jsonw.c - the JSON writer on arbitrary bytes.  The first byte picks:
 *  even: the rest is one string, written as a key and as a value in both
 *        layouts; the output must be valid UTF-8, json-c must parse it, and
 *        the string must read back as written when it was valid UTF-8;
 *  odd:  the rest is a program of writer calls (begin, end, key, values);
 *        whatever it does, the writer either reports an error or writes
 *        one JSON value a line that json-c parses, all valid UTF-8.
 * Build: clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE tests/fuzz/fuzz-jsonw.c src/lib/jsonw.c src/lib/escape.c -ljson-c */
/* seeds: tests/expected/seed-2021/explain-heap-json.out tests/data/qemu/seed-mtree.txt */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/jsonw.h"

/* a decoder of its own, not jsonw's: true if s[0..n) is well-formed UTF-8 */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint32_t cp;
		size_t k, len;

		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			len = 2;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			len = 3;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			len = 4;
			cp = s[i] & 0x07;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* one JSON text and its newline, strictly; false if json-c rejects it
 * (the newline ends a number at the end of the text) */
static bool parse(const char *s, size_t n, json_object **o)
{
	struct json_tokener *tok = json_tokener_new_ex(JW_MAX_DEPTH + 2);
	bool ok;

	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	*o = json_tokener_parse_ex(tok, s, (int)n);
	ok = json_tokener_get_error(tok) == json_tokener_success;
	for (size_t i = json_tokener_get_parse_end(tok); ok && i < n; i++)
		ok = s[i] == '\n' || s[i] == ' ';
	json_tokener_free(tok);
	return ok;
}

static void check_string(const uint8_t *data, size_t size)
{
	bool valid = utf8_ok(data, size);
	int layout;

	for (layout = 0; layout < 2; layout++) {
		char *out = NULL, *key = malloc(size + 1);
		size_t len = 0;
		FILE *f = open_memstream(&out, &len);
		json_object *top, *v = NULL;
		struct jw w;

		if (!f || !key)
			abort();
		memcpy(key, data, size);
		key[size] = 0;	/* a key is a C string: up to the first NUL */
		jw_init(&w, f, layout ? JW_COMPACT : JW_PRETTY);
		jw_obj_begin(&w);
		jw_key(&w, key);
		jw_strn(&w, (const char *)data, size);
		jw_obj_end(&w);
		if (jw_finish(&w))
			abort();
		fclose(f);
		if (!utf8_ok((unsigned char *)out, len))
			abort();
		if (!parse(out, len, &top) || json_object_object_length(top) != 1)
			abort();
		json_object_object_foreach(top, k, val) {
			v = val;
			if (valid && strcmp(k, key))
				abort();
		}
		if (!json_object_is_type(v, json_type_string))
			abort();
		if (valid && ((size_t)json_object_get_string_len(v) != size ||
			      memcmp(json_object_get_string(v), data, size)))
			abort();
		json_object_put(top);
		free(key);
		free(out);
	}
}

/* each line a JSON value json-c parses */
static void check_lines(const char *out, size_t len)
{
	const char *p = out, *end = out + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		json_object *o;

		if (!nl)
			abort();
		if (!parse(p, (size_t)(nl + 1 - p), &o))
			abort();
		json_object_put(o);
		p = nl + 1;
	}
}

static void check_program(const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t len = 0, i = 0;
	FILE *f = open_memstream(&out, &len);
	struct jw w;
	int r;

	if (!f)
		abort();
	jw_init(&w, f, JW_COMPACT);	/* one value a line, so each is parsed alone */
	while (i < size) {
		uint8_t op = data[i++];
		size_t n = op >> 4;
		uint64_t v = 0;

		if (n > size - i)
			n = size - i;
		switch (op & 15) {
		case 0: jw_obj_begin(&w); break;
		case 1: jw_obj_end(&w); break;
		case 2: jw_arr_begin(&w); break;
		case 3: jw_arr_end(&w); break;
		case 4: {
			char k[16];

			memcpy(k, data + i, n);
			k[n] = 0;
			jw_key(&w, k);
			i += n;
			break;
		}
		case 5: jw_strn(&w, (const char *)data + i, n); i += n; break;
		case 6:
		case 7:
			memcpy(&v, data + i, n < 8 ? n : 8);
			i += n;
			if (op & 1)
				jw_int(&w, (int64_t)v);
			else
				jw_hex(&w, v);
			break;
		case 8: jw_bool(&w, n & 1); break;
		case 9: jw_null(&w); break;
		case 10: jw_str(&w, NULL); break;
		default: jw_uint(&w, op); break;
		}
	}
	r = jw_finish(&w);
	fclose(f);
	if (!r) {
		if (!utf8_ok((unsigned char *)out, len))
			abort();
		check_lines(out, len);
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		check_program(data + 1, size - 1);
	else
		check_string(data + 1, size - 1);
	return 0;
}
