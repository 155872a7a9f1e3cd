#!/usr/bin/env bats
# node1 and node2 of the three-node plan run at the same time, each on its
# own CPUs, memory and disk, and a crash in one leaves the other alone.

load helpers
load node-helpers

PLAN=configs/three-nodes.ini

setup_file() {
	testbed_start "$REPO/$PLAN"
	nodes_boot 1 2
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure
}

@test "node1 and node2 both reach their init, each on its own UART" {
	grep -q "init: node1 ready" "$TESTBED_DIR/com2.log"
	grep -q "init: node2 ready" "$TESTBED_DIR/com3.log"
	! grep -q "shoji.node=2" "$TESTBED_DIR/com2.log"
	! grep -q "shoji.node=1" "$TESTBED_DIR/com3.log"
	grep -q "smp: Brought up 1 node, 2 CPUs" "$TESTBED_DIR/com3.log"
}

@test "each node sees exactly its own CPUs" {
	run node_exec 1 'nproc; grep ^apicid /proc/cpuinfo | tr -d "\t "'
	assert_status 0
	[ "$output" = "1
apicid:1" ] || fail "node1: $output"
	run node_exec 2 'nproc; grep ^apicid /proc/cpuinfo | tr -d "\t "'
	assert_status 0
	[ "$output" = "2
apicid:2
apicid:3" ] || fail "node2: $output"
}

@test "node2's memory is its planned ranges and its low window" {
	assert_node_memory 2
}

@test "each node sees only its own PCI device and writes its own disk" {
	run node_exec 1 'ls /sys/bus/pci/devices'
	[ "$output" = 0000:00:03.0 ] || fail "node1: $output"
	run node_exec 2 'ls /sys/bus/pci/devices'
	[ "$output" = 0000:00:04.0 ] || fail "node2: $output"
	for n in 1 2; do
		# the first 1 KiB of an ext4 disk is free
		run node_exec $n "disk=\$(findfs LABEL=shoji-node$n) &&
			echo disk-of-node$n | dd of=\$disk bs=512 count=1 conv=sync,fsync 2>/dev/null &&
			dd if=\$disk bs=512 count=1 iflag=direct 2>/dev/null | head -n1"
		assert_status 0
		[ "$output" = "disk-of-node$n" ] || fail "node$n read back: $output"
	done
	grep -q disk-of-node1 <(head -c 512 "$TESTBED_DIR/node1.img")
	grep -q disk-of-node2 <(head -c 512 "$TESTBED_DIR/node2.img")
}

@test "a crash of node2 leaves node1 and node0 running; node2 starts again" {
	run node0 'shoji-load status 1'
	h1=$(echo "$output" | sed 's/.*heartbeat \([0-9]*\).*/\1/')
	run node_exec 2 'echo c > /proc/sysrq-trigger'
	run node_state 2
	assert_output_contains "node2: panicked"
	assert_output_contains "sysrq triggered crash"
	sleep 1
	run node_exec 1 'echo alive'
	assert_status 0
	[ "$output" = alive ]
	run node0 'shoji-load status 1'
	h2=$(echo "$output" | sed 's/.*heartbeat \([0-9]*\).*/\1/')
	[ "$h2" -gt "$h1" ] || fail "node1's heartbeat stopped: $h1 -> $h2"
	node0 'shoji-load stop 2' >/dev/null
	node_boot 2
	run node_exec 2 'nproc'
	[ "$output" = 2 ]
}

@test "node0's kernel refuses node2 node1's disk, and node2 uses no device node0 did not give it" {
	node0 'shoji-load stop 2' >/dev/null
	# Without a plan shoji-load checks node2 alone: only node0's kernel
	# knows that 00:03.0 is node1's
	run node0 "shoji-load load 2 --cpus 2-3 --memory 512M@0x120000000,256M@0x140000000 \
		--lowmem 64K@0x70000 --control 64K@0x60000000 --kernel /shoji/out/bzImage --pci 00:03.0"
	assert_status 1
	assert_output_contains "Shoji: node2: 0000:00:03.0 is node1's"
	# node1's disk in node2's setup_data, but node0 did not give it to node2
	run node0 "shoji-load load /shoji/$PLAN 2 --test-setup-pci 00:03.0 && shoji-load start 2"
	assert_status 0
	node_wait_running 2
	run node_exec 2 'ls /sys/bus/pci/devices'
	[ "$output" = 0000:00:04.0 ] || fail "node2: $output"
	run node_exec 2 'dmesg | grep "not used"'
	assert_output_contains "node2: PCI device 0000:00:03.0 is in the node's setup_data, but node0 did not give it to the node: not used"
	# node1 still has its disk, untouched by node2
	run node_exec 1 'dd if=$(findfs LABEL=shoji-node1) bs=512 count=1 iflag=direct 2>/dev/null | head -n1'
	[ "$output" = disk-of-node1 ] || fail "node1's disk: $output"
}

@test "shoji-load release gives a stopped node2's disk back to node0, not a running one's" {
	run node0 'shoji-load release 2 00:04.0'
	assert_status 1
	assert_output_contains "node0's kernel says: Shoji: node2: 0000:00:04.0: cannot give it back to node0 while the node runs; stop the node first"
	run node0 'shoji-load stop 2 >/dev/null && shoji-load release 2 00:04.0 &&
		echo 0000:00:04.0 > /sys/bus/pci/drivers/nvme/bind && sleep 2 &&
		readlink /sys/bus/pci/devices/0000:00:04.0/driver && findfs LABEL=shoji-node2'
	assert_status 0
	assert_output_contains "node2: PCI device 0000:00:04.0 given back to node0"
	assert_output_contains "drivers/nvme"
	assert_output_contains "/dev/nvme"
	# given back: a second release has nothing to give
	run node0 'shoji-load release 2 00:04.0'
	assert_status 1
	assert_output_contains "node0 did not give it to the node"
}
