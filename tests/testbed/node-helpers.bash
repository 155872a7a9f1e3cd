# Shared by the node tests: give a node's resources up in node0, load and
# start it from a plan, and look inside it through its control page
# (shoji-load exec, served by `shoji agent`, which the node's init starts).

# The value of KEY in [SECTION] of the plan file on the host.
plan_value() {
	local plan=$1 section=$2 key=$3
	awk -v s="[$section]" -v k="$key" '
		/^\[/ { in_s = ($0 == s) }
		in_s && $0 ~ "^" k "[ \t]*=" { sub(/^[^=]*=[ \t]*/, ""); sub(/[ \t]*(;.*)?$/, ""); print; exit }
	' "$plan"
}

# The number of bytes a plan's size or address stands for (docs/plan.md:
# decimal or 0x hex, with K, M, G or T, of any case, for a size)
plan_bytes() {
	local v=$1 bits=0
	case $v in
	*[kK]) bits=10 ;;
	*[mM]) bits=20 ;;
	*[gG]) bits=30 ;;
	*[tT]) bits=40 ;;
	esac
	[ "$bits" = 0 ] || v=${v%?}
	# a leading 0 is not octal in a plan
	[[ $v == 0[xX]* ]] || v=10#$v
	echo $(( v << bits ))
}

# The first and last byte of each range (SIZE@ADDR, comma-separated) of
# KEY in [SECTION] of the plan file, one "FIRST LAST" a line
plan_ranges() {
	local range first
	for range in $(plan_value "$1" "$2" "$3" | tr ',' ' '); do
		first=$(plan_bytes "${range#*@}")
		echo "$first $((first + $(plan_bytes "${range%@*}") - 1))"
	done
}

# node N's memory is what the plan gives it: MemTotal at most its ranges
# and its low window together, and most of that; every System RAM range
# it sees within them. Taken from the plan, so that a plan that moves or
# resizes them needs no change here.
assert_node_memory() {
	local n=$1 ranges shown="" planned_kb=0 first last total_kb ram line span lo hi at
	ranges=$({ plan_ranges "$REPO/$PLAN" "node$n" memory; plan_ranges "$REPO/$PLAN" "node$n" lowmem; } | sort -n)
	while read -r first last; do
		planned_kb=$((planned_kb + (last + 1 - first) / 1024))
		shown+=$(printf ' %x-%x' "$first" "$last")
	done <<< "$ranges"
	total_kb=$(node_exec "$n" "awk '/MemTotal/ { print \$2 }' /proc/meminfo") ||
		fail "node$n's MemTotal: $total_kb" || return 1
	# the kernel keeps some for itself: its image and page structures,
	# well under 128 MiB in a node of a few GiB
	if ! { [ "$total_kb" -le "$planned_kb" ] && [ "$total_kb" -gt $((planned_kb - (128 << 10))) ]; }; then
		fail "MemTotal of node$n: $total_kb kB of $planned_kb kB planned" || return 1
	fi
	ram=$(node_exec "$n" "grep 'System RAM' /proc/iomem") ||
		fail "node$n's System RAM: $ram" || return 1
	while IFS= read -r line; do
		span=${line%% :*}
		lo=$((16#${span%-*})) hi=$((16#${span#*-}))
		# one line may span ranges that touch: the kernel joins them
		at=$lo
		while read -r first last; do
			[ "$first" -gt "$at" ] || [ "$last" -lt "$at" ] || at=$((last + 1))
		done <<< "$ranges"
		[ "$at" -gt "$hi" ] || fail "RAM outside node$n's ranges,$shown: $line" || return 1
	done <<< "$ram"
}

# "2-3" -> "2 3"
expand_cpus() {
	local part out=""
	for part in ${1//,/ }; do
		if [[ $part == *-* ]]; then
			out+=" $(seq -s ' ' "${part%-*}" "${part#*-}")"
		else
			out+=" $part"
		fi
	done
	echo $out
}

# node0 offlines the node's CPUs and unbinds its PCI devices.
node_partition() {
	local n=$1 cpu dev script=""
	for cpu in $(expand_cpus "$(plan_value "$REPO/$PLAN" "node$n" cpus)"); do
		script+="echo 0 > /sys/devices/system/cpu/cpu$cpu/online; "
	done
	for dev in $(plan_value "$REPO/$PLAN" "node$n" pci | tr ',' ' '); do
		dev=0000:$dev
		script+="[ ! -e /sys/bus/pci/devices/$dev/driver ] || echo $dev > /sys/bus/pci/devices/$dev/driver/unbind; "
	done
	node0 "$script"
}

# Waits until the node runs and its agent answers.
node_wait_running() {
	local n=$1
	wait_until 120 "node$n to run and its agent to answer" --every 1 -- \
		node0 "shoji-load status $n | grep -q ': running' && shoji-load exec $n --timeout 5 -- true" && return 0
	node0 "shoji-load status $n"
	return 1
}

# Loads the node from the plan (inside node0) and starts it.
node_boot() {
	local n=$1
	node0 "shoji-load load /shoji/$PLAN $n && shoji-load start $n" || return 1
	node_wait_running "$n"
}

# Gives up each node's resources, then loads and starts them all together
# and waits until every one runs (the setup of the multi-node tests).
nodes_boot() {
	local n script=""
	for n in "$@"; do
		node_partition "$n" || return 1
		script+="shoji-load load /shoji/$PLAN $n && "
	done
	for n in "$@"; do
		script+="shoji-load start $n && "
	done
	node0 "${script}true" || return 1
	for n in "$@"; do
		node_wait_running "$n" || return 1
	done
}

# Runs a shell command inside node N; output and status as bats' `run`
# expects. The command travels base64-encoded so any quoting survives.
node_exec() {
	local n=$1 b64
	shift
	b64=$(printf '%s' "$*" | base64 -w0)
	node0 "shoji-load exec $n -- \"\$(echo $b64 | base64 -d)\""
}

# Runs SCRIPT in node N, or in node0 when N is 0
kernel_exec() {
	if [ "$1" = 0 ]; then node0 "$2"; else node_exec "$1" "$2"; fi
}

node_state() {
	node0 "shoji-load status $1"
}

# Injects a machine check with QEMU's monitor: ARGS are those of its mce
# command ([-b] CPU BANK STATUS MCG_STATUS ADDR MISC); with -b, QEMU
# broadcasts it to every CPU (CPUs that say GenuineIntel only:
# shoji-testbed --cpu-vendor intel).
inject_mce() {
	run "$TESTBED" monitor "$TESTBED_DIR" mce "$@"
	assert_status 0
	[[ "$output" != *"triple fault"* && "$output" != *"not support"* ]] || fail "QEMU: $output"
}

# Waits up to 60 s for the kernel log of node N (0: node0) to hold a line
# that matches the extended regular expression ERE, and prints the lines
# that do.
# shellcheck disable=SC2154 # wait_output is wait_until's (helpers.bash)
kernel_log_wait() {
	local n=$1 ere=$2
	if [ "$n" = 0 ]; then
		wait_until 60 "a line of node0's kernel log matching $ere" --every 1 --node0 -- "dmesg | grep -E '$ere'"
	else
		wait_until 60 "a line of node$n's kernel log matching $ere" --every 1 -- node_exec "$n" "dmesg | grep -E '$ere'"
	fi && echo "$wait_output"
}
