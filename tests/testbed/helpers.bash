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

# wait_until TIMEOUT WHAT [--every SECONDS] [--node0] -- COMMAND...
# Runs COMMAND every SECONDS (0.5 unless told) until it succeeds; after
# TIMEOUT seconds, says it waited in vain for WHAT, shows the end of what
# the last run printed, and fails. What the last run printed stays in
# wait_output.
# TIMEOUT counts the pauses, not the time each run takes (often a round
# trip to node0): a slow machine makes a wait longer, never shorter, and
# one last run comes when TIMEOUT is up.
# COMMAND runs in this shell, so that it can keep what it saw from one run
# to the next; it sees the caller's variables, as long as none is named
# _wait_*.
# With --node0, COMMAND is one shell command that node0 runs in a loop of
# its own: one round trip in all instead of one a run, within the 300 s
# that shoji-testbed exec waits for an answer.
wait_until() {
	local _wait_timeout=$1 _wait_what=$2 _wait_every=0.5 _wait_node0="" _wait_tries
	local _wait_i=1 _wait_status _wait_file _wait_b64
	shift 2
	while [ "${1-}" != -- ]; do
		case ${1-} in
		--every) _wait_every=$2; shift 2 ;;
		--node0) _wait_node0=1; shift ;;
		*) fail "wait_until: '${1-}' where --every, --node0 or -- goes"; return ;;
		esac
	done
	shift
	[ $# -gt 0 ] || { fail "wait_until: no command"; return; }
	_wait_tries=$(awk -v t="$_wait_timeout" -v e="$_wait_every" \
		'BEGIN { n = t / e; c = int(n); if (n - c > 1e-9) c++; print c + 1 }')
	_wait_file=$(mktemp "${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/wait.XXXXXX")
	if [ -n "$_wait_node0" ]; then
		_wait_b64=$(printf '%s' "$*" | base64 -w0)
		# shellcheck disable=SC2016 # expanded by node0's shell
		if node0 "_w_b64=$_wait_b64; _w_tries=$_wait_tries; _w_every=$_wait_every;"'
			_w_c=$(echo "$_w_b64" | base64 -d); _w_i=1
			while :; do
				_w_out=$(eval "$_w_c" 2>&1); _w_s=$?
				[ $_w_s != 0 ] && [ $_w_i -lt $_w_tries ] || break
				_w_i=$((_w_i + 1)); sleep $_w_every
			done
			printf "%s\n" "$_w_out"; exit $_w_s' > "$_wait_file" 2>&1; then
			_wait_status=0
		else
			_wait_status=$?
		fi
	else
		while :; do
			if "$@" > "$_wait_file" 2>&1; then
				_wait_status=0
			else
				_wait_status=$?
			fi
			if [ "$_wait_status" = 0 ] || [ "$_wait_i" -ge "$_wait_tries" ]; then
				break
			fi
			_wait_i=$((_wait_i + 1))
			sleep "$_wait_every"
		done
	fi
	wait_output=$(< "$_wait_file")
	rm -f "$_wait_file"
	[ "$_wait_status" != 0 ] || return 0
	if [ -z "$wait_output" ]; then
		echo "timed out after ${_wait_timeout}s waiting for $_wait_what (the last run: status $_wait_status, no output)" >&2
	else
		echo "timed out after ${_wait_timeout}s waiting for $_wait_what; the last run (status $_wait_status) ended with:" >&2
		tail -n 20 <<< "$wait_output" >&2
	fi
	return 1
}

# Prints what COMMAND prints and succeeds when a line of it holds TEXT: a
# command for wait_until that leaves in its report what there was instead.
output_has() {
	local text=$1 out
	shift
	out=$("$@") || true
	printf '%s\n' "$out"
	grep -qF -- "$text" <<< "$out"
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

assert_output_not_contains() {
	[[ "$output" != *"$1"* ]] || fail "expected output not to contain '$1'; output:
$output"
}

# Starts a page of node0's memory filled with a pattern (shoji-dma-probe
# target) and prints its physical address; dma_target_check later says
# whether a device wrote it.
dma_target_start() {
	node0 'shoji-dma-probe target 300 > /tmp/dma-target 2>&1 & echo $! > /tmp/dma-target.pid' >/dev/null
	wait_until 10 "node0's target page" --every 0.2 -- node0 'sed -n "s/^target //p" /tmp/dma-target | grep .' ||
		{ fail "no target page: $(node0 'cat /tmp/dma-target')"; return; }
	echo "$wait_output"
}

dma_target_check() {
	node0 'kill -USR1 $(cat /tmp/dma-target.pid); while kill -0 $(cat /tmp/dma-target.pid) 2>/dev/null; do sleep 0.1; done; tail -n 1 /tmp/dma-target'
}

# Node shell lines that let go of the NVMe disk at DEVICE and ask it, by
# hand, to write its identify data to ADDRESS.
nvme_probe_command() {
	echo "umount \$(grep -m1 nvme /proc/mounts | cut -d' ' -f2); echo $1 > /sys/bus/pci/drivers/nvme/unbind; shoji-dma-probe nvme $1 $2"
}
