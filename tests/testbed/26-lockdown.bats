#!/usr/bin/env bats
# node0 locked down, as a distribution kernel booted with Secure Boot on
# is: kexec_load() is refused, and node0 loads a node only from files it
# reads itself, and only a kernel whose signature its keyrings verify
# (the build signs out/bzImage with the key its kernel trusts). The node
# then runs locked down too. Everything is checked from inside node0 and
# node1.

load helpers
load node-helpers
load manager-helpers

PLAN=configs/two-nodes.ini

setup_file() {
	testbed_start "$REPO/$PLAN" --append lockdown=integrity
	node_partition 1
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_console_on_failure 1
}

@test "node0 is locked down, and its kernel tells the tools" {
	run node0 'cat /sys/kernel/security/lockdown'
	assert_status 0
	assert_output_contains "[integrity]"
	run node0 'shoji-load info'
	assert_status 0
	assert_output_contains "node 0, "
	assert_output_contains "locked down: loads nodes only from files whose signature verifies"
}

@test "a kernel changed after it was signed is refused, and nothing is loaded" {
	# One byte of the compressed kernel, well inside what the signature covers
	run node0 'cp /shoji/out/bzImage /tmp/changed &&
		at=$(( $(wc -c < /tmp/changed) / 2 )) &&
		v=$(dd if=/tmp/changed bs=1 skip=$at count=1 2>/dev/null | od -An -tu1) &&
		printf "\\$(printf %03o $(( v ^ 255 )))" |
			dd of=/tmp/changed bs=1 seek=$at conv=notrunc 2>/dev/null &&
		! cmp -s /shoji/out/bzImage /tmp/changed &&
		shoji-load load /shoji/'"$PLAN"' 1 --kernel /tmp/changed'
	assert_status 1
	assert_output_contains "node0's kernel refused to load the node from its files: Operation not permitted"
	assert_output_contains "the kernel's signature does not verify"
	assert_output_contains "and node0 is locked down"
	# the signature's digest is the one of another file
	run node0 'dmesg | grep -c "PEFILE: Digest mismatch"; dmesg | grep -c "Shoji: node1: loaded"'
	[ "$output" = $'1\n0' ] || fail "node0's log: $output"
}

@test "a command line that changes the node's memory map is refused, quoted or not" {
	run node0 "shoji-load load /shoji/$PLAN 1 --cmdline 'console=ttyS0 memmap=1G@0x40000000'"
	assert_status 1
	assert_output_contains "may not change its memory map (memmap=)"
	# the kernel's parser takes the quotes off: so does node0's check
	run node0 "shoji-load load /shoji/$PLAN 1 --cmdline 'console=ttyS0 \"memmap=1G@0x40000000\"'"
	assert_status 1
	assert_output_contains "may not change its memory map (memmap=)"
	run node_state 1
	assert_output_not_contains "node1: loaded"
}

@test "the signed kernel is loaded from its file, verified, and node1 runs locked down" {
	# lockdown= first, where no "--" can hand it to init; the node's own
	# parameters before the "--" too
	run node0 "shoji-load load /shoji/$PLAN 1 --cmdline 'console=ttyS0 -- init-argument'"
	assert_status 0
	assert_output_contains "read from its file by node0"
	assert_output_contains "its signature verified"
	run node0 'dmesg | grep "node1: the kernel.s signature verified"'
	assert_status 0
	run node0 'shoji-load start 1'
	assert_status 0
	node_wait_running 1
	run node_exec 1 'cat /proc/cmdline /sys/kernel/security/lockdown'
	assert_status 0
	assert_output_contains "lockdown=integrity console=ttyS0 shoji.node=1 apic_extnmi=none retain_initrd -- init-argument"
	assert_output_contains "[integrity]"
	# what node0 built: the node's RAM is its plan's, no more
	assert_node_memory 1
}

@test "without securityfs, node0's kernel tells the loader it is locked down and the node loads from the files" {
	run node0 'shoji-load stop 1 && umount /sys/kernel/security && dmesg -c >/dev/null &&
		shoji-load load /shoji/'"$PLAN"' 1; s=$?; dmesg;
		mount -t securityfs securityfs /sys/kernel/security; exit $s'
	assert_status 0
	assert_output_contains "its signature verified"
	# the loader did not try kexec_load(), which lockdown would refuse
	assert_output_not_contains "kexec of unsigned images is restricted"
}

@test "the manager brings the plan up and down on a locked-down node0" {
	# the plan's kernel carries a signature, which shoji check looks for
	run shoji_in check /shoji/$PLAN
	assert_status 0
	run shoji_in up /shoji/$PLAN
	assert_status 0
	wait_state node1 running
	run shoji_in events
	assert_output_contains "read from its file by node0"
	run node_exec 1 'cat /sys/kernel/security/lockdown'
	assert_output_contains "[integrity]"
	run shoji_in down
	assert_status 0
}

# Last: kexec_load_disabled cannot be cleared until node0 reboots.
@test "with kexec_load_disabled set, node0 loads no node, from its files neither" {
	run node0 'echo 1 > /proc/sys/kernel/kexec_load_disabled && shoji-load load /shoji/'"$PLAN"' 1'
	assert_status 1
	assert_output_contains "node1: node0's kernel refused to load the node from its files: Operation not permitted; loads need CAP_SYS_BOOT, and sysctl kernel.kexec_load_disabled"
	run node_state 1
	assert_output_not_contains "node1: loaded"
}
