#!/usr/bin/env bats
# node1 of the two-node plan is stopped from node0 and started again, three
# times in a row cleanly and three times forced (an NMI and INIT after the timeout);
# what it wrote to its disk before each stop reads back by sha256 after
# each start, from inside the node. Before a clean stop the node does not
# sync: the stop must write it back, as a power-off does.

load helpers
load node-helpers

PLAN=configs/two-nodes.ini

setup_file() {
	testbed_start "$REPO/$PLAN"
	nodes_boot 1
	: > "$BATS_FILE_TMPDIR/sums"
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure 1
}

# node1 writes 1 MiB of random data to its disk as NAME and, unless SYNC
# is no-sync, syncs it; the sha256 the data had in the node's memory is
# kept on the host.
write_known() {
	local name=$1 sync=sync sum
	[ "${2:-}" = no-sync ] && sync=true
	run node_exec 1 "head -c 1048576 /dev/urandom > /tmp/d && cp /tmp/d /shoji/$name && $sync && sha256sum < /tmp/d"
	assert_status 0
	sum=${output%% *}
	[[ "$sum" =~ ^[0-9a-f]{64}$ ]] || fail "node1: sha256 of $name: $output"
	echo "$sum  $name" >> "$BATS_FILE_TMPDIR/sums"
}

# Every file node1 wrote so far reads back from its disk as it was written.
verify_known() {
	run node_exec 1 'grep -q " /shoji " /proc/mounts && cd /shoji && sha256sum cycle-*'
	assert_status 0
	[ "$output" = "$(sort -k2 -V "$BATS_FILE_TMPDIR/sums")" ] ||
		fail "node1's disk after $1:
$output
expected:
$(sort -k2 -V "$BATS_FILE_TMPDIR/sums")"
}

boot_id() {
	node_exec 1 'cat /proc/sys/kernel/random/boot_id'
}

# One cycle: write, stop (clean or forced), check node0's view of the stop,
# start again, check it is a new boot and the disk kept everything.
stop_start_cycle() {
	local how=$1 i=$2 before after boots
	if [ "$how" = clean ]; then
		write_known "cycle-$how-$i" no-sync
	else
		write_known "cycle-$how-$i"
	fi
	before=$(boot_id)
	boots=$(grep -c 'init: node1 ready' "$TESTBED_DIR/com2.log")
	if [ "$how" = clean ]; then
		run node0 'shoji-load stop 1 && shoji-load status 1'
		assert_status 0
		assert_output_contains "node1: stopped"
		assert_output_contains "reason: stopped on node0's request"
	else
		# --timeout 0: node0 does not wait for node1 to park
		run node0 'shoji-load stop 1 --timeout 0 && shoji-load status 1'
		assert_status 0
		assert_output_contains "node1: stopped"
		assert_output_contains "reason: did not park in time, stopped with NMI and INIT"
	fi
	node_boot 1
	after=$(boot_id)
	[ -n "$after" ] && [ "$after" != "$before" ] ||
		fail "node1 did not boot again ($how stop $i): boot_id $before -> $after"
	[ "$(grep -c 'init: node1 ready' "$TESTBED_DIR/com2.log")" -eq $((boots + 1)) ] ||
		fail "node1's console does not show one more boot after $how stop $i"
	verify_known "$how stop $i"
}

@test "node1 is stopped cleanly and started again three times, its disk intact each time" {
	for i in 1 2 3; do
		stop_start_cycle clean $i
	done
}

@test "node1 is stopped with an NMI and INIT after the timeout and started again three times, its disk intact each time" {
	for i in 1 2 3; do
		stop_start_cycle forced $i
	done
}

@test "after six stops node1 still has only its own CPU, memory and disk, and node0 is intact" {
	run node_exec 1 'nproc; ls /sys/bus/pci/devices; awk "/MemTotal/ { print \$2 }" /proc/meminfo'
	assert_status 0
	set -- $output
	[ "$1" = 1 ] && [ "$2" = 0000:00:03.0 ] && [ "$3" -le $(( (512 << 10) + 64 )) ] ||
		fail "node1: $output"
	run node0 'cat /sys/devices/system/cpu/online; shoji-load status 1'
	assert_status 0
	[ "${output%%$'\n'*}" = 0,2-7 ] || fail "node0's CPUs: $output"
	assert_output_contains "node1: running"
}

# KiB written and KiB loaded by node0's last load of node1, from its log
last_load_written() {
	node0 "dmesg | grep 'node1: loaded' | tail -n 1" |
		sed -n 's/.*; \([0-9]*\) of \([0-9]*\) KiB differed from its memory.*/\1 \2/p'
}

@test "a load writes only what differs from node1's memory: nothing for the same image again, not its kept initrd after a run" {
	run node_exec 1 'cat /proc/cmdline'
	assert_status 0
	assert_output_contains retain_initrd
	run node0 'shoji-load stop 1'
	assert_status 0
	run node0 "shoji-load load /shoji/$PLAN 1"
	assert_status 0
	set -- $(last_load_written)
	local after_run=$1 total=$2 initrd_kib
	[ -n "$total" ] && [ "$total" -gt 0 ] || fail "node0's log has no load line with what it wrote"
	initrd_kib=$(node0 "stat -c %s /shoji/out/node-initramfs.cpio.zst")
	initrd_kib=$((initrd_kib >> 10))
	# the kernel's data and what the node zeroed or patched differ; its
	# initrd, which it kept, does not
	[ "$after_run" -gt 0 ] && [ "$after_run" -le $((total - initrd_kib)) ] ||
		fail "after a run, $after_run of $total KiB written (initrd $initrd_kib KiB)"
	run node0 "shoji-load load /shoji/$PLAN 1"
	assert_status 0
	set -- $(last_load_written)
	[ "$1" = 0 ] && [ "$2" = "$total" ] || fail "the same image again: $1 of $2 KiB written"
	run node0 'shoji-load start 1'
	assert_status 0
	node_wait_running 1
}

# A machine check in bank 1 as a memory scrub reports one: uncorrected,
# action optional, with an address; MCG_STATUS: in progress, restart IP
# valid. QEMU resets the whole machine when the CPU it is injected into
# has CR4.MCE clear, as a CPU waiting for SIPI after INIT has, or still
# has MCG_STATUS.MCIP set from the one before.
MCE_BANK=1
MCE_STATUS=0xbd000000000000c0
MCE_MCG_STATUS=0x5
MCE_ADDR=0x12345000
MCE_MISC=0x86

@test "a machine check on the stopped node1's CPU: node0 reports it, the machine keeps running, node1 starts again" {
	boot=$(node0 'cat /proc/sys/kernel/random/boot_id')
	run node0 'shoji-load stop 1 && dmesg | grep "node1: .*parked at"'
	assert_status 0
	assert_output_contains "node1: 1 CPU(s) parked at 0x8f000 with machine checks enabled"
	# Twice: the first one must have left machine checks enabled
	for n in 1 2; do
		inject_mce 1 $MCE_BANK $MCE_STATUS $MCE_MCG_STATUS $MCE_ADDR $MCE_MISC
		run kernel_log_wait 0 "node1: machine check on its stopped CPU .*\\($n in all\\)"
		assert_status 0
		[[ "$output" =~ "node1: machine check on its stopped CPU with APIC ID 1: MCG_STATUS 0x5, bank 1 status 0x"[bf]"d000000000000c0 addr 0x12345000 misc 0x86 ($n in all)" ]] ||
			fail "node0's report of machine check $n: $output"
	done
	[ "$(node0 'cat /proc/sys/kernel/random/boot_id')" = "$boot" ] ||
		fail "the machine was reset"
	node_boot 1
	run node_exec 1 hostname
	assert_status 0
}

@test "a machine check on the running node1's CPU is node1's: it takes it down alone, node0 restarts it" {
	boot=$(node0 'cat /proc/sys/kernel/random/boot_id')
	node0_reports=$(node0 'dmesg | grep -ci "machine check" || true')
	inject_mce 1 $MCE_BANK $MCE_STATUS $MCE_MCG_STATUS $MCE_ADDR $MCE_MISC
	# The testbed's CPU is an AMD one: Linux takes an uncorrected error
	# that hits kernel code, as in the idle loop, for fatal.
	wait_until 60 "node1 to panic" --every 1 -- output_has "node1: panicked" node_state 1
	run node_state 1
	assert_output_contains "node1: panicked"
	# "Fatal local machine check": QEMU signals it to that CPU alone
	assert_output_contains "reason: Kernel panic - not syncing: Fatal local machine check"
	grep -q "\[Hardware Error\]: .*Bank 1: bd000000000000c0" "$TESTBED_DIR/com2.log" ||
		fail "node1's console does not show the machine check: $(grep -a "Hardware Error" "$TESTBED_DIR/com2.log")"
	run node0 'cat /proc/sys/kernel/random/boot_id; dmesg | grep -ci "machine check" || true'
	[ "${lines[0]}" = "$boot" ] || fail "the machine was reset"
	[ "${lines[1]}" = "$node0_reports" ] || fail "node0 reported it: $output"
	run node0 'shoji-load stop 1'
	assert_status 0
	node_boot 1
}
