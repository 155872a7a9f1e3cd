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
	local n=$1 i
	for i in $(seq 120); do
		if node0 "shoji-load status $n | grep -q ': running' && shoji-load exec $n --timeout 5 -- true" >/dev/null 2>&1; then
			return 0
		fi
		sleep 1
	done
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
