#!/usr/bin/env bats
# node0 booted with the three-node plan's reservations: what node0 itself
# sees of the memory, CPUs and command line the plan sets aside for nodes.

load helpers

PLAN=configs/three-nodes.ini

setup_file() {
	testbed_start "$REPO/$PLAN"
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure
}

@test "node0's command line carries every parameter the plan requires" {
	params=$("$SHOJI" check --boot-params "$REPO/$PLAN")
	[ -n "$params" ]
	run node0 cat /proc/cmdline
	assert_status 0
	for p in $params; do
		[[ " $output " == *" $p "* ]] || fail "'$p' is not on node0's command line: $output"
	done
}

@test "every range the plan reserves is Reserved in node0's /proc/iomem, never System RAM" {
	# memmap=SIZE$ADDR -> start and end (inclusive), in hex
	ranges=$("$SHOJI" check --boot-params "$REPO/$PLAN" | tr ' ' '\n' | sed -n 's/^memmap=//p')
	[ -n "$ranges" ]
	run node0 cat /proc/iomem
	assert_status 0
	iomem=$output
	for r in $ranges; do
		size=${r%%\$*} addr=$((${r#*\$}))
		case "$size" in
		*K) bytes=$((${size%K} << 10)) ;;
		*M) bytes=$((${size%M} << 20)) ;;
		*G) bytes=$((${size%G} << 30)) ;;
		*) bytes=$size ;;
		esac
		start=$addr end=$((addr + bytes - 1))
		covered=no
		while IFS= read -r line; do
			case "$line" in " "*) continue ;; esac  # only top-level entries
			span=${line%% :*} name=${line#*: }
			lo=$((16#${span%-*})) hi=$((16#${span#*-}))
			[ "$hi" -lt "$start" ] || [ "$lo" -gt "$end" ] && continue
			[ "$name" != "System RAM" ] || fail "$r overlaps System RAM $span"
			[ "$name" = Reserved ] && [ "$lo" -le "$start" ] && [ "$hi" -ge "$end" ] && covered=yes
		done <<< "$iomem"
		[ $covered = yes ] || fail "$r is not inside one Reserved entry of /proc/iomem"
	done
}

@test "the plan passes 'shoji check' against the live machine inside node0" {
	run node0 shoji check /shoji/$PLAN
	assert_status 0
	# a warning per node device unless the machine has an IOMMU
	assert_only_unconfined_dma_warnings
}

@test "inside node0, 'shoji check' rejects a plan whose memory was not reserved at boot" {
	# Move node2's second range to RAM that node0 still uses.
	run node0 "sed 's/256M@0x140000000/256M@0x150000000/' /shoji/$PLAN > /shoji/configs/unreserved.ini &&
		shoji check /shoji/configs/unreserved.ini"
	assert_status 2
	assert_output_contains "[node2] memory"
	assert_output_contains 'memmap=256M$0x150000000'
}

@test "node0 sees all eight CPUs, and those meant for nodes go offline and online again" {
	run node0 cat /sys/devices/system/cpu/online
	assert_status 0
	[ "$output" = 0-7 ] || fail "online CPUs: $output"
	for cpu in 1 2 3; do
		run node0 "echo 0 > /sys/devices/system/cpu/cpu$cpu/online && cat /sys/devices/system/cpu/cpu$cpu/online && grep -c ^processor /proc/cpuinfo"
		assert_status 0
		[ "$output" = "0
7" ] || fail "after offlining cpu$cpu: $output"
		run node0 "echo 1 > /sys/devices/system/cpu/cpu$cpu/online && cat /sys/devices/system/cpu/cpu$cpu/online"
		assert_status 0
		[ "$output" = 1 ] || fail "cpu$cpu did not come back: $output"
	done
	run node0 'echo 0 > /sys/devices/system/cpu/cpu1/online; echo 0 > /sys/devices/system/cpu/cpu2/online;
		echo 0 > /sys/devices/system/cpu/cpu3/online; cat /sys/devices/system/cpu/online; nproc'
	assert_status 0
	[ "$output" = "0,4-7
5" ] || fail "with node CPUs offline: $output"
}
