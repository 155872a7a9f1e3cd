#!/usr/bin/env bats
# The server machine (UEFI, two sockets and NUMA nodes, NVMe disks, e1000e
# NICs): node0 boots under OVMF, gives node1 and node2 cores of one socket,
# their NVMe disks and their NICs; disks and network are checked from
# inside the kernels.

load helpers
load node-helpers

PLAN=configs/server.ini
NET=10.99.0

# The nodes boot in the test after the checks that need node0 whole.
setup_file() {
	testbed_start "$REPO/$PLAN" --machine server
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure 1 2
}

# The PCI address of node N's NIC (node0's is 00:08.0).
nic_bdf() {
	printf '00:%02x.0' $(($1 + 8))
}

# The interface of the NIC at PCI address BDF, inside node N (0 is node0).
nic_of() {
	kernel_exec "$1" "ls /sys/bus/pci/devices/0000:$2/net"
}

@test "node0 booted through UEFI and sees two NUMA nodes" {
	run node0 '[ -d /sys/firmware/efi ] && echo efi; dmesg | grep -c "efi: EFI v"'
	assert_status 0
	[ "$(echo "$output" | head -1)" = efi ] || fail "no /sys/firmware/efi: $output"
	run node0 'ls -d /sys/devices/system/node/node*'
	[ "$output" = "/sys/devices/system/node/node0
/sys/devices/system/node/node1" ] || fail "NUMA nodes of node0: $output"
	# NUMA node 1 (socket 1) has 4 GiB, of which node1 took 1 GiB
	run node0 "awk '/MemTotal/ { print \$4 }' /sys/devices/system/node/node1/meminfo"
	[ "$output" -gt $((2 << 20)) ] && [ "$output" -le $((3 << 20)) ] ||
		fail "MemTotal of NUMA node 1 in node0: $output kB"
}

@test "shoji check reads the machine's memory map as UEFI gave it" {
	run node0 "shoji check /shoji/$PLAN"
	assert_status 0
	# node0's firmware map is what the EFI stub built from UEFI's map
	run node0 'grep -c . /sys/firmware/memmap/*/type | wc -l; dmesg | grep -m1 "e820: update\|efi: mem"'
	assert_status 0
	[ "$(echo "$output" | head -1)" -gt 3 ] || fail "firmware memory map: $output"
}

@test "shoji check warns of a node whose CPUs and memory are on different sockets" {
	# node1 and node2 swap their CPUs: same reservations, crossed sockets
	node0 "sed -e '/^\[node1\]/,/^\[/ s/^cpus = 4-5\$/cpus = 2-3/' \
		-e '/^\[node2\]/,/^\[/ s/^cpus = 2-3\$/cpus = 4-5/' \
		/shoji/$PLAN > /tmp/crossed.ini"
	run node0 "cp /tmp/crossed.ini /shoji/configs/crossed.ini && shoji check /shoji/configs/crossed.ini"
	assert_status 0
	assert_output_contains "[node1] memory = 1G@0x180000000: 0x180000000-0x1bfffffff is in NUMA domain 1, the node's CPUs 2-3 (cpus at line 22) in domain 0"
	assert_output_contains "[node2] memory = 512M@0x100000000: 0x100000000-0x11fffffff is in NUMA domain 0, the node's CPUs 4-5 (cpus at line 36) in domain 1"
	assert_output_contains "every memory access crosses sockets"
	run node0 "shoji check /shoji/$PLAN"
	assert_status 0
	assert_only_unconfined_dma_warnings
}

@test "node0 gives node1 and node2 their cores, memory, disks and NICs and starts them" {
	nodes_boot 1 2
}

@test "node1 sees its two CPUs of socket 1, their NUMA domain, and exactly its NVMe disk and NIC" {
	run node_exec 1 'grep ^apicid /proc/cpuinfo | tr -s "\t " " "; ls /sys/bus/pci/devices'
	assert_status 0
	[ "$output" = "apicid : 4
apicid : 5
0000:00:03.0
0000:00:09.0" ] || fail "node1 sees: $output"
	run node_exec 1 'cat /sys/bus/pci/devices/0000:00:03.0/class /sys/bus/pci/devices/0000:00:09.0/class'
	[ "$output" = "0x010802
0x020000" ] || fail "classes of node1's devices: $output"
	# Its one NUMA node is socket 1's proximity domain, as node0 told it
	run node_exec 1 'dmesg | grep "proximity domain"; ls -d /sys/devices/system/node/node*'
	assert_status 0
	assert_output_contains "Shoji: node1: NUMA node 0 is the machine's proximity domain 1"
	[ "${lines[-1]}" = /sys/devices/system/node/node0 ] && [ "${#lines[@]}" = 2 ] ||
		fail "node1's NUMA nodes: $output"
}

@test "each node's NVMe disk is mounted by its label and keeps what is written" {
	for n in 1 2; do
		run node_exec $n "grep ' /shoji ' /proc/mounts"
		assert_status 0
		[[ "$output" == /dev/nvme0n1\ /shoji\ ext4* ]] || fail "node$n's /shoji: $output"
		run node_exec $n 'dd if=/dev/urandom of=/shoji/written bs=1M count=8 2>/dev/null && sync &&
			sum1=$(sha256sum < /shoji/written) && echo 3 > /proc/sys/vm/drop_caches &&
			sum2=$(sha256sum < /shoji/written) && [ "$sum1" = "$sum2" ] && echo "${sum1%% *}"'
		assert_status 0
		[[ "$output" =~ ^[0-9a-f]{64}$ ]] || fail "node$n read back: $output"
	done
}

@test "the NVMe disks and NICs of the nodes raise MSI-X interrupts in the node" {
	for n in 1 2; do
		nic=$(nic_of $n "$(nic_bdf $n)") && [ -n "$nic" ] || fail "node$n: no NIC at $(nic_bdf $n)"
		node_exec $n "ip link set $nic up"
		run node_exec $n "sleep 2; cat /proc/interrupts"
		assert_status 0
		for bdf in 00:0$((n + 2)).0 "$(nic_bdf $n)"; do
			# a vector of the device, delivered as MSI-X, counted at least once
			echo "$output" | grep "PCI-MSIX-0000:$bdf" |
				awk '{ for (i = 2; i <= 3; i++) sum += $i } END { exit !(NR > 0 && sum > 0) }' ||
				fail "node$n: no MSI-X interrupt counted for $bdf: $output"
		done
	done
}

@test "node0, node1 and node2 reach each other over their NICs" {
	nic0=$(nic_of 0 00:08.0) && [ -n "$nic0" ]
	node0 "ip addr add $NET.1/24 dev $nic0 && ip link set $nic0 up"
	for n in 1 2; do
		nic=$(nic_of $n "$(nic_bdf $n)") && [ -n "$nic" ]
		node_exec $n "ip addr add $NET.$((n + 1))/24 dev $nic && ip link set $nic up"
	done
	run node0 "ping -c 3 -W 5 $NET.2 && ping -c 3 -W 5 $NET.3"
	assert_status 0
	run node_exec 1 "ping -c 3 -W 5 $NET.1 && ping -c 3 -W 5 $NET.3"
	assert_status 0
}

@test "a TCP transfer from node1 to node0 arrives whole" {
	run node_exec 1 "dd if=/dev/urandom of=/tmp/send bs=1M count=4 2>/dev/null && sha256sum < /tmp/send"
	assert_status 0
	sent=${output%% *}
	# busybox nc quits when its standard input ends: the receiver's stays
	# open until the sender has closed the connection.
	node0 "rm -f /tmp/received; (sleep 300 | nc -l -p 5001 > /tmp/received &); sleep 1"
	run node_exec 1 "nc $NET.1 5001 < /tmp/send"
	assert_status 0
	# shellcheck disable=SC2016 # node0's shell expands it
	wait_until 20 "node0 to receive all 4 MiB" --every 1 --node0 -- \
		's=$(stat -c %s /tmp/received); echo "$s bytes"; [ "$s" = 4194304 ]'
	run node0 'sha256sum < /tmp/received'
	assert_status 0
	[ "${output%% *}" = "$sent" ] || fail "sent $sent, node0 received ${output%% *}"
}

@test "without an IOMMU, node1's disk told to write node0's memory does (18-iommu-dma.bats blocks it)" {
	! testbed_iommu || skip "this machine has an IOMMU, which blocks the write"
	addr=$(dma_target_start)
	run node_exec 1 "$(nvme_probe_command 0000:00:03.0 $addr)"
	assert_status 0
	grep -qx 'identify: status 0' <<< "$output" || fail "the controller: $output"
	run dma_target_check
	[[ "$output" == "target changed: "* ]] || fail "node0's page: $output"
}
