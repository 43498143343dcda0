# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by tests/stacks/*.sh (sourced, bash).

# im_copy_tree REPO DST: this working tree (tracked files and untracked ones
# git does not ignore: no build output) and its .git, copied to DST afresh.
im_copy_tree() {
	local repo=$1 dst=$2
	rm -rf "$dst"
	mkdir -p "$dst"
	if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$repo" && git ls-files -z -co --exclude-standard |
			xargs -0 -r sh -c 'for f; do { [ -e "$f" ] || [ -L "$f" ]; } && printf "%s\0" "$f"; done' sh |
			tar --null -T - -cf -) | tar -C "$dst" -xf - || return 1
		cp -a "$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir)" "$dst/.git" || return 1
	else
		tar -C "$repo" --exclude='./build*' -cf - . | tar -C "$dst" -xf - || return 1
	fi
}

# im_chroot ROOT USER CMD...: run CMD (through sh -c, in
# /work/${IM_WORKDIR:-iommu-map} when it exists, else in the user's home) as USER in ROOT, in a private mount namespace with the
# host's /proc, /sys and /dev.  Extra mounts: IM_BIND="SRC:DST ..." (DST
# inside ROOT).
im_chroot() {
	local root=$1 user=$2 spec=0:0
	shift 2
	[ "$user" = root ] || spec=$(chroot "$root" id -u "$user"):$(chroot "$root" id -g "$user") || return 1
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	# shellcheck disable=SC2016
	unshare --mount --propagation private -- /bin/bash -c '
		r=$1 u=$2 spec=$3; shift 3
		mount -t proc proc "$r/proc" &&
		mount --rbind /sys "$r/sys" &&
		mount --rbind /dev "$r/dev" || exit 1
		for b in ${IM_BIND:-}; do
			mkdir -p "$r/${b#*:}" && mount --bind "${b%%:*}" "$r/${b#*:}" || exit 1
		done
		home=/root
		[ "$u" = root ] || home=/home/$u
		exec chroot --userspec="$spec" "$r" /usr/bin/env -i \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME="$home" USER="$u" LC_ALL=C.UTF-8 TERM=dumb CI="${CI:-}" \
			IM_STACK="${IM_STACK:-}" LAB_OUT="${LAB_OUT:-}" IM_WORKDIR="${IM_WORKDIR:-iommu-map}" \
			/bin/sh -c "cd /work/${IM_WORKDIR:-iommu-map} 2>/dev/null || cd \"\$HOME\"; exec \"\$@\"" sh "$@"
	' sh "$root" "$user" "$spec" "$@"
}

# im_stacks_par DIR FUNC STACK...: FUNC STACK for every stack, each in its
# own subshell, IM_PAR at a time (default: all at once; IM_PAR=1: one after
# the other), in the order given.  FUNC's output goes whole to DIR/STACK.log
# and, line by line as it comes, to stdout with "[STACK] " before it; its
# exit status to DIR/STACK.rc.  Returns when all have ended.  Each stack has
# its own roots, trees and apt cache, so runs side by side share nothing but
# the CPUs.
im_stacks_par() {
	local dir=$1 fn=$2 s n=0
	shift 2
	for s in "$@"; do
		if [ -n "${IM_PAR:-}" ] && [ "$n" -ge "$IM_PAR" ]; then
			wait -n
			n=$((n - 1))
		fi
		{ ( "$fn" "$s" ) 2>&1; echo $? > "$dir/$s.rc"; } |
			tee "$dir/$s.log" | sed -u "s/^/[$s] /" &
		n=$((n + 1))
	done
	wait
}
