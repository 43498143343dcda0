// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qmp-windows.c - the root bus's MMIO windows and every guest BAR, from
 * QEMU's monitor: qom-get of the PCI host bridge's window properties, and
 * query-pci's memory regions of every device.
 *
 * Where the windows are: not in `info mtree`.  Since QEMU 1.7 (commit
 * "pc: map PCI address space as catchall region for not mapped
 * addresses", inferred from its date) pc_pci_as_mapping_init() puts the
 * whole "pci" space under system memory at priority -1, so the tree has no
 * "pci-hole"/"pci-hole64" alias any more; the windows are QOM properties of
 * the host bridge (hw/pci-host/q35.c, hw/pci-host/i440fx.c):
 * pci-hole-start/-end (uint32, end exclusive: range_upb + 1) and
 * pci-hole64-start/-end.  pci-hole64-end is "set by the Guest firmware as
 * the address of the last 64bit PCI MEM resource. Then it is expanded to
 * the PCI_HOST_PROP_PCI_HOLE64_SIZE" (i440fx_pcihost_get_pci_hole64_end,
 * q35_host_get_pci_hole64_end: max(w64 end, ROUND_UP(start + size, 1G))),
 * so it always covers the BARs the firmware placed.  The host bridge is
 * /machine/q35 (pc_q35_init) or /machine/i440fx (i440fx_init, later
 * pc_init1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"
#include "sources/qmp.h"

static const char *const hosts[] = { "/machine/q35", "/machine/i440fx" };
static const char *const props[] = { "pci-hole-start", "pci-hole-end", "pci-hole64-start",
				     "pci-hole64-end", "pci-hole64-size" };
#define NPROPS (sizeof(props) / sizeof(props[0]))

static int qom_get(int fd, const char *path, const char *prop, json_object **v,
		   struct im_err *err)
{
	json_object *args = json_object_new_object();
	int r;

	if (!args)
		return -ENOMEM;
	json_object_object_add(args, "path", json_object_new_string(path));
	json_object_object_add(args, "property", json_object_new_string(prop));
	r = im_qmp_execute(fd, "qom-get", args, v, IM_QMP_TIMEOUT_MS, err);
	json_object_put(args);
	return r;
}

/* the host bridge's answers as one object; a property it lacks is left out */
static int ask_host(int fd, const char *path, json_object *o, struct im_err *err)
{
	size_t i;
	int r = 0;

	json_object_object_add(o, "path", json_object_new_string(path));
	for (i = 0; i < NPROPS; i++) {
		json_object *v = NULL;

		r = qom_get(fd, path, props[i], &v, err);
		if (r == -EREMOTEIO && i)	/* an older QEMU without this one */
			continue;
		if (r)
			return r;
		json_object_object_add(o, props[i], v);
	}
	return 0;
}

int im_qmp_ask_windows(int fd, char **out, struct im_err *err)
{
	json_object *o = NULL;
	struct im_err e = { 0 };
	size_t h;
	int r = -ENOENT;

	for (h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
		json_object_put(o);
		o = json_object_new_object();
		if (!o)
			return -ENOMEM;
		r = ask_host(fd, hosts[h], o, &e);
		if (r != -EREMOTEIO)
			break;
	}
	if (r == -EREMOTEIO) {		/* neither host bridge: say why */
		json_object_put(o);
		o = json_object_new_object();
		if (!o)
			return -ENOMEM;
		json_object_object_add(o, "path", NULL);
		json_object_object_add(o, "error", json_object_new_string(e.msg));
		r = 0;
	}
	if (!r)
		r = im_qmp_value_text(o, JW_PRETTY, NULL, out);
	else
		*err = e;
	json_object_put(o);
	return r;
}

static bool get_bool(json_object *o, const char *key)
{
	json_object *x;

	return json_object_object_get_ex(o, key, &x) && json_object_is_type(x, json_type_boolean) &&
	       json_object_get_boolean(x);
}

static int set_why(struct im_mmio *w, const char *fmt, const char *arg)
{
	free(w->why);
	w->why = im_asprintf(fmt, arg);
	return w->why ? 0 : -ENOMEM;
}

/* the windows from the kept qom-get answers */
static int parse_host(struct im_mmio *w, const char *text)
{
	json_object *o = json_tokener_parse(text), *p;
	uint64_t v[NPROPS];
	size_t i;
	int r = 0;

	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return set_why(w, "%s", "QEMU's host bridge answer (qom-pci-host.json) is not a JSON object");
	}
	if (!json_object_object_get_ex(o, "path", &p) || !json_object_is_type(p, json_type_string)) {
		json_object *e;
		const char *es = json_object_object_get_ex(o, "error", &e) ?
				 json_object_get_string(e) : NULL;

		r = set_why(w, "QEMU has neither /machine/q35 nor /machine/i440fx (%s): not a pc or q35 machine?",
			    es ? es : "no answer");
		goto out;
	}
	for (i = 0; i < 4; i++)
		if (!im_qmp_json_u64(o, props[i], &v[i])) {
			r = set_why(w, "QEMU's host bridge did not give %s", props[i]);
			goto out;
		}
	if (v[0] > v[1] || v[2] > v[3]) {
		r = set_why(w, "%s", "QEMU's host bridge gave a window that ends before it starts");
		goto out;
	}
	w->host_bridge = strdup(json_object_get_string(p));
	if (!w->host_bridge) {
		r = -ENOMEM;
		goto out;
	}
	w->hole64_size_known = im_qmp_json_u64(o, props[4], &w->hole64_size);
	w->w32 = (struct im_mmio_window){ .present = v[1] > v[0], .start = v[0], .end = v[1] };
	w->w64 = (struct im_mmio_window){ .present = v[3] > v[2], .start = v[2], .end = v[3] };
	w->known = true;
	free(w->why);
	w->why = NULL;
out:
	json_object_put(o);
	return r;
}

/* the memory BARs 0-5 of one query-pci device */
static int add_regions(struct im_mmio *w, size_t *cap, json_object *regs, const char *gbdf)
{
	size_t k, nr = json_object_array_length(regs);

	for (k = 0; k < nr; k++) {
		json_object *rg = json_object_array_get_idx(regs, k), *ty;
		struct im_guest_pci_bar b = { .dev = -1 };
		uint64_t bar;
		int r;

		if (!json_object_is_type(rg, json_type_object) || !im_qmp_json_u64(rg, "bar", &bar) ||
		    bar > 5 || !im_qmp_json_u64(rg, "address", &b.gpa) || !im_qmp_json_u64(rg, "size", &b.size) ||
		    !b.size || !json_object_object_get_ex(rg, "type", &ty) ||
		    strcmp(json_object_get_string(ty), "memory"))
			continue;
		b.bar = (int)bar;
		b.mem64 = get_bool(rg, "mem_type_64");
		b.prefetch = get_bool(rg, "prefetch");
		snprintf(b.guest_bdf, sizeof(b.guest_bdf), "%s", gbdf);
		r = im_grow(&w->bars, cap, w->nbars + 1, sizeof(*w->bars));
		if (r)
			return r;
		w->bars[w->nbars++] = b;
	}
	return 0;
}

static int add_devices(struct im_mmio *w, size_t *cap, json_object *devs, int depth)
{
	size_t i, nd;
	int r = 0;

	if (!json_object_is_type(devs, json_type_array) || depth > 32)
		return 0;
	nd = json_object_array_length(devs);
	for (i = 0; i < nd && !r; i++) {
		json_object *d = json_object_array_get_idx(devs, i), *regs, *br, *sub;
		uint64_t bus, slot, fn;
		char gbdf[16];

		if (!json_object_is_type(d, json_type_object) || !im_qmp_json_u64(d, "bus", &bus) ||
		    !im_qmp_json_u64(d, "slot", &slot) || !im_qmp_json_u64(d, "function", &fn) ||
		    bus > 255 || slot > 31 || fn > 7)
			continue;
		snprintf(gbdf, sizeof(gbdf), "0000:%02x:%02x.%x", (unsigned int)bus,
			 (unsigned int)slot, (unsigned int)fn);
		if (json_object_object_get_ex(d, "regions", &regs) &&
		    json_object_is_type(regs, json_type_array))
			r = add_regions(w, cap, regs, gbdf);
		if (!r && json_object_object_get_ex(d, "pci_bridge", &br) &&
		    json_object_is_type(br, json_type_object) &&
		    json_object_object_get_ex(br, "devices", &sub))
			r = add_devices(w, cap, sub, depth + 1);
	}
	return r;
}

static int by_gpa(const void *a, const void *b)
{
	const struct im_guest_pci_bar *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

/* every memory BAR query-pci lists, sorted by GPA */
static int parse_bars(struct im_mmio *w, const char *text)
{
	json_object *root = json_tokener_parse(text), *buses = root;
	size_t i, cap = 0;
	int r = 0;

	if (root && json_object_is_type(root, json_type_object))
		json_object_object_get_ex(root, "return", &buses);
	if (!buses || !json_object_is_type(buses, json_type_array)) {
		json_object_put(root);
		return 0;
	}
	for (i = 0; i < json_object_array_length(buses) && !r; i++) {
		json_object *b = json_object_array_get_idx(buses, i), *devs;

		if (json_object_is_type(b, json_type_object) &&
		    json_object_object_get_ex(b, "devices", &devs))
			r = add_devices(w, &cap, devs, 0);
	}
	json_object_put(root);
	if (r)
		return r;
	w->bars_known = true;
	if (w->nbars)
		qsort(w->bars, w->nbars, sizeof(*w->bars), by_gpa);
	return 0;
}

int im_mmio_parse(struct im_model *m, const struct im_qmp_raw *raw)
{
	struct im_mmio *w = &m->mmio;
	int r = 0;

	free(w->bars);
	w->bars = NULL;
	w->nbars = 0;
	w->bars_known = false;
	if (raw->query_pci)
		r = parse_bars(w, raw->query_pci);
	if (r)
		return r;
	if (!raw->qom_pci_host)
		return set_why(w, "%s", "QEMU was not asked for its host bridge's pci-hole properties (a capture made before iommu-map asked: capture again with --qmp)");
	return parse_host(w, raw->qom_pci_host);
}
