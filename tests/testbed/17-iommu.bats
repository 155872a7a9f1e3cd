#!/usr/bin/env bats
# The server machine with an IOMMU that remaps interrupts (shoji-testbed
# start --iommu): node0 runs in x2APIC mode with its interrupts remapped,
# as on a current server. It lends node1 remapping entries for its NVMe
# disk's MSI-X vectors; node1 composes remappable-format messages that
# name them, and asks node0 (in its control page, with the platform IPI)
# to point each entry at the vector and CPU it chose. QEMU would let
# compatibility-format messages through too, so the tests look at what
# node1 composed, not only at a disk that works. 18-iommu-dma.bats has the
# IOMMU with remapping off.

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

DISK=0000:00:03.0

# The sum over CPUs of the counts in /proc/interrupts lines
sum_counts() {
	awk '{ for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i } END { print n + 0 }'
}

# node0's count of platform IPIs, on which nodes ask for remapping
# entries (no PLT line before the first node device got entries)
platform_ipis() {
	node0 "grep 'PLT:' /proc/interrupts || true" | sum_counts
}

# node1's count of interrupts of its NVMe disk
nvme_interrupts() {
	mgr_exec node1 "grep nvme /proc/interrupts" | sum_counts
}

# Starts, in node1, a writer that keeps its disk busy until the node dies
start_disk_load() {
	run mgr_exec node1 'm=$(grep -m1 nvme /proc/mounts | cut -d" " -f2); (while :; do dd if=/dev/urandom of=$m/load bs=64k count=32 2>/dev/null; sync; done) </dev/null >/dev/null 2>&1 & sleep 2; grep nvme /proc/interrupts'
	assert_status 0
}

# node1 came back from a failure under disk load: a new kernel, whose
# disk interrupts it through remapping entries again and whose data goes
# through; node0 started only the image it had loaded (the start checks
# every segment's hash) and saw no DMA or interrupt of the old kernel's
# disk fault after it reset the disk
assert_node1_back() {
	local boots=$1
	run mgr_exec node1 'cut -d. -f1 /proc/uptime; grep -c SHOJI-IR-PCI-MSIX /proc/interrupts'
	assert_status 0
	[ "${lines[1]}" -gt 0 ] || fail "node1's vectors: $output"
	before=$(nvme_interrupts)
	run mgr_exec node1 'dd if=/dev/urandom of=/tmp/d bs=1M count=4 2>/dev/null; m=$(grep -m1 nvme /proc/mounts | cut -d" " -f2); cp /tmp/d $m/d && sync && echo 3 > /proc/sys/vm/drop_caches && cmp /tmp/d $m/d && echo same'
	assert_output_contains same
	after=$(nvme_interrupts)
	[ "$after" -gt "$before" ] || fail "no disk interrupt arrived: $before before, $after after"
	[ "$(status_field node1 interrupts_remapped)" = true ]
	run node0 "dmesg | grep -c 'node1: loaded'"
	[ "$output" -eq "$boots" ] || fail "node1 loaded $output times, not $boots"
	run node0 "dmesg | grep -E 'changed since it was loaded|DMAR: \[(DMA|INTR-REMAP)' || true"
	[ -z "$output" ] || fail "node0: $output"
}

@test "shoji check has nothing to say: node0's Intel IOMMU lends a node remapping entries" {
	run node0 "shoji check /shoji/$PLAN"
	assert_status 0
	[ -z "$output" ] || fail "unexpected output: $output"
}

@test "shoji up gives node1 its disk with remapping entries and confined DMA" {
	ipis=$(platform_ipis)
	# restarted at once after a failure, node1 is loaded again while its
	# disk resets
	node0 "sed 's/^restart_backoff = .*/restart_backoff = 0s/' /shoji/$PLAN > /shoji/configs/no-backoff.ini"
	run shoji_in up /shoji/configs/no-backoff.ini
	assert_status 0
	assert_output_contains "node1: node0's IOMMU confines the DMA of its PCI devices to its memory"
	assert_output_contains "node1: its PCI devices interrupt it through remapping entries node0's IOMMU lends it"
	assert_output_contains "node1: running"
	[ "$(status_field node1 interrupts_remapped)" = true ] || fail "$(shoji_in status --json)"
	[ "$(status_field node1 dma_confined)" = true ]
	run node0 "dmesg | grep 'Shoji: node1: $DISK: interrupts remapped through'"
	assert_status 0
	# node1's driver asked node0 for its entries, on node0's platform IPI
	[ "$(platform_ipis)" -gt "$ipis" ] || fail "no platform IPI reached node0 ($ipis before)"
}

@test "node1 runs in x2APIC mode and its disk interrupts it through remappable messages" {
	run mgr_exec node1 "dmesg | grep -E 'x2apic: enabled|APIC routing to: physical x2apic|device interrupts go through node0'"
	assert_status 0
	assert_output_contains "device interrupts go through node0's remapping entries"
	assert_output_contains "x2apic"
	# every vector of the disk sits on node1's remapping domain
	run mgr_exec node1 "grep nvme /proc/interrupts"
	assert_status 0
	assert_output_contains "SHOJI-IR-PCI-MSIX-$DISK"
	[[ "$output" != *" PCI-MSIX-$DISK"* ]] || fail "vectors in compatibility format: $output"
	before=$(nvme_interrupts)
	# 16 MiB through the disk and back, past the page cache
	run mgr_exec node1 'dd if=/dev/urandom of=/tmp/d bs=1M count=16 2>/dev/null; m=$(grep -m1 nvme /proc/mounts | cut -d" " -f2); cp /tmp/d $m/d && sync && echo 3 > /proc/sys/vm/drop_caches && cmp /tmp/d $m/d && echo same'
	assert_status 0
	assert_output_contains same
	after=$(nvme_interrupts)
	[ "$after" -gt "$before" ] || fail "no disk interrupt arrived: $before before, $after after"
	# node0 saw no blocked interrupt and no DMA fault
	run node0 "dmesg | grep -c -E 'DMAR: \[(DMA|INTR-REMAP)' || true"
	[ "$output" = 0 ] || fail "faults in node0: $(node0 "dmesg | grep -E 'DMAR: \[(DMA|INTR-REMAP)'")"
}

@test "node1 crashed while its disk is busy comes back with its disk and interrupts" {
	start_disk_load
	run mgr_exec node1 'echo c > /proc/sysrq-trigger'
	[ "$status" -eq 125 ] || fail "exec of the crash: status $status, $output"
	wait_event "node1 running -> crashed: Kernel panic - not syncing: sysrq triggered crash" 10
	wait_field node1 restart_count 1 60
	wait_state node1 running 120
	run shoji_in events
	assert_output_contains "node1 stopped by force after its failure; its CPUs are parked, its PCI devices resetting while it is loaded again: $DISK"
	assert_node1_back 2
}

@test "node1 hung while its disk is busy is stopped by force and comes back" {
	start_disk_load
	hang_node node1
	wait_field node1 restart_count 2 60
	wait_state node1 running 120
	run node0 'dmesg | grep "node1: stopped"'
	assert_output_contains "it did not park in time, sent NMI and INIT"
	assert_node1_back 3
}

@test "shoji restart of node1 with a busy disk resets it once, while the new kernel is loaded" {
	start_disk_load
	run shoji_in restart node1
	assert_status 0
	assert_output_contains "node1: running"
	# reset at the stop; the start after it does not reset it again
	[ "$(grep -c "node1: PCI device $DISK reset" <<< "$output")" = 1 ] ||
		fail "not one reset: $output"
	# reported after the stop, by the load that waited for it
	[[ "$output" == *"node1: stopped"*"PCI device $DISK reset"*"node1: loaded"* ]] ||
		fail "the reset is not the load's: $output"
	assert_node1_back 4
}

@test "shoji down gives the disk back to node0's driver" {
	run shoji_in down
	assert_status 0
	run node0 "dmesg | grep 'Shoji: node1: $DISK: given back'"
	assert_status 0
	run node0 "sleep 1; readlink /sys/bus/pci/devices/$DISK/driver"
	assert_output_contains "drivers/nvme"
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
