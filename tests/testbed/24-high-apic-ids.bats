#!/usr/bin/env bats
# A server whose sockets hold more than 128 threads: socket 1's CPUs have
# APIC IDs 256 and up, which only x2APIC with interrupt remapping reaches
# (shoji-testbed start --high-apic-ids --iommu). node0 gives node1 two of
# them and node2 two of socket 0. x2APIC without remapping, as a node
# runs it, keeps CPUs above APIC ID 255 offline unless the node says that
# node0 remaps its interrupts.

load helpers
load node-helpers

PLAN=configs/server.ini

setup_file() {
	testbed_start "$REPO/$PLAN" --machine server --iommu --high-apic-ids
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure 1 2
}

# "CPU SOCKET APIC-ID" for each online CPU of node N (0 is node0)
apic_ids_of() {
	kernel_exec "$1" "awk -F': ' '/^processor/ { p = \$2 } /^physical id/ { s = \$2 } /^apicid/ { print p, s, \$2 }' /proc/cpuinfo"
}

@test "node0 runs x2APIC with interrupt remapping and counts socket 1's CPUs at APIC IDs 256-259" {
	run node0 "dmesg | grep 'DMAR-IR: Enabled IRQ remapping in x2apic mode'"
	assert_status 0
	run apic_ids_of 0
	assert_status 0
	# CPU, socket, APIC ID
	[ "$output" = "0 0 0
1 0 1
2 0 2
3 0 3
4 1 256
5 1 257
6 1 258
7 1 259" ] || fail "node0's CPUs: $output"
	run node0 "shoji check /shoji/$PLAN"
	assert_status 0
}

@test "node1 boots on APIC IDs 256 and 257 and brings both CPUs up; node2 on 2 and 3" {
	nodes_boot 1 2
	run apic_ids_of 1
	assert_status 0
	[ "$output" = "0 1 256
1 1 257" ] || fail "node1's CPUs (CPU, socket, APIC ID): $output"
	run apic_ids_of 2
	assert_status 0
	[ "$output" = "0 0 2
1 0 3" ] || fail "node2's CPUs (CPU, socket, APIC ID): $output"
}

@test "node1's NVMe interrupts reach both its CPUs through node0's remapping entries" {
	run node_exec 1 "dmesg | grep 'device interrupts go through node0.s remapping entries'"
	assert_status 0
	# one queue's interrupts per CPU: a write on each CPU raises both
	run node_exec 1 'for c in 0 1; do taskset -c $c dd if=/dev/zero of=/shoji/cpu$c bs=64k count=64 conv=fsync 2>/dev/null || exit 1; done
		grep nvme /proc/interrupts'
	assert_status 0
	echo "$output" | awk '{ cpu0 += $2; cpu1 += $3 } END { exit !(cpu0 > 0 && cpu1 > 0) }' ||
		fail "node1: NVMe interrupts not counted on both CPUs: $output"
}

@test "node1 is stopped and started again on its CPUs of socket 1" {
	run node0 'shoji-load stop 1 && dmesg | grep "node1: .*parked at"'
	assert_status 0
	assert_output_contains "node1: 2 CPU(s) parked at"
	node_boot 1
	run apic_ids_of 1
	assert_status 0
	[ "$output" = "0 1 256
1 1 257" ] || fail "node1's CPUs after the restart: $output"
}

@test "a crash of node1 on its high CPUs is node1's alone; node0 starts it again" {
	run node_exec 1 'echo c > /proc/sysrq-trigger'
	run node_state 1
	assert_output_contains "node1: panicked"
	assert_output_contains "Kernel panic - not syncing: sysrq triggered crash"
	run node_exec 2 'cat /sys/devices/system/cpu/online'
	assert_status 0
	[ "$output" = 0-1 ] || fail "node2's online CPUs after node1's crash: $output"
	node0 'shoji-load stop 1' >/dev/null
	node_boot 1
	run apic_ids_of 1
	assert_status 0
	[ "$output" = "0 1 256
1 1 257" ] || fail "node1's CPUs after the crash: $output"
}
