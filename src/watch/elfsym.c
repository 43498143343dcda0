// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * elfsym.c - symbolize addresses in file-backed mappings with libelf.
 *
 * For a maps line "start-end perms offset dev inode path" and an address A
 * in it, the file offset is A - start + offset; the PT_LOAD segment holding
 * that file offset turns it into the link-time address
 *	vaddr = A - start + offset - p_offset + p_vaddr
 * which is what .symtab/.dynsym values are in, PIE or not.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "iommu-map.h"
#include "watch/elfsym.h"

struct esym {
	uint64_t addr, size;
	const char *name;		/* into the owning table's strings */
};

struct etab {
	struct esym *syms;		/* sorted by addr */
	size_t n;
	char *strings;			/* copy of the string table */
};

struct eseg {
	uint64_t offset, vaddr, filesz;
};

struct efile {
	char *path;
	uint64_t inode;
	int err;			/* 0, or why this file cannot be used */
	char *build_id;
	struct eseg *segs;
	size_t nsegs;
	struct etab symtab, dynsym, debugtab;
};

static struct efile *cache;
static size_t ncache, cache_cap;
static int target_pid;

void im_elfsym_set_pid(int pid)
{
	if (pid != target_pid)
		im_elfsym_reset();
	target_pid = pid;
}

/* The mapped file: in the target's mount namespace when we know it. */
static int open_mapped(const char *path)
{
	char p[4200];
	int fd;

	if (target_pid > 0 && im_root_is_live()) {
		snprintf(p, sizeof(p), "/proc/%d/root%s", target_pid, path);
		fd = im_open_file(p, O_RDONLY);
		if (fd != -EACCES)
			return fd;
	}
	return im_root_open(path, O_RDONLY | O_CLOEXEC);
}

static void etab_free(struct etab *t)
{
	free(t->syms);
	free(t->strings);
	memset(t, 0, sizeof(*t));
}

static void efile_free(struct efile *f)
{
	free(f->path);
	free(f->build_id);
	free(f->segs);
	etab_free(&f->symtab);
	etab_free(&f->dynsym);
	etab_free(&f->debugtab);
}

void im_elfsym_reset(void)
{
	for (size_t i = 0; i < ncache; i++)
		efile_free(&cache[i]);
	free(cache);
	cache = NULL;
	ncache = cache_cap = 0;
}

size_t im_elfsym_cached(void)
{
	return ncache;
}

static int esym_cmp(const void *a, const void *b)
{
	const struct esym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* sized symbols first, so a lookup meets them before aliases of 0 */
	if ((x->size == 0) != (y->size == 0))
		return x->size == 0 ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Load one SHT_SYMTAB/SHT_DYNSYM section into t. */
static int load_symbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
			struct etab *t)
{
	Elf_Scn *strscn = elf_getscn(elf, sh->sh_link);
	Elf_Data *data = elf_getdata(scn, NULL);
	Elf_Data *sdata;
	size_t n, k = 0;

	if (!strscn || !data || !sh->sh_entsize)
		return 0;
	sdata = elf_getdata(strscn, NULL);
	if (!sdata || !sdata->d_buf || !sdata->d_size)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	if (n == 0)
		return 0;
	t->strings = malloc(sdata->d_size + 1);
	t->syms = im_calloc(n, sizeof(*t->syms));
	if (!t->strings || !t->syms) {
		etab_free(t);
		return -ENOMEM;
	}
	memcpy(t->strings, sdata->d_buf, sdata->d_size);
	t->strings[sdata->d_size] = '\0';
	for (size_t i = 0; i < n; i++) {
		GElf_Sym s;
		int type;

		if (!gelf_getsym(data, (int)i, &s))
			break;
		type = GELF_ST_TYPE(s.st_info);
		if (type != STT_FUNC && type != STT_OBJECT &&
		    type != STT_GNU_IFUNC && type != STT_NOTYPE)
			continue;
		if (s.st_shndx == SHN_UNDEF || s.st_shndx == SHN_ABS ||
		    s.st_value == 0 || s.st_name == 0 ||
		    s.st_name >= sdata->d_size)
			continue;
		if (!t->strings[s.st_name] || t->strings[s.st_name] == '$')
			continue;	/* local labels, ARM mapping symbols */
		t->syms[k].addr = s.st_value;
		t->syms[k].size = s.st_size;
		t->syms[k].name = t->strings + s.st_name;
		k++;
	}
	t->n = k;
	if (k == 0) {
		etab_free(t);
		return 0;
	}
	qsort(t->syms, k, sizeof(*t->syms), esym_cmp);
	return 0;
}

static char *read_build_id(Elf *elf)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t off = 0, next, name_off, desc_off;
		GElf_Nhdr nh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((next = gelf_getnote(data, off, &nh, &name_off,
					    &desc_off)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)data->d_buf + name_off, "GNU", 4) &&
			    nh.n_descsz > 0 && nh.n_descsz <= 64) {
				const unsigned char *d =
					(unsigned char *)data->d_buf + desc_off;
				char *hex = malloc(nh.n_descsz * 2 + 1);

				if (!hex)
					return NULL;
				for (size_t i = 0; i < nh.n_descsz; i++)
					sprintf(hex + 2 * i, "%02x", d[i]);
				return hex;
			}
			off = next;
		}
	}
	return NULL;
}

/* Read segments, symbols and build-id of an open ELF file. */
static int parse_elf(int fd, struct efile *f, bool main_file)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t nph;
	int ret = 0;

	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return -ENOEXEC;
	if (elf_kind(elf) != ELF_K_ELF) {
		elf_end(elf);
		return -ENOEXEC;
	}
	if (main_file) {
		if (elf_getphdrnum(elf, &nph) < 0) {
			elf_end(elf);
			return -ENOEXEC;
		}
		f->segs = im_calloc(nph, sizeof(*f->segs));
		if (!f->segs) {
			elf_end(elf);
			return -ENOMEM;
		}
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;

			if (!gelf_getphdr(elf, (int)i, &ph) ||
			    ph.p_type != PT_LOAD)
				continue;
			f->segs[f->nsegs].offset = ph.p_offset;
			f->segs[f->nsegs].vaddr = ph.p_vaddr;
			f->segs[f->nsegs].filesz = ph.p_filesz;
			f->nsegs++;
		}
		f->build_id = read_build_id(elf);
	}
	while ((scn = elf_nextscn(elf, scn)) && !ret) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		/*
		 * a .debug file's .dynsym is NOBITS; only its .symtab counts.
		 * The first table of each kind with symbols wins: a file may
		 * hold several, and loading another would leak the first.
		 */
		if (sh.sh_type == SHT_SYMTAB && !f->symtab.n && main_file)
			ret = load_symbols(elf, scn, &sh, &f->symtab);
		else if (sh.sh_type == SHT_SYMTAB && !f->debugtab.n && !main_file)
			ret = load_symbols(elf, scn, &sh, &f->debugtab);
		else if (sh.sh_type == SHT_DYNSYM && !f->dynsym.n && main_file)
			ret = load_symbols(elf, scn, &sh, &f->dynsym);
	}
	elf_end(elf);
	return ret;
}

/* "/usr/lib/debug/.build-id/ab/cdef….debug", when the file is stripped. */
static void load_debug_file(struct efile *f)
{
	char path[256];
	int fd;

	if (!f->build_id || strlen(f->build_id) < 4 || f->symtab.n)
		return;
	snprintf(path, sizeof(path), "/usr/lib/debug/.build-id/%.2s/%s.debug",
		 f->build_id, f->build_id + 2);
	fd = open_mapped(path);
	if (fd < 0)
		return;
	if (parse_elf(fd, f, false) < 0)
		etab_free(&f->debugtab);
	close(fd);
}

static struct efile *get_file(const char *path, uint64_t inode)
{
	struct efile *f;
	struct stat st;
	int fd;

	for (size_t i = 0; i < ncache; i++)
		if (cache[i].inode == inode && !strcmp(cache[i].path, path))
			return &cache[i];
	if (im_grow(&cache, &cache_cap, ncache + 1, sizeof(*cache)) < 0)
		return NULL;
	f = &cache[ncache];
	memset(f, 0, sizeof(*f));
	f->path = im_strdup(path);
	if (!f->path)
		return NULL;
	f->inode = inode;
	ncache++;

	fd = open_mapped(path);
	if (fd < 0) {
		f->err = fd;
		return f;
	}
	/* live: the file at that path must be the one mapped */
	if (im_root_is_live() && inode && (fstat(fd, &st) < 0 ||
					    (uint64_t)st.st_ino != inode)) {
		f->err = -ESTALE;
		close(fd);
		return f;
	}
	f->err = parse_elf(fd, f, true);
	close(fd);
	if (!f->err)
		load_debug_file(f);
	return f;
}

/* The parsed file behind mapping m: 0, or -errno (also the file's own). */
static int mapped_efile(const struct im_map *m, struct efile **fp)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	*fp = get_file(m->path, m->inode);
	if (!*fp)
		return -ENOMEM;
	return (*fp)->err;
}

static const struct esym *etab_find(const struct etab *t, uint64_t v)
{
	size_t lo = 0, hi = t->n;

	/* first symbol with addr > v */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->syms[mid].addr <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* walk back over nearby starts: a covering symbol may start earlier */
	for (size_t i = lo, seen = 0; i > 0 && seen < 64; i--, seen++) {
		const struct esym *s = &t->syms[i - 1];

		if (v < s->addr + s->size || (s->size == 0 && v == s->addr))
			return s;
	}
	return NULL;
}

static const struct im_map *find_map(const struct im_map *maps, size_t n,
				     uint64_t addr)
{
	long hit = im_maps_find(maps, n, addr);

	if (hit >= 0)
		return &maps[hit];
	/* tolerate unsorted input */
	for (size_t i = 0; i < n; i++)
		if (maps[i].start <= addr && addr < maps[i].end)
			return &maps[i];
	return NULL;
}

static bool special_path(const char *p)
{
	size_t len;

	if (!p || p[0] != '/')
		return true;		/* "", "[heap]", "anon_inode:…", "//anon" */
	if (!strncmp(p, "/dev/", 5) || !strncmp(p, "/memfd:", 7) ||
	    !strncmp(p, "/SYSV", 5))
		return true;
	len = strlen(p);
	return len > 10 && !strcmp(p + len - 10, " (deleted)");
}

int im_sym_resolve(const struct im_map *maps, size_t nmaps, uint64_t addr,
		   struct im_sym *out)
{
	const struct im_map *m = find_map(maps, nmaps, addr);
	const struct esym *s = NULL;
	struct efile *f;
	uint64_t foff;
	int r;
	bool inseg = false;

	memset(out, 0, sizeof(*out));
	if (!m)
		return -EFAULT;
	out->file = m->path;
	if (m->vfio || special_path(m->path)) {
		size_t len = m->path ? strlen(m->path) : 0;

		return len > 10 && !strcmp(m->path + len - 10, " (deleted)") ?
			-ESTALE : -ENOEXEC;
	}
	if ((r = mapped_efile(m, &f)) < 0)
		return r;
	out->file = f->path;
	out->build_id = f->build_id;
	foff = addr - m->start + m->offset;
	for (size_t i = 0; i < f->nsegs; i++) {
		const struct eseg *g = &f->segs[i];

		if (g->offset <= foff && foff < g->offset + g->filesz) {
			out->vaddr = foff - g->offset + g->vaddr;
			inseg = true;
			break;
		}
	}
	if (!inseg) {
		out->vaddr = foff;	/* bss or a gap: no symbol to name */
		return 0;
	}
	if ((s = etab_find(&f->symtab, out->vaddr)))
		out->table = ".symtab";
	else if ((s = etab_find(&f->debugtab, out->vaddr)))
		out->table = "debug:.symtab";
	else if ((s = etab_find(&f->dynsym, out->vaddr)))
		out->table = ".dynsym";
	if (s) {
		out->name = s->name;
		out->offset = out->vaddr - s->addr;
	}
	return 0;
}

void im_sym_format(const struct im_sym *s, char *buf, size_t len)
{
	const char *base;

	if (!len)
		return;
	base = s->file ? im_basename(s->file) : "?";
	if (s->name)
		snprintf(buf, len, "%s+0x%" PRIx64 " (%s)", s->name, s->offset,
			 base);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, base, s->vaddr);
}

int im_sym_lookup(const struct im_map *maps, size_t nmaps, uint64_t addr,
		  char *buf, size_t len)
{
	struct im_sym s;
	int ret = im_sym_resolve(maps, nmaps, addr, &s);

	if (ret < 0) {
		if (len)
			buf[0] = '\0';
		return ret;
	}
	im_sym_format(&s, buf, len);
	return 0;
}

/* ---- from a symbol name to where it is -------------------------------- */

/* Does mapping m map file: its full path, or a basename prefix ("libc.so.")? */
static bool file_matches(const struct im_map *m, const char *file)
{
	if (m->vfio || special_path(m->path))
		return false;
	if (file[0] == '/')
		return !strcmp(m->path, file);
	return !strncmp(im_basename(m->path), file, strlen(file));
}

static const struct esym *etab_by_name(const struct etab *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->syms[i].name, name))
			return &t->syms[i];
	return NULL;
}

int im_sym_locate(const struct im_map *maps, size_t nmaps, const char *file,
		  const char *name, struct im_sym_loc *loc)
{
	const struct im_map *m = NULL;
	const struct esym *s;
	struct efile *f;
	bool inseg = false;
	int r;

	memset(loc, 0, sizeof(*loc));
	for (size_t i = 0; i < nmaps && !m; i++)
		if (file_matches(&maps[i], file))
			m = &maps[i];
	if (!m)
		return -ENODEV;
	if ((r = mapped_efile(m, &f)) < 0)
		return r;
	if (!(s = etab_by_name(&f->symtab, name)) &&
	    !(s = etab_by_name(&f->debugtab, name)) &&
	    !(s = etab_by_name(&f->dynsym, name)))
		return -ENOENT;
	loc->path = m->path;
	loc->vaddr = s->addr;
	for (size_t i = 0; i < f->nsegs && !inseg; i++) {
		const struct eseg *g = &f->segs[i];

		if (g->vaddr <= s->addr && s->addr < g->vaddr + g->filesz) {
			loc->offset = s->addr - g->vaddr + g->offset;
			inseg = true;
		}
	}
	if (!inseg)
		return -ENOENT;
	/* the runtime address: a mapping of the same file over that offset */
	for (size_t i = 0; i < nmaps; i++) {
		const struct im_map *x = &maps[i];

		if (x->inode == m->inode && x->path && !strcmp(x->path, m->path) &&
		    x->offset <= loc->offset &&
		    loc->offset < x->offset + (x->end - x->start)) {
			loc->addr = x->start + loc->offset - x->offset;
			return 0;
		}
	}
	return -ENOENT;
}

void im_maps_free(struct im_map *maps, size_t nmaps)
{
	for (size_t i = 0; i < nmaps; i++)
		im_map_path_free(&maps[i]);
	free(maps);
}

int im_maps_read_live(int pid, struct im_map **mapsp, size_t *nmapsp)
{
	struct im_map *maps = NULL;
	size_t n = 0, cap = 0;
	char path[64], *line = NULL;
	size_t llen = 0;
	ssize_t len;
	unsigned int lineno = 0;
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while ((len = getline(&line, &llen, f)) > 0) {
		int r;

		lineno++;
		if (line[len - 1] == '\n')
			len--;
		if ((ret = im_grow(&maps, &cap, n + 1, sizeof(*maps))) < 0)
			break;
		memset(&maps[n], 0, sizeof(maps[n]));
		r = im_parse_maps_line(line, line + len, &maps[n]);
		if (r == -ENOMEM) {
			ret = r;
			break;
		}
		if (r)		/* not a maps line: skipped */
			continue;
		maps[n++].line = lineno;
	}
	free(line);
	fclose(f);
	if (ret < 0) {
		im_maps_free(maps, n);
		return ret;
	}
	*mapsp = maps;
	*nmapsp = n;
	return 0;
}
