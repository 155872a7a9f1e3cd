#!/usr/bin/env bats
# The server machine with an IOMMU that translates DMA but does not remap
# interrupts (node0 booted with intremap=off, in xAPIC mode). node0 gives
# node1 its NVMe disk inside a domain that maps node1's memory only: the
# node's driver works as on bare metal, node0 cannot bind a driver to the
# disk while node1 has it, and gets it back at shoji down.

load helpers
load node-helpers
load manager-helpers

PLAN=configs/two-nodes.ini
DISK=0000:00:03.0

setup_file() {
	testbed_start "$REPO/$PLAN" --machine server --iommu --append intremap=off
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure 1
}

@test "node0's IOMMU translates DMA, remaps no interrupt, and shoji check has nothing to say" {
	run node0 "dmesg | grep -c 'DMAR: Intel(R) Virtualization Technology for Directed I/O'; grep -c ' IR-' /proc/interrupts; ls /sys/bus/pci/devices/$DISK/iommu_group/devices"
	[ "${lines[0]}" = 1 ] && [ "${lines[1]}" = 0 ] || fail "node0: $output"
	[ "${lines[2]}" = "$DISK" ] || fail "node1's disk shares its IOMMU group: $output"
	run node0 "shoji check /shoji/$PLAN"
	assert_status 0
	[ -z "$output" ] || fail "unexpected output: $output"
}

@test "shoji up confines node1's disk to node1's memory, and node1 uses it" {
	run shoji_in up /shoji/$PLAN
	assert_status 0
	assert_output_contains "node1: node0's IOMMU confines the DMA of its PCI devices to its memory"
	assert_output_contains "node1: running"
	[ "$(status_field node1 dma_confined)" = true ]
	run node0 "dmesg | grep 'Shoji: node1: $DISK'"
	assert_output_contains "Shoji: node1: $DISK: DMA confined to the node's memory"
	# 8 MiB through the disk (node1's init mounted it) and back, past the
	# page cache: every block went by DMA into node1's memory
	run mgr_exec node1 'dd if=/dev/urandom of=/tmp/d bs=1M count=8 2>/dev/null; m=$(grep -m1 nvme /proc/mounts | cut -d" " -f2); cp /tmp/d $m/d && sync && echo 3 > /proc/sys/vm/drop_caches && cmp /tmp/d $m/d && echo same'
	assert_status 0
	assert_output_contains same
	# and not one of its DMAs faulted
	run node0 "dmesg | grep -c 'DMAR: \[DMA' || true"
	[ "$output" = 0 ] || fail "DMA faults in node0: $(node0 'dmesg | grep "DMAR: \[DMA"')"
}

@test "node1's disk told to write node0's memory: blocked, node0's page unchanged, the fault node1's event" {
	addr=$(dma_target_start)
	run mgr_exec node1 "$(nvme_probe_command $DISK $addr)"
	assert_status 0
	# the controller completes the command (QEMU's NVMe says it went
	# well: it ignores the IOMMU's refusal of its write)
	assert_output_contains "identify: status"
	run dma_target_check
	[ "$output" = "target unchanged" ] || fail "node0's page: $output"
	run node0 "dmesg | grep 'DMAR: \[DMA Write'"
	assert_output_contains "Request device [00:03.0] fault addr $addr"
	wait_until 10 "node1's dma_faults to count the fault" -- status_field_test node1 dma_faults -ge 1
	run shoji_in events
	assert_output_contains "node1 DMA write at $addr by $DISK blocked by node0's IOMMU"
	# node1 itself goes on
	run mgr_exec node1 hostname
	assert_status 0
	[ "$output" = node1 ]
	[ "$(status_field node1 state)" = running ]
}

@test "node0 cannot bind a driver to the disk while node1 has it" {
	# without the manager's driver_override, only the IOMMU group's
	# owner stands in the way
	o=/sys/bus/pci/devices/$DISK/driver_override
	run node0 "echo > $o && echo $DISK > /sys/bus/pci/drivers/nvme/bind; s=\$?; echo shoji-node > $o; exit \$s"
	[ "$status" -ne 0 ] || fail "node0's nvme driver took node1's disk"
	run node0 "readlink /sys/bus/pci/devices/$DISK/driver || echo none"
	[ "$output" = none ] || fail "driver: $output"
}

@test "shoji down gives the disk back to node0's domain and driver" {
	run shoji_in down
	assert_status 0
	run node0 "dmesg | grep 'Shoji: node1: $DISK: given back'"
	assert_status 0
	run node0 "sleep 1; readlink /sys/bus/pci/devices/$DISK/driver; findfs LABEL=shoji-node1"
	assert_status 0
	assert_output_contains "drivers/nvme"
	assert_output_contains "/dev/nvme"
}
