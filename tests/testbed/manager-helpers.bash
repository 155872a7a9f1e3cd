# Shared by the node manager tests: run shoji in node0 and read its
# status. Everything is looked at from inside node0 and the nodes.

# shoji in node0; output and status as bats' `run` expects.
shoji_in() {
	node0 "shoji $*"
}

# The field of NODE in `shoji status --json` (numbers, booleans and
# strings without quotes). The JSON has one line per node; its guests,
# last on the line, are left out.
status_field() {
	local node=$1 field=$2
	node0 'shoji status --json' | grep "\"name\": \"$node\"" |
		sed -e 's/, "guests": \[.*//' |
		sed -n "s/.*\"$field\": \(\"\([^\"]*\)\"\|\([^,}]*\)\).*/\2\3/p"
}

# How many guests NODE's agent says are running
agent_guests() {
	node0 'shoji status --json' | grep "\"name\": \"$1\"" |
		sed -n 's/.*"mem_avail_kb": [0-9]*, "guests": \([0-9]*\)}.*/\1/p'
}

# Prints NODE's FIELD and succeeds when `[ FIELD OP VALUE ]` holds: a
# command for wait_until that leaves the field in its report.
status_field_test() {
	local got
	got=$(status_field "$1" "$2")
	echo "$got"
	test "$got" "$3" "$4"
}

# Waits until NODE is in STATE (up to TIMEOUT seconds, default 120).
wait_state() {
	local node=$1 want=$2 timeout=${3:-120}
	wait_until "$timeout" "$node to be '$want'" -- status_field_test "$node" state = "$want" && return 0
	node0 'shoji status; shoji events | tail -n 20' >&2
	return 1
}

# Checks the output of `shoji status --json` against docs/status-json.md:
# every field is there with its type. One node per line, by design; node0
# first, with the same fields (its memory list empty). Sets JSON_NODES to
# the number of nodes besides node0.
STR='"([^"\\]|\\.)*"'
GUEST="\{\"name\": $STR, \"state\": \"(running|stopped|down|failed)\", \"cause\": $STR, \"vcpus\": [0-9]+, \"memory_bytes\": [0-9]+, \"autostart\": (true|false), \"pid\": [0-9]+, \"disk\": $STR\}"
check_status_json() {
	local json=$1 first line nodes=0 node0=0 re
	local -a node_fields=(
		"\"name\": \"node[0-9]+\""
		"\"id\": [0-9]+"
		"\"role\": \"(node0|node)\""
		"\"state\": \"(booting|running|degraded|hung|crashed|stopped|failed)\""
		"\"cause\": $STR"
		"\"state_since\": (\"\"|\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\")"
		"\"kernel_state\": \"(empty|loaded|starting|booting|running|halted|panicked|stopped|stop failed|none)\""
		"\"cpus\": \[[0-9]+(, [0-9]+)*\]"
		"\"memory_bytes\": [0-9]+"
		"\"memory\": \[(\{\"start\": [0-9]+, \"size\": [0-9]+\}(, \{\"start\": [0-9]+, \"size\": [0-9]+\})*)?\]"
		"\"devices\": \[($STR(, $STR)*)?\]"
		"\"dma_confined\": (true|false)"
		"\"dma_faults\": [0-9]+"
		"\"interrupts_remapped\": (true|false)"
		"\"partitioned\": (true|false)"
		"\"uptime_s\": [0-9]+"
		"\"heartbeat\": [0-9]+"
		"\"heartbeat_age_ms\": -?[0-9]+"
		"\"restart_count\": [0-9]+"
		"\"failures_in_a_row\": [0-9]+"
		"\"restart_policy\": \"(never|on-failure)\""
		"\"restart_max\": [0-9]+"
		"\"on_reboot\": \"(restart|stop)\""
		"\"last_failure\": $STR"
		"\"last_failure_time\": (\"\"|\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\")"
		"\"agent\": \{\"heard\": (true|false), \"age_ms\": -?[0-9]+, \"uptime_s\": [0-9]+, \"load1\": [0-9]+\.[0-9]+, \"mem_total_kb\": [0-9]+, \"mem_avail_kb\": [0-9]+, \"guests\": [0-9]+\}"
		"\"guests\": \[($GUEST(, $GUEST)*)?\]\}"
	)
	first=$(sed -n 1p <<< "$json")
	line=$first
	[[ $line =~ ^\{\"version\":\ 1,\ \"manager\":\ \{\"pid\":\ [0-9]+,\ \"state_dir\":\ $STR,\ \"plan\":\ $STR\},\ \"nodes\":\ \[ ]] ||
		fail "status --json: bad first line: $line" || return 1
	[ "$(tail -n 1 <<< "$json")" = "]}" ] || [[ $line == *'"nodes": []}' ]] ||
		fail "status --json: bad last line: $(tail -n 1 <<< "$json")" || return 1
	while IFS= read -r line; do
		[[ $line == '  {"name"'* ]] || continue
		if [[ $line == '  {"name": "node0", "id": 0, "role": "node0", '* ]]; then
			node0=$((node0 + 1))
		else
			nodes=$((nodes + 1))
		fi
		for re in "${node_fields[@]}"; do
			[[ $line =~ $re ]] || { fail "status --json: no field matching $re in: $line"; return 1; }
		done
	done <<< "$json"
	# node0 has a row whenever a plan is up, and it is the first
	if [[ $first == *'"nodes": []}' ]]; then
		[ "$node0" = 0 ] || fail "status --json: node0 without a plan" || return 1
	else
		[ "$node0" = 1 ] || fail "status --json: $node0 rows of node0" || return 1
		[[ $(sed -n 2p <<< "$json") == '  {"name": "node0", '* ]] ||
			fail "status --json: node0 is not the first row" || return 1
	fi
	JSON_NODES=$nodes
}

# A node0 view of the partition: online CPUs and the drivers of PCI devices
partition_view() {
	node0 'cat /sys/devices/system/cpu/online; for d in /sys/bus/pci/devices/*; do echo "${d##*/} $(basename "$(readlink "$d/driver" 2>/dev/null)" 2>/dev/null) $(cat "$d/driver_override")"; done'
}

# On failure: the manager's journal and node consoles say what happened.
show_manager_on_failure() {
	if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -n "${TESTBED_DIR:-}" ]; then
		show_cpus_on_failure
		echo "--- shoji status and events ---"
		node0 'shoji status; shoji events | tail -n 30; tail -n 20 /shoji/state/daemon.log' 2>&1 || true
		local f
		for f in "$TESTBED_DIR"/com[234].log; do
			[ -s "$f" ] || continue
			echo "--- end of $f ---"
			tail -n 15 "$f"
		done
	fi
}

# Runs a shell command inside NODE through `shoji exec`; output and status
# as bats' `run` expects. The command travels base64-encoded so any
# quoting survives node0's shell.
mgr_exec() {
	local node=$1 b64
	shift
	b64=$(printf '%s' "$*" | base64 -w0)
	node0 "shoji exec $node -- \"\$(echo $b64 | base64 -d)\""
}

# Hangs NODE with Linux's own crash provoker (LKDTM's HARDLOCKUP: the CPU
# spins with interrupts off) under a `shoji exec`, which cannot return:
# succeeds when that exec failed.
hang_node() {
	! node0 "shoji exec $1 --timeout 3 -- 'echo HARDLOCKUP > /sys/kernel/debug/provoke-crash/DIRECT'" >/dev/null
}

# Waits until NODE's FIELD in `shoji status --json` is VALUE.
wait_field() {
	local node=$1 field=$2 want=$3 timeout=${4:-120}
	wait_until "$timeout" "$node's $field to be '$want'" -- status_field_test "$node" "$field" = "$want"
}

# Waits until the journal has a line containing TEXT.
wait_event() {
	local text=$1 timeout=${2:-30}
	wait_until "$timeout" "an event '$text'" -- output_has "$text" node0 'shoji events'
}
