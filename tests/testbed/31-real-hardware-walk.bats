#!/usr/bin/env bats
# README's "On real hardware", walked as a person with a UEFI server does
# it. node0's disk is what a Debian installer leaves (testbed/
# debian-node-root --node0 --grub): GRUB in the EFI system partition,
# Debian 12 on the root with the Shoji kernel in /boot; the tools'
# package and the plan (configs/debian-node.ini, its node1 running Debian
# from its own disk) lie in /root. The machine boots through its
# firmware and GRUB; the package goes in with dpkg, the plan's boot
# parameters into /etc/default/grub, update-grub, a reboot, `shoji up`,
# `shoji status`. The tests run in order, each on what the last left.

load helpers
load manager-helpers

PLAN=/root/plan.ini
# Firmware, GRUB and systemd under software emulation are slow on a busy
# host: generous, never asserted on.
BOOT=600

setup_file() {
	local node0_image node_image
	node0_image=$("$REPO/testbed/debian-node-root" --node0 "$REPO/configs/debian-node.ini" --grub) ||
		return 1
	node_image=$("$REPO/testbed/debian-node-root") || return 1
	ROOT_PARTUUID=$(sfdisk --part-uuid "$node0_image" 2 | tr A-Z a-z)
	export ROOT_PARTUUID
	# One host thread for the 8 CPUs: with one each, the reboot met the
	# emulator's lost end of interrupt (README, "Known emulator faults")
	# in most CI runs, and on a two-core host it is also slower.
	testbed_start --no-plan --boot-from-disk --tcg-threads single \
		--node-disk "0=$node0_image" --node-disk "1=$node_image"
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_manager_on_failure
}

# Waits up to TIMEOUT seconds until node0 answers with a boot id other
# than OLD. A CPU stuck by an emulator fault while the machine boots
# again (exit 5 from the testbed) ends the wait at once: tests/testbed/run
# then runs the file again.
wait_reboot() {
	local old=$1 deadline=$((SECONDS + $2)) id status
	while [ $SECONDS -lt $deadline ]; do
		status=0
		id=$(node0 'cat /proc/sys/kernel/random/boot_id' 2>&1) || status=$?
		[ $status != 5 ] || fail "node0 did not boot again: $id"
		[ $status != 0 ] || [ "$id" = "$old" ] || return 0
		sleep 5
	done
	fail "node0 did not boot again within $2 s (last answer: $id)"
}

@test "node0 boots Debian 12 through its UEFI firmware and GRUB from its disk" {
	[ -n "$ROOT_PARTUUID" ] || fail "the disk has no second partition"
	run node0 '. /etc/os-release; echo "$ID $VERSION_ID $(cat /proc/1/comm)"
		test -d /sys/firmware/efi && echo efi
		findmnt -rn -o FSTYPE,OPTIONS / | cut -d, -f1
		cat /proc/cmdline'
	assert_status 0
	[ "$(sed -n 1,3p <<< "$output")" = "debian 12 systemd
efi
ext4 rw" ] || fail "node0: $output"
	# GRUB passes the image it booted, and the root by partition UUID.
	assert_output_contains "BOOT_IMAGE=/boot/vmlinuz-"
	assert_output_contains "root=PARTUUID=$ROOT_PARTUUID"
	grep -q "Loading Linux" "$TESTBED_DIR/com1.log" || fail "no GRUB on node0's console"
	run node0 'command -v shoji || echo "not installed"'
	[ "$output" = "not installed" ] || fail "the tools are there before the walk: $output"
}

@test "dpkg -i installs the tools' package: the manager's units are there" {
	run node0 'dpkg -i /root/shoji_*_amd64.deb >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log; exit 1; }
		dpkg-query -W -f="\${Status}\n" shoji
		systemctl is-enabled shoji.service shoji-up.service
		shoji --version'
	assert_status 0
	[ "$(sed -n 1,3p <<< "$output")" = "install ok installed
enabled
enabled" ] || fail "after dpkg -i: $output"
}

@test "shoji check --boot-params --grub goes into /etc/default/grub, update-grub into GRUB's menu" {
	run node0 "shoji check --offline $PLAN"
	assert_status 0
	run node0 "shoji check --boot-params $PLAN"
	assert_status 0
	BOOT_PARAMS=$output
	[ -n "$BOOT_PARAMS" ] || fail "no boot parameters for $PLAN"
	echo "$BOOT_PARAMS" > "$BATS_FILE_TMPDIR/boot-params"
	run node0 "shoji check --boot-params --grub $PLAN >> /etc/default/grub &&
		update-grub > /tmp/update-grub.log 2>&1 || { cat /tmp/update-grub.log; exit 1; }
		. /etc/default/grub; echo \"\$GRUB_CMDLINE_LINUX\""
	assert_status 0
	# The shell that update-grub runs reads the line with each '$' as
	# '\$', for grub.cfg, where a bare one would start a variable.
	[ "$output" = "console=ttyS0 ${BOOT_PARAMS//\$/\\\$}" ] || fail "GRUB_CMDLINE_LINUX: $output"
	# The first entry of the menu boots with them, the root by its UUID.
	run node0 "awk '/^[[:space:]]*linux[[:space:]]/ { print; exit }' /boot/grub/grub.cfg"
	assert_status 0
	assert_output_contains "root=PARTUUID=$ROOT_PARTUUID"
	for param in $BOOT_PARAMS; do
		# GRUB's own quoting keeps a '$' escaped in grub.cfg.
		grep -qF -- "${param//\$/\\\$}" <<< "$output" || fail "$param not in GRUB's entry: $output"
	done
}

@test "after a reboot, node0 runs with the plan's reservations and the machine passes shoji check" {
	local old
	old=$(node0 'cat /proc/sys/kernel/random/boot_id')
	[ -n "$old" ] || fail "no boot id"
	# The command channel answers before systemd takes the machine down.
	run node0 'systemd-run --on-active=2 systemctl reboot >/dev/null 2>&1'
	assert_status 0
	wait_reboot "$old" $BOOT
	run node0 'cat /proc/cmdline'
	for param in $(cat "$BATS_FILE_TMPDIR/boot-params"); do
		assert_output_contains "$param"
	done
	run node0 "systemctl is-system-running --wait; systemctl is-active shoji.service; shoji check $PLAN"
	assert_status 0
	[ "$(sed -n 1,2p <<< "$output")" = "running
active" ] || fail "node0 after the reboot: $output"
}

@test "shoji up, then shoji status: node1 runs Debian 12 next to node0" {
	run node0 "shoji up $PLAN"
	assert_status 0
	wait_state node1 running $BOOT
	run node0 'shoji status'
	assert_status 0
	assert_output_contains "plan $PLAN"
	[[ "$output" =~ node0\ +running ]] && [[ "$output" =~ node1\ +running\ +1\ + ]] ||
		fail "shoji status: $output"
	run mgr_exec node1 '. /etc/os-release; echo "$ID $VERSION_ID $(hostname)"; systemctl is-system-running --wait'
	assert_status 0
	[ "$output" = "debian 12 node1
running" ] || fail "node1: $output"
}
