#!/usr/bin/env bats
# A node whose kernel hangs (its one CPU spinning with interrupts off,
# through LKDTM: HARDLOCKUP written to provoke-crash/DIRECT in debugfs) is
# reported hung once its heartbeat has stopped for hung_timeout, and the
# manager restarts it by force (INIT).

load helpers
load manager-helpers

PLAN=configs/two-nodes.ini

setup_file() {
	testbed_start "$REPO/$PLAN"
	shoji_in up /shoji/$PLAN
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_manager_on_failure
}

@test "a hung node1 is reported hung and restarted by force" {
	[ "$(status_field node1 state)" = running ]
	h1=$(status_field node1 heartbeat)
	hang_node node1
	wait_state node1 hung 30
	run shoji_in events
	assert_output_contains "node1 running -> hung: no kernel heartbeat for"
	assert_output_contains "hung_timeout 3.0 s"
	# the node said why before it stopped; the manager may have loaded it
	# again already, so read the log it kept at the failure
	run shoji_in logs node1 --previous
	assert_output_contains "lkdtm: Performing direct entry HARDLOCKUP"
	wait_state node1 running 120
	run shoji_in events
	# stopped by force as soon as it was seen hung, loaded after its back-off
	assert_output_contains "node1 stopped by force after its failure; its CPUs are parked"
	assert_output_contains "node1 restarting: load, start"
	assert_output_contains "node1 running again"
	[ "$(status_field node1 restart_count)" -eq 1 ]
	[[ "$(status_field node1 last_failure)" == "hung: no kernel heartbeat"* ]] ||
		fail "last failure: $(status_field node1 last_failure)"
	run node0 'dmesg | grep "node1: stopped"'
	assert_output_contains "it did not park in time, sent NMI and INIT"
	run mgr_exec node1 'hostname'
	assert_status 0
	[ "$output" = node1 ]
}

@test "shoji down after the hang gives everything back" {
	run shoji_in down
	assert_status 0
	run node0 'cat /sys/devices/system/cpu/online'
	[ "$output" = 0-7 ]
}

@test "a node that does not boot within the plan's boot_timeout fails shoji up, which undoes itself" {
	# the same plan with a boot_timeout of 1 s, shorter than any boot on
	# the testbed; its files named from where the copy is
	node0 "mkdir -p /tmp/short && sed -e '/^hung_timeout/a boot_timeout = 1s' \
		-e 's#= \.\./out/#= /shoji/out/#' /shoji/$PLAN > /tmp/short/boot.ini"
	run node0 'grep -c "^boot_timeout = 1s" /tmp/short/boot.ini'
	[ "$output" = 1 ] || fail "the plan copy has no boot_timeout: $output"
	run shoji_in up /tmp/short/boot.ini
	[ "$status" -eq 1 ] || fail "up exited $status: $output"
	assert_output_contains "node1"
	assert_output_contains "boot_timeout"
	assert_output_contains "failed"
	run node0 'cat /sys/devices/system/cpu/online'
	[ "$output" = 0-7 ] || fail "node0's CPUs after the failed up: $output"
	run shoji_in status --json
	assert_output_contains '"plan": ""}, "nodes": []}'
}
