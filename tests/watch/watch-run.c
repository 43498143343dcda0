// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * watch-run.c - im_watch() on a PID without the rest of the CLI, for the
 * tests and the benchmark:
 *   watch-run [--json] [--poll MS] [--vm-match S] [--vfio-match S]
 *             [--dev BDF,BAR,HPA,SIZE]... PID
 * --poll MS: im_watch_poll() (needs the iommu_map module) every MS ms.
 * --vm-match/--vfio-match are the test hook im_watch_test_fd_match().
 * Exit: 0 stopped by SIGINT/SIGTERM, 3 target exited, 2 error.
 * Counters go to stderr as "stats: …".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "watch/elfsym.h"
#include "watch/watch.h"

static volatile sig_atomic_t stop;

static void on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct im_model m;
	struct im_err err = { .msg = "" };
	struct im_watch_stats st;
	struct sigaction sa;
	const char *vm = NULL, *vfio = NULL;
	bool json = false;
	int i, ret, poll_ms = -1;
	enum im_watch_method method = IM_WATCH_AUTO;

	memset(&m, 0, sizeof(m));
	m.pid = -1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--method") && i + 1 < argc) {
			i++;
			method = !strcmp(argv[i], "uprobe") ? IM_WATCH_UPROBE :
				 !strcmp(argv[i], "ptrace") ? IM_WATCH_PTRACE :
				 IM_WATCH_AUTO;
		} else if (!strcmp(argv[i], "--poll") && i + 1 < argc) {
			poll_ms = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--vm-match") && i + 1 < argc) {
			vm = argv[++i];
		} else if (!strcmp(argv[i], "--vfio-match") && i + 1 < argc) {
			vfio = argv[++i];
		} else if (!strcmp(argv[i], "--dev") && i + 1 < argc) {
			struct im_device *d;
			char bdf[16];
			int bar;
			unsigned long long hpa, size;

			if (sscanf(argv[++i], "%15[^,],%d,%llx,%llx", bdf, &bar,
				   &hpa, &size) != 4 || bar < 0 || bar >= IM_NBARS)
				return 64;
			m.devices = realloc(m.devices, (m.ndevices + 1) *
					    sizeof(*m.devices));
			d = &m.devices[m.ndevices++];
			memset(d, 0, sizeof(*d));
			snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
			d->held = true;
			d->driver = (char *)"vfio-pci";	/* correlate's rules */
			d->bars[bar].index = bar;
			d->bars[bar].kind = IM_BAR_MEM32;
			d->bars[bar].hpa = hpa;
			d->bars[bar].size = size;
		} else {
			m.pid = atoi(argv[i]);
		}
	}
	if (m.pid <= 0) {
		fprintf(stderr, "usage: watch-run [--json] [--method auto|uprobe|ptrace] [--vm-match S] "
			"[--vfio-match S] [--dev BDF,BAR,HPA,SIZE] [--poll MS] PID\n");
		return 64;
	}
	m.offset_mode = IM_OFF_REGION;
	if (im_root_init("/") < 0)
		return 2;
	im_watch_test_fd_match(vm, vfio);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (poll_ms >= 0)
		ret = im_watch_poll(&m, stdout, json, (unsigned int)poll_ms,
				    &stop, &err);
	else
		ret = im_watch(&m, stdout, json, method, &stop, &err);
	im_watch_last_stats(&st);
	fprintf(stderr, "stats: syscall_stops %lu events %lu signals_passed %lu "
		"threads_seen %lu group_stops %lu detached %lu probe_hits %lu "
		"lost %lu unprobed %lu\n",
		st.syscall_stops, st.events, st.signals_passed, st.threads_seen,
		st.group_stops, st.detached, st.probe_hits, st.lost, st.unprobed);
	if (ret < 0 && ret != -ECHILD)
		fprintf(stderr, "watch-run: %s\n", err.msg[0] ? err.msg :
			strerror(-ret));
	free(m.devices);
	im_elfsym_reset();
	return ret == 0 ? 0 : ret == -ECHILD ? 3 : 2;
}
