// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: lib/paste.c's prefix skipping, on one line, and
 * lib/paste-qp.c's quoted-printable detection, decoding and line map, on
 * the whole input, with the input copied to the heap at its exact size so
 * that any read past the end is ASan's to see. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/paste.h"

/* seeds: tests/unit/data/paste-seeds.txt tests/pastes/08-syslog-trace-quoted-printable/paste.txt tests/pastes/11-sdiff-trace-3.1-vs-5.0-qp/paste.txt */

/* the decoded text and its map: no longer than the input, a map entry for
 * every logical line a reader sees (one more when the text ends in a soft
 * break after its last newline), each a line of the input, in order */
static void check_text(const char *s, size_t size, const struct im_paste_text *t)
{
	unsigned int lines = 1;
	size_t i, n = 1;

	for (i = 0; i < size; i++)
		lines += s[i] == '\n';
	if (t->len > size || (t->qp && t->buf != t->own) || (!t->qp && t->buf != s))
		abort();
	if (!t->first)
		return;
	for (i = 0; i + 1 < t->len; i++)
		n += t->buf[i] == '\n';
	if (t->len && (t->nfirst < n || t->nfirst > n + 1))
		abort();
	for (i = 0; i < t->nfirst; i++)
		if (!t->first[i] || t->first[i] > lines || (i && t->first[i] < t->first[i - 1]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	struct im_paste_text t;
	const char *p;

	if (!s)
		return 0;
	memcpy(s, data, size);
	p = im_paste_strip(s, s + size);
	if (p < s || p > s + size)
		abort();
	if (!im_paste_text(s, size, &t)) {
		check_text(s, size, &t);
		im_paste_text_free(&t);
	}
	if (!im_paste_qp_decode(s, size, &t)) {	/* whatever its shape */
		check_text(s, size, &t);
		im_paste_text_free(&t);
	}
	free(s);
	return 0;
}
