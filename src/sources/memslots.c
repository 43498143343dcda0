// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memslots.c - the fixture memslot file, iommu-map/memslots:
 *   # as_id slot gpa size hva flags
 *   0 7 0xfeb40000 0x20000 0x7fdafdd58000 0x0
 * as_id is 0 or 1 (x86: SMM is 1), at most IM_MAX_SLOTS_PER_AS slots each.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "iommu-map.h"

#define MEMSLOTS_FILE "iommu-map/memslots"

static const char *field(const char **pp, const char *end, size_t *len)
{
	const char *p = *pp, *s;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	s = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	*len = (size_t)(p - s);
	*pp = p;
	return *len ? s : NULL;
}

static int dec(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (!len || len > 20)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		x = x * 10 + (uint64_t)(s[i] - '0');
		if (x > max)
			return -ERANGE;
	}
	*v = x;
	return 0;
}

/*
 * Where a captured memslot table came from: capture writes its first line
 * as "# as_id slot gpa size hva flags  (source: NAME)".  Only the sources
 * this tool writes are taken; anything else is KVM's own table.
 */
static const char *captured_source(const char *buf, size_t len)
{
	static const char *const known[] = { "qemu-trace", "gdb-export" };
	const char *nl = memchr(buf, '\n', len);
	size_t ll = nl ? (size_t)(nl - buf) : len, i;
	const char *p = len && buf[0] == '#' ? memmem(buf, ll, "(source: ", 9) : NULL;

	for (i = 0; p && i < sizeof(known) / sizeof(known[0]); i++) {
		size_t kl = strlen(known[i]);

		if ((size_t)(buf + ll - (p + 9)) >= kl + 1 && !memcmp(p + 9, known[i], kl) &&
		    p[9 + kl] == ')')
			return known[i];
	}
	return "kvm-memslot";
}

int im_memslots_parse(const char *buf, size_t len, const char *file,
		      struct im_model *m, struct im_err *err)
{
	static const char *const names[] = { "as_id", "slot", "gpa", "size",
					     "hva", "flags" };
	const char *p = buf, *end = buf + len;
	unsigned int line = 0, per_as[2] = { 0, 0 };

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *q = p, *f;
		uint64_t v[6];
		struct im_memslot s;
		size_t flen;
		int i, r;

		line++;
		for (f = p; f < le; f++)
			if (*f == '#') {
				le = f;
				break;
			}
		for (i = 0; i < 6; i++) {
			f = field(&q, le, &flen);
			if (!f) {
				if (i == 0)
					break;
				im_err_set(err, file, line, "missing field '%s' (want: as_id slot gpa size hva flags)",
					   names[i]);
				return -EINVAL;
			}
			r = i < 2 ? dec(f, flen, i ? 0x7fffffff : 0xffff, &v[i])
				  : im_parse_hex(f, flen, &v[i]);
			if (r) {
				im_err_set(err, file, line, "bad %s '%.*s'", names[i],
					   (int)(flen > 40 ? 40 : flen), f);
				return -EINVAL;
			}
		}
		if (i == 6) {
			if (field(&q, le, &flen)) {
				im_err_set(err, file, line, "trailing text after flags");
				return -EINVAL;
			}
			if (!v[3] || v[2] + v[3] - 1 < v[2] || v[4] + v[3] - 1 < v[4] ||
			    v[3] & 0xfff || v[2] & 0xfff || v[4] & 0xfff ||
			    v[5] > 0xffffffff) {
				im_err_set(err, file, line,
					   "slot %" PRIu64 " is not page-aligned, is empty or wraps", v[1]);
				return -EINVAL;
			}
			if (v[0] > 1) {
				im_err_set(err, file, line,
					   "as_id %" PRIu64 ": x86 KVM has address spaces 0 and 1 (SMM) only", v[0]);
				return -EINVAL;
			}
			if (++per_as[v[0]] > IM_MAX_SLOTS_PER_AS) {
				im_err_set(err, file, line, "more than %d slots in address space %" PRIu64,
					   IM_MAX_SLOTS_PER_AS, v[0]);
				return -EINVAL;
			}
			s.as_id = (int)v[0];
			s.slot = (int)v[1];
			s.gpa = v[2];
			s.size = v[3];
			s.hva = v[4];
			s.flags = (uint32_t)v[5];
			r = im_add_memslot(m, &s);
			if (r)
				return r;
		}
		p = (nl ? nl : end) + 1;
	}
	im_sort_memslots(m);
	m->memslots_known = true;
	m->memslot_source = captured_source(buf, len);
	return 0;
}

int im_memslots_load(struct im_model *m, struct im_err *err)
{
	char *buf, *file;
	size_t len;
	int r;

	r = im_root_read(MEMSLOTS_FILE, &buf, &len);
	if (r)	/* ENOENT: the caller looks elsewhere */
		return r == -ENOENT ? r : im_root_err(err, MEMSLOTS_FILE, r);
	file = im_root_path(MEMSLOTS_FILE);
	r = im_memslots_parse(buf, len, file ? file : MEMSLOTS_FILE, m, err);
	free(file);
	if (!r) {
		if (strcmp(m->memslot_source, "kvm-memslot"))
			im_add_source(m, "memslots", IM_SRC_OK, "%s: %zu slots (captured from %s)",
				      MEMSLOTS_FILE, m->nmemslots, m->memslot_source);
		else
			im_add_source(m, "memslots", IM_SRC_OK, "%s: %zu slots",
				      MEMSLOTS_FILE, m->nmemslots);
	}
	free(buf);
	return r;
}

int im_memslots_write(FILE *f, const struct im_model *m)
{
	size_t i;

	fprintf(f, "# as_id slot gpa size hva flags  (source: %s)\n",
		m->memslot_source ? m->memslot_source : "unknown");
	for (i = 0; i < m->nmemslots; i++) {
		const struct im_memslot *s = &m->memslots[i];

		fprintf(f, "%d %d 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx32 "\n",
			s->as_id, s->slot, s->gpa, s->size, s->hva, s->flags);
	}
	return ferror(f) ? -EIO : 0;
}
