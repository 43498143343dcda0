// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iommu-map.c - the front end: argp, dispatch, and the only place that
 * reports errors and exits.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "iommu-map.h"
#include "pipeline.h"
#include "watch/elfsym.h"
#include "watch/watch.h"
#include "sources/mtree.h"
#include "sources/qmp.h"

/* GCC says -fsanitize=address with __SANITIZE_ADDRESS__; clang before 15 only by __has_feature */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IM_ASAN_CLANG 1
#endif
#endif
#ifndef IM_ASAN_CLANG
#define IM_ASAN_CLANG 0
#endif

/* --version: the build's version (version.c: git describe, or the VERSION file) */
static void print_version(FILE *f, struct argp_state *state)
{
	(void)state;
	fprintf(f, "iommu-map %s\n", im_version);
}

void (*argp_program_version_hook)(FILE *, struct argp_state *) = print_version;
const char *argp_program_bug_address = "the iommu-map issue tracker";

enum { CMD_REPORT, CMD_EXPLAIN, CMD_CAPTURE, CMD_WATCH };

enum {
	OPT_SYSROOT = 0x100,
	OPT_GDB_EXPORT,
	OPT_QMP,
	OPT_QEMU_TRACE,
	OPT_MTREE,
	OPT_MAPS,
	OPT_QTREE,
	OPT_POLL,
	OPT_INTERVAL,
	OPT_METHOD,
	OPT_FORCE,
	OPT_SVG,
};

struct args {
	int cmd;
	int pid;
	const char *sysroot, *slot, *ids, *out, *svg;
	const char *gdb_export, *qmp, *qemu_trace, *mtree, *maps, *qtree;
	bool json, poll, force;
	bool one_paste;			/* --maps and --mtree name one paste (prepare) */
	unsigned int interval_ms;
	int method;			/* enum im_watch_method */
	bool method_set;
	uint64_t addr;
};

static const char doc[] =
	"Show where each BAR of a passed-through PCI device lives: host physical "
	"(HPA), QEMU's virtual (HVA) and guest physical (GPA) addresses, with the "
	"KVM memslot that links them and findings you can act on."
	"\v"
	"Commands:\n"
	"  report             the picture per BAR (the default)\n"
	"  explain ADDR       every reading of a number: as an HVA, a GPA, an HPA\n"
	"                     (an IOVA of a trace; with --mtree, what the tree says:\n"
	"                     gdb's (@ 0x...) is a MemoryRegion pointer)\n"
	"  capture -o DIR     snapshot the files read into a fixture for --sysroot,\n"
	"                     and the --qemu-trace and --gdb-export given (kept in\n"
	"                     iommu-map/);\n"
	"                     DIR must not exist or be empty (--force: or hold a\n"
	"                     previous capture, which is replaced, never merged)\n"
	"  watch              follow memslot and vfio mmap changes live, with QEMU's stack\n"
	"\n"
	"Exit status:\n"
	"  0  EXIT_OK        everything asked for was read and correlated\n"
	"  1  EXIT_PARTIAL   a partial picture: some source unavailable (see sources);\n"
	"                   or none: \"the target kept changing its mappings\" (a live\n"
	"                   target's maps, read 5 times around its fds, never\n"
	"                   alike): run again\n"
	"  2  EXIT_BAD       failure: bad input, target gone, nothing to report;\n"
	"                   bad input is one line naming the file: a bad line,\n"
	"                   a FIFO or device node, a file too large, a symlink\n"
	"                   that escapes or loops; \"the target exited\": a\n"
	"                   zombie, or gone while it was read; capture: -o not\n"
	"                   empty (or not a previous capture, with --force)\n"
	"  64 EXIT_USAGE     usage error";

static const char args_doc[] = "[report] [--json] [--svg FILE]\nexplain ADDR\ncapture -o DIR\nwatch [--poll]";

/*
 * The gdb loader for --help: beside this binary as make install puts it
 * (PREFIX/sbin -> PREFIX/share/iommu-map/gdb), or in the source tree it was
 * built in (build/ -> gdb/); NULL if neither is there.
 */
static char *gdb_loader(void)
{
	static const char *const rel[] = { "/../share/iommu-map/gdb", "/../gdb" };
	char exe[PATH_MAX], *slash, *p, *real;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	size_t i;

	if (n <= 0)
		return NULL;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		p = im_asprintf("%s%s/iommu-map-gdb.py", exe, rel[i]);
		real = p ? realpath(p, NULL) : NULL;
		free(p);
		if (real)
			return real;
	}
	return NULL;
}

/* --help's tail: where the gdb commands are, found at run time */
static char *help_filter(int key, const char *text, void *input)
{
	char *t, *py;

	(void)input;
	if (key != ARGP_KEY_HELP_POST_DOC || !text)
		return (char *)text;
	py = gdb_loader();
	t = im_asprintf("%s\n\nThe gdb commands, in gdb attached to QEMU:\n"
			"  (gdb) source %s\n\nSee iommu-map(8) and iommu-map-gdb(8).", text,
			py ? py : "PREFIX/share/iommu-map/gdb/iommu-map-gdb.py");
	free(py);
	return t ? t : (char *)text;
}

static struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Target selection:", 1 },
	{ "pid", 'p', "PID", 0, "the QEMU process (default: the only one holding vfio devices)", 1 },
	{ "sysroot", OPT_SYSROOT, "DIR", 0, "read /proc and /sys under DIR (a captured fixture); "
	  "only regular files, no symlink out of DIR", 1 },
	{ NULL, 0, NULL, 0, "Display options:", 2 },
	{ "slot", 's', "BDF", 0, "show only this host device ([[domain:]bus:]dev.fn)", 2 },
	{ "json", 'j', NULL, 0, "JSON output, schema " IM_SCHEMA " (stable)", 2 },
	{ "svg", OPT_SVG, "FILE", 0, "report: also draw the picture into FILE (SVG: GPA, HVA and HPA "
	  "side by side; for people, --json is for programs); - for standard output, instead of "
	  "the report", 2 },
	{ "pci-ids", 'i', "FILE", 0, "use FILE as the PCI ID list (default: the system's pci.ids)", 2 },
	{ NULL, 0, NULL, 0, "Other sources:", 3 },
	{ "gdb-export", OPT_GDB_EXPORT, "FILE", 0, "memslots and guest BARs from `iommu-map export` in gdb", 3 },
	{ "qmp", OPT_QMP, "SOCKET", 0, "guest BARs and the MMIO windows from QEMU's QMP socket (query-pci, gpa2hva, the host bridge's pci-hole properties)", 3 },
	{ "qemu-trace", OPT_QEMU_TRACE, "FILE", 0, "memslots, guest BARs and failed mappings from a QEMU trace log or a pasted error log (kvm_set_user_memory, "
	  "vfio_*; lines bare or after PID@SEC.USEC: or an ISO time); lines not understood are "
	  "counted", 3 },
	{ "mtree", OPT_MTREE, "FILE", 0, "annotate `info mtree [-f]` or gdb `qemu mtree` text (- for "
	  "stdin); BAR regions named by host BDF, VFIO_FD<fd> or id=; lines not understood are "
	  "counted", 3 },
	{ "maps", OPT_MAPS, "FILE", 0, "a pasted /proc/PID/maps or `pmap -X` (- for stdin); with "
	  "a target, checked to be its own", 3 },
	{ "qtree", OPT_QTREE, "FILE", 0, "guest BARs from a pasted `info qtree` (- for stdin): each "
	  "vfio-pci device's host BDF, guest address and `bar N:` lines; with a host, checked to "
	  "name a device the target holds", 3 },
	{ NULL, 0, NULL, 0, "Capture:", 4 },
	{ "output", 'o', "DIR", 0, "capture: the fixture directory to create (absent or empty); "
	  "nothing is written outside it or through a link in it", 4 },
	{ "force", OPT_FORCE, NULL, 0, "capture: replace a DIR that holds a previous capture "
	  "(only proc, sys, iommu-map): the new one is written beside it and swapped in", 4 },
	{ NULL, 0, NULL, 0, "Watch:", 5 },
	{ "poll", OPT_POLL, NULL, 0, "watch: poll the kernel module's memslots, no ptrace", 5 },
	{ "interval", OPT_INTERVAL, "MS", 0, "watch --poll: the polling interval (default 100)", 5 },
	{ "method", OPT_METHOD, "HOW", 0, "watch: uprobe (QEMU never stops), ptrace (every syscall "
	  "stops), or auto (default: uprobe where it works)", 5 },
	{ NULL, 0, NULL, 0, "Help:", -1 },
	{ 0 }
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct args *a = state->input;
	uint64_t v;

	switch (key) {
	case 'p':
		if (im_parse_u64(arg, &v) || v == 0 || v > 0x3fffffff)
			argp_error(state, "bad PID '%s'", arg);
		a->pid = (int)v;
		break;
	case OPT_SYSROOT: a->sysroot = arg; break;
	case 's': a->slot = arg; break;
	case 'j': a->json = true; break;
	case 'i': a->ids = arg; break;
	case 'o': a->out = arg; break;
	case OPT_SVG: a->svg = arg; break;
	case OPT_FORCE: a->force = true; break;
	case OPT_GDB_EXPORT: a->gdb_export = arg; break;
	case OPT_QMP: a->qmp = arg; break;
	case OPT_QEMU_TRACE: a->qemu_trace = arg; break;
	case OPT_MTREE: a->mtree = arg; break;
	case OPT_MAPS: a->maps = arg; break;
	case OPT_QTREE: a->qtree = arg; break;
	case OPT_POLL: a->poll = true; break;
	case OPT_METHOD:
		if (!strcmp(arg, "auto"))
			a->method = IM_WATCH_AUTO;
		else if (!strcmp(arg, "uprobe"))
			a->method = IM_WATCH_UPROBE;
		else if (!strcmp(arg, "ptrace"))
			a->method = IM_WATCH_PTRACE;
		else
			argp_error(state, "bad method '%s' (auto, uprobe or ptrace)", arg);
		a->method_set = true;
		break;
	case OPT_INTERVAL:
		if (im_parse_u64(arg, &v) || v == 0 || v > 3600000)
			argp_error(state, "bad interval '%s' (1 to 3600000 ms)", arg);
		a->interval_ms = (unsigned int)v;
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num == 0 && !strcmp(arg, "report"))
			a->cmd = CMD_REPORT;
		else if (state->arg_num == 0 && !strcmp(arg, "explain"))
			a->cmd = CMD_EXPLAIN;
		else if (state->arg_num == 0 && !strcmp(arg, "capture"))
			a->cmd = CMD_CAPTURE;
		else if (state->arg_num == 0 && !strcmp(arg, "watch"))
			a->cmd = CMD_WATCH;
		else if (state->arg_num == 1 && a->cmd == CMD_EXPLAIN) {
			if (im_parse_u64(arg, &v))
				argp_error(state, "'%s' is not an address (hex 0x... or decimal)", arg);
			a->addr = v;
		} else
			argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (a->cmd == CMD_EXPLAIN && state->arg_num < 2)
			argp_error(state, "explain needs an ADDR");
		if (a->cmd == CMD_CAPTURE && !a->out)
			argp_error(state, "capture needs -o DIR");
		if (a->cmd != CMD_CAPTURE && (a->out || a->force))
			argp_error(state, "-o and --force go with capture");
		if (a->cmd != CMD_WATCH && (a->poll || a->interval_ms || a->method_set))
			argp_error(state, "--poll, --interval and --method go with watch");
		if (a->svg && (a->cmd != CMD_REPORT || a->mtree))
			argp_error(state, "--svg goes with the report (not with --mtree, explain, capture or watch)");
		if (a->svg && !strcmp(a->svg, "-") && a->json)
			argp_error(state, "--svg - and --json both write to standard output: give --svg a FILE");
		if (a->poll && a->method_set)
			argp_error(state, "--method and --poll do not go together");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}


/*
 * "iommu-map: MESSAGE", one line: the message names files and holds what
 * was read from them, so all of it is escaped for the terminal (escape.h)
 */
static void __attribute__((format(printf, 1, 2))) warnmsg(const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	fputs("iommu-map: ", stderr);
	if (n >= 0)
		im_term_fputn(stderr, msg, (size_t)n);
	else
		fputs(strerror(ENOMEM), stderr);
	free(msg);
	fputc('\n', stderr);
}

static int die_err(const struct im_err *e, int r)
{
	if (e->file[0] && e->line)
		warnmsg("%s:%u: %s", e->file, e->line, e->msg);
	else if (e->file[0])
		warnmsg("%s: %s", e->file, e->msg);
	else
		warnmsg("%s", e->msg[0] ? e->msg : strerror(-r));
	return EXIT_BAD;
}

/*
 * The processes the scan could not tell, on one line, like a partial source:
 * a VMM may be among them.
 */
static void warn_skips(const struct im_scan_skips *s)
{
	size_t total = s->denied + s->exited + s->changing;
	char why[256] = "";
	size_t w = 0;

	if (!total)
		return;
	if (s->denied)
		w += (size_t)snprintf(why + w, sizeof(why) - w, "%zu %s%s", s->denied,
				      strerror(-s->denied_why), ": need root or CAP_SYS_PTRACE");
	if (s->exited && w < sizeof(why))
		w += (size_t)snprintf(why + w, sizeof(why) - w, "%s%zu exited while read",
				      w ? "; " : "", s->exited);
	if (s->changing && w < sizeof(why))
		snprintf(why + w, sizeof(why) - w, "%s%zu whose maps kept changing (%d tries)",
			 w ? "; " : "", s->changing, IM_PROC_TRIES);
	warnmsg("%zu process%s could not be read (%s): a VMM among them is not seen; give --pid",
		total, total == 1 ? "" : "es", why);
}

static int pick_pid(struct args *a)
{
	struct im_candidate *c = NULL;
	struct im_scan_skips skips;
	size_t n = 0, i;
	int r = im_proc_find_vmms(&c, &n, &skips);

	if (r) {
		warnmsg("%s/proc: %s", im_root(), strerror(-r));
		return -EXIT_BAD;
	}
	warn_skips(&skips);
	if (n == 1) {
		a->pid = c[0].pid;
		im_candidates_free(c, n);
		return 0;
	}
	if (!n) {
		warnmsg("no process under %s holds a vfio device fd or mmap; give --pid", im_root());
		im_candidates_free(c, n);
		return -EXIT_BAD;
	}
	warnmsg("%zu processes hold vfio devices; choose one with --pid:", n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "  %7d  %-16s %u vfio fds, %u vfio mmaps\n", c[i].pid,
			IM_TERM(c[i].comm ? c[i].comm : "?"), c[i].vfio_fds, c[i].vfio_maps);
	im_candidates_free(c, n);
	return -EXIT_USAGE;
}

static volatile sig_atomic_t stop_watch;

static void on_stop(int sig)
{
	(void)sig;
	stop_watch = 1;
}

/* watch: detaches on SIGINT/SIGTERM (the handlers only set a flag). */
static int run_watch(struct im_model *m, const struct args *a, struct im_err *err)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (a->poll)
		return im_watch_poll(m, stdout, a->json, a->interval_ms, &stop_watch, err);
	return im_watch(m, stdout, a->json, (enum im_watch_method)a->method, &stop_watch, err);
}

/*
 * --svg FILE: the picture, into FILE (main opens it; "-": standard output).
 * 0, or an exit code after saying why.
 */
static int write_svg(const struct im_model *m, const char *path)
{
	FILE *f;
	int r;

	if (!path)
		return 0;
	f = strcmp(path, "-") ? fopen(path, "we") : stdout;
	if (!f) {
		warnmsg("--svg: %s: %s", path, strerror(errno));
		return EXIT_BAD;
	}
	r = im_report_svg(f, m);
	if (f != stdout && fclose(f) && !r)
		r = -errno;
	if (r) {
		warnmsg("--svg: %s: %s", path, strerror(-r));
		return EXIT_BAD;
	}
	return 0;
}

/* --mtree with the report: the tree, each line with what its numbers are */
static int annotate_mtree(struct im_model *m, const struct args *a, struct im_err *err)
{
	struct im_mtree t;
	const char *name;
	int r = im_mtree_load(a->mtree, &t, &name, err);

	if (r)
		return r;
	t.maps_read = a->one_paste;
	r = im_mtree_annotate(stdout, m, &t, name, a->json);
	im_mtree_free(&t);
	return r;
}

/* explain with a memory tree: what it says of the address, too */
static int explain_mtree(struct im_model *m, const struct args *a, struct im_err *err)
{
	struct im_mtree t;
	const char *name;
	int r = im_mtree_load(a->mtree, &t, &name, err);

	if (r)
		return die_err(err, r);
	t.maps_read = a->one_paste;
	r = im_mtree_match(m, &t, name);
	if (!r)
		r = im_explain_mtree(stdout, m, &t, name, a->addr, a->json);
	im_mtree_free(&t);
	return r;
}

/* The command, on the loaded model; ret: the exit code so far. */
static int dispatch(struct im_model *m, const struct args *a, struct im_outdir *out,
		    struct im_err *err, int ret)
{
	int r = 0;

	switch (a->cmd) {
	case CMD_REPORT:
		if (a->mtree) {
			r = annotate_mtree(m, a, err);
			if (r)
				return die_err(err, r);
			break;
		}
		r = write_svg(m, a->svg);
		if (r > 0)
			return r;
		if (!a->svg || strcmp(a->svg, "-"))
			r = a->json ? im_report_json(stdout, m) : im_report_text(stdout, m);
		break;
	case CMD_EXPLAIN:
		r = a->mtree ? explain_mtree(m, a, err) : im_explain(stdout, m, a->addr, a->json);
		if (r > 0)
			return r;
		break;
	case CMD_WATCH:
		r = run_watch(m, a, err);
		if (r == -ECHILD) {
			warnmsg("%s", err->msg[0] ? err->msg : "the target exited");
			return EXIT_OK;
		}
		if (r)
			return die_err(err, r);
		break;
	case CMD_CAPTURE:
		r = im_capture(m, out, err);
		if (!r && a->qmp)
			r = im_qmp_write_capture(out, m, err);
		if (!r)
			r = im_outdir_close(out, true, err);
		if (r)
			return die_err(err, r);
		break;
	}
	if (r) {
		warnmsg("output: %s", strerror(-r));
		ret = EXIT_BAD;
	}
	return ret;
}

/* --maps and --mtree name one paste (one path, one file, or both "-") */
static bool same_paste(const char *maps, const char *mtree)
{
	struct stat a, b;

	if (!maps || !mtree)
		return false;
	if (!strcmp(maps, mtree))
		return true;
	if (!strcmp(maps, "-") || !strcmp(mtree, "-") || stat(maps, &a) || stat(mtree, &b))
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * The arguments checked against each other, the sysroot set and the target
 * chosen: EXIT_OK to go on, else the exit code.  slot: -s, normalised;
 * *paste: paste mode.
 */
static int prepare(struct args *a, char *slot, bool *paste)
{
	int r;

	if (a->slot && im_bdf_norm(a->slot, strlen(a->slot), slot)) {
		warnmsg("-s: '%s' is not a PCI address ([[domain:]bus:]dev.fn)", a->slot);
		return EXIT_USAGE;
	}
	r = im_root_init(a->sysroot ? a->sysroot : "/");
	if (r) {
		warnmsg("%s: %s", a->sysroot, strerror(-r));
		return EXIT_BAD;
	}
	if ((a->cmd == CMD_CAPTURE || a->cmd == CMD_WATCH) && !im_root_is_live()) {
		if (a->cmd == CMD_WATCH) {
			warnmsg("watch follows a live process; it cannot replay a --sysroot");
			return EXIT_USAGE;
		}
		warnmsg("capture reads a live system; it does not copy a --sysroot");
		return EXIT_USAGE;
	}
	a->one_paste = same_paste(a->maps, a->mtree);
	/* paste mode: pastes and no target: nothing of this host is read */
	*paste = a->pid < 0 && !a->sysroot && !a->qmp &&
		 (a->maps || a->mtree || a->qemu_trace || a->gdb_export || a->qtree);
	if (*paste && (a->cmd == CMD_CAPTURE || a->cmd == CMD_WATCH)) {
		warnmsg("%s needs a live target (--pid); a paste has none", a->cmd == CMD_WATCH ? "watch" : "capture");
		return EXIT_USAGE;
	}
	if (a->pid < 0 && !*paste) {
		r = pick_pid(a);
		if (r)
			return -r;
	}
	return EXIT_OK;
}

/* The model, loaded from the target or the pastes (m is initialised even on error). */
static int load_model(struct im_model *m, const struct args *a, const char *slot, bool paste,
		      struct im_err *err)
{
	int r;

	im_model_init(m);
	m->sysroot = im_root();
	if (im_root_is_live())
		im_elfsym_set_pid(a->pid);
	m->filter_bdf = a->slot ? slot : NULL;
	r = im_pipeline_run(m, &(struct im_load_opts){
				    .pid = a->pid, .ids = a->ids, .gdb_export = a->gdb_export,
				    .qemu_trace = a->qemu_trace, .qmp = a->qmp,
				    .maps = a->maps, .qtree = a->qtree, .paste = paste,
				    .maps_beside_mtree = a->one_paste,
				    .kmod_checks = a->cmd != CMD_WATCH,
				    .keep_inputs = a->cmd == CMD_CAPTURE }, err);
	/* a target that exited while the sources were read: that, not what failed after */
	if (r != -ENOMEM && r != -ESRCH) {
		int gone = im_proc_check_running(m, err);

		if (gone)
			r = gone;
	}
	return r;
}

/* One line per source not read in full: then EXIT_PARTIAL, else EXIT_OK. */
static int warn_sources(const struct im_model *m)
{
	int ret = EXIT_OK;
	size_t i;

	for (i = 0; i < m->nsources; i++)
		if (m->sources[i].status != IM_SRC_OK) {
			warnmsg("%s: %s: %s", m->sources[i].name,
				im_src_status_name(m->sources[i].status),
				m->sources[i].detail ? m->sources[i].detail : "");
			ret = EXIT_PARTIAL;
		}
	return ret;
}

int main(int argc, char **argv)
{
	struct args a = { .cmd = CMD_REPORT, .pid = -1 };
	struct argp argp = { options, parse_opt, args_doc, doc, NULL, help_filter, NULL };
	struct im_model m;
	struct im_outdir out = { .parent = -1, .fd = -1 };
	struct im_err err = { 0 };
	char slot[16];
	int r, ret;
	bool paste;

	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, 0, NULL, &a))
		return EXIT_USAGE;
	ret = prepare(&a, slot, &paste);
	if (ret != EXIT_OK)
		return ret;
	/* -o first: a DIR that cannot be used is refused before the target is read */
	if (a.cmd == CMD_CAPTURE && (r = im_outdir_open(&out, a.out, a.force, &err)))
		return die_err(&err, r);
	r = load_model(&m, &a, slot, paste, &err);
	if (r) {
		ret = die_err(&err, r);
		if (r == -EAGAIN)	/* the target kept changing its mappings: a retry may do */
			ret = EXIT_PARTIAL;
		goto out;
	}
	ret = dispatch(&m, &a, &out, &err, warn_sources(&m));
out:
	if (out.path)
		im_outdir_close(&out, false, &err);	/* a failed capture leaves DIR as it was */
	/*
	 * The process ends here: freeing a big host's model piece by piece was
	 * a tenth of the run (issue 15).  Sanitizer builds still free it, so
	 * the frees are tested and LeakSanitizer sees real leaks only.
	 */
#if defined(__SANITIZE_ADDRESS__) || IM_ASAN_CLANG || IM_FREE_AT_EXIT
	im_model_free(&m);
#endif
	if (fflush(stdout) || ferror(stdout)) {
		warnmsg("write error: %s", strerror(errno));
		return EXIT_BAD;
	}
	return ret;
}
