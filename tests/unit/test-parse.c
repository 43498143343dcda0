// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of parse.c: a maps line, vfio paths, the KVM VM fd, BDFs. */
#include <stdlib.h>
#include "iommu-map.h"
#include "t.h"

static int line(const char *s, struct im_map *mp)
{
	memset(mp, 0, sizeof(*mp));
	return im_parse_maps_line(s, s + strlen(s), mp);
}

static bool norm(const char *s, const char *want)
{
	char out[16] = "";

	if (im_bdf_norm(s, strlen(s), out))
		return want == NULL;
	return want && !strcmp(out, want);
}

/* kernel releases: N.N[.N]... and a suffix that starts with no digit or letter */
static void test_release(void)
{
	static const struct {
		const char *rel;
		int ok;
		unsigned int maj, min;
	} t[] = {
		{ "6.12.118+deb13-amd64", 1, 6, 12 }, { "6.1.0-57-amd64", 1, 6, 1 },
		{ "4.18.0-513.el8.x86_64", 1, 4, 18 }, { "6.10", 1, 6, 10 },
		{ "6.10-rc1", 1, 6, 10 }, { "7.3.4\n", 1, 7, 3 }, { "9999.0", 1, 9999, 0 },
		{ "garbage", 0, 0, 0 }, { "", 0, 0, 0 }, { "6", 0, 0, 0 }, { "6.", 0, 0, 0 },
		{ "6.x", 0, 0, 0 }, { "6.1abc", 0, 0, 0 }, { "6.1.x", 0, 0, 0 },
		{ "10000.1", 0, 0, 0 }, { " 6.1", 0, 0, 0 }, { "-6.1", 0, 0, 0 },
		{ "6.1..2", 0, 0, 0 }, { "6.99999999999999999999", 0, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned int a = 0, b = 0;
		char name[80];
		int r = im_kernel_release(t[i].rel, &a, &b);

		snprintf(name, sizeof(name), "release '%s'", t[i].rel);
		if (strchr(name, '\n'))
			*strchr(name, '\n') = '~';
		T_OK(t[i].ok ? !r && a == t[i].maj && b == t[i].min : r == -EINVAL, name);
	}
	T_OK(im_kernel_release(NULL, &(unsigned int){ 0 }, &(unsigned int){ 0 }) == -EINVAL,
	     "release NULL");
	T_OK(im_kernel_at_least("6.10.0", 6, 10) == IM_TRI_YES, "at least: 6.10.0 >= 6.10");
	T_OK(im_kernel_at_least("7.0", 6, 10) == IM_TRI_YES, "at least: 7.0 >= 6.10");
	T_OK(im_kernel_at_least("6.9.12", 6, 10) == IM_TRI_NO, "at least: 6.9 < 6.10");
	T_OK(im_kernel_at_least("garbage", 6, 10) == IM_TRI_UNKNOWN, "at least: garbage is unknown");
	T_OK(im_kernel_at_least(NULL, 6, 10) == IM_TRI_UNKNOWN, "at least: none is unknown");
}

int main(void)
{
	struct im_map mp;
	struct im_bdf b;
	int n;

	/* maps lines */
	T_OK(!line("7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653                      anon_inode:[vfio-device]", &mp),
	     "maps line: anon vfio");
	T_OK(mp.vfio && mp.cdev == -1 && mp.dev == -1 && mp.bar == -1, "maps line: anon is a vfio device mapping");
	T_EQ_U64(mp.offset, 0xe2c20000, "maps line: offset");
	T_EQ_U64(mp.inode, 13653, "maps line: inode");
	T_EQ_STR(mp.perms, "rw-s", "maps line: perms");
	im_map_path_free(&mp);
	T_OK(!line("7f0000000000-7f0000001000 rw-s 20000000000 00:05 9 /dev/vfio/devices/vfio3", &mp) &&
	     mp.vfio && mp.cdev == 3, "maps line: cdev mapping, its N");
	im_map_path_free(&mp);
	T_OK(!line("1000-2000 rw-s 0 00:05 9 /dev/vfio/7", &mp) && !mp.vfio && mp.cdev == -1,
	     "maps line: a group path is no BAR mapping");
	im_map_path_free(&mp);
	T_OK(!line("1000-2000 rw-p 0 fd:01 0 ", &mp) && !strcmp(mp.path, "") && !mp.vfio,
	     "maps line: anonymous, empty path");
	T_EQ_U64(mp.dev_major, 0xfd, "maps line: dev major hex");
	im_map_path_free(&mp);
	T_OK(!line("1000-2000 r--p 0 00:01 77   /memfd:a b (deleted)", &mp) &&
	     !strcmp(mp.path, "/memfd:a b (deleted)"), "maps line: path with spaces");
	im_map_path_free(&mp);
	T_OK(line("1000-2000 rw-s 0 00:0e", &mp) == -EINVAL && !mp.path, "maps line: truncated");
	T_OK(line("1000-2000 rwxq 0 00:0e 1 a", &mp) == -EINVAL, "maps line: bad perms");
	T_OK(line("1000-2000 rw-s 0 00:00 1x", &mp) == -EINVAL, "maps line: garbage inode");
	T_OK(line("2000-1000 rw-s 0 00:00 1", &mp) == -ERANGE && !mp.path, "maps line: end before start");
	T_OK(line("2000-2000 rw-s 0 00:00 1", &mp) == -ERANGE, "maps line: empty range");
	/* the hex fields, read in one pass: as im_parse_hex reads them */
	T_OK(!line("ffffffffffff0000-ffffffffffffffff r--p 0 00:00 1", &mp) &&
	     mp.end == UINT64_MAX, "maps line: 16 hex digits");
	im_map_path_free(&mp);
	T_OK(line("1ffffffffffff0000-1ffffffffffffffff r--p 0 00:00 1", &mp) == -EINVAL,
	     "maps line: 17 hex digits refused");
	T_OK(!line("0x1000-0X2000 r--p 0xA0 0a:0B 1", &mp) && mp.start == 0x1000 &&
	     mp.end == 0x2000 && mp.offset == 0xa0 && mp.dev_minor == 0xb,
	     "maps line: 0x prefixes and upper case, as im_parse_hex");
	im_map_path_free(&mp);
	T_OK(line("0x-2000 r--p 0 00:00 1", &mp) == -EINVAL, "maps line: bare 0x refused");
	T_OK(line("-2000 r--p 0 00:00 1", &mp) == -EINVAL, "maps line: empty start refused");
	T_OK(line("10g0-2000 r--p 0 00:00 1", &mp) == -EINVAL, "maps line: non-hex digit refused");
	T_OK(line("1000-2000", &mp) == -EINVAL, "maps line: ends after its range");
	T_OK(line("1000", &mp) == -EINVAL, "maps line: no delimiter");

	/* vfio paths and fd targets */
	T_OK(im_vfio_path_kind("anon_inode:[vfio-device]", &n) == IM_VFIO_ANON && n == -1, "vfio: anon device fd");
	T_OK(im_vfio_path_kind("/dev/vfio/devices/vfio12", &n) == IM_VFIO_CDEV && n == 12, "vfio: cdev");
	T_OK(im_vfio_path_kind("/dev/vfio/devices/vfio12x", &n) == IM_VFIO_NONE && n == -1, "vfio: cdev with junk");
	T_OK(im_vfio_path_kind("/dev/vfio/devices/vfio", &n) == IM_VFIO_NONE, "vfio: cdev without N");
	T_OK(im_vfio_path_kind("/dev/vfio/devices/vfio99999999999", &n) == IM_VFIO_NONE, "vfio: cdev N too large");
	T_OK(im_vfio_path_kind("/dev/vfio/12", &n) == IM_VFIO_GROUP && n == 12, "vfio: legacy group");
	T_OK(im_vfio_path_kind("/dev/vfio/noiommu-4", &n) == IM_VFIO_GROUP && n == 4, "vfio: noiommu group");
	T_OK(im_vfio_path_kind("/dev/vfio/vfio", &n) == IM_VFIO_NONE, "vfio: the container is no group");
	T_OK(im_vfio_path_kind("/dev/vfio/12 (deleted)", NULL) == IM_VFIO_NONE, "vfio: group with junk");
	T_OK(im_vfio_path_kind("anon_inode:[vfio-device] ", NULL) == IM_VFIO_NONE, "vfio: anon exact");
	T_OK(im_vfio_path_kind(NULL, &n) == IM_VFIO_NONE, "vfio: NULL");
	T_OK(im_vfio_path_is_device(IM_VFIO_CDEV) && im_vfio_path_is_device(IM_VFIO_ANON) &&
	     !im_vfio_path_is_device(IM_VFIO_GROUP) && !im_vfio_path_is_device(IM_VFIO_NONE),
	     "vfio: device kinds");
	T_OK(im_fd_target_is_kvm_vm("anon_inode:kvm-vm"), "kvm-vm fd");
	T_OK(!im_fd_target_is_kvm_vm("anon_inode:kvm-vcpu:0") && !im_fd_target_is_kvm_vm("/dev/kvm") &&
	     !im_fd_target_is_kvm_vm(NULL), "not kvm-vm fds");

	/* BDFs */
	T_OK(norm("0000:0a:00.0", "0000:0a:00.0"), "bdf: canonical");
	T_OK(norm("0a:00.0", "0000:0a:00.0"), "bdf: no domain");
	T_OK(norm("0:3.1", "0000:00:03.1"), "bdf: short fields");
	T_OK(norm("10000:00:03.0", NULL), "bdf: domain too long");
	T_OK(norm("ABCD:0A:1F.7", "abcd:0a:1f.7"), "bdf: upper case folded");
	T_OK(norm("0000:00:20.0", NULL), "bdf: device > 0x1f");
	T_OK(norm("0000:00:03.8", NULL), "bdf: function > 7");
	T_OK(norm("ffff:ff:ff.f", NULL), "bdf: QEMU's unset host= is none");
	T_OK(norm("0000:00:03.0 ", NULL), "bdf: trailing blank");
	T_OK(norm(" 00:03.0", NULL), "bdf: leading blank");
	T_OK(norm("0x0:00:03.0", NULL), "bdf: no 0x");
	T_OK(norm("00:03", NULL), "bdf: no function");
	T_OK(norm("0:0:0:3.0", NULL), "bdf: three colons");
	T_OK(norm("", NULL), "bdf: empty");
	T_OK(!im_bdf_parse("0000:0a:00.0 BAR 0", 12, &b) && b.dom == 0 && b.bus == 0x0a &&
	     b.dev == 0 && b.fn == 0, "bdf: parse within a length");
	T_OK(!im_bdf_parse("1234:56:1e.5", 12, &b) && b.dom == 0x1234 && b.bus == 0x56 &&
	     b.dev == 0x1e && b.fn == 5, "bdf: fields");
	test_release();
	T_DONE();
}
