// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-elfsym.c - elfsym.c on this very process (.symtab: our own
 * functions; .dynsym: libc), on a sysroot copy of our executable behind
 * synthetic maps, and on the error cases.  Build with -g, not stripped.
 * Links: src/watch/elfsym.c src/lib/sysroot.c src/lib/util.c, libelf.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "t.h"
#include "iommu-map.h"
#include "watch/elfsym.h"

__attribute__((noinline)) int t_elfsym_target(int x);
__attribute__((noinline)) int t_elfsym_target(int x)
{
	volatile int v = x;	/* some bytes of code at any -O */

	v = v * 3;
	v = v + 1;
	return v;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(in);
	close(out);
	return n == 0 ? 0 : -1;
}

/*
 * A small ELF with two SHT_DYNSYM tables, each naming one function at
 * vaddr 0x1000: "first", then "second".  The first wins, and the second
 * must not leak it (the fuzz target found that).
 */
static int write_two_dynsym(const char *path)
{
	static char strs[] = "\0first\0second";
	static Elf64_Sym syms[2][2];
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	Elf_Scn *ss;
	size_t strndx;
	Elf *e;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644), k, ok = 0;

	if (fd < 0 || elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!e || !(eh = elf64_newehdr(e)) || !(ph = elf64_newphdr(e, 1)))
		goto out;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_machine = EM_X86_64;
	eh->e_type = ET_DYN;
	ss = elf_newscn(e);
	{
		Elf_Data *d = elf_newdata(ss);
		Elf64_Shdr *sh = elf64_getshdr(ss);

		d->d_buf = strs;
		d->d_size = sizeof(strs);
		d->d_type = ELF_T_BYTE;
		d->d_align = 1;
		sh->sh_type = SHT_STRTAB;
	}
	strndx = elf_ndxscn(ss);
	for (k = 0; k < 2; k++) {
		Elf_Scn *scn = elf_newscn(e);
		Elf_Data *d = elf_newdata(scn);
		Elf64_Shdr *sh = elf64_getshdr(scn);

		syms[k][1].st_name = k ? 7 : 1;
		syms[k][1].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
		syms[k][1].st_shndx = (Elf64_Section)strndx;
		syms[k][1].st_value = 0x1000;
		syms[k][1].st_size = 0x100;
		d->d_buf = syms[k];
		d->d_size = sizeof(syms[k]);
		d->d_type = ELF_T_SYM;
		d->d_align = 8;
		sh->sh_type = SHT_DYNSYM;
		sh->sh_link = (Elf64_Word)strndx;
		sh->sh_entsize = sizeof(Elf64_Sym);
	}
	if (elf_update(e, ELF_C_NULL) < 0)
		goto out;
	ph->p_type = PT_LOAD;
	ph->p_filesz = ph->p_memsz = 0x10000;
	elf_flagphdr(e, ELF_C_SET, ELF_F_DIRTY);
	ok = elf_update(e, ELF_C_WRITE) >= 0;
out:
	if (e)
		elf_end(e);
	close(fd);
	return ok ? 0 : -1;
}

int main(void)
{
	struct im_map *maps = NULL, fake[2];
	size_t nmaps = 0, cached;
	struct im_sym s;
	char buf[256], root[] = "/tmp/im-elfsym-root.XXXXXX", path[512];
	uint64_t fn = (uint64_t)(uintptr_t)&t_elfsym_target;
	uint64_t gp = (uint64_t)(uintptr_t)&getpid;
	void *anon;
	int r;

	T_OK(im_root_init("/") == 0, "root init /");
	T_OK(t_elfsym_target(1) == 4, "target runs");
	T_OK(im_maps_read_live(getpid(), &maps, &nmaps) == 0 && nmaps > 5,
	     "read own maps");

	r = im_sym_resolve(maps, nmaps, fn + 3, &s);
	T_OK(r == 0, "resolve own function");
	T_EQ_STR(s.name, "t_elfsym_target", "own function name");
	T_EQ_U64(s.offset, 3, "own function offset");
	T_EQ_STR(s.table, ".symtab", "own function from .symtab");
	T_OK(s.build_id && strlen(s.build_id) == 40, "own build-id is 20 bytes");
	T_OK(im_sym_lookup(maps, nmaps, fn + 3, buf, sizeof(buf)) == 0,
	     "lookup own function");
	T_EQ_STR(buf, "t_elfsym_target+0x3 (test-elfsym)", "lookup format");

	r = im_sym_resolve(maps, nmaps, gp, &s);
	T_OK(r == 0 && s.name && strstr(s.name, "getpid"), "libc getpid");
	/* .dynsym, or the .symtab of libc6-dbg's file when installed */
	snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug",
		 s.build_id ? s.build_id : "xx",
		 s.build_id ? s.build_id + 2 : "x");
	T_EQ_STR(s.table, access(path, R_OK) ? ".dynsym" : "debug:.symtab",
		 "libc symbol table (.dynsym or debug file)");
	T_OK(s.file && strstr(s.file, "libc.so"), "libc file");
	T_EQ_U64(s.offset, 0, "libc getpid offset 0");

	/* through /proc/PID/root: the same file */
	im_elfsym_set_pid(getpid());
	T_OK(im_sym_lookup(maps, nmaps, fn + 3, buf, sizeof(buf)) == 0,
	     "lookup via /proc/PID/root");
	T_EQ_STR(buf, "t_elfsym_target+0x3 (test-elfsym)", "via /proc/PID/root format");
	im_elfsym_set_pid(0);

	im_sym_resolve(maps, nmaps, fn, &s);
	im_sym_resolve(maps, nmaps, gp, &s);
	cached = im_elfsym_cached();
	im_sym_resolve(maps, nmaps, fn, &s);
	im_sym_resolve(maps, nmaps, gp + 1, &s);
	T_EQ_U64(im_elfsym_cached(), cached, "files parsed once");

	anon = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	im_maps_free(maps, nmaps);
	T_OK(im_maps_read_live(getpid(), &maps, &nmaps) == 0, "reread maps");
	T_EQ_U64((uint64_t)-im_sym_resolve(maps, nmaps, (uintptr_t)anon, &s),
		 ENOEXEC, "anonymous mapping: -ENOEXEC");
	T_EQ_U64((uint64_t)-im_sym_lookup(maps, nmaps, 0x10, buf, sizeof(buf)),
		 EFAULT, "unmapped: -EFAULT");
	T_EQ_STR(buf, "", "unmapped: empty string");
	munmap(anon, 8192);

	/* a sysroot replay: the file comes from ROOT/usr/bin/fake-qemu */
	memset(fake, 0, sizeof(fake));
	fake[0].start = 0x555500000000ULL;
	fake[0].end = 0x555500000000ULL + 0x10000000;
	fake[0].offset = 0;
	fake[0].path = "/usr/bin/fake-qemu";
	fake[0].inode = 1;	/* another machine's inode: not checked */
	fake[1] = fake[0];
	fake[1].start = fake[0].end;
	fake[1].end = fake[1].start + 0x1000;
	fake[1].path = "/usr/lib/gone.so (deleted)";
	T_OK(mkdtemp(root) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/usr", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/usr/bin", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/usr/bin/fake-qemu", root);
	T_OK(copy_file("/proc/self/exe", path) == 0, "copy exe into sysroot");
	T_OK(im_root_init(root) == 0, "root init sysroot");
	im_elfsym_reset();
	/* vaddr of t_elfsym_target from the live lookup above */
	{
		struct im_map *lm = NULL;
		size_t ln = 0;
		uint64_t v;

		im_root_init("/");
		im_maps_read_live(getpid(), &lm, &ln);
		im_sym_resolve(lm, ln, fn, &s);
		v = s.vaddr;
		im_maps_free(lm, ln);
		im_root_init(root);
		r = im_sym_resolve(fake, 2, fake[0].start + v + 2, &s);
		T_OK(r == 0, "sysroot resolve");
		T_EQ_STR(s.name, "t_elfsym_target", "sysroot name");
		T_EQ_U64(s.offset, 2, "sysroot offset");
	}
	T_EQ_U64((uint64_t)-im_sym_resolve(fake, 2, fake[1].start, &s), ESTALE,
		 "(deleted) file: -ESTALE");
	/* two .dynsym tables: the first one's name, and no leak (ASan) */
	snprintf(path, sizeof(path), "%s/usr/bin/two-dynsym", root);
	T_OK(write_two_dynsym(path) == 0, "write an ELF with two .dynsym");
	fake[0].path = "/usr/bin/two-dynsym";
	fake[0].offset = 0;
	r = im_sym_resolve(fake, 1, fake[0].start + 0x1010, &s);
	T_OK(r == 0 && s.name && !strcmp(s.name, "first") && s.offset == 0x10,
	     "two .dynsym tables: the first wins");
	unlink(path);
	/* a FIFO as the mapped file: refused at once, never opened */
	snprintf(path, sizeof(path), "%s/usr/bin/fifo-qemu", root);
	T_OK(mkfifo(path, 0644) == 0, "mkfifo in sysroot");
	fake[0].path = "/usr/bin/fifo-qemu";
	T_OK(im_root_not_regular(im_sym_resolve(fake, 1, fake[0].start, &s)),
	     "a FIFO as the mapped ELF: not a regular file, no hang");
	unlink(path);
	snprintf(path, sizeof(path), "%s/usr/bin/fake-qemu", root);
	fake[0].path = "/usr/bin/not-captured";
	T_EQ_U64((uint64_t)-im_sym_resolve(fake, 2, fake[0].start, &s), ENOENT,
		 "file absent from sysroot: -ENOENT");
	unlink(path);
	snprintf(path, sizeof(path), "%s/usr/bin", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/usr", root);
	rmdir(path);
	rmdir(root);

	im_maps_free(maps, nmaps);
	im_elfsym_reset();
	T_DONE();
}
