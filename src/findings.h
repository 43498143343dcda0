/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * findings.h - the one way a finding reaches the model: by its row in the
 * table of findings.def, which gives its code, severity, sentence and the
 * section of iommu-map(8) that documents it.
 *
 *   IM_FINDING(m, IM_F_MMAP_NO_MEMSLOT, "0000:00:03.0 BAR 0", hva);
 *
 * checks the arguments against the row's template at compile time and
 * calls im_finding_add().  A replay (kchecks.c) adds a finding whose
 * sentence was written before with im_finding_replay().
 */
#ifndef IM_FINDINGS_H
#define IM_FINDINGS_H

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include "model.h"

/* the subsections of FINDINGS in iommu-map(8) */
enum im_fsection {
	IM_FS_HOST,		/* "Host-side picture" */
	IM_FS_KMOD,		/* "Kernel module checks" */
	IM_FS_QEMU,		/* "QEMU-side sources" */
	IM_FS_MTREE,		/* "Notes on mtree lines" */
	IM_NFSECTIONS,
};

enum im_fid {
#define X(id, code, sev, sect, params, args, tmpl) IM_F_##id,
#include "findings.def"
#undef X
	IM_NFINDING_IDS,
};

struct im_finding_def {
	const char *code;
	enum im_severity severity;
	enum im_fsection section;
	const char *params;	/* the template's arguments, as declared */
	const char *tmpl;
};

extern const struct im_finding_def im_finding_defs[IM_NFINDING_IDS];

const char *im_fsection_name(enum im_fsection s);	/* the .Ss title */
/* the first row of a code, or NULL: not a code of the table */
const struct im_finding_def *im_finding_lookup(const char *code);

/*
 * Add finding id about subject ("" for none) and, for a note on a line of
 * an annotated text, that line (else 0); its sentence is the row's
 * template filled with the arguments, which must match the row's
 * parameters (IM_FINDING checks them).  -EINVAL: no such id; -ENOMEM.
 */
int im_finding_add(struct im_model *m, enum im_fid id, const char *subject,
		   unsigned int line, ...);
int im_finding_vadd(struct im_model *m, enum im_fid id, const char *subject,
		    unsigned int line, va_list ap);
/*
 * Add a finding written before (a capture's kernel-checks file): code must
 * be in the table, in section sect, with this severity.  -EINVAL if not.
 */
int im_finding_replay(struct im_model *m, enum im_fsection sect, enum im_severity sev,
		      const char *code, const char *subject, const char *message);

/*
 * Append from's findings to to's, in their order, and leave from with none
 * (a loader's threads each gather theirs apart).  -ENOMEM: nothing moved.
 */
int im_findings_move(struct im_model *to, struct im_model *from);

/*
 * The checked entry points of each row: IM_FINDING(m, IM_F_ID, subject,
 * args...), and IM_FINDING_AT(m, IM_F_ID, subject, line, args...) for a
 * note on a line of an annotated text.
 */
#define IM_FINDING(m, id, subject, ...) im_finding_##id(m, subject, 0, ##__VA_ARGS__)
#define IM_FINDING_AT(m, id, subject, line, ...)					\
	im_finding_##id(m, subject, line, ##__VA_ARGS__)
#define IM_FLIST_(...) , ##__VA_ARGS__
#define X(id, code, sev, sect, params, args, tmpl)					\
	static inline int im_finding_IM_F_##id(struct im_model *im_m_,			\
					       const char *im_subject_,			\
					       unsigned int im_line_ IM_FLIST_ params)	\
	{										\
		if (0)	/* the compiler checks the template against the parameters */	\
			(void)printf(tmpl IM_FLIST_ args);				\
		return im_finding_add(im_m_, IM_F_##id, im_subject_, im_line_		\
				      IM_FLIST_ args);					\
	}
#include "findings.def"
#undef X

#endif
