/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * int128.c - the two shapes QEMU's Int128 takes (a native __int128 with
 * CONFIG_INT128, else a {lo, hi} struct), for test_int128.py under gdb.
 */
#include <stdint.h>

typedef __int128_t NativeInt128;
typedef struct StructInt128 { uint64_t lo; int64_t hi; } StructInt128;

/* A MemoryRegion-like holder: the value is a field, as mr->size is. */
struct holder {
	uint64_t addr;
	NativeInt128 size;
	StructInt128 ssize;
};

NativeInt128 n_4096 = 4096;		/* the seed's region: 4 KiB */
NativeInt128 n_2_64 = (NativeInt128)1 << 64;	/* 'system' and 'io' */
NativeInt128 n_max64 = UINT64_MAX;
NativeInt128 n_zero;
NativeInt128 n_minus1 = -1;
NativeInt128 n_big = ((NativeInt128)0x123 << 64) | 0xfedcba9876543210ULL;
StructInt128 s_4096 = { 4096, 0 };
StructInt128 s_2_64 = { 0, 1 };
StructInt128 s_max64 = { UINT64_MAX, 0 };
StructInt128 s_minus1 = { UINT64_MAX, -1 };
struct holder seed = { 0xfc078000, 4096, { 4096, 0 } };

int main(void)
{
	return (int)(n_zero + s_4096.hi);
}
