#!/usr/bin/env bats
# KVM guests of the plan (configs/guests.ini): a guest on node1 and one on
# node2 at once, two guests sharing node2's disk, a guest stopped and
# started three times, and a crash of node1 that node2's guest does not
# notice, after which node1's autostart guest comes back with the data it
# had synced. Every guest is looked at from inside: what it prints on its
# console (guest/init), which the manager keeps on node0.

load helpers
load manager-helpers

PLAN=configs/guests.ini
# Nested guests under software emulation boot slowly, more so on a busy
# host: generous, never asserted on.
BOOT=600

setup_file() {
	# KVM guests need one emulator thread per vCPU (shoji-testbed --help)
	testbed_start "$REPO/$PLAN" --tcg-threads multi
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_manager_on_failure
}

# The console of guest NAME as node0 keeps it, without carriage returns
guest_log() {
	node0 "shoji guest logs $1" | tr -d '\r'
}

# Its console since its last start
guest_run_log() {
	guest_log "$1" | awk -v m="^-- shoji: $1 started on " '$0 ~ m { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }'
}

# Waits until the console of NAME's current run has a line matching RE
# (grep -E); prints that line.
wait_guest_line() {
	local name=$1 re=$2 timeout=${3:-$BOOT} i line
	for ((i = 0; i < timeout / 3; i++)); do
		line=$(guest_run_log "$name" | grep -E -- "$re" | tail -n 1)
		if [ -n "$line" ]; then
			echo "$line"
			return 0
		fi
		sleep 3
	done
	echo "guest $name: no line matching '$re' after ${timeout}s; its console ends:" >&2
	guest_run_log "$name" | tail -n 15 >&2
	return 1
}

# Waits until run K of NAME (its K-th start, counted on node0) has a line
# matching RE; prints that line.
wait_run_line() {
	local name=$1 k=$2 re=$3 timeout=${4:-$BOOT} i line
	for ((i = 0; i < timeout / 3; i++)); do
		line=$(guest_log "$name" | awk -v m="^-- shoji: $name started on " -v k="$k" '$0 ~ m { n++ } n == k' |
			grep -E -- "$re" | tail -n 1)
		if [ -n "$line" ]; then
			echo "$line"
			return 0
		fi
		sleep 3
	done
	echo "guest $name: run $k has no line matching '$re' after ${timeout}s" >&2
	return 1
}

# The last "guest: alive N" of NAME's current run
alive_count() {
	guest_run_log "$1" | sed -n 's/^guest: alive \([0-9]*\)$/\1/p' | tail -n 1
}

guest_field() {
	node0 'shoji status --json' | grep -o "{\"name\": \"$1\", [^}]*}" |
		sed -n "s/.*\"$2\": \(\"\([^\"]*\)\"\|\([^,}]*\)\).*/\2\3/p"
}

# Waits until NODE's agent counts N running guests
wait_agent_guests() {
	local node=$1 want=$2 got="" i
	for ((i = 0; i < 30; i++)); do
		got=$(agent_guests "$node")
		[ "$got" = "$want" ] && return 0
		sleep 1
	done
	fail "$node's agent counts '$got' guests, not $want"
}

wait_guest_state() {
	local name=$1 want=$2 timeout=${3:-120} got="" i
	for ((i = 0; i < timeout; i++)); do
		got=$(guest_field "$name" state)
		[ "$got" = "$want" ] && return 0
		sleep 1
	done
	echo "guest $name is '$got', not '$want' after ${timeout}s" >&2
	return 1
}

@test "shoji check rejects each bad guest definition with its exact message; up refuses such a plan" {
	node0 'sed -e "/^\[guest.g1\]/,/^\[/ s/^node = .*/node = node7/" \
		-e "/^\[guest.g2\]/,/^\[/ s/^vcpus = .*/vcpus = 3/" \
		-e "/^\[guest.g3\]/,/^\[/ s/^memory = .*/memory = 500M/" \
		-e "/^\[guest.g3\]/,/^\[/ s#^kernel = .*#kernel = ../out/guest/no-vmlinuz#" \
		/shoji/configs/guests.ini > /shoji/configs/bad-guests.ini'
	run node0 'cd /shoji/configs && shoji check bad-guests.ini'
	assert_status 2
	g1=$(grep -n '^\[guest.g1\]' "$REPO/$PLAN" | cut -d: -f1)
	g2=$(grep -n '^\[guest.g2\]' "$REPO/$PLAN" | cut -d: -f1)
	g3=$(grep -n '^\[guest.g3\]' "$REPO/$PLAN" | cut -d: -f1)
	want="bad-guests.ini:$((g1 + 1)): [guest.g1] node = node7: no such node in this plan (its nodes: node1, node2)
bad-guests.ini:$((g2 + 2)): [guest.g2] vcpus = 3: more vCPUs than the 2 CPUs of [node2] (cpus at line $(grep -n '^cpus = 2-3' "$REPO/$PLAN" | cut -d: -f1))
bad-guests.ini:$((g3 + 3)): [guest.g3] memory = 500M: the guests of [node2] up to this one need 692M, more than the 640M it can give them (its 768M less 128M it keeps for its own kernel and QEMU)
bad-guests.ini:$((g3 + 4)): [guest.g3] kernel = ../out/guest/no-vmlinuz: no such file: /shoji/out/guest/no-vmlinuz (a relative path starts at the plan's directory)"
	# without an IOMMU a warning for each node's disk; and the errors
	[ "$(grep -c 'warning: .*: no IOMMU translates it' <<< "$output")" = "$(unconfined_dma_warnings 2)" ] ||
		fail "warnings of unconfined DMA: $output"
	errors=$(grep -v 'warning: .*: no IOMMU translates it' <<< "$output")
	[ "$errors" = "$want" ] || fail "got:
$errors
want:
$want"
	run shoji_in up /shoji/configs/bad-guests.ini
	assert_status 2
	assert_output_contains "[guest.g1] node = node7: no such node in this plan"
	assert_output_contains "shoji: up: the plan does not fit this machine; nothing was changed"
	run shoji_in status
	assert_output_contains "No plan is up"
}

@test "a guest on node1 and one on node2 at once: Debian's kernel, under KVM, with their vCPUs" {
	run shoji_in up /shoji/$PLAN
	assert_status 0
	assert_output_contains "up: 2 node(s) running"
	version=$(cat "$REPO/out/guest/version")
	run wait_guest_line g1 "^guest: name=g1 "
	assert_status 0
	[[ "$output" == "guest: name=g1 kernel=$version hypervisor=KVM cpus=1 "*" disk=vda" ]] ||
		fail "g1 reports: $output"
	run wait_guest_line g2 "^guest: name=g2 "
	assert_status 0
	[[ "$output" == "guest: name=g2 kernel=$version hypervisor=KVM cpus=2 "*" disk=vda" ]] ||
		fail "g2 reports: $output"
	# both run at the same time: both counters move while both are up
	a1=$(alive_count g1) a2=$(alive_count g2)
	sleep 10
	[ "$(guest_field g1 state)" = running ] && [ "$(guest_field g2 state)" = running ]
	b1=$(alive_count g1) b2=$(alive_count g2)
	[ "${b1:-0}" -gt "${a1:-0}" ] || fail "g1's counter did not move: $a1 -> $b1"
	[ "${b2:-0}" -gt "${a2:-0}" ] || fail "g2's counter did not move: $a2 -> $b2"
	# each QEMU runs inside its own node, with KVM, on the node's cores
	run mgr_exec node1 'pid=$(cat /shoji/guests/g1/qemu.pid); tr "\0" " " < /proc/$pid/cmdline; echo; taskset -p $pid; nproc'
	assert_status 0
	assert_output_contains "-enable-kvm -cpu host"
	assert_output_contains "-smp 1 -m 192M"
	assert_output_contains "file=/shoji/guests/g1.img"
	assert_output_contains "current affinity mask: 1"
}

@test "shoji status lists each node's guests and their state" {
	run shoji_in status
	assert_status 0
	[[ "$output" =~ g1\ +node1\ +running\ +1\ +192M\ +yes ]] || fail "status: $output"
	[[ "$output" =~ g2\ +node2\ +running\ +2\ +192M\ +yes ]] || fail "status: $output"
	[[ "$output" =~ g3\ +node2\ +stopped\ +1\ +160M\ +no ]] || fail "status: $output"
	run shoji_in status --json
	check_status_json "$output"
	[[ "$output" == *'"guests": [{"name": "g1", "state": "running", '* ]] || fail "json: $output"
	[ "$(guest_field g2 vcpus)" = 2 ]
	[ "$(guest_field g2 memory_bytes)" = $((192 << 20)) ]
	[ "$(guest_field g3 autostart)" = false ]
	[ "$(guest_field g2 disk)" = /shoji/guests/g2.img ]
	wait_agent_guests node1 1
}

@test "two guests share node2's disk, each on its own image, and both run" {
	run shoji_in guest start g3
	assert_status 0
	assert_output_contains "g3: started on node2 (QEMU pid "
	run shoji_in guest start g3
	assert_status 1
	assert_output_contains "shoji: guest g3 is already running on node2"
	run wait_guest_line g3 "^guest: name=g3 "
	assert_status 0
	assert_output_contains "hypervisor=KVM cpus=1"
	assert_output_contains "disk=vda"
	run wait_guest_line g3 "^guest: data written md5="
	assert_status 0
	# both images on node2's own disk, the one it mounts at /shoji
	run mgr_exec node2 'grep " /shoji " /proc/mounts | cut -d" " -f1; ls /shoji/guests/*.img; for g in g2 g3; do kill -0 $(cat /shoji/guests/$g/qemu.pid) && echo "$g runs"; done'
	assert_status 0
	[ "$output" = "/dev/nvme0n1
/shoji/guests/g2.img
/shoji/guests/g3.img
g2 runs
g3 runs" ] || fail "node2: $output"
	a2=$(alive_count g2) a3=$(alive_count g3)
	sleep 10
	b2=$(alive_count g2) b3=$(alive_count g3)
	[ "${b2:-0}" -gt "${a2:-0}" ] || fail "g2's counter did not move: $a2 -> $b2"
	[ "${b3:-0}" -gt "${a3:-0}" ] || fail "g3's counter did not move: $a3 -> $b3"
	wait_agent_guests node2 2
	run shoji_in guest stop g3
	assert_status 0
	assert_output_contains "g3: stopped"
	[ "$(guest_field g3 state)" = stopped ]
}

@test "a crash of node1: node2's guest keeps counting; g1 comes back with the data it had synced" {
	written=$(wait_guest_line g1 "^guest: data written md5=" | sed 's/.*md5=//')
	[ -n "$written" ] || fail "g1 wrote nothing"
	c1=$(alive_count g2)
	starts2=$(guest_log g2 | grep -c "^-- shoji: g2 started")
	runs1=$(guest_log g1 | grep -c "^-- shoji: g1 started")

	run mgr_exec node1 'echo c > /proc/sysrq-trigger'
	[ "$status" -eq 125 ] || fail "exec of the crash: status $status, $output"
	wait_event "guest.g1 running -> down: its node node1 is " 30
	# its console up to the crash stays readable on node0
	run shoji_in guest logs g1
	assert_output_contains "guest: data written md5=$written"

	wait_field node1 restart_count 1 120
	wait_state node1 running 300
	wait_guest_state g1 running 300
	# the first run after the crash
	run wait_run_line g1 $((runs1 + 1)) "^guest: data found md5="
	assert_status 0
	[ "$output" = "guest: data found md5=$written" ] ||
		fail "g1 found $output, it had written $written"
	run shoji_in guest logs g1
	[ "$(grep -c '^-- shoji: g1 started' <<< "$output")" -ge 2 ] || fail "g1's console of before the crash is gone"

	# node2 and its guest did not notice
	c2=$(alive_count g2)
	[ "${c2:-0}" -gt "${c1:-0}" ] || fail "g2's counter stopped: $c1 -> $c2"
	[ "$(guest_log g2 | grep -c "^-- shoji: g2 started")" = "$starts2" ] || fail "g2 was restarted"
	[ "$(guest_field g2 state)" = running ]
	[ "$(status_field node2 restart_count)" -eq 0 ]
	run shoji_in events
	assert_output_contains "guest.g1 down -> stopped: node1 was restarted"
	assert_output_contains "guest.g1 stopped -> running: started on node1"
}

@test "g2 stopped and started three times: the data it synced to its disk survives each time" {
	for i in 1 2 3; do
		written=$(wait_guest_line g2 "^guest: data written md5=" | sed 's/.*md5=//')
		[ -n "$written" ] || fail "round $i: g2 wrote nothing"
		run shoji_in guest stop g2
		assert_status 0
		assert_output_contains "g2: stopped"
		[ "$(guest_field g2 state)" = stopped ]
		# what is on the image in node2 is what the guest wrote
		run mgr_exec node2 'head -c 262144 /shoji/guests/g2.img | md5sum | cut -d" " -f1'
		[ "$output" = "$written" ] || fail "round $i: the image holds $output, g2 wrote $written"
		sleep 3
		[ "$(guest_field g2 state)" = stopped ] || fail "round $i: a stopped guest was started again"
		run shoji_in guest start g2
		assert_status 0
		assert_output_contains "g2: started on node2"
		run wait_guest_line g2 "^guest: data found md5="
		assert_status 0
		[ "$output" = "guest: data found md5=$written" ] ||
			fail "round $i: g2 found $output, it had written $written"
	done
	run shoji_in guest stop nosuch
	assert_status 1
	assert_output_contains "shoji: the plan /shoji/configs/guests.ini has no guest 'nosuch'"
}

@test "a new manager finds the guests as they were: no second start, no console copied twice" {
	run shoji_in guest stop g1
	assert_status 0
	runs2=$(guest_log g2 | grep -c '^-- shoji: g2 started')
	lines2=$(guest_log g2 | grep -c '^guest: name=g2')
	pid2=$(guest_field g2 pid)
	node0 'kill -9 $(cat /shoji/state/daemon.pid)'
	run node0 'shoji daemon --background --state-dir /shoji/state'
	assert_status 0
	wait_state node1 running 60
	wait_state node2 running 60
	wait_guest_state g2 running 60
	a=$(alive_count g2)
	sleep 10	# several passes of the manager's guest thread
	b=$(alive_count g2)
	[ "${b:-0}" -gt "${a:-0}" ] || fail "g2's counter does not move: $a -> $b"
	[ "$(guest_field g2 pid)" = "$pid2" ] || fail "g2 has another QEMU: $pid2 -> $(guest_field g2 pid)"
	[ "$(guest_log g2 | grep -c '^-- shoji: g2 started')" = "$runs2" ] || fail "g2 was started again"
	[ "$(guest_log g2 | grep -c '^guest: name=g2')" = "$lines2" ] || fail "g2's console was copied twice"
	[ "$(guest_field g1 state)" = stopped ] || fail "g1, stopped by a person, is $(guest_field g1 state)"
	run mgr_exec node1 '/usr/libexec/shoji/guest-ctl list | cut -d" " -f1,2'
	[ "$output" = "g1 stopped" ] || fail "g1 on node1: $output"
}

@test "shoji down stops the nodes; the guests' consoles stay on node0" {
	run shoji_in down
	assert_status 0
	run node0 'ls /shoji/state/guests; grep -c "^guest: name=g2" /shoji/state/guests/g2.log'
	assert_output_contains "g1.log"
	[ "$(echo "$output" | tail -n 1 | tr -d '\r')" -ge 4 ] || fail "g2's boots: $output"
}
