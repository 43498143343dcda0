/* SPDX-License-Identifier: GPL-2.0-or-later */
/* maps-paste.h - a pasted /proc/PID/maps or pmap -X (see maps-paste.c). */
#ifndef IM_MAPS_PASTE_H
#define IM_MAPS_PASTE_H

#include <stdbool.h>
#include <stddef.h>
#include "model.h"

struct im_maps_paste {
	struct im_map *maps;		/* sorted by start; line: of the paste */
	size_t nmaps;
	bool pmap;			/* a pmap -X header was read */
	unsigned int nlines;		/* (logical) lines read */
	bool qp;			/* the paste was quoted-printable, decoded */
	unsigned int qp_soft;		/* ... and its soft line breaks joined */
	unsigned int unknown;		/* non-blank lines not understood */
	unsigned int first_unknown;	/* the first of them, 1-based; 0: none */
	unsigned int joined;		/* paths wrapped onto the next line, joined */
	const unsigned char *mtree;	/* mtree[line]: the memory-tree reader reads
					 * that file line of the same paste; NULL: none */
	unsigned int nmtree;		/* ... lines mtree covers */
	unsigned int by_mtree;		/* lines not read here that it reads */
	unsigned int short_offset;	/* offsets maps cannot have printed (offset_lost) */
	unsigned int first_short;	/* the first of them, 1-based; 0: none */
};

/* 0, -EINVAL (nothing read, or overlapping mappings: err names file and
 * line) or -ENOMEM */
int im_maps_paste_parse(const char *buf, size_t len, const char *file,
			struct im_maps_paste *out, struct im_err *err);
void im_maps_paste_free(struct im_maps_paste *mp);
/*
 * --maps FILE ("-": stdin).  With no target (m->paste) the paste becomes the
 * model's maps; with a target it is compared with the target's maps, and is
 * said to match or to be another process's (kept apart, a finding).
 */
int im_maps_paste_load(struct im_model *m, const char *file, struct im_err *err);
/*
 * The same, with beside_mtree when the paste is given to --mtree too (a mail
 * that pastes both): a line the memory-tree reader reads (a range, header or
 * alias line, or a continuation it joins) is not counted as not understood
 * here, but as read by --mtree.
 */
int im_maps_paste_load_beside(struct im_model *m, const char *file, bool beside_mtree,
			      struct im_err *err);

#endif
