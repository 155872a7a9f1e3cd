#!/usr/bin/env bats
# The node manager with the three-node plan: up, exec on every node, a
# crash of node1 detected, kept and restarted by its policy while node2
# keeps counting, and a node1 that keeps crashing until restart_max is
# reached and it shows as failed. Writes out/bench/restart-times.json.

load helpers
load manager-helpers

PLAN=configs/three-nodes.ini

setup_file() {
	testbed_start "$REPO/$PLAN"
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_manager_on_failure
}

@test "up fails at node2 after node1 was started: node1 is stopped, everything given back" {
	before=$(partition_view)
	node0 'sed "/^\[node2\]/,/^\[/ s#^kernel = .*#kernel = ../out/initramfs.cpio.gz#" /shoji/configs/three-nodes.ini > /shoji/configs/bad-node2.ini'
	run shoji_in up /shoji/configs/bad-node2.ini
	assert_status 1
	assert_output_contains "node1: loaded"
	assert_output_contains "shoji: up: node2: load and start failed"
	[ "$(partition_view)" = "$before" ] || fail "the partition changed: $before -> $(partition_view)"
	run node0 'shoji-load status 1'
	assert_output_contains "node1: stopped"
	run shoji_in events
	assert_output_contains "node1 booting -> stopped: up failed; undone"
}

@test "shoji up starts node1 and node2; each runs on its own CPUs" {
	run shoji_in up /shoji/$PLAN
	assert_status 0
	assert_output_contains "node1: running"
	assert_output_contains "node2: running"
	assert_output_contains "up: 2 node(s) running"
	run node0 'cat /sys/devices/system/cpu/online'
	[ "$output" = 0,4-7 ] || fail "node0's CPUs: $output"
	run mgr_exec node1 'echo $(hostname) $(nproc) $(ls /sys/bus/pci/devices)'
	assert_status 0
	[ "$output" = "node1 1 0000:00:03.0" ] || fail "node1: $output"
	run mgr_exec node2 'echo $(hostname) $(nproc) $(ls /sys/bus/pci/devices)'
	assert_status 0
	[ "$output" = "node2 2 0000:00:04.0" ] || fail "node2: $output"
	run shoji_in status --json
	check_status_json "$output"
	[ "$JSON_NODES" -eq 2 ]
}

@test "a crash of node1 is detected, kept and restarted; node2 keeps counting" {
	# node2 counts in the background, five times a second
	# renamed into place: a reader never finds it truncated and empty
	run mgr_exec node2 '(i=0; while :; do i=$((i+1)); echo $i > /tmp/counter.new; mv /tmp/counter.new /tmp/counter; sleep 0.2; done) </dev/null >/dev/null 2>&1 &'
	assert_status 0
	sleep 1
	c1=$(mgr_exec node2 'cat /tmp/counter')
	up2=$(mgr_exec node2 'cut -d. -f1 /proc/uptime')

	run mgr_exec node1 'echo c > /proc/sysrq-trigger'
	[ "$status" -eq 125 ] || fail "exec of the crash: status $status, $output"
	assert_output_contains "panicked"
	# detected at once (the manager looks ten times a second), restarted
	# by policy after its back-off
	wait_event "node1 running -> crashed: Kernel panic - not syncing: sysrq triggered crash" 5
	wait_field node1 restart_count 1 60
	wait_state node1 running 120
	[[ "$(status_field node1 last_failure)" == "crashed: Kernel panic - not syncing: sysrq triggered crash"* ]] ||
		fail "last failure: $(status_field node1 last_failure)"

	# node1 runs a new kernel
	run mgr_exec node1 'hostname; cut -d. -f1 /proc/uptime'
	assert_status 0
	assert_output_contains node1

	# node2 did not notice
	c2=$(mgr_exec node2 'cat /tmp/counter')
	up2b=$(mgr_exec node2 'cut -d. -f1 /proc/uptime')
	[ "$c2" -gt "$c1" ] || fail "node2's counter stopped: $c1 -> $c2"
	[ "$up2b" -gt "$up2" ] || fail "node2 restarted: uptime $up2 -> $up2b"
	[ "$(status_field node2 state)" = running ]
	[ "$(status_field node2 restart_count)" -eq 0 ]

	# the journal has the panic, the restart and the kept log
	run shoji_in events
	assert_output_contains "node1 restart 1 of 3 in 2000 ms (restart = on-failure)"
	assert_output_contains "node1 running again"
	log=$(echo "$output" | sed -n 's/.*node1 running -> crashed:.*log: \([^)]*\)).*/\1/p' | tail -n 1)
	[ -n "$log" ] || fail "no kept log in the journal"
	run node0 "cat $log"
	assert_output_contains "Kernel panic - not syncing: sysrq triggered crash"
	# and shoji logs shows it too
	run shoji_in logs node1 --previous
	assert_output_contains "Kernel panic - not syncing: sysrq triggered crash"

	# benchmark record: crash to detection and crash to running again
	events=$(node0 'shoji events')
	detect=$(echo "$events" | sed -n 's/.*node1 running -> crashed:.*(detected \([0-9]*\) ms after it.*/\1/p' | head -n 1)
	running=$(echo "$events" | sed -n 's/.*node1 running again \([0-9]*\) ms after the failure (crashed).*/\1/p' | head -n 1)
	mkdir -p "$REPO/out/bench"
	cat > "$REPO/out/bench/restart-times.json" <<JSON
{"what": "node1 crash (sysrq-c) to detection and to running again, by the node manager",
 "machine": "shoji-testbed server machine (QEMU TCG, 8 CPUs)", "plan": "$PLAN",
 "crash_to_detection_ms": ${detect:-null}, "crash_to_running_ms": ${running:-null},
 "restart_backoff_ms": 2000, "heartbeat_ms": 100, "manager_tick_ms": 100,
 "measured_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)"}
JSON
	[ -n "$detect" ] && [ -n "$running" ]
}

@test "a node1 that keeps crashing is restarted restart_max times, then stays failed" {
	# one restart done above; two more, then the limit
	for i in 2 3; do
		mgr_exec node1 'echo c > /proc/sysrq-trigger' || true
		wait_field node1 restart_count "$i" 120
		wait_state node1 running 180
	done
	mgr_exec node1 'echo c > /proc/sysrq-trigger' || true
	wait_state node1 failed 30
	[[ "$(status_field node1 cause)" == *"restart_max 3 reached"* ]] ||
		fail "cause: $(status_field node1 cause)"
	sleep 5
	[ "$(status_field node1 state)" = failed ]
	[ "$(status_field node1 restart_count)" -eq 3 ]
	run shoji_in status
	[[ "$output" =~ node1\ +failed ]] || fail "table: $output"
	run shoji_in events
	assert_output_contains "node1 crashed -> failed: failed 4 times in a row, restart_max 3 reached"
	# stopped at once, with its disk reset: nothing a dead kernel
	# programmed keeps running
	assert_output_contains "node1 stopped by force after its failure; its CPUs are parked, its PCI devices reset: 0000:00:03.0"
	run node0 'od -An -tu1 -j4 -N1 /sys/bus/pci/devices/0000:00:03.0/config'
	assert_status 0
	[ $((output & 4)) = 0 ] || fail "bus mastering is still on: command register $output"
	# node2 is still fine
	[ "$(status_field node2 state)" = running ]
	# a person can start it again
	run shoji_in start node1
	assert_status 0
	assert_output_contains "node1: running"
}

@test "shoji down stops both nodes and gives everything back to node0" {
	run shoji_in down
	assert_status 0
	run node0 'cat /sys/devices/system/cpu/online; for d in 03.0 04.0; do readlink /sys/bus/pci/devices/0000:00:$d/driver; done'
	[ "$(echo "$output" | head -n 1)" = 0-7 ] || fail "node0's CPUs: $output"
	[ "$(echo "$output" | grep -c drivers/nvme)" -eq 2 ] || fail "drivers: $output"
}
