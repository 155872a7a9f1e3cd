#!/usr/bin/env bats
# The older machine (shoji-testbed start --machine pc: SeaBIOS, one NUMA
# node, virtio disks, 4 CPUs and 4 GiB) still runs nodes: machines without
# UEFI or an IOMMU exist too. The two-node plan fits it as it is.

load helpers
load node-helpers

PLAN=configs/two-nodes.ini

setup_file() {
	testbed_start "$REPO/$PLAN" --machine pc
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure 1
}

@test "node0 booted from BIOS on one NUMA node with 4 CPUs" {
	run node0 '[ -d /sys/firmware/efi ] && echo efi; ls -d /sys/devices/system/node/node*; grep -c ^processor /proc/cpuinfo'
	assert_status 0
	[ "$output" = "/sys/devices/system/node/node0
4" ] || fail "node0 sees: $output"
	run node0 "shoji check /shoji/$PLAN"
	assert_status 0
}

@test "node1 boots and sees its own CPU, memory and virtio disk" {
	nodes_boot 1
	run node_exec 1 'grep ^apicid /proc/cpuinfo | tr -s "\t " " "; ls /sys/bus/pci/devices; cat /sys/bus/pci/devices/*/vendor'
	assert_status 0
	[ "$output" = "apicid : 1
0000:00:03.0
0x1af4" ] || fail "node1 sees: $output"
	run node_exec 1 "grep ' /shoji ' /proc/mounts; awk '/MemTotal/ { print \$2 }' /proc/meminfo"
	assert_status 0
	[[ "$(echo "$output" | head -1)" == "/dev/vda /shoji ext4"* ]] || fail "node1's /shoji: $output"
	mem=$(echo "$output" | tail -1)
	[ "$mem" -le $(( (512 << 10) + 64 )) ] && [ "$mem" -gt $(( 400 << 10 )) ] ||
		fail "MemTotal of node1: $mem kB"
}

@test "node1 writes its virtio disk and the bytes reach the disk image" {
	run node_exec 1 'echo pc-node1-$$ | dd of=/dev/vda bs=512 count=1 conv=sync,fsync 2>/dev/null &&
		dd if=/dev/vda bs=512 count=1 iflag=direct 2>/dev/null | head -n1'
	assert_status 0
	[[ "$output" == pc-node1-* ]] || fail "read back: $output"
	grep -q "$output" <(head -c 512 "$TESTBED_DIR/node1.img")
}
