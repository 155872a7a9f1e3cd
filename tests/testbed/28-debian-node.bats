#!/usr/bin/env bats
# A node that runs Debian 12 (configs/debian-node.ini): node1 boots the
# root filesystem on its own NVMe disk, built by testbed/debian-node-root
# (debootstrap, the tools' package installed with dpkg), with systemd as
# init and the agent started by its unit. Looked at from inside node1
# through the manager: systemd is up and running, the agent is the
# package's, a crash is restarted by the manager to a running system
# again, a KVM guest runs on it, and `systemctl reboot` restarts the node.

load helpers
load manager-helpers

PLAN=configs/debian-node.ini
# systemd's start and a nested guest under software emulation are slow,
# more so on a busy host: generous, never asserted on.
BOOT=600

setup_file() {
	local image
	image=$("$REPO/testbed/debian-node-root") || return 1
	testbed_start "$REPO/$PLAN" --node-disk "1=$image"
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_manager_on_failure
}

# What systemd in node1 says of the whole system once it settled, with
# the failed units when it is not "running".
system_state() {
	mgr_exec node1 'state=$(systemctl is-system-running --wait); echo "$state"
		[ "$state" = running ] || systemctl --failed --no-legend --plain'
}

@test "node1 boots Debian 12 from its NVMe disk, with systemd as init" {
	run shoji_in up /shoji/$PLAN
	assert_status 0
	assert_output_contains "node1: running"
	run mgr_exec node1 '. /etc/os-release; echo "$ID $VERSION_ID"; cat /proc/1/comm; findmnt -n -o SOURCE,FSTYPE /; hostname'
	assert_status 0
	[ "$output" = "debian 12
systemd
/dev/nvme0n1 ext4
node1" ] || fail "node1: $output"
}

@test "systemd in node1 says the system is running; the agent is the package's, started by its unit" {
	run system_state
	assert_status 0
	[ "$output" = running ] || fail "systemctl is-system-running: $output"
	run mgr_exec node1 'systemctl is-active shoji-agent.service; systemctl show -P MainPID shoji-agent.service > /tmp/agent-pid; tr "\0" " " < /proc/$(cat /tmp/agent-pid)/cmdline; echo; dpkg-query -W -f "\${Status}\n" shoji'
	assert_status 0
	[ "$output" = "active
/usr/sbin/shoji agent 
install ok installed" ] || fail "node1's agent: $output"
	# what the manager hears is that agent
	[ "$(status_field node1 state)" = running ]
	run node0 'shoji status --json'
	[[ "$output" == *'"name": "node1"'*'"agent": {"heard": true'* ]] ||
		fail "the manager does not hear node1's agent: $output"
}

@test "a crash of node1 is detected and restarted; systemd runs again on the recovered root" {
	boot_id=$(mgr_exec node1 'cat /proc/sys/kernel/random/boot_id')
	run mgr_exec node1 'echo c > /proc/sysrq-trigger'
	[ "$status" -eq 125 ] || fail "exec of the crash: status $status, $output"
	wait_event "node1 running -> crashed: Kernel panic - not syncing: sysrq triggered crash" 30
	wait_field node1 restart_count 1 120
	wait_state node1 running $BOOT
	run mgr_exec node1 'cat /proc/sys/kernel/random/boot_id; cat /proc/1/comm'
	assert_status 0
	[ "$(sed -n 2p <<< "$output")" = systemd ] || fail "node1's init: $output"
	[ "$(sed -n 1p <<< "$output")" != "$boot_id" ] || fail "node1 did not boot again: $output"
	# its root was not unmounted: the kernel replayed the journal
	run mgr_exec node1 'dmesg | grep -c "recovery complete"'
	[ "$output" -ge 1 ] || fail "no ext4 recovery in node1's log: $output"
	run system_state
	[ "$output" = running ] || fail "systemctl is-system-running after the restart: $output"
}

@test "a KVM guest runs on the Debian node, with the QEMU on its root" {
	run shoji_in guest start g1
	assert_status 0
	version=$(cat "$REPO/out/guest/version")
	line=""
	for ((i = 0; i < BOOT / 3; i++)); do
		line=$(node0 'shoji guest logs g1' | tr -d '\r' | grep -E '^guest: name=g1 ' | tail -n 1)
		[ -z "$line" ] || break
		sleep 3
	done
	[[ "$line" == "guest: name=g1 kernel=$version hypervisor=KVM cpus=1 "*" disk=vda" ]] ||
		fail "g1 reports: '$line'; its console ends: $(node0 'shoji guest logs g1' | tail -n 15)"
	run mgr_exec node1 'pid=$(cat /shoji/guests/g1/qemu.pid); tr "\0" " " < /proc/$pid/cmdline'
	assert_status 0
	assert_output_contains "-enable-kvm -cpu host"
	assert_output_contains "file=/shoji/guests/g1.img"
	run shoji_in guest stop g1
	assert_status 0
}

@test "systemctl reboot in node1 shuts systemd down cleanly and restarts the node" {
	boot_id=$(mgr_exec node1 'cat /proc/sys/kernel/random/boot_id')
	failures=$(status_field node1 failures_in_a_row)
	# systemctl returns once the reboot is queued; systemd then stops the
	# services, the agent among them, and the kernel parks asking node0
	# for a reboot
	run node0 "shoji exec node1 --timeout 30 -- 'systemctl reboot'"
	wait_event "-> booting: rebooted itself (reboot); on_reboot = restart" 120
	wait_state node1 running $BOOT
	run mgr_exec node1 'cat /proc/sys/kernel/random/boot_id'
	assert_status 0
	[ "$output" != "$boot_id" ] || fail "node1 did not boot again: $output"
	[ "$(status_field node1 failures_in_a_row)" = "$failures" ] || fail "the reboot counted as a failure"
	# systemd left the root clean (read-only before the reboot): nothing
	# to recover this time
	run mgr_exec node1 'dmesg | grep -c "recovery complete"'
	[ "$output" = 0 ] || fail "node1's root needed recovery after a clean reboot"
	run system_state
	[ "$output" = running ] || fail "systemctl is-system-running after the reboot: $output"
}
