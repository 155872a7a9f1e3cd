# Shared by the testbed tests: boot the emulated machine once per file and
# run commands inside node0.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
TESTBED=$REPO/testbed/shoji-testbed
SHOJI=$REPO/out/bin/shoji

# Boot node0 with PLAN's reservations (more ARGS go to shoji-testbed
# start); the machine lives under out/ so that `shoji-testbed stop-all`
# finds it whatever happens to this test run. SHOJI_TESTBED_IOMMU=1 gives
# every machine an IOMMU that remaps interrupts (--iommu), as a current
# server has.
testbed_start() {
	local plan=$1
	shift
	if [ "${SHOJI_TESTBED_IOMMU:-0}" = 1 ] && [[ " $* " != *" --iommu "* ]]; then
		set -- "$@" --iommu
	fi
	TESTBED_IOMMU=0
	[[ " $* " != *" --iommu "* ]] || TESTBED_IOMMU=1
	TESTBED_DIR=$REPO/out/testbed-runs/$(basename "$BATS_TEST_FILENAME" .bats)
	export TESTBED_DIR TESTBED_IOMMU
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

# What each CPU of the machine does, after a failed test. A CPU that
# stays stuck by an emulator fault marks the machine (cpus keeps the
# lost-interrupt files), and tests/testbed/run then runs the file again:
# a node's CPU stuck that way fails the test as surely as one of node0's,
# but only node0's are seen by exec.
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

# The testbed's machine has an IOMMU (see testbed_start)
testbed_iommu() {
	[ "${TESTBED_IOMMU:-0}" = 1 ]
}

# How many of shoji check's warnings that a device's DMA is not confined
# to expect when the plan gives nodes N devices: none with an IOMMU
unconfined_dma_warnings() {
	if testbed_iommu; then echo 0; else echo "$1"; fi
}

# shoji check's output on a machine without an IOMMU holds one warning per
# node device, that its DMA is not confined, and nothing else; with an
# IOMMU it is empty.
assert_only_unconfined_dma_warnings() {
	local other
	if testbed_iommu; then
		[ -z "$output" ] || fail "unexpected output: $output"
		return
	fi
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

# Starts a page of node0's memory filled with a pattern (shoji-dma-probe
# target) and prints its physical address; dma_target_check later says
# whether a device wrote it.
dma_target_start() {
	local i out
	node0 'shoji-dma-probe target 300 > /tmp/dma-target 2>&1 & echo $! > /tmp/dma-target.pid' >/dev/null
	for i in $(seq 50); do
		out=$(node0 'sed -n "s/^target //p" /tmp/dma-target')
		[ -z "$out" ] || { echo "$out"; return 0; }
		sleep 0.2
	done
	fail "no target page: $(node0 'cat /tmp/dma-target')"
}

dma_target_check() {
	node0 'kill -USR1 $(cat /tmp/dma-target.pid); while kill -0 $(cat /tmp/dma-target.pid) 2>/dev/null; do sleep 0.1; done; tail -n 1 /tmp/dma-target'
}

# Node shell lines that let go of the NVMe disk at DEVICE and ask it, by
# hand, to write its identify data to ADDRESS.
nvme_probe_command() {
	echo "umount \$(grep -m1 nvme /proc/mounts | cut -d' ' -f2); echo $1 > /sys/bus/pci/drivers/nvme/unbind; shoji-dma-probe nvme $1 $2"
}
