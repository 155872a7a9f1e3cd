# Shared by the testbed tests: boot the emulated machine once per file and
# run commands inside node0.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
TESTBED=$REPO/testbed/shoji-testbed
SHOJI=$REPO/out/bin/shoji

# Boot node0 with PLAN's reservations (more ARGS go to shoji-testbed
# start); the machine lives under out/ so that `shoji-testbed stop-all`
# finds it whatever happens to this test run.
testbed_start() {
	local plan=$1
	shift
	TESTBED_DIR=$REPO/out/testbed-runs/$(basename "$BATS_TEST_FILENAME" .bats)
	export TESTBED_DIR
	"$TESTBED" stop "$TESTBED_DIR"
	"$TESTBED" boot "$plan" --dir "$TESTBED_DIR" "$@" >/dev/null
}

testbed_stop() {
	[ -z "${TESTBED_DIR:-}" ] || "$TESTBED" stop "$TESTBED_DIR"
}

# Run a shell command in node0; output and status as bats' `run` expects.
node0() {
	"$TESTBED" exec "$TESTBED_DIR" -- "$@"
}

# What each CPU of the machine does, after a failed test: a CPU stuck by
# an emulator fault is kept in the machine's lost-interrupt file, and
# tests/testbed/run then runs the file again.
show_cpus_on_failure() {
	echo "--- the machine's CPUs ---"
	"$TESTBED" cpus "$TESTBED_DIR" 2>&1 || true
}

# After a failed test: the machine's CPUs, and the end of node0's console
# and of the consoles of the nodes given (node N's UART is COM(N+1) on
# the testbed).
show_console_on_failure() {
	local n log
	[ -z "${BATS_TEST_COMPLETED:-}" ] || return 0
	show_cpus_on_failure
	for n in 0 "$@"; do
		log=$TESTBED_DIR/com$((n + 1)).log
		[ -f "$log" ] || continue
		echo "--- end of node$n's console ($log) ---"
		tail -n 30 "$log"
	done
}

fail() {
	echo "$*" >&2
	return 1
}

# shoji check's output on a machine without an IOMMU holds one warning per
# node device, that its DMA is not confined, and nothing else.
assert_only_unconfined_dma_warnings() {
	local other
	other=$(grep -v "warning: .*: no IOMMU translates it" <<< "$output" || true)
	[ -z "$other" ] || fail "unexpected output: $other"
	[ -z "${1:-}" ] || [ "$(grep -c "no IOMMU translates it" <<< "$output")" = "$1" ] ||
		fail "expected $1 warnings of unconfined DMA: $output"
}

assert_status() {
	[ "$status" -eq "$1" ] || fail "expected exit status $1, got $status; output:
$output"
}

assert_output_contains() {
	[[ "$output" == *"$1"* ]] || fail "expected output to contain '$1'; output:
$output"
}
