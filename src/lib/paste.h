/* SPDX-License-Identifier: GPL-2.0-or-later */
/* paste.h - what surrounds the data on a pasted line (see paste.c). */
#ifndef IM_PASTE_H
#define IM_PASTE_H

#include <stdbool.h>
#include <stddef.h>

struct im_err;

/*
 * Past the blanks, mail quote markers, log prefixes (QEMU's PID@TIME: and
 * ISO time, syslog's and journald's time, host and tag) at the start of the
 * line [s, e): where its data starts.  Never past e.
 */
const char *im_paste_strip(const char *s, const char *e);

/*
 * Read a file the user named (a paste, a log) as given, not under the
 * sysroot; "-" is standard input (*name "<stdin>").  Regular files, pipes
 * and sockets only, at most max bytes.  0 or -errno, err naming the file.
 */
int im_paste_read(const char *file, size_t max, const char **name, char **buf, size_t *len,
		  struct im_err *err);

#endif
