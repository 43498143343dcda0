// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * findings.c - the table of findings (findings.def) and the one function
 * that adds a finding to the model.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "findings.h"
#include "iommu-map.h"

#define STR_(...) #__VA_ARGS__

const struct im_finding_def im_finding_defs[IM_NFINDING_IDS] = {
#define X(id, code_, sev, sect, params_, args, tmpl_)			\
	[IM_F_##id] = { .code = code_, .severity = IM_SEV_##sev,	\
			.section = IM_FS_##sect, .params = STR_ params_, .tmpl = tmpl_ },
#include "findings.def"
#undef X
};

const char *im_fsection_name(enum im_fsection s)
{
	static const char *const n[IM_NFSECTIONS] = {
		[IM_FS_HOST] = "Host-side picture",
		[IM_FS_KMOD] = "Kernel module checks",
		[IM_FS_QEMU] = "QEMU-side sources",
		[IM_FS_MTREE] = "Notes on mtree lines",
	};

	return (unsigned int)s < IM_NFSECTIONS ? n[s] : NULL;
}

const struct im_finding_def *im_finding_lookup(const char *code)
{
	size_t i;

	for (i = 0; code && i < IM_NFINDING_IDS; i++)
		if (!strcmp(im_finding_defs[i].code, code))
			return &im_finding_defs[i];
	return NULL;
}

/* takes message, which may be NULL (then -ENOMEM) */
static int push(struct im_model *m, const struct im_finding_def *def, enum im_severity sev,
		const char *subject, unsigned int line, char *message)
{
	struct im_finding *f;
	int r;

	if (!message)
		return -ENOMEM;
	r = im_grow(&m->findings, &m->cap.findings, m->nfindings + 1, sizeof(*m->findings));
	if (r) {
		free(message);
		return r;
	}
	f = &m->findings[m->nfindings];
	f->severity = sev;
	f->code = def->code;
	f->subject = strdup(subject ? subject : "");
	f->message = message;
	f->line = line;
	if (!f->subject) {
		free(message);
		return -ENOMEM;
	}
	m->nfindings++;
	return 0;
}

int im_finding_vadd(struct im_model *m, enum im_fid id, const char *subject,
		    unsigned int line, va_list ap)
{
	const struct im_finding_def *def;
	char *msg;

	if ((unsigned int)id >= IM_NFINDING_IDS)
		return -EINVAL;
	def = &im_finding_defs[id];
	if (vasprintf(&msg, def->tmpl, ap) < 0)
		msg = NULL;
	return push(m, def, def->severity, subject, line, msg);
}

int im_finding_add(struct im_model *m, enum im_fid id, const char *subject,
		   unsigned int line, ...)
{
	va_list ap;
	int r;

	va_start(ap, line);
	r = im_finding_vadd(m, id, subject, line, ap);
	va_end(ap);
	return r;
}

int im_findings_move(struct im_model *to, struct im_model *from)
{
	int r;

	if (!from->nfindings)
		return 0;
	r = im_grow(&to->findings, &to->cap.findings, to->nfindings + from->nfindings,
		    sizeof(*to->findings));
	if (r)
		return r;
	memcpy(to->findings + to->nfindings, from->findings, from->nfindings * sizeof(*from->findings));
	to->nfindings += from->nfindings;
	from->nfindings = 0;
	return 0;
}

int im_finding_replay(struct im_model *m, enum im_fsection sect, enum im_severity sev,
		      const char *code, const char *subject, const char *message)
{
	size_t i;

	for (i = 0; code && message && i < IM_NFINDING_IDS; i++) {
		const struct im_finding_def *def = &im_finding_defs[i];

		if (def->section == sect && def->severity == sev && !strcmp(def->code, code))
			return push(m, def, sev, subject, 0, strdup(message));
	}
	return -EINVAL;
}
