/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * escape.h - strings from the input (a target, a fixture, a paste), made
 * safe to show: the one UTF-8 rule of every writer, and the one escape of
 * everything written for a terminal (text output and stderr).
 *
 * The terminal escape is ls -b's idea, in \xNN form: a control byte (0x00-
 * 0x1f, DEL 0x7f), a C1 control (U+0080-U+009F, which some terminals obey as
 * ESC [) and a byte that is not part of well-formed UTF-8 become \xNN (lower
 * case), one per byte; a backslash becomes \\; well-formed printable UTF-8
 * stays as it is.  So "\e[31m" comes out as the 7 characters \x1b[31m and a
 * newline inside a name as \x0a, never as a second line.  Nothing allocates.
 */
#ifndef IM_ESCAPE_H
#define IM_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * The length of the well-formed UTF-8 sequence at s[0..n) (Unicode table
 * 3-7: no overlong form, no surrogate, nothing past U+10FFFF; ASCII is 1),
 * or minus the length of its maximal ill-formed subpart (at least 1).
 */
int im_utf8_seq(const unsigned char *s, size_t n);

/* s[0..n) needs no escape: it goes to a terminal as it is */
bool im_term_clean(const char *s, size_t n);
/*
 * s[0..n) escaped into dst[cap] (cap >= 1), NUL-terminated: as many whole
 * escapes as fit, an escape is never cut.  Returns the length written; *used
 * (if not NULL) is how many bytes of s that took.
 */
size_t im_term_escape(char *dst, size_t cap, const char *s, size_t n, size_t *used);
/*
 * For a printf argument: s itself when it needs no escape (no copy), else s
 * escaped into buf[cap] (cap >= 4), ending "..." when it did not fit.
 * NULL gives NULL.  IM_TERM(s) does it in a buffer of its own, which lives
 * to the end of the caller's block.
 */
const char *im_term_str(char *buf, size_t cap, const char *s);
#define IM_TERM_BUF 1024
#define IM_TERM(s) im_term_str((char[IM_TERM_BUF]){ 0 }, IM_TERM_BUF, (s))
/* s (NULL: nothing) or s[0..n) escaped to f, whole; 0 or -EIO */
int im_term_fputs(FILE *f, const char *s);
int im_term_fputn(FILE *f, const char *s, size_t n);

#endif
