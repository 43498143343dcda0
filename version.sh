#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# version.sh: print the version of the tree it sits in (the Makefile's VERSION).
#
# At the top of a git checkout (not in a tree unpacked inside another
# repository): `git describe --tags --dirty`.  A clone that has no tag (the
# v0.1 tag is on the root commit, and not every clone or CI checkout fetches
# tags) gets the same answer made by hand: 0.1-N-gHASH[-dirty], N the commits
# since the root, so that versions still sort by commit (a bare hash would
# make the Debian version 0~HASH, which does not).  Outside git: the first
# line of the VERSION file a release tarball or the packaging writes.
# Prints nothing when none of these answers; the Makefile says "unknown".
base=0.1	# the root commit's version, the one v0.1 marks
cd "$(dirname "$0")" || exit 0
if c=$(git rev-parse --show-cdup 2>/dev/null) && [ -z "$c" ]; then
	git update-index -q --refresh >/dev/null 2>&1
	if git describe --tags --dirty 2>/dev/null; then
		exit 0
	fi
	if n=$(git rev-list --count HEAD 2>/dev/null) && h=$(git rev-parse --short HEAD 2>/dev/null); then
		git diff-index --quiet HEAD -- 2>/dev/null && d= || d=-dirty
		echo "$base-$((n - 1))-g$h$d"
		exit 0
	fi
fi
head -n 1 VERSION 2>/dev/null
exit 0
