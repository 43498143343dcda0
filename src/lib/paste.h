/* SPDX-License-Identifier: GPL-2.0-or-later */
/* paste.h - what surrounds the data on a pasted line (see paste.c). */
#ifndef IM_PASTE_H
#define IM_PASTE_H

#include <stdbool.h>

/*
 * Past the blanks, mail quote markers, log prefixes (QEMU's PID@TIME: and
 * ISO time, syslog's and journald's time, host and tag) at the start of the
 * line [s, e): where its data starts.  Never past e.
 */
const char *im_paste_strip(const char *s, const char *e);

#endif
