// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of lib/paste.c: what surrounds the data of a pasted line. */
#include <string.h>
#include "lib/paste.h"
#include "t.h"

/* the data of line s, as a string */
static const char *data(const char *s)
{
	return im_paste_strip(s, s + strlen(s));
}

static void same(const char *line, const char *want, const char *name)
{
	T_EQ_STR(data(line), want, name);
}

int main(void)
{
	const char *ev = "kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0 gpa=0x0 size=0x80000000 ua=0x7f0000000000 guest_memfd=-1 guest_memfd_offset=0x0 ret=0";

	same(ev, ev, "a bare line is its own data");
	same("", "", "an empty line");
	same("   \t", "", "blanks only: nothing");
	same("    info mtree -f", "info mtree -f", "leading blanks");
	same("> > kvm_set_user_memory x", "kvm_set_user_memory x", "two quote levels, spaced");
	same(">>kvm_set_user_memory x", "kvm_set_user_memory x", "two quote levels, packed");
	same("> 1234@1670000000.123456:kvm_set_user_memory x", "kvm_set_user_memory x",
	     "a quoted QEMU 7.2 log line");
	same("2026-12-03T14:10:34.804898Z kvm_set_user_memory x", "kvm_set_user_memory x",
	     "QEMU 11.1's ISO time");
	same("2026-12-03T14:10:34Z qemu-system-x86_64: vfio_dma_map(0x55, 0x0, 0x1000, 0x7f) = -22 (Invalid argument)",
	     "qemu-system-x86_64: vfio_dma_map(0x55, 0x0, 0x1000, 0x7f) = -22 (Invalid argument)",
	     "an ISO time, then QEMU's own error line: its program name is data");
	same("2026-12-03T14:10:34+0000 host1 qemu-system-x86_64[4242]: kvm_set_user_memory x",
	     "kvm_set_user_memory x", "journalctl -o short-iso: time, host and tag");
	same("Dec  3 14:10:34 host1 libvirtd[812]: error : qemuProcessReportLogError:1 : x",
	     "error : qemuProcessReportLogError:1 : x", "syslog: time, host and tag[pid]");
	same("Dec 13 14:10:34 host1 kernel: vfio-pci 0000:01:00.0: BAR 0: can't reserve",
	     "vfio-pci 0000:01:00.0: BAR 0: can't reserve", "syslog: a tag without a pid");
	same("Dec 13 14:10:34.123456 host1 kernel: x", "x", "rsyslog's high-precision time");
	same("2026-12-03T14:10:34.804898Z kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0",
	     "kvm_set_user_memory AddrSpace#0 Slot#0 flags=0x0",
	     "an event's own words are no host and tag");
	same("1234@:x", "x", "a pid@ with no time is still QEMU's prefix");
	same("12a@1.2:x", "12a@1.2:x", "not digits: no prefix");
	same("2026-12-03 14:10:34.804+0000: 1234: info : x", "2026-12-03 14:10:34.804+0000: 1234: info : x",
	     "libvirt's log time is not skipped (its lines are libvirt's, not QEMU's)");
	same("Foo  3 14:10:34 h t: x", "Foo  3 14:10:34 h t: x", "not a month: no syslog time");
	same("7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653   anon_inode:[vfio-device]",
	     "7f0b5c5f4000-7f0b5c5f5000 rw-s e2c20000 00:0e 13653   anon_inode:[vfio-device]",
	     "a maps line is data");
	/* never past the end, whatever the prefix */
	{
		const char *s = "2026-12-03T14:10:34Z ";
		T_OK(im_paste_strip(s, s + 10) == s, "a cut ISO time is not skipped");
		T_OK(data(s) == s + strlen(s), "an ISO time with nothing after: the end");
		s = "> > ";
		T_OK(data(s) == s + 4, "quote markers only: the end");
	}
	T_DONE();
}
