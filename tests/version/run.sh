#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/version/run.sh: what version.sh prints in each kind of tree, each
# made here from a clone of the checkout's HEAD with this tree's version.sh
# and Makefile (the checkout itself is not touched):
# a clone with no tag gets 0.1-N-gHASH (N its commits since the root), as
# `git describe` gives where the v0.1 tag is; a tagged clone gets describe's
# own answer; a changed file adds -dirty; a tree outside git reads its
# VERSION file; and the Makefile turns 0.1-N-gHASH into a Debian version
# that sorts by commit.  Prints "ok ..." / "FAIL ..." lines (tests/run.sh
# counts them); says why and prints nothing else where this is not a git
# checkout (a release tarball).
set -u
cd "$(dirname "$0")/../.."
ok()  { echo "ok version: $*"; }
bad() { echo "FAIL version: $*"; }
# (as version.sh: the top of a git checkout, not a tree inside another repository)
if ! c=$(git rev-parse --show-cdup 2>/dev/null) || [ -n "$c" ] || ! git rev-parse -q --verify HEAD >/dev/null; then
	echo "version: not the top of a git checkout, not tested"; exit 0
fi
t=$(mktemp -d /tmp/iommu-map-version.XXXXXX)
trap 'rm -rf "$t"' EXIT
git clone -q --no-tags . "$t/c" 2>/dev/null || { bad "git clone failed"; exit 0; }
git -C "$t/c" tag -d $(git -C "$t/c" tag -l) >/dev/null 2>&1
# version.sh and the Makefile under test are this tree's, committed in the
# clone where they differ from HEAD's
cp version.sh Makefile "$t/c/"
if [ -n "$(git -C "$t/c" status --porcelain)" ]; then
	git -C "$t/c" add version.sh Makefile &&
	git -C "$t/c" -c user.name=test -c user.email=test@invalid commit -q -m "version.sh and Makefile under test" ||
		{ bad "could not commit version.sh in the clone"; exit 0; }
fi
n=$(($(git -C "$t/c" rev-list --count HEAD) - 1)) h=$(git -C "$t/c" rev-parse --short HEAD)
want="0.1-$n-g$h"
v=$("$t/c/version.sh")
[ "$v" = "$want" ] && ok "a clone with no tag: $v" || bad "a clone with no tag: '$v', not '$want'"
v=$(cd /tmp && "$t/c/version.sh")
[ "$v" = "$want" ] && ok "run from another directory: $v" || bad "run from elsewhere: '$v'"
echo >>"$t/c/README.md"
v=$("$t/c/version.sh")
[ "$v" = "$want-dirty" ] && ok "a changed file: $v" || bad "a changed file: '$v', not '$want-dirty'"
git -C "$t/c" checkout -q -- README.md
git -C "$t/c" tag v0.1 "$(git -C "$t/c" rev-list --max-parents=0 HEAD | tail -1)"
v=$("$t/c/version.sh") d=$(git -C "$t/c" describe --tags --dirty)
[ "$v" = "$d" ] && [ "$v" = "v$want" ] && ok "tagged: git describe's $v, the same count" ||
	bad "tagged: '$v', describe says '$d', by hand '$want'"
debv=$(make -s --no-print-directory -C "$t/c" VERSION="$want" version 2>/dev/null | sed -n 's/^DEB_VERSION=//p')
[ "$debv" = "0.1+git$n.g$h" ] && ok "Debian version $debv" || bad "Debian version '$debv'"
if command -v dpkg >/dev/null; then
	dpkg --compare-versions "0.1+git$n.g$h" gt "0.1+git$((n - 1)).gffffff" &&
		ok "the Debian version sorts after its parent's" || bad "0.1+git$n does not sort after 0.1+git$((n - 1))"
fi
# a tree outside git, as a release tarball unpacks
mkdir "$t/tar" && cp "$t/c/version.sh" "$t/tar/" && echo "0.1.7 (a release)" >"$t/tar/VERSION"
v=$("$t/tar/version.sh")
[ "$v" = "0.1.7 (a release)" ] && ok "outside git: the VERSION file's first line" || bad "outside git: '$v'"
rm "$t/tar/VERSION"
v=$("$t/tar/version.sh"; echo "rc=$?")
[ "$v" = "rc=0" ] && ok "outside git with no VERSION file: nothing (the Makefile says unknown)" ||
	bad "outside git, no VERSION: '$v'"
