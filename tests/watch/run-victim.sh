#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run-victim.sh [SAN=1]: watch tests/watch/victim (built with -g and
# stripped) without KVM: decoded memslot structs, mmap/munmap with BAR,
# symbolized stacks from .symtab and .dynsym, threads created later,
# signals passed on, and clean detach on SIGINT (also from a group-stop).
# Prints ok/FAIL lines; exits 1 on any FAIL.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$here/../.." && pwd)/build/watch
make -s -C "$here" O="$bin" ${SAN:+SAN=$SAN} >/dev/null || { echo "FAIL build"; exit 1; }
tmp=$(mktemp -d /tmp/im-watch-test.XXXXXX)
fails=0
ok() { echo "ok $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }
state() { sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null; }
wait_for() {	# wait_for FILE PATTERN: up to 10 s
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 200 ] && return 1; sleep 0.05
	done
}
FAKE="--vm-match im-fake-kvm-vm --vfio-match im-fake-vfio"
DEV="--dev 0000:00:03.0,2,fe000000,4000"

for v in g stripped; do
	table=.symtab; [ $v = stripped ] && table=.dynsym
	go=$tmp/go-$v; rm -f "$go"
	"$bin/victim-$v" "$go" >"$tmp/victim-$v.out" & vp=$!
	wait_for "$tmp/victim-$v.out" '^pid' || fail "victim-$v started"
	timeout 60 "$bin/watch-run" --json $FAKE $DEV $vp >"$tmp/watch-$v.json" 2>"$tmp/watch-$v.err" & wp=$!
	wait_for "$tmp/watch-$v.json" '"attached"' || fail "$v: attached"
	for i in 1 2 3; do kill -USR1 $vp; sleep 0.02; done
	touch "$go"
	wait $vp; vrc=$?
	wait $wp; wrc=$?
	[ $vrc = 0 ] && ok "$v: victim exit 0" || fail "$v: victim exit $vrc"
	[ $wrc = 3 ] && ok "$v: watch-run says target exited (3)" || { fail "$v: watch-run exit $wrc"; cat "$tmp/watch-$v.err"; }
	echo "want_usr1 3" >>"$tmp/victim-$v.out"
	python3 "$here/check-events.py" "$tmp/watch-$v.json" "$tmp/victim-$v.out" $table 0000:00:03.0 |
		sed "s/^\(ok\|FAIL\) /\1 $v: /" >"$tmp/check-$v"
	cat "$tmp/check-$v"
	grep -q '^FAIL' "$tmp/check-$v" && fails=$((fails + 1))
done

# text mode: the stack reads like a chain
go=$tmp/go-text; rm -f "$go"
"$bin/victim-g" "$go" >"$tmp/victim-text.out" & vp=$!
wait_for "$tmp/victim-text.out" '^pid'
timeout 60 "$bin/watch-run" $FAKE $vp >"$tmp/watch-text.out" 2>&1 & wp=$!
wait_for "$tmp/watch-text.out" '^watching'
touch "$go"; wait $vp; wait $wp
grep -q 'ioctl ← victim_vm_ioctl ← victim_set_user_memory_region ← victim_set_phys_mem ← victim_region_add ← victim_update_mappings' "$tmp/watch-text.out" &&
	ok "text: stack chain" || { fail "text: stack chain"; cat "$tmp/watch-text.out"; }
grep -q 'KVM_SET_USER_MEMORY_REGION fd [0-9]* slot 7 as 1 add gpa 0xfeb40000 size 0x20000 hva 0x[0-9a-f]* flags 0x2 = -1 ENOTTY' "$tmp/watch-text.out" &&
	ok "text: memslot line" || fail "text: memslot line"

# SIGINT while the target waits: detach, target keeps running, signal kept
go=$tmp/go-int; rm -f "$go"
"$bin/victim-g" "$go" >"$tmp/victim-int.out" & vp=$!
wait_for "$tmp/victim-int.out" '^pid'
timeout 60 "$bin/watch-run" $FAKE $vp >"$tmp/watch-int.out" 2>&1 & wp=$!
wait_for "$tmp/watch-int.out" '^watching'
kill -USR1 $vp; kill -INT $wp; wait $wp; wrc=$?
[ $wrc = 0 ] && ok "sigint: watch-run exit 0" || fail "sigint: watch-run exit $wrc"
grep -q TracerPid:.0 /proc/$vp/status && ok "sigint: target not traced" || fail "sigint: still traced"
s=$(state $vp); case $s in S|R) ok "sigint: target state $s";; *) fail "sigint: target state $s";; esac
touch "$go"; wait $vp
grep -q '^usr1 1' "$tmp/victim-int.out" && ok "sigint: SIGUSR1 delivered" || fail "sigint: SIGUSR1 lost"

# group-stop: the user stopped the target; after detach it stays stopped
go=$tmp/go-stop; rm -f "$go"
"$bin/victim-g" "$go" >"$tmp/victim-stop.out" & vp=$!
wait_for "$tmp/victim-stop.out" '^pid'
timeout 60 "$bin/watch-run" $FAKE $vp >"$tmp/watch-stop.out" 2>"$tmp/watch-stop.err" & wp=$!
wait_for "$tmp/watch-stop.out" '^watching'
kill -STOP $vp; sleep 0.3
s=$(state $vp); [ "$s" = t ] || [ "$s" = T ] && ok "stop: stopped while watched ($s)" || fail "stop: state $s"
kill -INT $wp; wait $wp
s=$(state $vp); [ "$s" = T ] && ok "stop: still stopped after detach (T)" || fail "stop: state $s after detach"
kill -CONT $vp; sleep 0.2
s=$(state $vp); case $s in S|R) ok "stop: runs after SIGCONT ($s)";; *) fail "stop: state $s after CONT";; esac
touch "$go"; wait $vp && ok "stop: victim finished" || fail "stop: victim failed"

# already traced by someone else: one line naming the tracer
sleep 30 & sp=$!
"$bin/watch-run" $sp >/dev/null 2>&1 & w1=$!
sleep 0.5
"$bin/watch-run" $sp >"$tmp/traced.out" 2>&1; trc=$?
kill -INT $w1; wait $w1
grep -q "already traced by PID $w1" "$tmp/traced.out" && [ $trc = 2 ] &&
	ok "traced: names the other tracer" || { fail "traced ($trc)"; cat "$tmp/traced.out"; }
kill $sp; wait $sp 2>/dev/null

# no permission: one line, no stack trace (needs an unprivileged user)
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	sleep 30 & sp=$!
	setpriv --reuid=65534 --regid=65534 --clear-groups "$bin/watch-run" $sp >"$tmp/perm.out" 2>&1; prc=$?
	kill $sp; wait $sp 2>/dev/null
	grep -q 'ptrace not permitted; .*CAP_SYS_PTRACE' "$tmp/perm.out" && [ $prc = 2 ] &&
		ok "eperm: one-line explanation" || { fail "eperm ($prc)"; cat "$tmp/perm.out"; }
	grep -v '^stats' "$tmp/perm.out" | sed 's/^/info: /'
fi

rm -rf "$tmp"
echo "run-victim: $fails failed"
[ $fails = 0 ]
