#!/usr/bin/env bats
# The server machine with an IOMMU that remaps interrupts (shoji-testbed
# start --iommu): node0 runs in x2APIC mode with its interrupts remapped,
# as on a current server. A node's devices cannot work there yet (their
# compatibility-format MSIs would be blocked), so shoji check and shoji up
# refuse a plan that gives a node devices, saying why; a node with CPUs
# and memory only runs, in x2APIC mode. 18-iommu-dma.bats has the IOMMU
# with remapping off.

load helpers
load node-helpers
load manager-helpers

PLAN=configs/two-nodes.ini

setup_file() {
	testbed_start "$REPO/$PLAN" --machine server --iommu
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure 1
}

@test "node0 runs in x2APIC mode with its interrupts remapped by the IOMMU" {
	run node0 "dmesg | grep -E 'DMAR-IR: Enabled IRQ remapping in x2apic mode|x2apic enabled|Switched APIC routing to: physical x2apic|x2apic: enabled'"
	assert_status 0
	assert_output_contains "DMAR-IR: Enabled IRQ remapping in x2apic mode"
	run node0 "grep -c ' IR-' /proc/interrupts"
	assert_status 0
	[ "$output" -gt 0 ] || fail "no remapped interrupt chip in node0: $output"
}

@test "shoji check refuses a node's device whose interrupts would not arrive" {
	run node0 "shoji check /shoji/$PLAN"
	assert_status 2
	assert_output_contains "[node1] pci = 00:03.0: 0000:00:03.0: node0's IOMMU remaps interrupts"
	assert_output_contains "their interrupts would never reach [node1]; boot node0 with intremap=off"
	# its DMA would be confined: no warning
	[[ "$output" != *"no IOMMU translates it"* ]] || fail "$output"
}

@test "shoji up refuses that plan and changes nothing" {
	before=$(node0 'cat /sys/devices/system/cpu/online; readlink /sys/bus/pci/devices/0000:00:03.0/driver')
	run shoji_in up /shoji/$PLAN
	assert_status 2
	assert_output_contains "node0's IOMMU remaps interrupts"
	assert_output_contains "nothing was changed"
	[ "$(node0 'cat /sys/devices/system/cpu/online; readlink /sys/bus/pci/devices/0000:00:03.0/driver')" = "$before" ] ||
		fail "node0 changed"
}

@test "a node with CPUs and memory only runs, in x2APIC mode" {
	node0 "sed '/^pci = /d' /shoji/$PLAN > /shoji/configs/no-devices.ini"
	run shoji_in up /shoji/configs/no-devices.ini
	assert_status 0
	assert_output_contains "node1: running"
	run mgr_exec node1 "nproc; dmesg | grep -c -E 'x2apic: enabled|APIC routing to: (physical|cluster) x2apic'; ls /sys/bus/pci/devices | wc -l"
	assert_status 0
	set -- $output
	[ "$1" = 1 ] && [ "$2" -gt 0 ] && [ "$3" = 0 ] || fail "node1: $output"
	run shoji_in down
	assert_status 0
}
