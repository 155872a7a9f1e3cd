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
		echo 0000:00:03.0 > /sys/bus/pci/drivers/nvme/bind; shoji-load load /shoji/$PLAN 1"
	assert_status 1
	assert_output_contains "node1: PCI device 0000:00:03.0 is still bound to node0's driver nvme"
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
	run node0 "cp /shoji/out/bzImage /tmp/abi9-bzImage &&
		printf 9 | dd of=/tmp/abi9-bzImage bs=1 seek=$((offset + 13)) conv=notrunc 2>/dev/null &&
		shoji-load load /shoji/$PLAN 1 --kernel /tmp/abi9-bzImage"
	assert_status 1
	assert_output_contains "node1: kernel /tmp/abi9-bzImage speaks Shoji node ABI 9, this loader speaks ABI 3"
}

@test "a segment outside the node's memory is refused by node0's kernel" {
	run node0 "shoji-load load /shoji/$PLAN 1 --test-kernel-addr 0x40000000"
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

# Prints how many lines of node1's console (COM2) hold TEXT and succeeds
# when they are more than N: a command for wait_until.
com2_count_above() {
	local count
	count=$(grep -aFc -- "$2" "$TESTBED_DIR/com2.log")
	echo "$count"
	[ "$count" -gt "$1" ]
}

@test "a node refuses a setup_data of an unknown layout with a clear panic and takes a newer minor one; node0 stays well" {
	local what n known kmagic kversion ksize line want
	local panic='] Kernel panic - not syncing: Shoji: unknown setup_data layout'
	# The node refuses before its console and its control page are set
	# up: node0 cannot read why, only its UART (with earlycon) shows it.
	for what in magic version size; do
		n=$(grep -aFc "$panic" "$TESTBED_DIR/com2.log" || true)
		run node0 "shoji-load stop 1 >/dev/null; shoji-load load /shoji/$PLAN 1 --test-setup bad-$what \
			--cmdline 'console=ttyS0 earlycon=uart8250,io,0x2f8,115200' && shoji-load start 1"
		assert_status 0
		wait_until 120 "node1's panic at a bad setup_data $what on its console" --every 1 -- \
			com2_count_above "$n" "$panic"
		line=$(grep -aF "$panic" "$TESTBED_DIR/com2.log" | tail -n 1 | tr -d '\r')
		[[ "$line" == *"$panic (magic "* ]] ||
			fail "node1 with a bad setup_data $what: no panic on its console; last line: $line"
		known=${line##*this kernel knows }
		read -r _ kmagic _ kversion _ ksize _ <<< "$known"
		[ "$kmagic" = 0x53484f4a ] || fail "the magic node1 knows: $line"
		case $what in
		magic) want="(magic 0x4a4f4853 version $kversion size $ksize in $ksize bytes)" ;;
		# the next major version; a newer minor one the node would take
		version) want="(magic $kmagic version $((${kversion%%.*} + 1)).${kversion#*.} size $ksize in $ksize bytes)" ;;
		size) want="(magic $kmagic version $kversion size $((ksize + 8)) in $ksize bytes)" ;;
		esac
		[[ "$line" == *"$want"* ]] || fail "node1 with a bad setup_data $what: expected $want in: $line"
		# node1 never got to its control page, and node0 is well
		run node0 'shoji-load status 1; cat /sys/devices/system/cpu/online'
		assert_status 0
		assert_output_contains "node1: starting, heartbeat 0"
		assert_output_contains "0,2-7"
		run node0 'shoji-load stop 1 --timeout 1000 && shoji-load status 1'
		assert_status 0
		assert_output_contains "reason: did not park in time, stopped with INIT"
		run node0 'dmesg | tail -n 20'
		assert_output_contains "node1: 1 CPU(s) parked at 0x8f000 with machine checks enabled"
	done
	# A setup_data of the next minor version, with a field this kernel
	# does not know, is one the node boots with
	run node0 "shoji-load stop 1 >/dev/null; shoji-load load /shoji/$PLAN 1 --test-setup newer-minor && shoji-load start 1"
	assert_status 0
	node_wait_running 1 || fail "node1 did not take a setup_data of a newer minor version"
	run node_exec 1 'nproc'
	[ "$output" = 1 ]
}

@test "node0's kernel refuses a node given another node's CPU or memory" {
	# Without a plan shoji-load checks node2 alone: only node0's kernel
	# knows that node1 has CPU 1, 0x100000000-0x11fffffff and 0x80000.
	local node2="shoji-load load 2 --control 64K@0x60000000 --lowmem 64K@0x80000 --kernel /shoji/out/bzImage"
	run node0 "$node2 --cpus 1 --memory 64M@0x110000000"
	assert_status 1
	assert_output_contains "Shoji: node2: CPU 1 is node1's"
	run node0 "echo 0 > /sys/devices/system/cpu/cpu2/online && $node2 --cpus 2 --memory 64M@0x110000000"
	node0 'echo 1 > /sys/devices/system/cpu/cpu2/online'
	[ "$status" = 1 ] || fail "node2 was registered: $output"
	assert_output_contains "Shoji: node2: its memory 0x110000000-0x113ffffff overlaps node1's 0x100000000-0x11fffffff"
	# node1 runs on
	run node_exec 1 'nproc'
	[ "$output" = 1 ]
}

@test "node0's kernel refuses node memory that the firmware does not call RAM" {
	# A range the firmware reserved for itself shows in node0's map as
	# memmap= leaves a node's memory, so shoji-load passes it on: only
	# node0's kernel knows it is not RAM. The first page of one, from
	# node0's /proc/iomem and the firmware's map.
	local reserved firmware lo hi at start end type ram page=""
	reserved=$(node0 "sed -n 's/^\([0-9a-f]*\)-\([0-9a-f]*\) : Reserved$/\1 \2/p' /proc/iomem")
	firmware=$(node0 'for d in /sys/firmware/memmap/*; do echo $(cat $d/start $d/end $d/type); done')
	while read -r lo hi; do
		at=$(( (16#$lo + 4095) / 4096 * 4096 ))
		[ $((at + 4095)) -le $((16#$hi)) ] || continue
		ram=0
		while read -r start end type; do
			[ "$type" = "System RAM" ] && [ $((start)) -le $at ] && [ $((end)) -ge $at ] && ram=1
		done <<< "$firmware"
		[ $ram = 1 ] || { page=$at; break; }
	done <<< "$reserved"
	[ -n "$page" ] || fail "no range of node0's that the firmware reserved: $reserved"
	run node0 "echo 0 > /sys/devices/system/cpu/cpu2/online && shoji-load load 2 --cpus 2 --memory 4K@$page --control 64K@0x60000000 --lowmem 64K@0x80000 --kernel /shoji/out/bzImage"
	node0 'echo 1 > /sys/devices/system/cpu/cpu2/online'
	[ "$status" = 1 ] || fail "node2 was registered: $output"
	assert_output_contains "$(printf 'Shoji: node2: memory %#x-%#x is not all RAM in the firmware' "$page" $((page + 4095)))"
}

@test "the bad requests left node0 intact" {
	run node0 'cat /sys/devices/system/cpu/online; grep -c "System RAM" /proc/iomem'
	assert_status 0
	[ "${output%%$'\n'*}" = 0,2-7 ] || fail "node0's CPUs: $output"
}

# Last: kexec_load_disabled cannot be cleared until node0 reboots.
@test "with kexec_load_disabled set, node0 loads no node, and the loader says what may forbid it" {
	run node0 'shoji-load stop 1 && echo 1 > /proc/sys/kernel/kexec_load_disabled && shoji-load load /shoji/'"$PLAN"' 1'
	assert_status 1
	assert_output_contains "node1: node0's kernel refused the image: Operation not permitted; loads need CAP_SYS_BOOT, and sysctl kernel.kexec_load_disabled"
}
