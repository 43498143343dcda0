# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for iommu-map(8); make install puts it in
# PREFIX/share/bash-completion/completions/iommu-map, where bash-completion
# loads it on first use (or: source completion/iommu-map.bash).
#
# The options are those of `iommu-map --help` (tests/completion/run.sh fails
# when the two differ).  --pid offers the processes whose fds this user can
# read and that hold a vfio node or device (/dev/vfio/N, /dev/vfio/devices/
# vfioN, anon_inode:[vfio-device]); -s the devices bound to vfio-pci.  Both
# read the --sysroot given on the line, else /proc and /sys
# (_IOMMU_MAP_COMP_PROC and _IOMMU_MAP_COMP_SYS move those, for the tests).

# PIDs under $1 (a /proc) with an fd linked to vfio
_iommu_map_vfio_pids()
{
	find "$1"/[0-9]*/fd -mindepth 1 -maxdepth 1 \
		\( -lname '/dev/vfio/*' -o -lname 'anon_inode:\[vfio-device\]' \) 2>/dev/null |
		sed -n 's|.*/\([0-9][0-9]*\)/fd/[^/]*$|\1|p' | sort -un
}

# BDFs under $1 (a /sys) bound to vfio-pci
_iommu_map_vfio_bdfs()
{
	local d

	for d in "$1"/bus/pci/drivers/vfio-pci/*:*:*.*; do
		[[ -e $d || -L $d ]] && printf '%s\n' "${d##*/}"
	done
}

_iommu_map()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= root= w i
	local common='--pid --sysroot --slot --json --pci-ids --gdb-export --qmp
		--qemu-trace --mtree --maps --qtree --help --usage --version'
	local witharg='-p|--pid|--sysroot|-s|--slot|-i|--pci-ids|--svg|--gdb-export|--qmp|--qemu-trace|--mtree|--maps|--qtree|-o|--output|--interval|--method'

	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# --opt=VALUE: bash splits the word at '=' (COMP_WORDBREAKS)
	[[ $prev == = ]] && ((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD - 2]}

	# the command and --sysroot, from the words before this one
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ $w == @($witharg) ]]; then
			((i++))
			[[ ${COMP_WORDS[i]} == = ]] && ((i++))
			[[ $w == --sysroot ]] && ((i < COMP_CWORD)) && root=${COMP_WORDS[i]}
		elif [[ $w != -* && -z $cmd ]]; then
			cmd=$w
		fi
	done

	case $prev in
	-p | --pid)
		w=${_IOMMU_MAP_COMP_PROC:-/proc}
		[[ $root ]] && w=$root/proc
		mapfile -t COMPREPLY < <(compgen -W "$(_iommu_map_vfio_pids "$w")" -- "$cur")
		return ;;
	-s | --slot)
		w=${_IOMMU_MAP_COMP_SYS:-/sys}
		[[ $root ]] && w=$root/sys
		mapfile -t COMPREPLY < <(compgen -W "$(_iommu_map_vfio_bdfs "$w")" -- "$cur")
		return ;;
	--sysroot | -o | --output)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return ;;
	-i | --pci-ids | --svg | --gdb-export | --qmp | --qemu-trace | --mtree | --maps | --qtree)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	--method)
		mapfile -t COMPREPLY < <(compgen -W 'auto uprobe ptrace' -- "$cur")
		return ;;
	--interval)
		return ;;
	esac
	# explain's ADDR: nothing to offer
	[[ $cmd == explain && $cur != -* && $prev == explain ]] && return

	if [[ $cur == -* ]]; then
		case $cmd in
		'' | report) common+=' --svg' ;;
		capture) common+=' --output --force' ;;
		watch) common+=' --poll --interval --method' ;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "$common" -- "$cur")
	elif [[ -z $cmd ]]; then
		mapfile -t COMPREPLY < <(compgen -W 'report explain capture watch' -- "$cur")
	fi
}

complete -F _iommu_map iommu-map
