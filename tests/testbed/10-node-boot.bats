#!/usr/bin/env bats
# node0 gives node1 of the two-node plan its CPU, memory and disk, loads
# and starts it; everything is checked from inside the kernels.

load helpers
load node-helpers

PLAN=configs/two-nodes.ini

setup_file() {
	testbed_start "$REPO/$PLAN"
	nodes_boot 1
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure 1
}

@test "node1 prints its boot log on COM2 and reaches its init" {
	grep -q "Hypervisor detected: Shoji node" "$TESTBED_DIR/com2.log"
	grep -q "Command line: console=ttyS0 shoji.node=1 apic_extnmi=none" "$TESTBED_DIR/com2.log"
	grep -q "init: node1 ready" "$TESTBED_DIR/com2.log"
	# node0's console still belongs to node0
	! grep -q "shoji.node=1" "$TESTBED_DIR/com1.log"
}

@test "node1 sees exactly its own CPU" {
	run node_exec 1 'nproc; grep ^apicid /proc/cpuinfo'
	assert_status 0
	[ "$output" = "1
apicid		: 1" ] || fail "CPUs in node1: $output"
}

@test "node1's memory is its planned range and its low window" {
	assert_node_memory 1
}

@test "node1 sees only its own PCI device" {
	run node_exec 1 'ls /sys/bus/pci/devices'
	assert_status 0
	[ "$output" = 0000:00:03.0 ] || fail "PCI devices in node1: $output"
}

@test "node1 writes its own disk and reads it back" {
	# the first 1 KiB of an ext4 disk is free
	run node_exec 1 'disk=$(findfs LABEL=shoji-node1) && echo node1-disk-$$ > /tmp/w &&
		dd if=/tmp/w of=$disk bs=512 count=1 conv=sync,fsync 2>/dev/null &&
		dd if=$disk bs=512 count=1 iflag=direct 2>/dev/null | head -n1; cat /tmp/w'
	assert_status 0
	first=$(echo "$output" | sed -n 1p) second=$(echo "$output" | sed -n 2p)
	[[ "$first" == node1-disk-* ]] && [ "$first" = "$second" ] || fail "read back: $output"
	# the bytes are on the host's image of node1's disk
	grep -q "$first" <(head -c 512 "$TESTBED_DIR/node1.img")
}

@test "node1's boot log shows no ACPI, PIT, HPET or IOAPIC setup" {
	# Replies are short: let the node grep its own log.
	run node_exec 1 "dmesg | grep -E 'ACPI: (RSDP|XSDT|RSDT|FACP|APIC|MCFG)|IOAPIC\[|IO-APIC|[Hh][Pp][Ee][Tt]|i8253|PIT|i8042|rtc_cmos|clocksource (hpet|acpi_pm)'"
	[ "$status" -eq 1 ] && [ -z "$output" ] || fail "node1's log shows platform devices of node0: $output"
	run node_exec 1 "dmesg | grep -E 'Hypervisor detected|PCI through ECAM|serial8250: ttyS0|APIC: Switch'"
	assert_status 0
	assert_output_contains "Hypervisor detected: Shoji node"
	assert_output_contains "Shoji: node1: PCI through ECAM at 0xb0000000, 1 device(s)"
	assert_output_contains "serial8250: ttyS0 at I/O 0x2f8 (irq = 0"
}

@test "node0 reads node1's heartbeat and kernel log from its control page" {
	run node_state 1
	assert_status 0
	assert_output_contains "node1: running"
	h1=$(echo "$output" | sed 's/.*heartbeat \([0-9]*\).*/\1/')
	sleep 1
	run node_state 1
	h2=$(echo "$output" | sed 's/.*heartbeat \([0-9]*\).*/\1/')
	[ "$h2" -gt "$h1" ] || fail "heartbeat did not move: $h1 -> $h2"
	run node0 'shoji-load console 1'
	assert_status 0
	assert_output_contains "Shoji: node1 running"
	assert_output_contains "Run /init as init process"
}

@test "node0 reads node1's boot stamps, its agent's start the last of them" {
	run node0 'shoji-load times 1 --agent'
	assert_status 0
	[[ "$output" =~ ^\{\"node\":1,\"state\":\"running\",\"tsc_khz\":([0-9]+),\"tsc_load\":([0-9]+),\"tsc_start\":([0-9]+),\"tsc_kernel\":([0-9]+),\"tsc_running\":([0-9]+),\"tsc_parked\":0,\"tsc_agent\":([0-9]+)\}$ ]] ||
		fail "malformed: $output"
	local -a t=("${BASH_REMATCH[@]:2}")
	# load < start < kernel < running < agent, on node0's TSC
	for i in 1 2 3 4; do
		[ "${t[i]}" -gt "${t[i - 1]}" ] || fail "stamps out of order: $output"
	done
	# without --agent, no agent is asked and the line has no tsc_agent
	run node0 'shoji-load times 1'
	assert_status 0
	[[ "$output" == *'"tsc_parked":0}' ]] || fail "$output"
}

@test "node0's serial driver gave node1's UART up" {
	run node0 'grep "port:000002F8" /proc/tty/driver/serial; dmesg | grep "node0 gives up"'
	assert_status 0
	assert_output_contains "uart:unknown port:000002F8"
	assert_output_contains "Shoji: node1: node0 gives up ttyS1 (UART 0x2f8)"
}

@test "node0 cannot take back a CPU of the running node1" {
	run node0 'echo 1 > /sys/devices/system/cpu/cpu1/online'
	[ "$status" -ne 0 ]
	run node0 'cat /sys/devices/system/cpu/cpu1/online; dmesg | tail -n 5'
	assert_output_contains "CPU 1 belongs to running node1"
	[ "${output%%$'\n'*}" = 0 ]
}

@test "a platform NMI reaches node0 only: node1 keeps LINT1 masked" {
	before=$(node0 'dmesg | grep -c "NMI received for unknown reason" || true')
	# QEMU delivers it to LINT1 of every CPU, as a board's NMI button
	"$TESTBED" monitor "$TESTBED_DIR" nmi
	run node0 'sleep 1; dmesg | grep -c "NMI received for unknown reason" || true'
	[ "$output" -gt "$before" ] || fail "node0 saw no NMI: $output"
	! grep -q "NMI received" "$TESTBED_DIR/com2.log" ||
		fail "node1 took the NMI: $(grep "NMI received" "$TESTBED_DIR/com2.log")"
	run "$TESTBED" monitor "$TESTBED_DIR" info lapic 1
	assert_output_contains "masked"
	[[ "$(grep ^LVT1 <<< "$output")" == *masked* ]] || fail "node1's LINT1: $output"
	run node_exec 1 hostname
	assert_status 0
}

@test "kexec is refused in node1, and in node0 while node1 runs" {
	run node_exec 1 'shoji-kexec-probe load; dmesg | grep "kexec is not"'
	assert_output_contains "load: Operation not permitted"
	assert_output_contains "kexec is not available in a Shoji node; node0 loads and restarts nodes"
	run node0 'shoji-kexec-probe exec; dmesg | grep "cannot kexec"'
	assert_output_contains "exec: Device or resource busy"
	assert_output_contains "node0 cannot kexec while nodes run (node1); stop them first"
	# node0 still loads (here: unloads) kexec images
	run node0 'shoji-kexec-probe load'
	[ "$output" = "load: ok" ] || fail "node0: $output"
	run node_exec 1 hostname
	assert_status 0
}

@test "suspend is refused in node1, and in node0 while node1 runs" {
	run node_exec 1 'echo freeze > /sys/power/state; dmesg | grep "cannot suspend"'
	assert_output_contains "Operation not permitted"
	assert_output_contains "a Shoji node cannot suspend: it owns a part of the machine only"
	run node0 'echo freeze > /sys/power/state; dmesg | grep "cannot suspend"'
	assert_output_contains "Device or resource busy"
	assert_output_contains "node0 cannot suspend while nodes run (node1); stop them first"
	run node_exec 1 hostname
	assert_status 0
}

@test "node1 stops and starts again" {
	run node0 'shoji-load stop 1 && shoji-load status 1'
	assert_status 0
	assert_output_contains "node1: stopped"
	assert_output_contains "stopped on node0's request"
	grep -q "Shoji: node1 parked: stopped on node0's request" "$TESTBED_DIR/com2.log"
	run node0 'shoji-load times 1 --agent'
	assert_status 1
	assert_output_contains "node1: is stopped, not running: no agent to ask when it started"
	[[ "$output" != *'"tsc_start"'* ]] || fail "printed stamps: $output"
	# the node ran over its image: starting it again needs a new load
	run node0 'shoji-load start 1'
	assert_status 1
	assert_output_contains "node1: cannot start"
	assert_output_contains "nothing loaded"
	node_boot 1
	[ "$(grep -c 'init: node1 ready' "$TESTBED_DIR/com2.log")" -eq 2 ]
	run node_exec 1 'nproc'
	[ "$output" = 1 ]
}

@test "a node that does not park in time is stopped with an NMI, then INIT, and starts again" {
	# --timeout 0: node0 does not wait for node1 to park
	run node0 'shoji-load stop 1 --timeout 0 && shoji-load status 1; dmesg | tail -n 1'
	assert_status 0
	assert_output_contains "node1: stopped"
	assert_output_contains "reason: did not park in time, stopped with NMI and INIT"
	# "NMI and INIT": node1's CPU counted itself out of VMX on the NMI
	assert_output_contains "node1: stopped (it did not park in time, sent NMI and INIT)"
	node_boot 1
	run node_exec 1 'nproc'
	[ "$output" = 1 ]
}

@test "reboot and power-off inside node1 park only node1" {
	for cmd in "reboot -f" "poweroff -f" "halt -f"; do
		run node_exec 1 "$cmd"
		run node_state 1
		assert_output_contains "node1: halted"
		case "$cmd" in
		reboot*) assert_output_contains "reason: reboot" ;;
		poweroff*) assert_output_contains "reason: power off" ;;
		halt*) assert_output_contains "reason: halt" ;;
		esac
		# node0 is alive and well
		run node0 'cat /sys/devices/system/cpu/online'
		assert_status 0
		[ "$output" = 0,2-7 ] || fail "node0's CPUs: $output"
		node0 'shoji-load stop 1' >/dev/null
		node_boot 1
	done
}

@test "a crash in node1 (sysrq-c) leaves node0 alive, and node0 reads why" {
	run node_exec 1 'echo c > /proc/sysrq-trigger'
	run node_state 1
	assert_output_contains "node1: panicked"
	assert_output_contains "Kernel panic - not syncing: sysrq triggered crash"
	run node0 'shoji-load console 1'
	assert_output_contains "sysrq triggered crash"
	run node0 'uptime'
	assert_status 0
	node0 'shoji-load stop 1' >/dev/null
	node_boot 1
}

@test "after a stop, node0 takes node1's CPU back, and gives it again" {
	run node0 'shoji-load stop 1 && echo 1 > /sys/devices/system/cpu/cpu1/online && cat /sys/devices/system/cpu/online && nproc'
	assert_status 0
	[ "$output" = "node1: stopped
0-7
8" ] || fail "node0 after taking cpu1 back: $output"
	node_partition 1
	node_boot 1
	run node_exec 1 'grep ^apicid /proc/cpuinfo'
	assert_output_contains ": 1"
}

@test "an image a device wrote into after its load is not started; loaded again, it boots" {
	# node0 drives the disk from its own memory, which node1's IOMMU
	# domain does not map
	! testbed_iommu || skip "this machine's IOMMU keeps node0 from driving node1's disk"
	run node0 'shoji-load stop 1 && shoji-load load /shoji/configs/two-nodes.ini 1'
	assert_status 0
	kernel=$(sed -n 's/.*loaded: kernel at \(0x[0-9a-f]*\),.*/\1/p' <<< "$output")
	[ -n "$kernel" ] || fail "no kernel address: $output"
	# node1's disk, which node0 gave up, told by hand to
	# write over the loaded kernel, as a device left running would
	run node0 "shoji-dma-probe nvme 0000:00:03.0 $((kernel + 0x200000))"
	assert_status 0
	run node0 'shoji-load start 1'
	assert_status 1
	run node0 'dmesg | grep "node1: segment"'
	assert_output_contains "changed since it was loaded; load the node again"
	run node0 'shoji-load start 1'
	assert_status 1
	assert_output_contains "nothing loaded"
	node_boot 1
	run node_exec 1 hostname
	[ "$output" = node1 ]
}
