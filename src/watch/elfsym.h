/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * elfsym.h - name an address inside a file-backed mapping of the target:
 * "symbol+0xoff (file)", from the ELF file's .symtab, else its .dynsym,
 * else the .symtab of /usr/lib/debug/.build-id/xx/yyyy.debug when present.
 *
 * Files are opened through im_root_open() (so --sysroot replays read the
 * captured copies), parsed once with libelf and cached as sorted symbol
 * arrays; lookups are a binary search.  Nothing here reads target memory.
 */
#ifndef IM_ELFSYM_H
#define IM_ELFSYM_H

#include <stddef.h>
#include <stdint.h>
#include "model.h"

/* What one address resolves to.  Pointers stay valid until im_elfsym_reset(). */
struct im_sym {
	const char *name;	/* NULL: no symbol covers the address */
	uint64_t offset;	/* from the symbol's start (name != NULL) */
	uint64_t vaddr;		/* the address in the file's link-time terms */
	const char *file;	/* path as the maps line gives it */
	const char *build_id;	/* lower-case hex, or NULL */
	const char *table;	/* ".symtab", ".dynsym", "debug:.symtab" or NULL */
};

/*
 * Resolve addr against the maps (sorted by start, as /proc prints them).
 * Returns 0, or:
 *   -EFAULT   addr is in no mapping
 *   -ENOEXEC  the mapping is anonymous, special ([heap], anon_inode:...),
 *             or its file is not ELF
 *   -ENOENT   the file is absent (e.g. not captured in a sysroot)
 *   -ESTALE   the file on disk is not the one mapped ("(deleted)", other inode)
 *   -ENOMEM, other -errno from opening the file
 */
int im_sym_resolve(const struct im_map *maps, size_t nmaps, uint64_t addr,
		   struct im_sym *out);

/*
 * "symbol+0xoff (file)", or "file+0xvaddr" when no symbol covers addr
 * (file is the basename).  Same return codes as im_sym_resolve(); buf holds
 * a NUL-terminated (possibly truncated) string whenever len > 0.
 */
int im_sym_lookup(const struct im_map *maps, size_t nmaps, uint64_t addr,
		  char *buf, size_t len);

/* Format an already resolved symbol the same way. */
void im_sym_format(const struct im_sym *s, char *buf, size_t len);

/*
 * Read the live /proc/PID/maps (not through the sysroot: watch runs live)
 * into a sorted array, each line by im_parse_maps_line(), and its line
 * number; a line that is not a maps line is skipped.  Free with
 * im_maps_free().  0 or -errno.
 */
int im_maps_read_live(int pid, struct im_map **maps, size_t *nmaps);
void im_maps_free(struct im_map *maps, size_t nmaps);

/*
 * Live runs: open mapped files as /proc/PID/root/PATH, i.e. in the target's
 * mount namespace (a QEMU in a container or chroot).  0: plain PATH.
 */
void im_elfsym_set_pid(int pid);

/* Where a named function is, for a probe. */
struct im_sym_loc {
	const char *path;	/* the mapping's path (valid while maps is) */
	uint64_t offset;	/* file offset of the symbol */
	uint64_t vaddr;		/* its link-time address */
	uint64_t addr;		/* its runtime address in the target */
};

/*
 * Find symbol name (.symtab, debug .symtab, else .dynsym) in the mapped
 * file that file names: an absolute path, or a basename prefix such as
 * "libc.so.".  0, -ENODEV (no such mapping), -ENOENT (no such symbol, or
 * its segment is not mapped), other -errno.
 */
int im_sym_locate(const struct im_map *maps, size_t nmaps, const char *file,
		  const char *name, struct im_sym_loc *loc);

/* Drop the cache of parsed files (e.g. when a library was replaced). */
void im_elfsym_reset(void);

/* Number of parsed files in the cache, for tests. */
size_t im_elfsym_cached(void);

#endif
