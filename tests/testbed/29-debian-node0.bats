#!/usr/bin/env bats
# node0 runs Debian 12 too: it boots the root on its own NVMe disk
# (testbed/debian-node-root --node0), with the tools' package installed.
# systemd starts the manager (shoji.service) and brings the plan in
# /etc/shoji/plan.ini up at boot (shoji-up.service), here
# configs/debian-node.ini, whose node1 runs Debian as well. Looked at from
# inside node0, and inside node1 through the manager.

load helpers
load manager-helpers

PLAN=configs/debian-node.ini
# systemd's start under software emulation is slow on a busy host:
# generous, never asserted on.
BOOT=600

setup_file() {
	local node0_image node_image
	node0_image=$("$REPO/testbed/debian-node-root" --node0 "$REPO/$PLAN") || return 1
	NODE0_PARTUUID=$(sfdisk --part-uuid "$node0_image" 1 | tr A-Z a-z)
	export NODE0_PARTUUID
	node_image=$("$REPO/testbed/debian-node-root") || return 1
	testbed_start "$REPO/$PLAN" --node-disk "0=$node0_image" --node-disk "1=$node_image"
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_manager_on_failure
}

@test "node0 boots Debian 12 from its NVMe disk; systemd runs the manager from shoji.service" {
	run node0 '. /etc/os-release; echo "$ID $VERSION_ID"; cat /proc/1/comm; findmnt -rn -o FSTYPE,PARTUUID /; systemctl is-active shoji.service; systemctl show -P MainPID shoji.service > /tmp/manager-pid; tr "\0" " " < /proc/$(cat /tmp/manager-pid)/cmdline'
	assert_status 0
	[ "$output" = "debian 12
systemd
ext4 $NODE0_PARTUUID
active
/usr/sbin/shoji daemon --background --state-dir /var/lib/shoji " ] || fail "node0: $output"
}

@test "shoji-up.service brought /etc/shoji/plan.ini up at boot: node1 runs Debian, systemd running in both" {
	wait_state node1 running $BOOT
	run node0 'systemctl is-active shoji-up.service; shoji status --json | head -n 1'
	assert_status 0
	[ "$(sed -n 1p <<< "$output")" = active ] || fail "shoji-up.service: $output"
	assert_output_contains '"plan": "/etc/shoji/plan.ini"'
	run mgr_exec node1 '. /etc/os-release; echo "$ID $VERSION_ID $(cat /proc/1/comm) $(hostname)"; systemctl is-system-running --wait'
	assert_status 0
	[ "$output" = "debian 12 systemd node1
running" ] || fail "node1: $output"
	run node0 'systemctl is-system-running --wait; systemctl --failed --no-legend --plain'
	[ "$output" = running ] || fail "node0's systemd: $output"
}

@test "systemctl restart shoji.service: the new manager finds node1 running and leaves it be" {
	boot_id=$(mgr_exec node1 'cat /proc/sys/kernel/random/boot_id')
	[ -n "$boot_id" ] || fail "no boot id from node1"
	run node0 'systemctl restart shoji.service && systemctl is-active shoji.service'
	assert_status 0
	assert_output_contains active
	wait_state node1 running 60
	run mgr_exec node1 'cat /proc/sys/kernel/random/boot_id'
	[ "$output" = "$boot_id" ] || fail "node1 booted again: $boot_id -> $output"
}

@test "systemctl stop shoji-up.service brings the plan down: node1 stops, node0 has its CPU again" {
	run node0 'cat /sys/devices/system/cpu/online'
	[ "$output" = 0,2-7 ] || fail "node0's CPUs with node1 up: $output"
	run node0 'systemctl stop shoji-up.service; systemctl is-active shoji-up.service; cat /sys/devices/system/cpu/online; shoji status'
	[ "$(sed -n 1p <<< "$output")" = inactive ] || fail "shoji-up.service: $output"
	[ "$(sed -n 2p <<< "$output")" = 0-7 ] || fail "node0's CPUs after the plan went down: $output"
	assert_output_contains "No plan is up"
}
