// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qmp.c - QEMU's monitor as a source: query-pci for the guest BARs, info
 * qtree for the host device behind each vfio-pci device, info mtree -f for
 * the KVM-marked ranges, gpa2hva per guest BAR as a cross-check, and (through
 * qmp-windows.c) the host bridge's MMIO windows.  Asks a
 * live QEMU (through qmp-client.c) or reads a capture, and fills the model.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "findings.h"
#include "iommu-map.h"
#include "sources/mtree.h"
#include "sources/qmp.h"
#include "sources/qtree.h"

int im_qmp_parse_gpa2hva(const char *text, uint64_t *hva)
{
	static const char pre[] = "Host virtual address for ";
	const char *is, *e;
	size_t n;

	if (strncmp(text, pre, sizeof(pre) - 1))
		return -ENOENT;
	is = strstr(text, ") is ");
	if (!is)
		return -EINVAL;
	is += 5;
	e = is;
	while (*e && *e != '\r' && *e != '\n' && *e != ' ')
		e++;
	n = (size_t)(e - is);
	if (n < 3 || is[0] != '0' || is[1] != 'x')
		return -EINVAL;
	return im_parse_hex(is, n, hva);
}

/* a guest BAR that query-pci names on a vfio-pci device */
struct pbar {
	char host[16], guest_bdf[16], qdev_id[64];
	int bar;
	uint64_t gpa, size;
};

/* a vfio-pci device QEMU ties to a host one, whether or not any BAR of it is assigned */
struct ptie {
	char host[16], guest_bdf[16], qdev_id[64];
};

struct plan {
	struct pbar *v;
	size_t n, cap;
	struct ptie *ties;
	size_t nties, cap_ties;
	unsigned int devices, vfio_devices;
	unsigned int fd_devices;	/* vfio-pci without host= or sysfsdev= */
	char fd_names[160];		/* their ids, ", "-separated */
};

bool im_qmp_json_u64(json_object *o, const char *key, uint64_t *v)
{
	json_object *x;

	if (!json_object_object_get_ex(o, key, &x) || !json_object_is_type(x, json_type_int))
		return false;
	/* json-c: values above INT64_MAX are kept as uint64 */
	if (json_object_get_int64(x) < 0)
		*v = (uint64_t)json_object_get_int64(x);
	else
		*v = json_object_get_uint64(x);
	return true;
}

/* the vfio-pci device of `info qtree` at guest bus:slot.fn (or with id) */
static const struct im_qtree_vfio *qtree_match(const struct im_qtree_vfio *q, size_t nq,
					       uint64_t bus, uint64_t slot, uint64_t fn,
					       const char *id)
{
	const struct im_qtree_vfio *hit = NULL;
	size_t j;

	for (j = 0; j < nq; j++)
		if (q[j].bus == (int)bus && q[j].slot == (int)slot && q[j].func == (int)fn &&
		    (!*id || !q[j].qdev_id[0] || !strcmp(q[j].qdev_id, id)))
			hit = &q[j];
	if (!hit && *id)
		for (j = 0; j < nq; j++)
			if (!strcmp(q[j].qdev_id, id))
				hit = &q[j];
	return hit;
}

/* a vfio-pci device given to QEMU as an fd: no host address to tie its BARs to */
static void plan_fd_device(struct plan *pl, const struct im_qtree_vfio *hit,
			   const char *gbdf)
{
	size_t k = strlen(pl->fd_names);

	pl->vfio_devices++;
	pl->fd_devices++;
	if (k + 3 < sizeof(pl->fd_names))
		snprintf(pl->fd_names + k, sizeof(pl->fd_names) - k, "%s%s",
			 k ? ", " : "", hit->qdev_id[0] ? hit->qdev_id : gbdf);
}

static int plan_tie(struct plan *pl, const struct im_qtree_vfio *hit, const char *gbdf,
		    const char *id)
{
	struct ptie *t;
	int r = im_grow(&pl->ties, &pl->cap_ties, pl->nties + 1, sizeof(*pl->ties));

	if (r)
		return r;
	t = &pl->ties[pl->nties++];
	memcpy(t->host, hit->host_bdf, sizeof(t->host));
	snprintf(t->guest_bdf, sizeof(t->guest_bdf), "%s", gbdf);
	snprintf(t->qdev_id, sizeof(t->qdev_id), "%s", *id ? id : hit->qdev_id);
	return 0;
}

static void plan_free(struct plan *pl)
{
	free(pl->v);
	free(pl->ties);
	memset(pl, 0, sizeof(*pl));
}

/*
 * Each tied host device's guest BDF and id, also when QEMU assigned none of
 * its BARs (then no guest BAR names it, and the unassigned-BAR finding
 * would name only the guest BDF).
 */
static int fill_ties(struct im_model *m, const struct plan *pl)
{
	size_t i;

	for (i = 0; i < pl->nties; i++) {
		const struct ptie *t = &pl->ties[i];
		int di = im_find_device(m, t->host);
		struct im_device *d = di >= 0 ? &m->devices[di] : NULL;

		if (d && !d->guest_bdf && !(d->guest_bdf = strdup(t->guest_bdf)))
			return -ENOMEM;
		if (d && !d->qdev_id && t->qdev_id[0] && !(d->qdev_id = strdup(t->qdev_id)))
			return -ENOMEM;
	}
	return 0;
}

/* the memory BARs of a vfio-pci device, from its query-pci "regions" */
static int plan_regions(json_object *regs, const struct im_qtree_vfio *hit,
			const char *gbdf, const char *id, struct plan *pl,
			const char *file, struct im_err *err)
{
	size_t k, nr = json_object_array_length(regs);

	pl->vfio_devices++;
	for (k = 0; k < nr; k++) {
		json_object *rg = json_object_array_get_idx(regs, k), *ty;
		struct pbar pb = { .bar = -1 };
		uint64_t bar;
		int r;

		if (!json_object_is_type(rg, json_type_object) ||
		    !im_qmp_json_u64(rg, "bar", &bar) || bar > 6 ||
		    !im_qmp_json_u64(rg, "address", &pb.gpa) ||
		    !im_qmp_json_u64(rg, "size", &pb.size) ||
		    !json_object_object_get_ex(rg, "type", &ty)) {
			im_err_set(err, file, 0, "query-pci: %s region %zu is malformed",
				   gbdf, k);
			return -EINVAL;
		}
		/* I/O BARs have no HVA; unmapped BARs read as all ones */
		if (strcmp(json_object_get_string(ty), "memory") || bar == 6 ||
		    pb.gpa == UINT64_MAX || !pb.size)
			continue;
		pb.bar = (int)bar;
		memcpy(pb.host, hit->host_bdf, sizeof(pb.host));
		snprintf(pb.guest_bdf, sizeof(pb.guest_bdf), "%s", gbdf);
		snprintf(pb.qdev_id, sizeof(pb.qdev_id), "%s", *id ? id : hit->qdev_id);
		r = im_grow(&pl->v, &pl->cap, pl->n + 1, sizeof(*pl->v));
		if (r)
			return r;
		pl->v[pl->n++] = pb;
	}
	return 0;
}

static int plan_devices(json_object *devs, const struct im_qtree_vfio *q, size_t nq,
			struct plan *pl, const char *file, struct im_err *err, int depth)
{
	size_t i, nd;

	if (!json_object_is_type(devs, json_type_array) || depth > 32) {
		im_err_set(err, file, 0, "query-pci: \"devices\" is not an array");
		return -EINVAL;
	}
	nd = json_object_array_length(devs);
	for (i = 0; i < nd; i++) {
		json_object *d = json_object_array_get_idx(devs, i), *regs, *br, *idv, *sub;
		uint64_t bus, slot, fn;
		const struct im_qtree_vfio *hit;
		const char *id = "";
		char gbdf[16];
		int r = 0;

		if (!json_object_is_type(d, json_type_object) || !im_qmp_json_u64(d, "bus", &bus) ||
		    !im_qmp_json_u64(d, "slot", &slot) || !im_qmp_json_u64(d, "function", &fn) ||
		    bus > 255 || slot > 31 || fn > 7) {
			im_err_set(err, file, 0, "query-pci: device %zu lacks bus/slot/function", i);
			return -EINVAL;
		}
		pl->devices++;
		if (json_object_object_get_ex(d, "qdev_id", &idv) &&
		    json_object_is_type(idv, json_type_string))
			id = json_object_get_string(idv);
		snprintf(gbdf, sizeof(gbdf), "0000:%02x:%02x.%x", (unsigned int)bus,
			 (unsigned int)slot, (unsigned int)fn);
		hit = qtree_match(q, nq, bus, slot, fn, id);
		if (hit && hit->host_bdf[0])
			r = plan_tie(pl, hit, gbdf, id);
		if (r)
			return r;
		if (hit && !hit->host_bdf[0])
			plan_fd_device(pl, hit, gbdf);
		else if (hit && json_object_object_get_ex(d, "regions", &regs) &&
			 json_object_is_type(regs, json_type_array))
			r = plan_regions(regs, hit, gbdf, id, pl, file, err);
		if (!r && json_object_object_get_ex(d, "pci_bridge", &br) &&
		    json_object_is_type(br, json_type_object) &&
		    json_object_object_get_ex(br, "devices", &sub))
			r = plan_devices(sub, q, nq, pl, file, err, depth + 1);
		if (r)
			return r;
	}
	return 0;
}

static int plan_bars(const struct im_qmp_raw *raw, const char *pci_file,
		     const char *qtree_file, struct plan *pl, struct im_err *err)
{
	struct im_qtree qt;
	const struct im_qtree_vfio *q;
	json_object *root, *buses;
	enum json_tokener_error je;
	size_t nq, i, nb;
	int r;

	memset(pl, 0, sizeof(*pl));
	r = im_qtree_parse(raw->info_qtree, strlen(raw->info_qtree), qtree_file, &qt, err);
	if (r)
		return r;
	q = qt.v;
	nq = qt.n;
	root = json_tokener_parse_verbose(raw->query_pci, &je);
	if (!root) {
		im_qtree_free(&qt);
		im_err_set(err, pci_file, 0, "query-pci: not JSON: %s",
			   json_tokener_error_desc(je));
		return -EINVAL;
	}
	buses = root;
	if (json_object_is_type(root, json_type_object) &&
	    !json_object_object_get_ex(root, "return", &buses)) {
		im_err_set(err, pci_file, 0, "query-pci: no \"return\" array");
		r = -EINVAL;
		goto out;
	}
	if (!json_object_is_type(buses, json_type_array)) {
		im_err_set(err, pci_file, 0, "query-pci: the answer is not an array of buses");
		r = -EINVAL;
		goto out;
	}
	nb = json_object_array_length(buses);
	for (i = 0; i < nb; i++) {
		json_object *b = json_object_array_get_idx(buses, i), *devs;

		if (!json_object_is_type(b, json_type_object) ||
		    !json_object_object_get_ex(b, "devices", &devs)) {
			im_err_set(err, pci_file, 0, "query-pci: bus %zu has no devices", i);
			r = -EINVAL;
			goto out;
		}
		r = plan_devices(devs, q, nq, pl, pci_file, err, 0);
		if (r)
			goto out;
	}
out:
	json_object_put(root);
	im_qtree_free(&qt);
	if (r)
		plan_free(pl);
	return r;
}

static const char *raw_gpa2hva(const struct im_qmp_raw *raw, uint64_t gpa)
{
	size_t i;

	for (i = 0; i < raw->ngpa2hva; i++)
		if (raw->gpa2hva[i].gpa == gpa)
			return raw->gpa2hva[i].text;
	return NULL;
}

static int add_gpa2hva(struct im_qmp_raw *raw, uint64_t gpa, char *text)
{
	struct im_qmp_gpa2hva *n = realloc(raw->gpa2hva, (raw->ngpa2hva + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	raw->gpa2hva = n;
	n[raw->ngpa2hva].gpa = gpa;
	n[raw->ngpa2hva].text = text;
	raw->ngpa2hva++;
	return 0;
}

/* fill the model from the answers; where: "live SOCK" or the capture path */
static int fill_model(struct im_model *m, const struct im_qmp_raw *raw,
		      const struct plan *pl, const char *where)
{
	struct im_mtree mt = { 0 };
	struct im_err merr = { 0 };
	unsigned int hvas = 0;
	bool have_mt = false;
	size_t i, j;
	int r;

	if (raw->info_mtree_f && !im_mtree_parse(raw->info_mtree_f, strlen(raw->info_mtree_f),
						 "info mtree -f", &mt, &merr))
		have_mt = true;
	for (i = 0; i < pl->n; i++) {
		const struct pbar *pb = &pl->v[i];
		struct im_qemu_bar qb = { .bar = pb->bar, .gpa = pb->gpa, .size = pb->size,
					  .source = "qmp" };
		const char *t = raw_gpa2hva(raw, pb->gpa);

		memcpy(qb.host_bdf, pb->host, sizeof(qb.host_bdf));
		qb.guest_bdf = (char *)pb->guest_bdf;
		qb.qdev_id = pb->qdev_id[0] ? (char *)pb->qdev_id : NULL;
		if (t && !im_qmp_parse_gpa2hva(t, &qb.hva)) {
			qb.have_hva = true;
			hvas++;
		}
		r = im_add_qemu_bar(m, &qb);
		if (r)
			goto out;
		if (!have_mt || !mt.any_kvm)
			continue;
		for (j = 0; j < mt.nlines; j++) {
			const struct im_mtree_line *l = &mt.lines[j];
			char subj[48];

			if (l->kind != IM_MTL_RANGE || l->as_id != 0 || l->bar_part != IM_BP_MMAP ||
			    l->bar != pb->bar || strcmp(l->host_bdf, pb->host) || l->kvm || !l->view_kvm)
				continue;
			/* one FlatView per address space: report the memory one only */
			if (!l->space || strcmp(l->space, "memory"))
				continue;
			snprintf(subj, sizeof(subj), "%s BAR %d", pb->host, pb->bar);
			r = IM_FINDING(m, IM_F_QMP_NO_KVM_SLOT, subj, l->start, l->end, l->name);
			if (r)
				goto out;
		}
	}
	{
		char fdd[320] = "", unk[600] = "";

		if (pl->fd_devices)
			snprintf(fdd, sizeof(fdd), "; %u given to QEMU as an fd, with neither host= nor sysfsdev= (%s): their BARs are tied to no host device",
				 pl->fd_devices, pl->fd_names);
		if (have_mt && mt.unknown)
			snprintf(unk, sizeof(unk), ", %u line%s not understood (first: info mtree -f:%u)",
				 mt.unknown, mt.unknown == 1 ? "" : "s", mt.first_unknown);
		r = im_add_source(m, "qmp", IM_SRC_OK,
				  "%s: %u PCI devices, %u vfio-pci%s; %zu guest BARs, %u with gpa2hva; info mtree -f %s%s",
				  where, pl->devices, pl->vfio_devices, fdd, pl->n, hvas,
				  !have_mt ? "not read" : mt.any_kvm ? "has KVM marks" :
				  "has no KVM marks (TCG?)", unk);
	}
	if (!r)
		r = fill_ties(m, pl);
	if (!r)
		r = im_mmio_parse(m, raw);
out:
	if (have_mt)
		im_mtree_free(&mt);
	return r;
}

int im_qmp_parse_answers(struct im_model *m, const struct im_qmp_raw *raw,
			 const char *where, struct im_err *err)
{
	struct plan pl = { 0 };
	int r;

	if (!raw->query_pci || !raw->info_qtree) {
		im_err_set(err, where, 0, "query-pci and info qtree are both needed");
		return -EINVAL;
	}
	r = plan_bars(raw, where, where, &pl, err);
	if (!r)
		r = fill_model(m, raw, &pl, where);
	plan_free(&pl);
	return r;
}

int im_qmp_load(struct im_model *m, const char *socket, struct im_err *err)
{
	struct im_qmp_raw raw = { 0 };
	json_object *ret = NULL;
	struct plan pl = { 0 };
	char *where;
	size_t i;
	int fd, r;

	fd = im_qmp_connect(socket, IM_QMP_TIMEOUT_MS, err);
	if (fd < 0)
		return fd;
	r = im_qmp_execute(fd, "query-pci", NULL, &ret, IM_QMP_TIMEOUT_MS, err);
	if (r)
		goto out;
	r = im_qmp_value_text(ret, JW_PRETTY, "return", &raw.query_pci);
	json_object_put(ret);
	if (r) {
		im_err_set(err, "query-pci", 0, "cannot keep the answer: %s", strerror(-r));
		goto out;
	}
	r = im_qmp_hmp(fd, "info qtree", &raw.info_qtree, IM_QMP_TIMEOUT_MS, err);
	if (r)
		goto out;
	r = im_qmp_hmp(fd, "info mtree -f", &raw.info_mtree_f, IM_QMP_TIMEOUT_MS, err);
	if (r)
		goto out;
	r = im_qmp_ask_windows(fd, &raw.qom_pci_host, err);
	if (r)
		goto out;
	r = plan_bars(&raw, "query-pci", "info qtree", &pl, err);
	if (r)
		goto out;
	for (i = 0; i < pl.n; i++) {
		char cmd[48], *text;

		if (raw_gpa2hva(&raw, pl.v[i].gpa))
			continue;
		snprintf(cmd, sizeof(cmd), "gpa2hva 0x%" PRIx64, pl.v[i].gpa);
		r = im_qmp_hmp(fd, cmd, &text, IM_QMP_TIMEOUT_MS, err);
		if (r)
			goto out;
		r = add_gpa2hva(&raw, pl.v[i].gpa, text);
		if (r) {
			free(text);
			goto out;
		}
	}
	where = im_asprintf("live %s", socket);
	r = fill_model(m, &raw, &pl, where ? where : socket);
	free(where);
	if (!r) {
		im_qmp_raw_free(&m->qmp);
		m->qmp = raw;
		memset(&raw, 0, sizeof(raw));
	}
out:
	close(fd);
	plan_free(&pl);
	im_qmp_raw_free(&raw);
	return r;
}


int im_qmp_load_captured(struct im_model *m, struct im_err *err)
{
	struct im_qmp_raw raw = { 0 };
	struct plan pl = { 0 };
	char *path;
	size_t len, i;
	int r;

	r = im_root_read(CAP_PCI, &raw.query_pci, &len);
	if (r)
		return im_root_err(err, CAP_PCI, r);
	r = im_root_read(CAP_QTREE, &raw.info_qtree, &len);
	if (r) {
		im_root_err(err, CAP_QTREE, r);
		goto out;
	}
	r = im_root_read(CAP_MTREE, &raw.info_mtree_f, &len);
	if (r && im_root_hostile(r)) {
		im_root_err(err, CAP_MTREE, r);
		goto out;
	}
	if (r)
		raw.info_mtree_f = NULL;
	r = im_root_read(CAP_QOM, &raw.qom_pci_host, &len);
	if (r && im_root_hostile(r)) {
		im_root_err(err, CAP_QOM, r);
		goto out;
	}
	if (r)
		raw.qom_pci_host = NULL;
	{
		char *pp = im_root_path(CAP_PCI), *qp = im_root_path(CAP_QTREE);

		r = plan_bars(&raw, pp ? pp : CAP_PCI, qp ? qp : CAP_QTREE, &pl, err);
		free(pp);
		free(qp);
	}
	if (r)
		goto out;
	for (i = 0; i < pl.n; i++) {
		char rel[96], *text;

		snprintf(rel, sizeof(rel), CAP_GPA2HVA, pl.v[i].gpa);
		if (raw_gpa2hva(&raw, pl.v[i].gpa))
			continue;
		r = im_root_read(rel, &text, &len);
		if (r && im_root_hostile(r)) {
			im_root_err(err, rel, r);
			goto out;
		}
		if (r)
			continue;
		r = add_gpa2hva(&raw, pl.v[i].gpa, text);
		if (r) {
			free(text);
			goto out;
		}
	}
	path = im_root_path("iommu-map/qmp");
	r = fill_model(m, &raw, &pl, path ? path : "capture");
	free(path);
out:
	plan_free(&pl);
	im_qmp_raw_free(&raw);
	return r;
}
