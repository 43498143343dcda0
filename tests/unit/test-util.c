// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of util.c: the strict number parsers and size words. */
#include "iommu-map.h"
#include "t.h"

static int calls;

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	calls++;
	return x < y ? -1 : x > y;
}

int main(void)
{
	int sorted[] = { 1, 2, 2, 5, 9 }, unsorted[] = { 5, 1, 9, 2, 2 }, one[] = { 3 };
	uint64_t v = 0;
	char buf[32];

	T_OK(!im_parse_hex("e2c20000", 8, &v) && v == 0xe2c20000, "hex plain");
	T_OK(!im_parse_hex("0x7f0b5c5f4000", 14, &v) && v == 0x7f0b5c5f4000, "hex 0x");
	T_OK(!im_parse_hex("ffffffffffffffff", 16, &v) && v == UINT64_MAX, "hex max");
	T_OK(im_parse_hex("1ffffffffffffffff", 17, &v) == -EINVAL, "hex 17 digits refused");
	T_OK(im_parse_hex("", 0, &v) == -EINVAL, "hex empty refused");
	T_OK(im_parse_hex("0x", 2, &v) == -EINVAL, "hex bare 0x refused");
	T_OK(im_parse_hex("12g4", 4, &v) == -EINVAL, "hex garbage refused");
	T_OK(!im_parse_hex("aBcDeF", 6, &v) && v == 0xabcdef, "hex mixed case");
	T_OK(im_parse_hex("0x12 ", 5, &v) == -EINVAL, "hex trailing blank refused");
	T_OK(im_hex_digit('f') == 15 && im_hex_digit('F') == 15 && im_hex_digit('0') == 0 &&
	     im_hex_digit('g') == -1 && im_hex_digit('\xff') == -1 && im_hex_digit('\0') == -1,
	     "hex digit values");
	im_qsort(sorted, 5, sizeof(int), cmp_int);
	T_OK(calls == 4 && sorted[0] == 1 && sorted[4] == 9, "qsort: in order, one pass, unchanged");
	im_qsort(unsorted, 5, sizeof(int), cmp_int);
	T_OK(unsorted[0] == 1 && unsorted[1] == 2 && unsorted[2] == 2 && unsorted[3] == 5 &&
	     unsorted[4] == 9, "qsort: out of order, sorted");
	im_qsort(one, 1, sizeof(int), cmp_int);
	im_qsort(NULL, 0, sizeof(int), cmp_int);
	T_OK(one[0] == 3, "qsort: one element and none");
	T_OK(!im_parse_u64("4096", &v) && v == 4096, "u64 decimal");
	T_OK(!im_parse_u64("0x4096", &v) && v == 0x4096, "u64 hex");
	T_OK(im_parse_u64("18446744073709551616", &v) == -ERANGE, "u64 overflow refused");
	T_OK(im_parse_u64("-1", &v) == -EINVAL, "u64 sign refused");
	T_EQ_STR(im_human_size(256, buf), "256", "size 256");
	T_EQ_STR(im_human_size(0x4000, buf), "16K", "size 16K");
	T_EQ_STR(im_human_size(0x80000000, buf), "2G", "size 2G");
	T_EQ_STR(im_human_size(0x4096, buf), "16534", "size odd stays exact");
	T_DONE();
}
