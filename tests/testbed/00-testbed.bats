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
