#!/usr/bin/env bats
# What node0 refuses, and how it says so: every message names the node and
# the cause.

load helpers
load node-helpers

PLAN=configs/two-nodes.ini

setup_file() {
	testbed_start "$REPO/$PLAN"
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure
}

@test "a node whose CPU is still online in node0 is refused" {
	run node0 "echo 0000:00:03.0 > /sys/bus/pci/devices/0000:00:03.0/driver/unbind; shoji-load load /shoji/$PLAN 1"
	assert_status 1
	assert_output_contains "node1: CPU 1 is still online in node0"
}

@test "a node whose PCI device is still bound to a node0 driver is refused" {
	run node0 "echo 0 > /sys/devices/system/cpu/cpu1/online;
		echo 0000:00:03.0 > /sys/bus/pci/drivers/virtio-pci/bind; shoji-load load /shoji/$PLAN 1"
	assert_status 1
	assert_output_contains "node1: PCI device 0000:00:03.0 is still bound to node0's driver virtio-pci"
	node0 'echo 0000:00:03.0 > /sys/bus/pci/devices/0000:00:03.0/driver/unbind'
}

@test "a node whose memory is not reserved from node0 is refused" {
	run node0 "shoji-load load /shoji/$PLAN 1 --memory 256M@0x150000000"
	assert_status 1
	assert_output_contains "node1: memory 0x150000000-0x15fffffff is not reserved from node0"
	assert_output_contains 'memmap=262144K$0x150000000'
}

@test "a kernel built without the Shoji patch is refused" {
	# The same kernel with its marker broken stands in for one without it
	offset=$(grep -obUa ShojiNodeABI "$REPO/out/bzImage" | head -n1 | cut -d: -f1)
	[ -n "$offset" ]
	run node0 "cp /shoji/out/bzImage /tmp/plain-bzImage &&
		printf XXXXX | dd of=/tmp/plain-bzImage bs=1 seek=$offset conv=notrunc 2>/dev/null &&
		shoji-load load /shoji/$PLAN 1 --kernel /tmp/plain-bzImage"
	assert_status 1
	assert_output_contains "node1: kernel /tmp/plain-bzImage was built without the Shoji patch"
}

@test "a kernel of another Shoji node ABI is refused" {
	offset=$(grep -obUa ShojiNodeABI= "$REPO/out/bzImage" | head -n1 | cut -d: -f1)
	[ -n "$offset" ]
	run node0 "cp /shoji/out/bzImage /tmp/abi2-bzImage &&
		printf 2 | dd of=/tmp/abi2-bzImage bs=1 seek=$((offset + 13)) conv=notrunc 2>/dev/null &&
		shoji-load load /shoji/$PLAN 1 --kernel /tmp/abi2-bzImage"
	assert_status 1
	assert_output_contains "node1: kernel /tmp/abi2-bzImage speaks Shoji node ABI 2, this loader speaks ABI 1"
}

@test "a segment outside the node's memory is refused by node0's kernel" {
	run node0 "shoji-load load /shoji/$PLAN 1 --kernel-addr 0x40000000"
	assert_status 1
	assert_output_contains "node1: node0's kernel refused the image: Invalid argument"
	assert_output_contains "Shoji: node1: segment 1 (0x40000000-"
	assert_output_contains "is outside the node's memory"
}

@test "node0's kernel refuses to start a node whose CPU came back online" {
	run node0 "shoji-load load /shoji/$PLAN 1"
	assert_status 0
	run node0 "echo 1 > /sys/devices/system/cpu/cpu1/online; shoji-load start 1"
	assert_status 1
	assert_output_contains "node1: cannot start: Device or resource busy"
	assert_output_contains "CPU 1 is online in node0; offline it first"
	# and with the CPU given up, the same image starts
	run node0 "echo 0 > /sys/devices/system/cpu/cpu1/online; shoji-load start 1"
	assert_status 0
	node_wait_running 1
}

@test "the bad requests left node0 intact" {
	run node0 'cat /sys/devices/system/cpu/online; grep -c "System RAM" /proc/iomem'
	assert_status 0
	[ "${output%%$'\n'*}" = 0,2-3 ] || fail "node0's CPUs: $output"
}
