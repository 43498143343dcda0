/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iommu-map.h - what each file of the CLI exports, listed under its name.
 * Library code returns -errno (or NULL) and never exits or prints; only
 * iommu-map.c reports and exits.
 */
#ifndef IOMMU_MAP_H
#define IOMMU_MAP_H

#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include "model.h"
#include "lib/escape.h"
#include "lib/jsonw.h"

/* Named exit codes; documented in --help and iommu-map(8). */
enum {
	EXIT_OK = 0,		/* everything asked for was read and correlated */
	EXIT_PARTIAL = 1,	/* a partial picture: some source unavailable */
	EXIT_BAD = 2,		/* failure: bad input, target gone, nothing to report */
	EXIT_USAGE = 64,	/* usage error */
};

/* util.c */
void *im_calloc(size_t n, size_t size);		/* NULL on overflow/ENOMEM */
void im_hint_huge(void *p, size_t len);		/* THP over a large block's interior */
int im_grow(void *arrayp, size_t *cap, size_t need, size_t elem);
char *im_strdup(const char *s);
const char *im_basename(const char *path);	/* after the last '/', else path */
char *im_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int im_err_set(struct im_err *e, const char *file, unsigned int line,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int im_hex_digit(char c);			/* 0-15, or -1: not a hex digit */
void im_qsort(void *base, size_t n, size_t size,	/* qsort, unless already in order */
	      int (*cmp)(const void *, const void *));
extern const unsigned char im_hexval1[256];	/* by byte: its value + 1, 0: not hex */
/* strict hex parse of [s, s+len): optional 0x, 1-16 digits; 0 or -EINVAL */
int im_parse_hex(const char *s, size_t len, uint64_t *out);
int im_parse_u64(const char *s, uint64_t *out);	/* 0x… hex or decimal */
const char *im_human_size(uint64_t size, char buf[32]);	/* "4K", "2G", "0x1234" */
/* read fd to EOF into a NUL-terminated malloc'd buffer; -EFBIG past max */
int im_read_fd(int fd, size_t max, char **buf, size_t *len);
int im_read_fd_sized(int fd, size_t max, size_t size, char **buf, size_t *len);

/* sysroot.c: every open of /proc, /sys and fixture files goes through here */
int im_root_init(const char *sysroot);		/* "/" for live */
const char *im_root(void);
bool im_root_is_live(void);
/*
 * -errno; -EXDEV: escapes the root; -ELOOP: a symlink loop.  Opened
 * O_NONBLOCK|O_NOCTTY|O_CLOEXEC; without O_DIRECTORY or O_PATH only a regular
 * file is opened, else -(IM_ENOTREG + (st_mode >> 12 & 15)), and a FIFO,
 * socket or device node is never opened at all.
 */
#define IM_ENOTREG 0x10000
int im_root_open(const char *rel, int flags);
int im_open_file(const char *path, int flags);	/* the same, for a live path */
bool im_root_not_regular(int r);
/* not regular, too large, escaping, looping: a fixture that lies; never ignored */
bool im_root_hostile(int r);
int im_root_readlink(const char *rel, char *buf, size_t len);	/* len or -errno */
/*
 * name (one component, no '/') in dirfd, a directory im_root_open opened:
 * the same checks; in a fixture a symlink there stays beneath dirfd
 */
int im_root_openat(int dirfd, const char *name, int flags);
/* im_root_read of name in dirfd, up to max bytes (-EFBIG past it) */
int im_root_read_at(int dirfd, const char *name, size_t max, char **buf, size_t *len);
/* reads a whole file into a NUL-terminated malloc'd buffer; -EFBIG past its bound */
int im_root_read(const char *rel, char **buf, size_t *len);
/* proc/PID/maps: about 2.5 million mappings (Linux allows 65,530 unless
 * vm.max_map_count is raised; bench scale 10 has a million, 73 MiB) */
#define IM_BOUND_MAPS		((size_t)256 << 20)
#define IM_BOUND_CMDLINE	((size_t)4 << 20)	/* proc/PID/cmdline */
#define IM_BOUND_ATTR		((size_t)64 << 10)	/* other sys/ and proc/ files */
#define IM_BOUND_OTHER		((size_t)64 << 20)	/* the fixture's own (memslots, QMP) */
size_t im_root_read_bound(const char *rel);
/* strerror, and what the codes above mean: "not a regular file (fifo)" */
const char *im_root_strerror(int r);
/* err = "ROOT/rel: why" for an error r of the calls above; returns r */
int im_root_err(struct im_err *err, const char *rel, int r);
char *im_root_path(const char *rel);		/* sysroot-joined, for messages */
void im_root_use_openat2(bool on);	/* tests: false walks as on a pre-5.6 kernel */

/*
 * outdir.c: the directory capture writes, and nothing outside it.  DIR must
 * not exist or be empty (with force: or hold a previous capture, which is
 * replaced whole, never merged).  rel is relative to DIR, without "." or
 * ".." components; no call follows a link or reuses a file.  Each returns
 * -errno; close(ok false) leaves DIR as open found it.
 */
struct im_outdir {
	const char *path;		/* DIR as given, for messages */
	char *parent_path, *name;	/* DIR split */
	int parent, fd;			/* DIR's parent; the directory written */
	char *tmp;			/* force over a capture: the fresh one beside it */
	bool created;			/* DIR did not exist */
	bool ours;			/* what fd holds is ours to remove on failure */
};
int im_outdir_open(struct im_outdir *o, const char *path, bool force, struct im_err *err);
int im_outdir_mkdirs(struct im_outdir *o, const char *rel);
int im_outdir_put(struct im_outdir *o, const char *rel, const char *buf, size_t len);
int im_outdir_symlink(struct im_outdir *o, const char *rel, const char *target);
int im_outdir_close(struct im_outdir *o, bool ok, struct im_err *err);
char *im_outdir_path(const struct im_outdir *o, const char *rel);	/* "DIR/rel" */

/* model.c */
void im_model_init(struct im_model *m);
void im_device_free(struct im_device *d);	/* what it holds, not d itself */
void im_model_free(struct im_model *m);
void im_qmp_raw_free(struct im_qmp_raw *raw);	/* and zeroes it */
/* the source entry of that name, or NULL */
const struct im_source *im_find_source(const struct im_model *m, const char *name);
int im_add_source(struct im_model *m, const char *name, enum im_src_status st,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int im_add_memslot(struct im_model *m, const struct im_memslot *s);
/* findings: only through findings.h, by a row of the table findings.def */
int im_add_qemu_bar(struct im_model *m, const struct im_qemu_bar *qb);
void im_sort_memslots(struct im_model *m);
int im_find_device(const struct im_model *m, const char *bdf);	/* index or -1 */
/* interval lookups over sorted arrays: index or -1 */
/* the memory BAR holding hpa: index into by_hpa (built by im_correlate_maps) */
long im_find_bar_hpa(const struct im_model *m, uint64_t hpa);
/* the vfio DMA map holding iova, or -1 */
long im_find_dma(const struct im_model *m, uint64_t iova);
long im_find_map(const struct im_model *m, uint64_t hva);
/* the same over any array of maps sorted by start, as /proc prints them */
long im_maps_find(const struct im_map *maps, size_t n, uint64_t addr);
long im_find_memslot_gpa(const struct im_model *m, int as_id, uint64_t gpa);
/* the first memslot of as_id overlapping [a, b] (inclusive) */
long im_find_memslot_range(const struct im_model *m, int as_id, uint64_t a, uint64_t b);
const char *im_severity_name(enum im_severity s);
const char *im_src_status_name(enum im_src_status s);
const char *im_offset_mode_name(enum im_offset_mode o);
const char *im_ident_name(enum im_ident id);
const char *im_bar_kind_name(enum im_bar_kind k);
/* "4K", "2M", "1G", "other"; the leaf size of a page_shift (12, 21, 30) */
const char *im_leaf_name(enum im_leaf l);
const char *im_trap_why_name(enum im_trap_why w);	/* "msix-table", ... */
const char *im_trap_why_words(enum im_trap_why w);	/* "MSI-X table", ... */
enum im_leaf im_leaf_of_shift(unsigned int shift);
void im_width_free(struct im_width *w);
/* set w known (bits > 0, and where from) or unknown (why); -ENOMEM */
int im_width_known(struct im_width *w, unsigned int bits, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int im_width_unknown(struct im_width *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* the address bits needed to address the byte at last (1 for 0) */
unsigned int im_bits_for(uint64_t last);

/*
 * parse.c: one parser per small format that several sources read.
 * What a path in maps, or an fd's target, is to vfio:
 */
enum im_vfio_path {
	IM_VFIO_NONE = 0,
	IM_VFIO_GROUP,		/* /dev/vfio/N or /dev/vfio/noiommu-N: a legacy group fd */
	IM_VFIO_CDEV,		/* /dev/vfio/devices/vfioN: a device cdev (6.6+) */
	IM_VFIO_ANON,		/* anon_inode:[vfio-device]: a device fd from a group */
};
/* *n: N of the group or cdev, else -1 */
enum im_vfio_path im_vfio_path_kind(const char *path, int *n);
/* a device fd: what BARs are mmapped from */
static inline bool im_vfio_path_is_device(enum im_vfio_path k)
{
	return k == IM_VFIO_CDEV || k == IM_VFIO_ANON;
}
bool im_fd_target_is_kvm_vm(const char *target);	/* anon_inode:kvm-vm */
/* a vfio fd's fdinfo: *syspath, malloc'd, its vfio-device-syspath: (6.18+), else NULL */
int im_proc_parse_fdinfo(const char *buf, char **syspath);
/*
 * One line of /proc/PID/maps, [p, end) without its newline, into *mp: every
 * field, path malloc'd, vfio and cdev from the path, dev and bar -1; line is
 * the caller's.  0, -EINVAL (not a maps line), -ERANGE (end <= start) or
 * -ENOMEM; on error mp->path is NULL.
 */
int im_parse_maps_line(const char *p, const char *end, struct im_map *mp);
/* vfio and cdev from mp->path (a maps line's rule); dev and bar -1 */
void im_map_classify(struct im_map *mp);
/* an anonymous mapping's path: this one shared "", not a copy each */
extern char im_map_anon[1];
void im_map_path_free(struct im_map *mp);	/* frees a copied path; sets NULL */
/*
 * A kernel release (/proc/sys/kernel/osrelease): N.N, any more .N, then the
 * end or a suffix that starts with neither a digit, a dot nor a letter
 * ("6.12.118+deb13-amd64", "6.1.0-57-amd64", "4.18.0-513.el8.x86_64").
 * *major and *minor, each at most 9999; 0 or -EINVAL (not a release).
 */
int im_kernel_release(const char *rel, unsigned int *major, unsigned int *minor);
/*
 * Whether release rel is at least major.minor: IM_TRI_YES, IM_TRI_NO, or
 * IM_TRI_UNKNOWN when rel is NULL or not a release.
 */
enum im_tri im_kernel_at_least(const char *rel, unsigned int major, unsigned int minor);
/* A PCI address: "[domain:]bus:dev.fn", 1-4, 1-2, 1-2 and 1 hex digits. */
struct im_bdf {
	uint16_t dom;
	uint8_t bus, dev, fn;
};
int im_bdf_parse(const char *s, size_t len, struct im_bdf *b);	/* 0 or -EINVAL */
/*
 * The word of a command line (NUL- or blank-separated) at *p, before e:
 * *p moved past the separators to its start; returns its length (0: none)
 */
size_t im_cmdline_word(const char **p, const char *e);
bool im_word_is(const char *w, size_t n, const char *lit);	/* w[0..n) == lit */
void im_bdf_format(const struct im_bdf *b, char out[16]);	/* "0000:0a:00.0" */
int im_bdf_norm(const char *s, size_t len, char out[16]);	/* parse, then format */

/* proc.c */
int im_proc_parse_maps(const char *buf, size_t len, const char *file,
		       struct im_map **maps, size_t *nmaps, struct im_err *err);
/* VmPTE of a proc/PID/status text, in bytes: 0, -ENOENT (no line) or -EINVAL */
int im_proc_parse_vmpte(const char *buf, size_t len, uint64_t *bytes);
/*
 * A live target is read as maps, fds and fdinfo, then maps again, until the
 * two maps reads are alike (and the first is in order): at most this many
 * times.  A fixture is read once.
 */
#define IM_PROC_TRIES 5
/* two reads of a maps file: 0 alike, else the first line (from 1) where they differ */
unsigned int im_proc_maps_diff(const char *a, size_t alen, const char *b, size_t blen);
/*
 * -ESRCH, err "ROOT/proc/PID: the target exited ...": a zombie, or gone while read;
 * -EAGAIN, err "/proc/PID/maps: the target kept changing its mappings (N tries)": live
 * only, the maps read IM_PROC_TRIES times were never alike (a retry may do)
 */
int im_proc_load(struct im_model *m, int pid, struct im_err *err);
/* 0: the target im_proc_load saw running still runs (or was not seen so); else as above */
int im_proc_check_running(const struct im_model *m, struct im_err *err);
/* processes holding vfio fds or mmaps; *skips: those that could not be told, by why */
int im_proc_find_vmms(struct im_candidate **c, size_t *n, struct im_scan_skips *skips);
void im_candidates_free(struct im_candidate *c, size_t n);

/* pci.c */
/*
 * Every device under sys/bus/pci/devices, sorted by BDF.  The device
 * directories are read by several threads on a large host; the model, the
 * findings and the first error are what one thread reading the entries in
 * turn would give.
 */
int im_pci_load(struct im_model *m, struct im_err *err);
/* how many threads im_pci_load uses: 0 (the default) by the CPUs it may run on,
 * at least 256 devices a thread; n (tests) forces n, at most one a device; never more than 8 */
void im_pci_set_threads(unsigned int n);
/*
 * For the devices shown (held, named by a QEMU-side source, or --slot's),
 * after correlate has tied the maps: the MSI-X capability from config
 * space, and names from pci.ids.
 */
int im_pci_caps(struct im_model *m, struct im_err *err);
int im_pci_names(struct im_model *m, const char *ids_file);

/* memslots.c */
int im_memslots_parse(const char *buf, size_t len, const char *file,
		      struct im_model *m, struct im_err *err);
int im_memslots_load(struct im_model *m, struct im_err *err);
int im_memslots_write(FILE *f, const struct im_model *m);

/* kchecks.c: the module's checks, kept in a fixture (iommu-map/kernel-checks) */
int im_kchecks_parse(const char *buf, size_t len, const char *file,
		     struct im_model *m, struct im_err *err);
int im_kchecks_load(struct im_model *m, struct im_err *err);	/* after correlate */
bool im_kchecks_any(const struct im_model *m);
int im_kchecks_write(FILE *f, const struct im_model *m);

/*
 * traps.c (part of correlate, pure): the stretches of b that trap to QEMU,
 * from d's MSI-X capability, b's mmaps and its guest pieces; into b->traps.
 */
int im_bar_traps(const struct im_device *d, struct im_bar *b);
/* the trap holding BAR offset off, or NULL (a binary search) */
const struct im_trap *im_bar_trap_at(const struct im_bar *b, uint64_t off);
/* the HVA of BAR offsets [off, off + len) when one mmap holds them all */
bool im_bar_off_hva(const struct im_bar *b, uint64_t off, uint64_t len, uint64_t *hva);

/* correlate.c: pure; model in, links and findings out */
int im_correlate(struct im_model *m);
/*
 * The two halves of im_correlate, for the pipeline: what each vfio mapping
 * is (fds, offset decoding, maps -> device and BAR, the BARs' mmaps), then
 * the joins (memslots, guest BARs, findings).  Passes that need a map's
 * device, such as the trace's DMA placement, run between them.
 */
int im_correlate_maps(struct im_model *m);
int im_correlate_join(struct im_model *m);
/*
 * Device, BAR and offset in BAR of each vfio mapping in maps[] that is not
 * the model's own (watch: mappings made since the model was read), by the
 * rules im_correlate_maps used, after it ran.  No findings.
 */
int im_identify_maps(const struct im_model *m, struct im_map *maps, size_t n);

/*
 * What is at an address: the only code that says so.  Each fact is known,
 * known absent, or unknown; `why` says why when it is not known (static
 * text, or a source's detail: valid as long as the model).
 */
enum im_state { IM_UNKNOWN = 0, IM_KNOWN, IM_ABSENT };
struct im_fact {
	enum im_state state;
	const char *why;
};
struct im_place {
	uint64_t hva, gpa;		/* the address's HVA and GPA, when known */
	struct im_fact f_map, f_dev, f_bar, f_slot, f_hpa, f_guest;
	struct im_fact f_hva, f_gpa;
	long map;			/* index into maps: the mapping holding hva */
	const struct im_map *mp;	/* that mapping (f_map known), or NULL */
	int dev, bar;			/* index into devices, BAR index */
	uint64_t bar_offset, hpa;	/* offset in the BAR, its host address */
	long slot;			/* index into memslots */
	long dma;			/* index into dma (im_place_iova), or -1 */
	struct im_fact f_dma;
	/*
	 * By HVA: the DMA map whose host side holds it (the lowest IOVA
	 * first; f_dma_hva known: dma_hva, and iova, the device DMA address
	 * that reaches it), and the trace's vfio_region_mmap whose HVA range
	 * holds it (rmmap, or -1)
	 */
	long dma_hva;
	struct im_fact f_dma_hva;
	uint64_t iova;
	long rmmap;
	int as_id;			/* the slot's: 1 is SMM */
	bool smm;			/* the address is placed only through as_id 1 */
	const char *gpa_source;		/* "kvm-memslot", "qemu-trace", "qmp", ... */
	uint64_t guest_bar;		/* the BAR's guest address (f_guest) */
	/*
	 * Whether a guest access to the BAR offset traps to QEMU (f_trap
	 * known: trap says why).  A GPA in no memslot but inside a guest BAR
	 * gets dev, bar, bar_offset and hpa with no HVA: what traps has none
	 * KVM uses.
	 */
	struct im_fact f_trap;
	const struct im_trap *trap;
};
void im_place_hva(const struct im_model *m, uint64_t hva, struct im_place *p);
/* only the mapping side of im_place_hva: hva, map, dev, bar, bar_offset,
 * hpa and their facts (what im_map_backing reads); the other facts unset */
void im_place_hva_map(const struct im_model *m, uint64_t hva, struct im_place *p);
/* the same, in maps[] (sorted by start, read in full) instead of the model's */
void im_place_hva_in(const struct im_model *m, const struct im_map *maps,
		     size_t nmaps, uint64_t hva, struct im_place *p);
/*
 * iova as a device DMA address: the vfio DMA map holding it (dma, f_dma),
 * its HVA, and what backs that HVA (guest RAM, or a BAR: peer-to-peer)
 */
void im_place_iova(const struct im_model *m, uint64_t iova, struct im_place *p);
/* as_id 0 or 1; -1: as_id 0, else SMM (as_id 1) */
void im_place_gpa(const struct im_model *m, int as_id, uint64_t gpa, struct im_place *p);

/* version.c: "git describe" of the build (or the VERSION file's, or "unknown") */
extern const char im_version[];

/* escape.c: every string from the input that text or stderr shows goes through
 * IM_TERM or im_term_fputs (escape.h); JSON keeps it, as valid UTF-8 (jsonw.h) */

/* jsonw.c: the writer of all JSON output, declared in jsonw.h */

/* json.c: the IM_SCHEMA conventions: hex strings, null for unknown */
#define IM_SCHEMA "iommu-map/1"
/* jw_init(w, f, JW_PRETTY), then { "schema": IM_SCHEMA, "version": im_version,
 * and the caller goes on */
int im_json_begin(struct jw *w, FILE *f);
/* what backs a placed address: "vfio BDF BAR n" (written into buf), a path,
 * "[anon]", "unmapped" (returned as they are, buf untouched) */
const char *im_map_backing(const struct im_model *m, const struct im_place *p,
			   char *buf, size_t len);
/* key: true, false, or null for unknown */
void im_json_tri(struct jw *w, const char *key, enum im_tri v);
/* "sources": [{name, status, detail}...]: what each source read, as every
 * document that states findings carries it (the report, --mtree's) */
void im_json_sources(struct jw *w, const struct im_model *m);
/* as_id, slot, gpa, size, hva: a memslot's fields inside an object */
void im_json_memslot_fields(struct jw *w, const struct im_memslot *s);
void im_json_dma_fields(struct jw *w, const struct im_dma_map *d);	/* iova size hva readonly line */

/* report.c */
int im_report_text(FILE *f, const struct im_model *m);
int im_report_json(FILE *f, const struct im_model *m);
/* paste mode: the pasted vfio mappings, each with what its numbers are: a
 * "pasted vfio mappings:" part (nothing when there is none), or the JSON
 * key "pasted_mappings" and its array (the --mtree view shows them too) */
void im_report_paste_maps_text(FILE *f, const struct im_model *m);
void im_report_paste_maps_json(struct jw *w, const struct im_model *m);
/* the devices the report shows: -s's, else those the target holds */
bool im_report_shown(const struct im_model *m, const struct im_device *d);

/* svg.c: the report as a picture (--svg); for people, not a contract */
int im_report_svg(FILE *f, const struct im_model *m);
/* s as XML text or attribute: &<>"' escaped, control bytes dropped, a byte not UTF-8 U+FFFD */
void im_xml_escape(FILE *f, const char *s);

/* explain.c */
int im_explain(FILE *f, const struct im_model *m, uint64_t addr, bool json);
struct im_mtree;
/* explain, and what a memory tree (--mtree, file tfile) says of addr */
int im_explain_mtree(FILE *f, const struct im_model *m, const struct im_mtree *t,
		     const char *tfile, uint64_t addr, bool json);

/* capture.c */
int im_capture(struct im_model *m, struct im_outdir *o, struct im_err *err);

#endif
