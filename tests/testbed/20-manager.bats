#!/usr/bin/env bats
# The node manager on node0 with the two-node plan: up, status, exec,
# stop and start, a manager restart while node1 runs, down, and a bad plan
# that must change nothing. Everything is checked from inside node0 and
# node1.

load helpers
load manager-helpers

PLAN=configs/two-nodes.ini

setup_file() {
	testbed_start "$REPO/$PLAN"
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_manager_on_failure
}

@test "node0's init started the manager; without it, commands say how to start it" {
	run shoji_in status
	assert_status 0
	assert_output_contains "No plan is up"
	run node0 'ls -l /run/shoji/shoji.sock'
	assert_output_contains "srw-------"
	node0 'kill $(cat /shoji/state/daemon.pid)'
	sleep 1
	run shoji_in status
	assert_status 1
	[ "$output" = "shoji: the manager is not running (start it with: shoji daemon)" ] ||
		fail "without the manager: $output"
	run node0 'shoji daemon --background --state-dir /shoji/state'
	assert_status 0
	run shoji_in status --json
	assert_status 0
	check_status_json "$output"
	[ "$JSON_NODES" -eq 0 ]
}

@test "a bad plan given to shoji up changes nothing" {
	before=$(partition_view)
	node0 'sed "/^\[node1\]/,/^\[/ s/^cpus = 1$/cpus = 8/" /shoji/configs/two-nodes.ini > /shoji/configs/bad-cpu.ini'
	run shoji_in up /shoji/configs/bad-cpu.ini
	assert_status 2
	assert_output_contains "bad-cpu.ini:"
	assert_output_contains "nothing was changed"
	[ "$(partition_view)" = "$before" ] || fail "the partition changed: $before -> $(partition_view)"
	run shoji_in status
	assert_output_contains "No plan is up"
	run node0 'shoji-load status 1'
	[ "$status" -ne 0 ] || assert_output_contains "node1: empty"
}

@test "up refuses a plan when the manager cannot save its state, and says why" {
	before=$(partition_view)
	# state.tmp a directory: the state file cannot be written (root
	# ignores permission bits)
	node0 'mkdir /shoji/state/state.tmp'
	run shoji_in up /shoji/configs/two-nodes.ini
	node0 'rmdir /shoji/state/state.tmp'
	assert_status 1
	assert_output_contains "shoji: up: cannot save the manager's state in /shoji/state: Is a directory; nothing was changed"
	[ "$(partition_view)" = "$before" ] || fail "the partition changed: $before -> $(partition_view)"
	run shoji_in status
	assert_output_contains "No plan is up"
	run shoji_in events
	assert_output_contains "cannot save the state (create /shoji/state/state.tmp): Is a directory"
}

@test "a failure halfway through up is undone: CPUs online, devices bound, nothing started" {
	before=$(partition_view)
	# The plan is good, but node1's "kernel" is not a kernel: loading fails
	# after node1's CPU and disk were taken from node0.
	node0 'sed "/^\[node1\]/,/^\[/ s#^kernel = .*#kernel = ../out/initramfs.cpio.gz#" /shoji/configs/two-nodes.ini > /shoji/configs/bad-kernel.ini'
	run shoji_in up /shoji/configs/bad-kernel.ini
	assert_status 1
	assert_output_contains "node1: CPU 1 offline in node0"
	assert_output_contains "shoji: up: node1: load and start failed"
	assert_output_contains "node1: CPU 1 online in node0 again"
	assert_output_contains "PCI device 0000:00:03.0 given back to node0"
	[ "$(partition_view)" = "$before" ] || fail "the partition changed: $before -> $(partition_view)"
	run node0 'ls -l /sys/bus/pci/devices/0000:00:03.0/driver; cat /sys/bus/pci/devices/0000:00:03.0/driver_override'
	assert_output_contains "drivers/nvme"
	assert_output_contains "(null)"
	run shoji_in events
	assert_output_contains "failed at load and start; undone"
}

@test "a device node0 cannot give up while its CPU goes offline: both undone" {
	before=$(partition_view)
	# node1's disk is detached while its CPU goes offline; a read-only
	# driver_override makes the detach fail after the CPU went.
	node0 'f=$(readlink -f /sys/bus/pci/devices/0000:00:03.0)/driver_override
		echo > /tmp/driver_override
		mount --bind /tmp/driver_override "$f"
		mount -o remount,ro,bind "$f"'
	run shoji_in up /shoji/$PLAN
	node0 'umount "$(readlink -f /sys/bus/pci/devices/0000:00:03.0)/driver_override"'
	assert_status 1
	assert_output_contains "node1: CPU 1 offline in node0"
	assert_output_contains "shoji: node1: PCI device 0000:00:03.0: cannot set /sys/bus/pci/devices/0000:00:03.0/driver_override: Read-only file system"
	assert_output_contains "node1: CPU 1 online in node0 again"
	assert_output_contains "shoji: up: node1: partition setup failed"
	[ "$(partition_view)" = "$before" ] || fail "the partition changed: $before -> $(partition_view)"
	run shoji_in events
	assert_output_contains "failed at partition setup; undone"
}

@test "shoji up starts node1 on its own CPU, memory and disk" {
	run shoji_in up /shoji/$PLAN
	assert_status 0
	assert_output_contains "node1: running"
	run node0 'cat /sys/devices/system/cpu/online; readlink /sys/bus/pci/devices/0000:00:03.0/driver || echo unbound; cat /sys/bus/pci/devices/0000:00:03.0/driver_override'
	[ "$output" = "0,2-7
unbound
shoji-node" ] || fail "node0 after up: $output"
	run mgr_exec node1 'nproc; hostname; ls /sys/bus/pci/devices'
	assert_status 0
	[ "$output" = "1
node1
0000:00:03.0" ] || fail "inside node1: $output"
	run mgr_exec node1 'echo out; echo err >&2; exit 7'
	assert_status 7
	assert_output_contains "out"
	assert_output_contains "err"
}

@test "shoji status shows node1 running, as a table and as JSON" {
	run shoji_in status
	assert_status 0
	assert_output_contains "plan /shoji/configs/two-nodes.ini"
	[[ "$output" =~ node1\ +running\ +1\ +512M\ +00:03.0 ]] || fail "table: $output"
	# node0 has a row: the plan's CPUs for it, and what it is
	[[ "$output" =~ node0\ +running\ +0,3\ +[0-9.]+[MG]\ +-\ +[0-9]+s\ .*the\ manager\'s\ own\ kernel ]] ||
		fail "node0's row: $output"
	run shoji_in status --json
	assert_status 0
	check_status_json "$output"
	[ "$JSON_NODES" -eq 1 ]
	# status_field reads scalars; node0's CPUs are a list
	grep '"name": "node0"' <<< "$output" | grep -qF '"cpus": [0, 3]' ||
		fail "node0's CPUs: $(grep '"name": "node0"' <<< "$output")"
	[ "$(status_field node0 role)" = node0 ]
	[ "$(status_field node1 role)" = node ]
	[ "$(status_field node1 state)" = running ]
	[ "$(status_field node1 agent | cut -c1-14)" != "" ]
	h1=$(status_field node1 heartbeat)
	sleep 1
	h2=$(status_field node1 heartbeat)
	[ "$h2" -gt "$h1" ] || fail "heartbeat did not move: $h1 -> $h2"
	age=$(status_field node1 heartbeat_age_ms)
	[ "$age" -ge 0 ] && [ "$age" -lt 3000 ] || fail "heartbeat age $age"
	[ "$(status_field node1 uptime_s)" -ge 1 ]
	[[ "$output" == *'"heard": true'* ]] || fail "agent not heard: $output"
}

@test "shoji status NODE shows one node, its resources and the end of its log" {
	for name in node1 1; do
		run shoji_in status $name
		assert_status 0
		assert_output_contains "node1: running since "
		assert_output_contains "  cause:     kernel heartbeat and agent reports"
		assert_output_contains "  CPUs:      1"
		assert_output_contains "  memory:    512M: 512M 0x100000000-0x11fffffff"
		assert_output_contains "  devices:   0000:00:03.0"
		assert_output_contains "The last 10 lines of its log"
	done
	# 10 lines of log by default, -n chooses
	[ "$(sed -n '/^The last 10 lines/,$p' <<< "$output" | wc -l)" -eq 11 ] || fail "$output"
	run shoji_in status node1 -n 2
	assert_status 0
	[ "$(sed -n '/^The last 2 lines/,$p' <<< "$output" | wc -l)" -eq 3 ] || fail "$output"
	run shoji_in status node1 --json -n 3
	assert_status 0
	[[ "$output" == '{"version": 1, "name": "node1", "id": 1, "role": "node", "state": "running", '* ]] || fail "json: $output"
	[[ "$output" =~ \"log\":\ \[\"[^\"]*\",\ \"[^\"]*\",\ \"[^\"]*\"\]\}$ ]] || fail "json log: $output"
	[ "$(wc -l <<< "$output")" -eq 1 ]
	run shoji_in status node0
	assert_status 0
	assert_output_contains "node0: running since"
	assert_output_contains "the manager's own kernel"
	assert_output_contains "  CPUs:      0,3"
	# a node the plan does not have, and one that is no node
	run shoji_in status node5
	assert_status 1
	[ "$output" = "shoji: the plan /shoji/configs/two-nodes.ini has no node5" ] || fail "$output"
	run shoji_in status nod1
	assert_status 1
	assert_output_contains "shoji status: 'nod1' is not a node"
}

@test "shoji logs shows node1's kernel log from its control page" {
	run shoji_in logs node1
	assert_status 0
	assert_output_contains "Shoji: node1 running"
	assert_output_contains "Run /init as init process"
}

@test "logs -f and events -f follow; the manager outlives commands that die" {
	run node0 'timeout -s KILL 3 shoji logs node1 -f > /tmp/follow.log & sleep 1; shoji exec node1 -- "echo followed-line > /dev/kmsg"; wait; cat /tmp/follow.log'
	assert_output_contains "Run /init as init process"
	assert_output_contains "followed-line"
	run node0 'timeout -s KILL 2 shoji events -f; true'
	assert_output_contains "node1 booting -> running"
	# both commands were killed; the manager still answers
	run shoji_in status
	assert_status 0
	assert_output_contains "node1  running"
}

@test "the manager dies while node1 runs; node1 keeps running and a new manager finds it" {
	up1=$(status_field node1 uptime_s)
	node0 'kill -9 $(cat /shoji/state/daemon.pid)'
	run shoji_in status
	assert_output_contains "the manager is not running"
	# node1 does not care
	run node0 'shoji-load status 1'
	assert_output_contains "node1: running"
	run node0 'shoji daemon --background --state-dir /shoji/state'
	assert_status 0
	wait_state node1 running 30
	run shoji_in exec node1 -- hostname
	assert_status 0
	[ "$output" = node1 ]
	[ "$(status_field node1 uptime_s)" -ge "$up1" ]
	run shoji_in events
	assert_output_contains "node1 found again: kernel running"
}

@test "shoji stop and start node1: clean stop, CPU stays with the node" {
	run shoji_in stop node1
	assert_status 0
	# its disk is reset, with bus mastering off, before it counts as stopped
	assert_output_contains "node1: PCI device 0000:00:03.0 reset"
	[ "$(status_field node1 state)" = stopped ]
	run node0 'od -An -tu1 -j4 -N1 /sys/bus/pci/devices/0000:00:03.0/config'
	assert_status 0
	[ $((output & 4)) = 0 ] || fail "bus mastering is still on: command register $output"
	run node0 'shoji-load status 1; cat /sys/devices/system/cpu/online'
	assert_output_contains "stopped on node0's request"
	assert_output_contains "0,2-7"
	run shoji_in exec node1 -- true
	assert_status 125
	run shoji_in start node1
	assert_status 0
	assert_output_contains "node1: running"
	run shoji_in restart node1
	assert_status 0
	run shoji_in exec node1 -- nproc
	[ "$output" = 1 ]
}

@test "shoji stop --force stops node1 with NMI and INIT at once, no clean stop" {
	run shoji_in stop --force 1
	assert_status 0
	assert_output_contains "node1: stopped by force (NMI and INIT, no clean stop)"
	[ "$(status_field node1 state)" = stopped ]
	run node0 'shoji-load status 1'
	assert_output_contains "did not park in time, stopped with NMI and INIT"
	run shoji_in start 1
	assert_status 0
	assert_output_contains "node1: running"
}

@test "shoji down node1 and stops of node1 at once: the one second is refused, naming the first" {
	# down first, most often: the stops wait a moment
	run node0 'shoji down node1 > /tmp/down.out 2>&1 & down=$!
		sleep 0.2
		refused=0
		while kill -0 $down 2>/dev/null; do
			out=$(shoji stop node1 2>&1)
			case "$out" in
			*"is being taken down; stop node1 once shoji down has finished"*)
				refused=$((refused + 1)) ;;
			esac
		done
		wait $down; echo "down: $?"; cat /tmp/down.out; echo "refused: $refused"'
	if [[ "$output" == *"down: 0"* ]]; then
		assert_output_contains "node1: down"
		[[ "$output" =~ refused:\ [1-9] ]] || fail "no stop was refused while down ran: $output"
	else
		# a stop was under way when down came: down refused, naming it
		assert_output_contains "shoji: a start, stop or restart of a node of /shoji/$PLAN is under way; take it down once it has finished"
		run shoji_in down node1
		assert_status 0
	fi
	[ "$(status_field node1 state)" = stopped ]
	[ "$(status_field node1 partitioned)" = false ]
}

@test "two starts of node1 at once: one starts it, the other is refused" {
	# node1's CPU and disk are node0's again: the start takes them first
	starts=$(node0 'dmesg | grep -c "Shoji: node1: starting CPU"')
	run node0 'shoji start node1 > /tmp/start1 2>&1 & first=$!
		shoji start node1 > /tmp/start2 2>&1; second=$?
		wait $first; echo "first: $? second: $second"; cat /tmp/start1 /tmp/start2'
	[[ "$output" == *"first: 0 second: 1"* || "$output" == *"first: 1 second: 0"* ]] ||
		fail "not exactly one start: $output"
	assert_output_contains "node1: running"
	assert_output_contains "shoji: node1 is "
	wait_state node1 running
	# node0's kernel started it once
	[ "$(node0 'dmesg | grep -c "Shoji: node1: starting CPU"')" = $((starts + 1)) ] ||
		fail "node1 was not started exactly once: $(node0 'dmesg | grep "Shoji: node1: starting CPU"')"
}

@test "reboot inside node1 restarts it at once, and that is no failure (on_reboot = restart)" {
	[ "$(status_field node1 on_reboot)" = restart ]
	failures=$(status_field node1 failures_in_a_row)
	restarts=$(status_field node1 restart_count)
	last=$(status_field node1 last_failure)
	boot1=$(mgr_exec node1 'cat /proc/sys/kernel/random/boot_id')
	[ -n "$boot1" ] || fail "no boot id from node1"
	# the node parks with the reason "reboot": the command gets no answer
	run node0 "shoji exec node1 --timeout 5 -- 'reboot -f'"
	wait_event "node1 running -> booting: rebooted itself (reboot); on_reboot = restart: starting it again" 30
	wait_state node1 running 120
	boot2=$(mgr_exec node1 'cat /proc/sys/kernel/random/boot_id')
	[ -n "$boot2" ] && [ "$boot2" != "$boot1" ] || fail "node1 did not boot again: $boot1 -> $boot2"
	# not a crash: nothing counted, no back-off, no log kept
	[ "$(status_field node1 failures_in_a_row)" = "$failures" ]
	[ "$(status_field node1 restart_count)" = "$restarts" ]
	[ "$(status_field node1 last_failure)" = "$last" ]
	# the journal from the reboot on: booting again at once, no crash
	run node0 "shoji events | sed -n '/rebooted itself (reboot); on_reboot = restart/,\$p'"
	assert_output_contains "node1 running -> booting: rebooted itself (reboot); on_reboot = restart: starting it again"
	assert_output_contains "node1 restarting: forced stop, load, start"
	assert_output_contains "node1 booting -> running"
	[[ "$output" != *crashed* && "$output" != *"restart 1 of"* ]] || fail "counted as a failure: $output"
	# node0 gave nothing back meanwhile: node1 keeps its CPU and disk
	run node0 'cat /sys/devices/system/cpu/online'
	[ "$output" = 0,2-7 ] || fail "node0's CPUs: $output"
}

@test "node1 whose agent died is degraded, not restarted; shoji restart brings it back" {
	# the agent runs this command: it never answers
	run node0 "shoji exec node1 --timeout 3 -- 'kill \$(pidof shoji-agent)'"
	assert_status 124
	wait_state node1 degraded 30
	[[ "$(status_field node1 cause)" == *"agent has been silent"* ]] ||
		fail "cause: $(status_field node1 cause)"
	h1=$(status_field node1 heartbeat)
	sleep 1
	[ "$(status_field node1 heartbeat)" -gt "$h1" ] || fail "the kernel heartbeat stopped"
	[ "$(status_field node1 restart_count)" -eq 0 ]
	run shoji_in restart node1
	assert_status 0
	assert_output_contains "node1: running"
}

@test "shoji down stops node1 and gives its CPU and disk back to node0" {
	run shoji_in down
	assert_status 0
	assert_output_contains "node1: down"
	run node0 'cat /sys/devices/system/cpu/online; readlink /sys/bus/pci/devices/0000:00:03.0/driver; cat /sys/bus/pci/devices/0000:00:03.0/driver_override; shoji-load status 1'
	assert_output_contains "0-7"
	assert_output_contains "drivers/nvme"
	assert_output_contains "(null)"
	assert_output_contains "node1: stopped"
	# node0 uses the disk again
	run node0 'ls /sys/bus/pci/devices/0000:00:03.0/nvme/nvme*/nvme*n1'
	assert_status 0
	run shoji_in status
	assert_output_contains "No plan is up"
	run shoji_in events
	assert_output_contains "manager down /shoji/configs/two-nodes.ini"
}

@test "up expedites RCU grace periods for the CPU hotplug only, and leaves node0's setting as it found it" {
	for before in 0 1; do
		node0 "echo $before > /sys/kernel/rcu_expedited"
		run shoji_in up /shoji/$PLAN
		assert_status 0
		run node0 'cat /sys/kernel/rcu_expedited; echo 0 > /sys/kernel/rcu_expedited'
		[ "$output" = "$before" ] || fail "rcu_expedited was $before before up, $output after"
		run shoji_in down
		assert_status 0
	done
}
