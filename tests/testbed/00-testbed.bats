#!/usr/bin/env bats
# The testbed itself: node0 boots, the command channel carries output and
# exit status exactly, and stopping leaves no process behind.

load helpers

setup_file() {
	testbed_start "$REPO/configs/two-nodes.ini"
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure
}

@test "node0 runs the Shoji kernel and answers on the command channel" {
	run node0 uname -r
	assert_status 0
	assert_output_contains "-shoji"
}

@test "a command's exit status comes back" {
	run node0 'echo partial; exit 7'
	assert_status 7
	[ "$output" = partial ] || fail "output was '$output'"
}

@test "a command and its output travel unchanged, quotes and all" {
	payload=$'tab\there\n$HOME `quote` "double" \'single\' \\back'
	run node0 "cat <<'END'
$payload
END"
	assert_status 0
	[ "$output" = "$payload" ] || fail "got '$output'"
	run node0 "printf 'no newline at the end'"
	[ "$output" = "no newline at the end" ] || fail "got '$output'"
}

@test "a megabyte of known text comes back whole" {
	# Far more than a pipe holds (64 KB), so the reply must be flow
	# controlled end to end.
	expected=$(seq 1 160000 | md5sum | cut -d' ' -f1)
	"$TESTBED" exec "$TESTBED_DIR" -- 'seq 1 160000' > "$BATS_TEST_TMPDIR/text"
	[ "$(wc -c < "$BATS_TEST_TMPDIR/text")" -gt 1000000 ] ||
		fail "only $(wc -c < "$BATS_TEST_TMPDIR/text") bytes came back"
	[ "$(md5sum < "$BATS_TEST_TMPDIR/text" | cut -d' ' -f1)" = "$expected" ] ||
		fail "the text differs: first line $(head -n 1 "$BATS_TEST_TMPDIR/text")"
}

@test "a megabyte of binary data, every byte value in it, comes back whole" {
	run node0 'head -c 1048576 /dev/urandom > /tmp/random &&
		i=0; while [ $i -lt 256 ]; do printf "\\$(printf %o $i)"; i=$((i + 1)); done >> /tmp/random &&
		md5sum < /tmp/random'
	assert_status 0
	expected=${output%% *}
	"$TESTBED" exec "$TESTBED_DIR" -- 'cat /tmp/random' > "$BATS_TEST_TMPDIR/random"
	[ "$(wc -c < "$BATS_TEST_TMPDIR/random")" -eq $((1048576 + 256)) ] ||
		fail "$(wc -c < "$BATS_TEST_TMPDIR/random") bytes came back"
	[ "$(md5sum < "$BATS_TEST_TMPDIR/random" | cut -d' ' -f1)" = "$expected" ] ||
		fail "the data differs"
}

@test "a large reply after a long silence comes back whole, twice in a row" {
	expected=$(seq 1 20000 | md5sum | cut -d' ' -f1)
	for i in 1 2; do
		got=$("$TESTBED" exec "$TESTBED_DIR" -- 'sleep 12; seq 1 20000' | md5sum | cut -d' ' -f1)
		[ "$got" = "$expected" ] || fail "reply $i differs"
	done
}

@test "node0 mounts its disk with the plans and the node images" {
	run node0 'ls /shoji/configs /shoji/out'
	assert_status 0
	assert_output_contains "two-nodes.ini"
	assert_output_contains "bzImage"
	assert_output_contains "initramfs.cpio.gz"
}

@test "every UART of the machine is logged to its own file" {
	grep -q "init: node0 ready" "$TESTBED_DIR/com1.log"
	for n in 2 3 4; do
		[ -f "$TESTBED_DIR/com$n.log" ] || fail "com$n.log is missing"
	done
}

@test "monitor and cpus answer about the running machine" {
	run "$TESTBED" monitor "$TESTBED_DIR" info status
	assert_status 0
	[ "$output" = "VM status: running" ] || fail "info status answered: $output"
	run "$TESTBED" cpus "$TESTBED_DIR"
	assert_status 0
	[ "$(echo "$output" | wc -l)" = 8 ] || fail "expected 8 CPUs: $output"
	echo "$output" | grep -vqE '^cpu[0-7] (running|halted)$' &&
		fail "a CPU of node0 is neither running nor halted: $output"
	true
}

@test "profile names the kernel function a busy CPU runs, and only the CPUs asked for" {
	# A CPU copying zeroes for node0's dd is found in the kernel's read
	# path most of the time; the others halt.
	run node0 'setsid timeout 60 dd if=/dev/zero of=/dev/null bs=1M count=1000000 \
		   </dev/null >/dev/null 2>&1 & echo started'
	assert_status 0
	run "$TESTBED" profile "$TESTBED_DIR" --seconds 2 --top 1 --raw "$BATS_TEST_TMPDIR/raw"
	node0 killall dd || true
	assert_status 0
	[ "$(grep -c '^cpu[0-7]: [1-9][0-9]* samples$' <<< "$output")" = 8 ] ||
		fail "expected a sample count for each of the 8 CPUs: $output"
	busy=$(awk '$2 ~ /%$/ && $2 + 0 >= 50 && $3 !~ /^\(/ { print $3 }' <<< "$output")
	[ -n "$busy" ] || fail "no CPU was in one kernel function half of the time: $output"
	for fn in $busy; do
		grep -qE "^[0-9a-f]{16} [tT] $fn\$" "$REPO/out/System.map" ||
			fail "$fn is not a function of the kernel's System.map: $output"
	done
	grep -qE '^[0-7] RIP=[0-9a-f]{16} ' "$BATS_TEST_TMPDIR/raw" ||
		fail "--raw kept no samples: $(head -3 "$BATS_TEST_TMPDIR/raw")"

	run "$TESTBED" profile "$TESTBED_DIR" --seconds 1 --cpus 0,6-7
	assert_status 0
	[ "$(grep -o '^cpu[0-9]*:' <<< "$output" | tr '\n' ' ')" = "cpu0: cpu6: cpu7: " ] ||
		fail "expected cpu0, cpu6 and cpu7 alone: $output"
}

@test "profile refuses what it cannot do, saying which option and why" {
	run "$TESTBED" profile "$TESTBED_DIR" --seconds 0
	assert_status 1
	assert_output_contains "--seconds '0'"
	run "$TESTBED" profile "$TESTBED_DIR" --cpus 1,x
	assert_status 1
	assert_output_contains "--cpus '1,x'"
	run "$TESTBED" profile "$TESTBED_DIR" --system-map "$BATS_TEST_TMPDIR/none"
	assert_status 1
	assert_output_contains "no System.map at $BATS_TEST_TMPDIR/none"
	run "$TESTBED" profile "$TESTBED_DIR" --system-map /etc/hostname --seconds 1
	assert_status 1
	assert_output_contains "has no kernel text symbols"
	run "$TESTBED" profile "$BATS_TEST_TMPDIR" --seconds 1
	assert_status 1
}

@test "profile places samples in functions, init text, user space, real mode and elsewhere" {
	fixture=$BATS_TEST_DIRNAME/fixtures/profile
	run awk -f "$REPO/testbed/profile.awk" "$fixture.map" "$fixture.samples"
	assert_status 0
	[ "$output" = "$(printf '%s\n' 'cpu0: 4 samples' 'cpu0  50.0% alpha_fn' \
		'cpu0  25.0% beta_fn' 'cpu0  25.0% (halted)' 'cpu1: 6 samples' \
		'cpu1  33.3% init_fn' 'cpu1  33.3% (outside text)' 'cpu1  16.7% (user)' \
		'cpu1  16.7% (not paged)')" ] || fail "unexpected profile: $output"
	run awk -v top=1 -f "$REPO/testbed/profile.awk" "$fixture.map" "$fixture.samples"
	[ "$output" = "$(printf '%s\n' 'cpu0: 4 samples' 'cpu0  50.0% alpha_fn' \
		'cpu1: 6 samples' 'cpu1  33.3% init_fn')" ] || fail "unexpected top 1: $output"
}

@test "cpus tells a CPU that lost an interrupt from halted and offline ones" {
	# Monitor answers recorded while node1's CPU (cpu1) lost an interrupt.
	fixture=$BATS_TEST_DIRNAME/fixtures/lost-interrupt-cpu1
	run awk -f "$REPO/testbed/cpu-states.awk" "$fixture.registers" "$fixture.lapics"
	assert_status 0
	[ "$output" = "$(printf 'cpu0 halted\ncpu1 lost-interrupt 236\ncpu2 off\ncpu3 off')" ] ||
		fail "unexpected states: $output"
	# The same vector below cpu1's priority is no lost interrupt, nor is
	# one that waits while interrupts are off.
	sed '/for CPU 1/,/^APR/ s/PPR 0x10/PPR 0xf0/' "$fixture.lapics" > "$BATS_TEST_TMPDIR/lapics"
	run awk -f "$REPO/testbed/cpu-states.awk" "$fixture.registers" "$BATS_TEST_TMPDIR/lapics"
	assert_output_contains "cpu1 halted"
	sed '4 s/RFL=00000246/RFL=00000046/' "$fixture.registers" > "$BATS_TEST_TMPDIR/registers"
	run awk -f "$REPO/testbed/cpu-states.awk" "$BATS_TEST_TMPDIR/registers" "$fixture.lapics"
	assert_output_contains "cpu1 off"
	fixture=$BATS_TEST_DIRNAME/fixtures/lost-interrupt-cpu0
	run awk -f "$REPO/testbed/cpu-states.awk" "$fixture.registers" "$fixture.lapics"
	assert_output_contains "cpu0 lost-interrupt 236"
	assert_output_contains "cpu1 halted"
	# QEMU numbers CPUs by their place in the topology: with CPUs left
	# out (--high-apic-ids) the numbers have gaps, and every CPU is told
	fixture=$BATS_TEST_DIRNAME/fixtures/lost-interrupt-cpu1
	sed 's/^CPU#1$/CPU#256/' "$fixture.registers" > "$BATS_TEST_TMPDIR/registers"
	sed 's/for CPU 1 *$/for CPU 256/' "$fixture.lapics" > "$BATS_TEST_TMPDIR/lapics"
	run awk -f "$REPO/testbed/cpu-states.awk" "$BATS_TEST_TMPDIR/registers" "$BATS_TEST_TMPDIR/lapics"
	[ "$output" = "$(printf 'cpu0 halted\ncpu256 lost-interrupt 236\ncpu2 off\ncpu3 off')" ] ||
		fail "unexpected states with CPU 256: $output"
}

@test "cpus tells a CPU halted with an interrupt still in service" {
	# cpu0 of the recording above, halted with interrupts on, as it would
	# look had the end of a timer interrupt been lost: vector 236 in
	# service and pending again at the same priority.
	fixture=$BATS_TEST_DIRNAME/fixtures/lost-interrupt-cpu1
	sed -e '/for CPU 0/,/^APR/ s/^ISR.*/ISR\t 236/' \
		-e '/for CPU 0/,/^APR/ s/^IRR.*/IRR\t 32 33 236/' \
		-e '/for CPU 0/,/^APR/ s/PPR 0x10/PPR 0xe0/' "$fixture.lapics" > "$BATS_TEST_TMPDIR/lapics"
	run awk -f "$REPO/testbed/cpu-states.awk" "$fixture.registers" "$BATS_TEST_TMPDIR/lapics"
	assert_status 0
	[ "$output" = "$(printf 'cpu0 lost-eoi 236\ncpu1 lost-interrupt 236\ncpu2 off\ncpu3 off')" ] ||
		fail "unexpected states: $output"
	# with interrupts off it is an offline CPU
	sed '2 s/RFL=00000246/RFL=00000046/' "$fixture.registers" > "$BATS_TEST_TMPDIR/registers"
	run awk -f "$REPO/testbed/cpu-states.awk" "$BATS_TEST_TMPDIR/registers" "$BATS_TEST_TMPDIR/lapics"
	assert_output_contains "cpu0 off"
}

@test "cpus tells a CPU whose timer ran out and never raised its interrupt" {
	# cpu1 of the recording above without the timer's vector pending: its
	# one-shot timer ran out (current count 0) and nothing reached it.
	fixture=$BATS_TEST_DIRNAME/fixtures/lost-interrupt-cpu1
	sed '/for CPU 1/,/^APR/ s/^IRR.*/IRR\t (none)/' "$fixture.lapics" > "$BATS_TEST_TMPDIR/lapics"
	run awk -f "$REPO/testbed/cpu-states.awk" "$fixture.registers" "$BATS_TEST_TMPDIR/lapics"
	assert_status 0
	[ "$output" = "$(printf 'cpu0 halted\ncpu1 lost-timer 236\ncpu2 off\ncpu3 off')" ] ||
		fail "unexpected states: $output"
	# A timer Linux wants no interrupt from is masked, its count zeroed;
	# one still counting (cpu0's) is a CPU waiting for it; a periodic
	# timer reloads
	sed -e '/for CPU 1/,/^APR/ s/^IRR.*/IRR\t (none)/' \
		-e '/for CPU 1/,/^APR/ s/^LVTT\t 0x000000ec/LVTT\t 0x000100ec/' \
		"$fixture.lapics" > "$BATS_TEST_TMPDIR/lapics"
	run awk -f "$REPO/testbed/cpu-states.awk" "$fixture.registers" "$BATS_TEST_TMPDIR/lapics"
	assert_output_contains "cpu1 halted"
	sed -e '/for CPU 1/,/^APR/ s/^IRR.*/IRR\t (none)/' \
		-e '/for CPU 1/,/^APR/ s/^LVTT\t 0x000000ec/LVTT\t 0x000200ec/' \
		"$fixture.lapics" > "$BATS_TEST_TMPDIR/lapics"
	run awk -f "$REPO/testbed/cpu-states.awk" "$fixture.registers" "$BATS_TEST_TMPDIR/lapics"
	assert_output_contains "cpu1 halted"
	assert_output_contains "cpu0 halted"
	# with interrupts off it is an offline CPU
	sed '4 s/RFL=00000246/RFL=00000046/' "$fixture.registers" > "$BATS_TEST_TMPDIR/registers"
	sed '/for CPU 1/,/^APR/ s/^IRR.*/IRR\t (none)/' "$fixture.lapics" > "$BATS_TEST_TMPDIR/lapics"
	run awk -f "$REPO/testbed/cpu-states.awk" "$BATS_TEST_TMPDIR/registers" "$BATS_TEST_TMPDIR/lapics"
	assert_output_contains "cpu1 off"
}

@test "once a stuck CPU is found, exec and wait refuse the machine at once" {
	# as cpus leaves it when it finds one
	printf 'cpu0 halted\ncpu1 lost-eoi 236\n' > "$TESTBED_DIR/lost-interrupt"
	run "$TESTBED" exec "$TESTBED_DIR" -- true
	assert_status 5
	assert_output_contains "exec: a CPU of the machine stopped taking interrupts: cpu1 lost-eoi 236"
	run "$TESTBED" wait "$TESTBED_DIR"
	assert_status 5
	assert_output_contains "wait: a CPU of the machine stopped taking interrupts"
	rm "$TESTBED_DIR/lost-interrupt"
	run "$TESTBED" exec "$TESTBED_DIR" -- echo back
	assert_status 0
	[ "$output" = back ]
}

@test "stop ends the machine and leaves no process behind" {
	pid=$(cat "$TESTBED_DIR/qemu.pid")
	kill -0 "$pid"
	"$TESTBED" stop "$TESTBED_DIR"
	! kill -0 "$pid" 2>/dev/null || fail "qemu $pid still runs"
	run "$TESTBED" status "$TESTBED_DIR"
	assert_status 3
	run "$TESTBED" stop "$TESTBED_DIR"
	assert_status 0
}

@test "an emulator that crashed is told apart from a machine stopped" {
	# Not under out/testbed-runs, where tests/testbed/run looks for crashes.
	crashed=$REPO/out/testbed-crash
	"$TESTBED" stop "$crashed"
	"$TESTBED" start --no-plan --dir "$crashed" >/dev/null
	kill -SEGV "$(cat "$crashed/qemu.pid")"
	for _ in $(seq 50); do
		[ ! -f "$crashed/qemu.exit" ] || break
		sleep 0.1
	done
	run "$TESTBED" status "$crashed"
	assert_status 4
	assert_output_contains "crashed: QEMU was killed by SIGSEGV"
	run "$TESTBED" exec "$crashed" -- true
	assert_status 1
	assert_output_contains "QEMU was killed by SIGSEGV"
	"$TESTBED" stop "$crashed"
	run "$TESTBED" status "$crashed"
	assert_status 4
}

@test "start refuses a machine it cannot build, saying which and why" {
	dir=$REPO/out/testbed-refused
	run "$TESTBED" start --no-plan --machine sparc --dir "$dir"
	assert_status 1
	assert_output_contains "--machine sparc: no such machine (server or pc)"
	run "$TESTBED" start --no-plan --machine server --cpus 3 --dir "$dir"
	assert_status 1
	assert_output_contains "--cpus 3: two sockets need an even number of CPUs"
	run "$TESTBED" start --no-plan --machine server --memory 512M --dir "$dir"
	assert_status 1
	assert_output_contains "two NUMA nodes need at least 1G"
	run "$TESTBED" start --no-plan --memory 4T --dir "$dir"
	assert_status 1
	assert_output_contains "--memory 4T: a size in M or G"
	run "$TESTBED" start --no-plan --cpus 0 --dir "$dir"
	assert_status 1
	assert_output_contains "--cpus 0: a number of CPUs, 1 or more"
	run "$TESTBED" start --no-plan --high-apic-ids --dir "$dir"
	assert_status 1
	assert_output_contains "--high-apic-ids needs --iommu (x2APIC IDs above 255 need interrupt remapping)"
	run "$TESTBED" start --no-plan --machine pc --high-apic-ids --iommu --dir "$dir"
	assert_status 1
	assert_output_contains "--high-apic-ids needs --machine server"
	run "$TESTBED" start --no-plan --high-apic-ids --iommu --cpus 514 --dir "$dir"
	assert_status 1
	assert_output_contains "--high-apic-ids --cpus 514: at most 256 CPUs per socket"
	run "$TESTBED" start --no-plan --boot-from-disk --dir "$dir"
	assert_status 1
	assert_output_contains "--boot-from-disk: which disk? (--node-disk 0=IMAGE)"
	run "$TESTBED" start "$REPO/configs/two-nodes.ini" --boot-from-disk \
		--node-disk "0=$REPO/out/bzImage" --dir "$dir"
	assert_status 1
	assert_output_contains "node0's boot parameters come from its disk's boot loader, not from $REPO/configs/two-nodes.ini (use --no-plan)"
	run "$TESTBED" start --no-plan --machine pc --boot-from-disk --dir "$dir"
	assert_status 1
	assert_output_contains "--boot-from-disk needs --machine server (UEFI)"
	run "$TESTBED" boot --no-plan --attempts 0 --dir "$dir"
	assert_status 1
	assert_output_contains "boot: --attempts 0: a number, 1 or more"
	run "$TESTBED" boot --no-plan --machine sparc --dir "$dir"
	assert_status 1
	assert_output_contains "--machine sparc: no such machine (server or pc)"
	# nothing was started
	[ ! -e "$dir/qemu.pid" ]
}
