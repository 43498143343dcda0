// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-svg.c - the picture (svg.c): the escaping every string goes through
 * (XML specials, control bytes, bytes that are not UTF-8), and a model whose
 * names and findings are hostile: nothing of them reaches the SVG raw, an
 * unknown guest address is a dashed "unknown" box, and a finding's marker
 * sits on the box of the BAR it names.  With IM_TEST_SVG_OUT set, the SVG
 * is written there too, for tests/run.sh to check with xmllint.
 */
#include "t.h"
#include "findings.h"
#include "iommu-map.h"

static char *esc(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		exit(1);
	im_xml_escape(f, s);
	fclose(f);
	return buf;
}

static void check_escape(const char *in, const char *want, const char *name)
{
	char *got = esc(in);

	T_EQ_STR(got, want, name);
	free(got);
}

/* one device, BAR 0 mmapped and in no memslot; a hostile name and finding */
static void hostile_model(struct im_model *m)
{
	struct im_device *d;
	struct im_bar *b;

	im_model_init(m);
	m->pid = 42;
	m->comm = strdup("qemu<&>\"'\x01");
	m->kernel = strdup("6.1.0");
	m->devices = calloc(1, sizeof(*m->devices));
	m->ndevices = 1;
	d = &m->devices[0];
	snprintf(d->bdf, sizeof(d->bdf), "0000:00:03.0");
	d->name = strdup("<script>alert('x')</script> \x1b[31m\xff\xfe");
	d->held = true;
	b = &d->bars[0];
	b->kind = IM_BAR_MEM64;
	b->hpa = 0xf0000000;
	b->size = 0x4000;
	b->mmaps = calloc(1, sizeof(*b->mmaps));
	b->mmaps[0] = (struct im_bar_mmap){ .hva = 0x7f0000000000, .size = 0x4000, .fd = -1,
					    .maps_offset = 0xf0000000 };
	b->nmmaps = 1;
	b->traps_known = true;
	m->memslots_known = true;
	m->memslot_source = "fixture";
	im_finding_replay(m, IM_FS_HOST, IM_SEV_INFO, "io-bar", "0000:00:03.0 BAR 0",
			  "a message with <b>tags</b> & \"quotes\" and a bell \a");
}

int main(void)
{
	struct im_model m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	const char *out = getenv("IM_TEST_SVG_OUT");

	check_escape("a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&apos;f", "escape: the five XML specials");
	check_escape("tab\there\nnl\x7f" "del", "tabherenldel", "escape: control bytes dropped");
	check_escape("caf\xc3\xa9 \xe2\x80\xa6", "caf\xc3\xa9 \xe2\x80\xa6", "escape: UTF-8 kept");
#define FFFD "\xef\xbf\xbd"
	check_escape("\xff\xc3(\xed\xa0\x80", FFFD FFFD "(" FFFD FFFD FFFD,
		     "escape: bytes not UTF-8 (bad lead, cut, surrogate) are U+FFFD, one a byte");
	check_escape("\xc0\xaf", FFFD FFFD, "escape: an overlong '/' is not UTF-8");
	check_escape(NULL, "", "escape: NULL is empty");

	hostile_model(&m);
	f = open_memstream(&buf, &len);
	T_OK(f && !im_report_svg(f, &m), "svg: a model with hostile names renders");
	if (f)
		fclose(f);
	T_OK(buf && !strstr(buf, "<script") && !strstr(buf, "<b>") && !strchr(buf, '\x1b') &&
	     !strchr(buf, '\a') && !strchr(buf, '\x01') && !strstr(buf, "\xff"),
	     "svg: no name or sentence reaches the SVG raw");
	T_OK(buf && strstr(buf, "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;"),
	     "svg: the device name is there, escaped");
	T_OK(buf && strstr(buf, "data-space=\"gpa\" data-bdf=\"0000:00:03.0\" data-bar=\"0\" data-unknown=\""),
	     "svg: no guest address known: a GPA box that says unknown, with no address");
	T_OK(buf && strstr(buf, "data-space=\"hpa\" data-bdf=\"0000:00:03.0\" data-bar=\"0\" "
			   "data-hpa=\"0xf0000000\" data-size=\"0x4000\""), "svg: the HPA box carries its numbers");
	T_OK(buf && strstr(buf, "<g class=\"marker\" data-finding=\"1\" data-code=\"io-bar\" "
			   "data-bdf=\"0000:00:03.0\" data-bar=\"0\">"), "svg: the finding's marker is on its BAR");
	T_OK(buf && len > 6 && !strcmp(buf + len - 7, "</svg>\n"), "svg: ends with </svg>");
	if (out && buf) {
		FILE *o = fopen(out, "w");

		T_OK(o && fwrite(buf, 1, len, o) == len && !fclose(o), "svg: written to IM_TEST_SVG_OUT");
	}
	free(buf);
	im_model_free(&m);
	return t_failed ? 1 : 0;
}
