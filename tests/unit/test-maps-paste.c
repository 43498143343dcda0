// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of sources/maps-paste.c: pasted maps lines and pmap -X rows,
 * on the shapes of the real pastes in tests/pastes/. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "iommu-map.h"
#include "sources/maps-paste.h"
#include "t.h"

static int parse(const char *txt, struct im_maps_paste *mp, struct im_err *err)
{
	return im_maps_paste_parse(txt, strlen(txt), "paste.txt", mp, err);
}

/* --maps and --mtree on one paste: the lines the memory-tree reader reads
 * are its, not "not understood" here (the seed mail's shape) */
static void test_beside_mtree(void)
{
	static const char mail[] =
		"Now, on the host:\n"
		"7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653\n"
		"  anon_inode:[vfio-device]\n"
		"(gdb) qemu mtree\n"
		"    00000000fc078000-00000000fc07c095 0000:0a:00.0 BAR 0 (I/O) (@\n"
		"0x56540d8c76b0)\n"
		"      00000000fc078000-00000000fc07c095 0000:0a:00.0 BAR 0 mmaps[0]\n"
		"(I/O) (@ 0x56540d8c7c30)\n"
		"the end\n";
	char path[] = "/tmp/test-maps-paste-XXXXXX";
	const struct im_source *src;
	struct im_model m;
	struct im_err err = { 0 };
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, mail, sizeof(mail) - 1) != (ssize_t)(sizeof(mail) - 1) || close(fd)) {
		T_OK(false, "beside mtree: a paste file");
		return;
	}
	im_model_init(&m);
	m.paste = true;
	T_OK(!im_maps_paste_load_beside(&m, path, true, &err) && m.nmaps == 1,
	     "beside mtree: the maps line read");
	src = im_find_source(&m, "maps-paste");
	T_OK(src && strstr(src->detail, "; 3 lines not understood (first: ") &&
	     strstr(src->detail, "; 4 lines read by --mtree"),
	     "beside mtree: the two gdb lines and their wraps are --mtree's; the prose and prompt are not understood");
	im_model_free(&m);
	im_model_init(&m);
	m.paste = true;
	T_OK(!im_maps_paste_load(&m, path, &err) && (src = im_find_source(&m, "maps-paste")) &&
	     strstr(src->detail, "; 7 lines not understood (first: ") && !strstr(src->detail, "--mtree"),
	     "beside mtree: without --mtree, every line it does not read is counted");
	im_model_free(&m);
	unlink(path);
}

/* pmap -X: by its header's columns, with and without Mapping; rows and
 * headers it cannot be */
static void test_pmap(void)
{
	struct im_maps_paste mp;
	struct im_err err = { 0 };
	int r;

	/* tests/pastes/27: pmap -X without a Mapping column */
	r = parse("            Address Perm       Offset Device   Inode       Size       Rss       Pss Pss_Dirty\n"
		  "        7137bffff000 ---p     00000000  00:00       0          4         0         0         0\n"
		  "        7137c0000000 rw-s 57a000000000  00:0f    1050  134217728         0         0         0\n",
		  &mp, &err);
	T_OK(r == 0 && mp.pmap && mp.nmaps == 2, "pmap -X: header and two rows");
	T_OK(mp.nmaps == 2 && mp.maps[1].start == 0x7137c0000000 &&
	     mp.maps[1].end == 0x7137c0000000 + (134217728ULL << 10) && mp.maps[1].offset == 0x57a000000000 &&
	     mp.maps[1].dev_minor == 0xf && mp.maps[1].inode == 1050 && !strcmp(mp.maps[1].perms, "rw-s"),
	     "pmap -X: a 128 GiB row, by the header's columns");
	T_OK(mp.nmaps == 2 && mp.maps[1].unnamed && !mp.maps[1].vfio,
	     "pmap -X: no Mapping column: the path, and so vfio, is unknown");
	im_maps_paste_free(&mp);

	/* pmap -X with its Mapping column, quoted in a mail */
	r = parse("> Address Perm Offset Device Inode Size Rss Mapping\n"
		  ">     7f0b5c5f4000 rw-s e2c20000  00:0e  13653    4   0 anon_inode:[vfio-device]\n",
		  &mp, &err);
	T_OK(r == 0 && mp.nmaps == 1 && mp.maps[0].vfio && !mp.maps[0].unnamed &&
	     mp.maps[0].end == 0x7f0b5c5f5000, "pmap -X: with Mapping, a quoted vfio row");
	im_maps_paste_free(&mp);

	/* a row shorter than a column the header names (Address after Mapping:
	 * fuzz-maps-paste found it reading a word the row never had) */
	r = parse("Perm Offset Device Inode Size Mapping Address\n"
		  "rw-p 00000000 00:00 0 4 [heap] 555585386000\n", &mp, &err);
	T_OK(r == -EINVAL && strstr(err.msg, "; 1 line not understood (first: paste.txt:2)"),
	     "pmap -X: Address after Mapping: the row is not understood, never read past");
	/* a header that names a column twice is no pmap -X header */
	r = parse("Address Perm Offset Device Inode Size Address Mapping\n"
		  "555585386000 rw-p 00000000 00:00 0 4 555585386000 [heap]\n", &mp, &err);
	T_OK(r == -EINVAL && strstr(err.msg, "; 2 lines not understood (first: paste.txt:1)"),
	     "pmap -X: a column named twice is no header");
}

int main(void)
{
	struct im_maps_paste mp;
	struct im_err err = { 0 };
	int r;

	test_beside_mtree();
	test_pmap();

	/* tests/pastes/04: a shell prompt, then grep's lines */
	r = parse("\xf0\x9f\xa7\x80  cat /proc/65467/maps | grep vfio\n"
		  "7f2ad4108000-7f2ad410c000 rw-s 00000000 00:0f 3091                       anon_inode:[vfio-device]\n"
		  "7f2ad4110000-7f2ad4114000 rw-s 40000000000 00:0f 3091                    anon_inode:[vfio-device]\n"
		  "7f2ad4118000-7f2ad4119000 rw-s 10000000000 00:0f 3091                    anon_inode:[vfio-device]\n",
		  &mp, &err);
	T_OK(r == 0 && mp.nmaps == 3, "grep: three mappings");
	T_OK(mp.unknown == 1 && mp.first_unknown == 1, "grep: the prompt line is not understood, and named");
	T_OK(mp.nmaps == 3 && mp.maps[1].offset == 0x40000000000 && mp.maps[1].vfio && mp.maps[1].line == 3,
	     "grep: a vfio mapping, its offset and line");
	im_maps_paste_free(&mp);

	/* tests/pastes/25: a size column in front, &nbsp; as padding */
	r = parse("256M 7f1430000000-7f1440000000 rw-s 10000000000 00:11 3101&nbsp;&nbsp;&nbsp;anon_inode:[vfio-device]\n"
		  "64M 7f18b4021000-7f18b8000000 ---p 00000000 00:00 0 \n", &mp, &err);
	T_OK(r == 0 && mp.nmaps == 2 && mp.unknown == 0, "blog: both lines read");
	T_OK(mp.nmaps == 2 && mp.maps[0].vfio && mp.maps[0].end - mp.maps[0].start == 256 << 20,
	     "blog: the vfio mapping, through &nbsp; and the size column");
	im_maps_paste_free(&mp);

	/* the seed's maps line, quoted, behind blanks */
	r = parse(">   7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653\n", &mp, &err);
	T_OK(r == 0 && mp.nmaps == 1 && !mp.maps[0].vfio && mp.maps[0].offset == 0xe2c20000,
	     "seed: a maps line with no path is read (its vfio-ness is for the view to say)");
	im_maps_paste_free(&mp);

	/* out of order is sorted; overlap is two processes */
	r = parse("2000-3000 r--p 0 00:00 0\n1000-2000 r--p 0 00:00 0\n", &mp, &err);
	T_OK(r == 0 && mp.nmaps == 2 && mp.maps[0].start == 0x1000 && mp.maps[0].line == 2,
	     "order: sorted by start, lines kept");
	im_maps_paste_free(&mp);
	r = parse("1000-3000 r--p 0 00:00 0\n2000-4000 r--p 0 00:00 0\n", &mp, &err);
	T_OK(r == -EINVAL && err.line == 2 && strstr(err.msg, "line 1"), "order: overlap names both lines");
	r = parse("hello\nworld\n", &mp, &err);
	T_OK(r == -EINVAL && strstr(err.msg, "2 lines not understood (first: paste.txt:1)"),
	     "nothing read: refused, with the count");
	r = parse("", &mp, &err);
	T_OK(r == -EINVAL, "empty: refused");
	/* tests/pastes/02: a mail archive wrapped the path and stripped runs of zeros */
	r = parse("#\n7f0b5c5f4000-7f0b5c5f5000 rw-s e2c2 00:0e 13653\n  anon_inode:[vfio-device]\n#\n"
		  "7f0b5c600000-7f0b5c601000 rw-s 00000000 00:0e 13653\n#\n", &mp, &err);
	T_OK(r == 0 && mp.nmaps == 2 && mp.joined == 1, "archive: the wrapped path joined, once");
	T_OK(mp.nmaps == 2 && mp.maps[0].vfio && mp.maps[0].line == 2 && mp.maps[0].offset_lost,
	     "archive: the vfio mapping, its line, its offset lost (4 digits, not page-aligned)");
	T_OK(mp.nmaps == 2 && !mp.maps[1].vfio && mp.maps[1].path && !*mp.maps[1].path &&
	     !mp.maps[1].offset_lost, "archive: a '#' line is not a path; 00000000 is an offset maps prints");
	T_OK(mp.short_offset == 1 && mp.first_short == 2, "archive: the lost offset counted, its line named");
	im_maps_paste_free(&mp);
	r = parse("7f0b5c5f4000-7f0b5c5f5000 rw-s 0000e2c2 00:0e 13653 anon_inode:[vfio-device]\n", &mp, &err);
	T_OK(r == 0 && mp.nmaps == 1 && mp.maps[0].offset_lost, "8 digits, not page-aligned: still lost");
	im_maps_paste_free(&mp);

	T_DONE();
}
