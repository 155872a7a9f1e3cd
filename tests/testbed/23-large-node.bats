#!/usr/bin/env bats
# A node of 32 GiB on the server machine started with 40 GiB. The start
# trampoline's identity page tables live in the node's 64 KiB low window;
# mapping the whole node there capped a node at about 12 GiB. They now
# map the kernel and its boot data only, whatever the node's size.

load helpers
load node-helpers

PLAN=configs/large-node.ini

setup_file() {
	testbed_start "$REPO/$PLAN" --machine server --memory 40G
	nodes_boot 1
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure 1
}

@test "node1 boots with 32 GiB of RAM and its kernel counts them" {
	run node_exec 1 'grep "System RAM" /proc/iomem; awk "/MemTotal/ { print \$2 }" /proc/meminfo'
	assert_status 0
	# from 10 GiB to 42 GiB, in pieces where boot data sits
	[[ "$output" == *$'\n'280000000-* ]] && [[ "$output" == *"-a7fffffff : System RAM"* ]] ||
		fail "node1's RAM: $output"
	total_kb=$(echo "$output" | tail -1)
	planned_kb=$((32 << 20))
	# the kernel keeps some for itself (its page structures: 512 MiB)
	[ "$total_kb" -le "$planned_kb" ] && [ "$total_kb" -gt $((planned_kb * 9 / 10)) ] ||
		fail "node1: MemTotal $total_kb kB of $planned_kb kB planned"
}

@test "node1 is stopped and started again with its 32 GiB" {
	run node0 'shoji-load stop 1 && dmesg | grep "node1: .*parked at"'
	assert_status 0
	assert_output_contains "node1: 1 CPU(s) parked at 0x8f000 with machine checks enabled"
	node_boot 1
	run node_exec 1 'awk "/MemTotal/ { print \$2 }" /proc/meminfo'
	assert_status 0
	[ "$output" -gt $(( (32 << 20) * 9 / 10 )) ] || fail "node1: MemTotal $output kB"
}
