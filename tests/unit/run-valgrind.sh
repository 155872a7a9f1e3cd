#!/bin/sh
# Runs the release `shoji` under valgrind on good and bad plans, with
# --boot-params, and against this machine: any memory error or leak fails.
# Usage: run-valgrind.sh SHOJI PLANS
set -u

shoji=$1
plans=$2
passed=0
failed=0
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT

# vg WANT_STATUS... -- ARGS...: exit 9 is valgrind's error status.
vg() {
	want=$1
	shift
	valgrind -q --leak-check=full --errors-for-leak-kinds=all \
		--error-exitcode=9 "$shoji" "$@" >/dev/null 2>"$log"
	status=$?
	case " $want " in
	*" $status "*) passed=$((passed + 1)) ;;
	*)
		echo "FAIL valgrind shoji $*: exit status $status" >&2
		cat "$log" >&2
		failed=$((failed + 1))
		;;
	esac
}

vg 0 check --offline "$plans/good/three-nodes.ini"
vg 0 check --boot-params "$plans/good/spacing-and-case.ini"
vg 2 check --offline "$plans/bad/many-errors.ini"
vg 2 check --offline "$plans/bad/syntax-errors.ini"
vg 2 check --offline "$plans/bad/line-too-long.ini"
vg 1 check --offline "$plans/no-such-plan.ini"
vg 1 check --bogus
# Against this machine: the plan may or may not fit it, and without root
# /proc/iomem cannot be read; what matters here is memory hygiene.
vg "0 1 2" check "$plans/good/three-nodes.ini"
vg 0 check --boot-params --grub "$plans/good/three-nodes.ini"
# A plan of this machine (or why it cannot have one), and usage errors
vg "0 1" plan create --kernel /boot/vmlinuz
vg "0 1" plan create --nodes 2 --node0-memory 1G --kernel /boot/vmlinuz --initrd /boot/initrd.img
vg 1 plan create --nodes 0
vg 1 plan create --node0-memory 1.5G
vg 1 plan frobnicate

# The manager and its commands. This machine has no /dev/shoji, so no
# node can run, but every command must answer, and cleanly. The daemon is
# stopped with SIGTERM: what it still holds then is reachable, not lost.
if [ "$(id -u)" = 0 ]; then
	work=$(mktemp -d) || exit 1
	SHOJI_SOCKET=$work/shoji.sock
	export SHOJI_SOCKET
	vg 1 status
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=9 "$shoji" daemon --state-dir "$work/state" \
		>"$work/daemon.out" 2>&1 &
	daemon=$!
	for _ in $(seq 100); do
		[ -S "$SHOJI_SOCKET" ] && break
		sleep 0.1
	done
	vg 0 status
	vg 0 status --json
	vg 0 events
	vg "1 2" up "$plans/good/three-nodes.ini"
	vg 2 up "$plans/bad/many-errors.ini"
	vg 1 exec node1 -- true
	vg 1 logs node1
	vg 1 start node1
	vg 0 down
	vg 1 bogus-command
	kill -TERM "$daemon"
	wait "$daemon"
	status=$?
	if [ "$status" -eq 0 ]; then
		passed=$((passed + 1))
	else
		echo "FAIL valgrind shoji daemon: exit status $status" >&2
		cat "$work/daemon.out" >&2
		failed=$((failed + 1))
	fi
	rm -rf "$work"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
