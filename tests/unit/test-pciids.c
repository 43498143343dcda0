// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/pciids.c: the lines of a pci.ids that name given devices. */
#include <pci/pci.h>
#include <unistd.h>
#include "iommu-map.h"
#include "lib/pciids.h"
#include "t.h"

static const char list[] =
	"# comment\n"
	"1af4  Red Hat, Inc.\n"
	"\t1000  Virtio network device\n"
	"\t\t1af4 0001  Virtio network device\n"
	"\t1009  Virtio filesystem\n"
	"\n"
	"# a comment inside a block leaves it open\n"
	"\t1110  Inter-VM shared memory\n"
	"8086  Intel Corporation\n"
	"\t10fb  82599ES 10-Gigabit SFI/SFP+ Network Connection\n"
	"\t10fc  82599 10 Gigabit Dual Port Network Connection\n"
	"abcd\tTab after the ID\n"
	"\t0001  Device of a tab-separated vendor\n"
	"C 02  Network controller\n"
	"\t00  Ethernet controller\n"
	"10fb  A vendor whose ID is a wanted device's\n"
	"\t1af4  not under 1af4\n"
	"1b36  Red Hat, Inc.\n"
	"\t0005  QEMU PCI Test Device";	/* no '\n' at the end */

/* the whole filter over s in pieces of `chunk` bytes, as pci.c feeds it */
static char *filter(const char *s, const uint32_t *want, size_t nwant, size_t chunk)
{
	static char out[4096];
	char in[4096];
	struct im_pciids f;
	size_t len = strlen(s), pos = 0, have = 0, n = 0, used;

	im_pciids_init(&f, want, nwant);
	for (;;) {
		size_t take = len - pos < chunk ? len - pos : chunk;
		bool eof = take == 0;

		memcpy(in + have, s + pos, take);
		pos += take;
		have += take;
		n += im_pciids_filter(&f, in, have, eof, out + n, &used);
		memmove(in, in + used, have - used);
		have -= used;
		if (eof)
			break;
	}
	out[n] = '\0';
	return out;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void quiet(char *msg, ...)
{
	(void)msg;
}

static struct pci_access *names_from(char *path)
{
	struct pci_access *a = pci_alloc();

	a->warning = quiet;
	a->debug = quiet;
	pci_set_name_list_path(a, path, 0);
	pci_init(a);
	return a;
}

/*
 * On a list at path (-1: none there): libpci names every stride-th device
 * of it, and a made-up one per vendor, alike from the whole list and from
 * the excerpt of those devices.  *checked: how many.
 */
static int list_agrees(const char *path, size_t stride, size_t *checked)
{
	static uint32_t want[20000];
	char line[1024], tmp[] = "/tmp/test-pciids.XXXXXX";
	struct pci_access *whole, *part;
	size_t n = 0, i, k = 0, u, nu;
	uint32_t vendor = 0;
	int ok = 1, fd;
	FILE *f = fopen(path, "r");

	*checked = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f) && n < sizeof(want) / sizeof(want[0]) - 1) {
		unsigned int id;

		if (line[0] != '\t' && line[0] != '#' && sscanf(line, "%4x ", &id) == 1) {
			vendor = id;
			want[n++] = vendor << 16 | 0xfffe;	/* no such device */
		} else if (line[0] == '\t' && line[1] != '\t' && sscanf(line + 1, "%4x", &id) == 1 &&
			   !(k++ % stride)) {
			want[n++] = vendor << 16 | id;
		}
	}
	fclose(f);
	qsort(want, n, sizeof(want[0]), cmp_u32);
	for (nu = 0, u = 0; u < n; u++)
		if (!nu || want[nu - 1] != want[u])
			want[nu++] = want[u];
	fd = mkstemp(tmp);
	f = fd < 0 ? NULL : fopen(path, "r");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	{
		struct im_pciids flt;
		char in[4096], out[4097];
		size_t have = 0, used, r;

		im_pciids_init(&flt, want, nu);
		for (;;) {
			size_t m;

			r = fread(in + have, 1, sizeof(in) - have, f);
			have += r;
			m = im_pciids_filter(&flt, in, have, r == 0, out, &used);
			if (write(fd, out, m) != (ssize_t)m)
				ok = 0;
			memmove(in, in + used, have - used);
			have -= used;
			if (r == 0)
				break;
		}
	}
	fclose(f);
	close(fd);
	whole = names_from((char *)path);
	part = names_from(tmp);
	for (i = 0; i < nu && ok; i++) {
		char a[256], b[256], *x, *y;
		int flags = PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS |
			    PCI_LOOKUP_NO_HWDB;

		x = pci_lookup_name(whole, a, sizeof(a), flags, want[i] >> 16, want[i] & 0xffff);
		y = pci_lookup_name(part, b, sizeof(b), flags, want[i] >> 16, want[i] & 0xffff);
		if (!x != !y || (x && strcmp(x, y))) {
			printf("# %04x:%04x: whole list \"%s\", excerpt \"%s\"\n", want[i] >> 16,
			       want[i] & 0xffff, x ? x : "(none)", y ? y : "(none)");
			ok = 0;
		}
		(*checked)++;
	}
	pci_cleanup(whole);
	pci_cleanup(part);
	unlink(tmp);
	return ok;
}

int main(void)
{
	static const uint32_t want[] = {
		0x1af41009, 0x1af41110, 0x1b360005, 0x808610fb, 0xabcd0001,
	};
	const char *expect =
		"1af4  Red Hat, Inc.\n"
		"\t1009  Virtio filesystem\n"
		"\t1110  Inter-VM shared memory\n"
		"8086  Intel Corporation\n"
		"\t10fb  82599ES 10-Gigabit SFI/SFP+ Network Connection\n"
		"abcd\tTab after the ID\n"
		"\t0001  Device of a tab-separated vendor\n"
		"1b36  Red Hat, Inc.\n"
		"\t0005  QEMU PCI Test Device\n";
	static const uint32_t none[] = { 0x12340000 };
	struct im_pciids f;
	size_t used;
	char out[64];

	T_EQ_STR(filter(list, want, 5, sizeof(list)), expect,
		 "the vendor and device lines of the wanted pairs, in order; comments, blank lines, "
		 "subsystems, other devices and the class section dropped");
	T_EQ_STR(filter(list, want, 5, 7), expect, "the same in pieces of 7 bytes");
	T_EQ_STR(filter(list, want, 5, 1), expect, "the same a byte at a time");
	T_EQ_STR(filter(list, none, 1, sizeof(list)), "", "no wanted vendor in the list: nothing");
	T_EQ_STR(filter(list, want, 0, sizeof(list)), "", "nothing wanted: nothing");

	im_pciids_init(&f, want, 5);
	T_OK(!im_pciids_keep(&f, "\t1009  Virtio filesystem", 24), "a device line before any vendor: dropped");
	T_OK(im_pciids_keep(&f, "1af4  Red Hat", 13) && f.in && f.vendor == 0x1af4, "a wanted vendor opens its block");
	T_OK(!im_pciids_keep(&f, "\t\t1af4 1009  Sub", 16), "a subsystem line: dropped");
	T_OK(!im_pciids_keep(&f, "\t100", 4), "a device line cut short: dropped");
	T_OK(!im_pciids_keep(&f, "\t10g9  x", 8), "a device line that is not hex: dropped");
	T_OK(im_pciids_keep(&f, "\t1009\tTab", 9), "a device line with a tab after its ID: kept");
	T_OK(!im_pciids_keep(&f, "C 02  Network controller", 24) && !f.in, "a class line closes the block");
	T_OK(!im_pciids_keep(&f, "\t1009  Virtio filesystem", 24), "a device line in the class section: dropped");
	T_OK(!im_pciids_keep(&f, "1af", 3) && !f.in, "a vendor line cut short: dropped");
	T_OK(!im_pciids_keep(&f, "1af4Red Hat", 11) && !f.in, "no blank after the ID: not a vendor line");

	im_pciids_init(&f, want, 5);
	T_OK(im_pciids_filter(&f, "1af4  Red Hat\n\t1009  V", 22, false, out, &used) == 14 &&
	     used == 14 && !memcmp(out, "1af4  Red Hat\n", 14),
	     "a line without its end waits for the next read");
	T_OK(im_pciids_filter(&f, "\t1009  V", 8, true, out, &used) == 9 && used == 8 &&
	     !memcmp(out, "\t1009  V\n", 9), "at the end, the last line without a newline is a line");

	{
		size_t checked;
		int r = list_agrees("tests/pci.ids", 1, &checked);

		T_OK(r == 1 && checked >= 12, "libpci names the same from tests/pci.ids and from its excerpt "
		     "(each device and an unknown one per vendor)");
		r = list_agrees("/usr/share/misc/pci.ids", 7, &checked);
		if (r < 0)
			printf("ok # no /usr/share/misc/pci.ids here: the real list not compared\n");
		else
			T_OK(r == 1 && checked > 1000,
			     "libpci names the same from the system's pci.ids and from its excerpt "
			     "(every 7th device and an unknown one per vendor)");
	}
	T_DONE();
}
