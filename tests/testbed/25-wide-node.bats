#!/usr/bin/env bats
# A node of more than 64 CPUs: 65 of a machine of 66 in two sockets,
# brought up by the manager. Each CPU the node's kernel runs is one node0
# gave it, its kernel knows which socket's memory is near which CPUs, the
# node stops with every one of them parked, and it starts again on all of
# them.
#
# The emulator runs the 66 CPUs in turn on one host thread: with a host
# thread each on a host of two cores, every wait of one CPU for all the
# others (CPU hotplug, stop_machine) took seconds, node0 took 2 s to take
# each CPU offline and the node's boot more than 2 minutes; in turn, the
# machine boots in about 2 minutes and the node in under 40 s.

load helpers
load manager-helpers

PLAN=configs/wide-node.ini

setup_file() {
	testbed_start "$REPO/$PLAN" --machine server --cpus 66 --tcg-threads single
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure 1
}

# The APIC IDs of NODE's online CPUs, one per line, sorted
apic_ids_of() {
	mgr_exec "$1" "awk -F': ' '/^apicid/ { print \$2 }' /proc/cpuinfo | sort -n"
}

@test "node0 counts 66 CPUs; shoji check accepts a node of 65" {
	run node0 'nproc'
	assert_status 0
	[ "$output" = 66 ] || fail "node0 has $output CPUs"
	# node1's CPUs, before node0 gives them away
	node0 "awk -F': ' '/^processor/ { p = \$2 } /^apicid/ && p >= 1 { print \$2 }' /proc/cpuinfo | sort -n" \
		> "$BATS_FILE_TMPDIR/node1-apic-ids"
	[ "$(wc -l < "$BATS_FILE_TMPDIR/node1-apic-ids")" = 65 ]
	run node0 "shoji check /shoji/$PLAN"
	assert_status 0
}

@test "shoji up starts node1 on all its 65 CPUs, those node0 gave it" {
	run node0 "shoji up /shoji/$PLAN"
	assert_status 0
	run node0 'shoji exec node1 -- "nproc; cat /sys/devices/system/cpu/online"'
	assert_status 0
	[ "$output" = "65
0-64" ] || fail "node1's CPUs: $output"
	run apic_ids_of node1
	assert_status 0
	[ "$output" = "$(cat "$BATS_FILE_TMPDIR/node1-apic-ids")" ] ||
		fail "node1's APIC IDs: $output"
	run node0 'cat /sys/devices/system/cpu/online'
	[ "$output" = 0 ] || fail "node0's online CPUs: $output"
}

@test "node1 spans both sockets: each NUMA node of its kernel holds one socket's CPUs and memory" {
	# node0 read the machine's SRAT for it: socket 0 (proximity domain 0)
	# holds 32 of its CPUs and its memory at 4 GiB, socket 1 (domain 1)
	# 33 CPUs and its memory at 6 GiB. Each line: the NUMA node, the
	# sockets of its CPUs, how many CPUs, its memory in MiB.
	# shellcheck disable=SC2016 # node1's shell expands it
	run mgr_exec node1 'for d in /sys/devices/system/node/node*; do
		echo "${d##*/} $(cat $d/cpu[0-9]*/topology/physical_package_id | sort -u | tr "\n" " ")$(ls -d $d/cpu[0-9]* | wc -l) $(($(awk "/MemTotal/ { print \$4 }" $d/meminfo) / 1024))"
	done'
	assert_status 0
	[ "${#lines[@]}" = 2 ] || fail "node1's NUMA nodes: $output"
	read -r node socket cpus mib <<< "${lines[0]}"
	[ "$node $socket $cpus" = "node0 0 32" ] && [ "$mib" -gt 300 ] && [ "$mib" -le 512 ] ||
		fail "node1's NUMA node 0: ${lines[0]}"
	read -r node socket cpus mib <<< "${lines[1]}"
	[ "$node $socket $cpus" = "node1 1 33" ] && [ "$mib" -gt 300 ] && [ "$mib" -le 512 ] ||
		fail "node1's NUMA node 1: ${lines[1]}"
	run mgr_exec node1 'dmesg | grep "is the machine.s proximity domain"'
	assert_output_contains "node1: NUMA node 0 is the machine's proximity domain 0"
	assert_output_contains "node1: NUMA node 1 is the machine's proximity domain 1"
}

@test "node1 stops with its 65 CPUs parked and starts again on all of them" {
	run node0 'shoji stop node1 && dmesg | grep "node1: .*parked at"'
	assert_status 0
	assert_output_contains "node1: 65 CPU(s) parked at"
	run node0 'shoji start node1'
	assert_status 0
	run node0 'shoji exec node1 -- nproc'
	assert_status 0
	[ "$output" = 65 ] || fail "node1 has $output CPUs after its restart"
}

@test "shoji down gives node0 its 66 CPUs back" {
	run node0 'shoji down && nproc'
	assert_status 0
	[ "${lines[-1]}" = 66 ] || fail "node0 has ${lines[-1]} CPUs: $output"
}
