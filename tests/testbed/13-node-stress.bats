#!/usr/bin/env bats
# node0 keeps working while the nodes run: a 60-second stress of CPU,
# memory and disk on node0 and on node1 and node2 of the three-node plan at
# once (initramfs/stress) ends with every kernel alive and every disk's
# data verified by sha256, each looked at from inside its own kernel.

load helpers
load node-helpers

PLAN=configs/three-nodes.ini
KERNELS="0 1 2"
STRESS_SECONDS=60

setup_file() {
	testbed_start "$REPO/$PLAN"
	nodes_boot 1 2
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure
}

# Runs a shell command inside kernel K (0 is node0); output and status as
# bats' `run` expects.
kernel_exec() {
	local k=$1
	shift
	if [ "$k" = 0 ]; then
		node0 "$*"
	else
		node_exec "$k" "$*"
	fi
}

heartbeat() {
	node_state "$1" | sed -n 's/.*heartbeat \([0-9]*\).*/\1/p'
}

# One look at the stress, for wait_until: keeps in done_k each verdict
# that has come, and succeeds once every kernel has given its own. A
# heartbeat that has not moved since the look before (last) ends the wait
# too, with the reason in stalled: that node will give no verdict.
stress_look() {
	local n k h
	for n in 1 2; do
		h=$(heartbeat $n)
		if ! { [ -n "$h" ] && [ "$h" -gt "${last[$n]}" ]; }; then
			stalled="node$n's heartbeat stopped during the stress: ${last[$n]} -> $h ($(node_state $n))"
			return 0
		fi
		last[$n]=$h
	done
	for k in $KERNELS; do
		[ -z "${done_k[$k]:-}" ] || continue
		run kernel_exec $k 'cat /tmp/stress.result 2>/dev/null'
		if [ "$status" -eq 0 ] && [[ "$output" == done* ]]; then
			done_k[$k]=$output
			echo "$output" > "$BATS_FILE_TMPDIR/result.$k"
		fi
	done
	[ "${#done_k[@]}" -ge 3 ]
}

# The value of KEY=VALUE in a stress result line
result_value() {
	echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

@test "every kernel writes known data to its disk before the stress" {
	for k in $KERNELS; do
		run kernel_exec $k 'head -c 4194304 /dev/urandom > /tmp/before &&
			cp /tmp/before /shoji/before && sync && sha256sum < /tmp/before'
		assert_status 0
		sum=${output%% *}
		[[ "$sum" =~ ^[0-9a-f]{64}$ ]] || fail "kernel $k: sha256 of its data: $output"
		echo "$sum" > "$BATS_FILE_TMPDIR/before.$k"
	done
}

@test "a 60-second stress of CPU, memory and disk runs on node0 and every node at once" {
	for n in 1 2; do
		echo "$(heartbeat $n)" > "$BATS_FILE_TMPDIR/heartbeat.$n"
	done
	# A node's command channel answers only short commands: the stress
	# runs in the background and leaves its verdict in /tmp/stress.result.
	for k in $KERNELS; do
		run kernel_exec $k "rm -f /tmp/stress.result; setsid /usr/libexec/shoji/stress $STRESS_SECONDS /shoji/stress </dev/null >/tmp/stress.log 2>&1 3>&- &"
		assert_status 0
	done
	# Look every 10 s, 80 times at most, until every kernel has its
	# verdict; while the load runs, node0 answers and every node's
	# heartbeat keeps moving.
	declare -A last done_k
	local stalled=""
	for n in 1 2; do last[$n]=$(cat "$BATS_FILE_TMPDIR/heartbeat.$n"); done
	sleep 10
	# A timeout is told below, with the end of each late kernel's log.
	wait_until 790 "every kernel's verdict on its stress" --every 10 -- stress_look || true
	[ -z "$stalled" ] || fail "$stalled"
	for k in $KERNELS; do
		[ -n "${done_k[$k]:-}" ] || fail "kernel $k did not finish its stress: $(kernel_exec $k 'tail -n 5 /tmp/stress.log')"
		echo "# kernel $k: ${done_k[$k]}" >&3
	done
	# Every part of the load ran, on every CPU of its kernel, and found
	# nothing wrong.
	for k in $KERNELS; do
		r=${done_k[$k]}
		# node0 keeps CPU 0 and the four of socket 1 that no node has
		case $k in 0) cpus=5 ;; 1) cpus=1 ;; 2) cpus=2 ;; esac
		[ "$(result_value "$r" cpus)" = $cpus ] || fail "kernel $k loaded the wrong number of CPUs: $r"
		[ "$(result_value "$r" mem_mb)" -ge 64 ] || fail "kernel $k loaded too little memory: $r"
		[ "$(result_value "$r" mem_rounds)" -ge 1 ] || fail "kernel $k's memory load did not run: $r"
		[ "$(result_value "$r" disk_rounds)" -ge 1 ] || fail "kernel $k's disk load did not run: $r"
		[ "$(result_value "$r" errors)" = 0 ] ||
			fail "kernel $k's stress found errors: $r
$(kernel_exec $k 'tail -n 5 /tmp/stress.log')"
	done
}

@test "after the stress every kernel answers and every node's heartbeat advances" {
	run node0 'cat /sys/devices/system/cpu/online; uptime'
	assert_status 0
	[ "${output%%$'\n'*}" = 0,4-7 ] || fail "node0's CPUs: $output"
	for n in 1 2; do
		run node_exec $n 'echo alive; nproc'
		assert_status 0
		[ "$output" = "alive
$((n == 2 ? 2 : 1))" ] || fail "node$n: $output"
		h1=$(heartbeat $n)
		sleep 2
		run node_state $n
		assert_output_contains "node$n: running"
		h2=$(heartbeat $n)
		[ "$h2" -gt "$h1" ] || fail "node$n's heartbeat: $h1 -> $h2"
		[ "$h1" -gt "$(cat "$BATS_FILE_TMPDIR/heartbeat.$n")" ] ||
			fail "node$n's heartbeat did not move during the stress"
	done
}

@test "every disk's data verifies by sha256 after the stress" {
	for k in $KERNELS; do
		rounds=$(result_value "$(cat "$BATS_FILE_TMPDIR/result.$k")" disk_rounds)
		files=$((rounds < 16 ? rounds : 16))
		# Read from the disk, not from the page cache
		run kernel_exec $k 'echo 3 > /proc/sys/vm/drop_caches; cd /shoji/stress &&
			sha256sum -c manifest > /tmp/check 2>&1; echo $?; grep -c ": OK$" /tmp/check;
			wc -l < manifest; sha256sum < /shoji/before'
		assert_status 0
		set -- $output
		[ "$1" = 0 ] && [ "$2" = "$files" ] && [ "$3" = "$files" ] ||
			fail "kernel $k: $files files written, sha256sum -c says: $output
$(kernel_exec $k 'grep -v ": OK$" /tmp/check | head -n 5')"
		[ "$4" = "$(cat "$BATS_FILE_TMPDIR/before.$k")" ] ||
			fail "kernel $k: the data written before the stress reads back as $4"
	done
}

@test "no kernel logged an oops, a lockup, a stall or an OOM kill" {
	for k in $KERNELS; do
		run kernel_exec $k "dmesg | grep -E 'BUG:|Oops:|WARNING:|lockup|LOCKUP|stall|blocked for more than|Out of memory|oom-kill'"
		[ "$status" -eq 1 ] && [ -z "$output" ] || fail "kernel $k's log: $output"
	done
}
