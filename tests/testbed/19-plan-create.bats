#!/usr/bin/env bats
# shoji plan create on the server machine: the plan it writes from the
# running machine passes the check, node0 boots with the reservations it
# needs, and its nodes come up with the CPUs and memory it gave them,
# looked at from inside each node.

load helpers
load manager-helpers
load node-helpers

setup_file() {
	testbed_start "$REPO/configs/server.ini" --machine server
	# Where the created plan lives on the host: ../out/bzImage resolves
	# here as it does in node0's /shoji/configs.
	CREATED_DIR=$REPO/out/testbed-runs/19-plan-create.plan
	rm -rf "$CREATED_DIR"
	mkdir -p "$CREATED_DIR/configs"
	ln -s "$REPO/out" "$CREATED_DIR/out"
	export CREATED_DIR
	CREATED=$CREATED_DIR/configs/created.ini
	export CREATED
}

teardown_file() {
	testbed_stop
}

teardown() {
	show_manager_on_failure
}

@test "shoji plan create writes a plan of the running machine that passes the check" {
	run node0 'shoji plan create --nodes 2 --kernel ../out/bzImage --initrd ../out/node-initramfs.cpio.zst -o /shoji/configs/created.ini'
	assert_status 0
	run node0 'shoji check --offline /shoji/configs/created.ini && cat /shoji/configs/created.ini'
	assert_status 0
	printf '%s\n' "$output" > "$CREATED"
	# node0 keeps CPU 0; the nodes share the other seven, whole, in order
	[ "$(plan_value "$CREATED" node0 cpus)" = 0 ] || fail "node0's CPUs: $output"
	[ "$(plan_value "$CREATED" node1 cpus)" = 1-4 ] || fail "node1's CPUs: $output"
	[ "$(plan_value "$CREATED" node2 cpus)" = 5-7 ] || fail "node2's CPUs: $output"
	# node2's memory ends at the top of RAM (10 GiB on this machine)
	[[ "$(plan_value "$CREATED" node2 memory)" =~ ^([0-9]+)M@0x([0-9a-f]+)$ ]] || fail "node2's memory: $output"
	[ $(( (BASH_REMATCH[1] << 20) + 0x${BASH_REMATCH[2]} )) = $((10 << 30)) ] || fail "node2's memory: $output"
	# node0's own disk, where /shoji is, is listed as node0's
	grep -q '^;   0000:00:02.0  .* the filesystem on /shoji (nvme[0-9]*n1)$' <<< "$output" ||
		fail "node0's disk is not listed as node0's: $output"
	grep -q '^;   0000:00:03.0  .*  IOMMU group\|^;   0000:00:03.0  .*  no IOMMU translates it' <<< "$output" ||
		fail "node1's disk is not listed as free: $output"
	# it never writes over a plan
	run node0 'shoji plan create -o /shoji/configs/created.ini'
	assert_status 1
	assert_output_contains "File exists"
}

@test "node0 booted with the created plan's parameters brings its nodes up as planned" {
	[ -s "$CREATED" ] || skip "the plan of the test before was not written"
	testbed_stop
	testbed_start "$CREATED" --machine server
	node0 "echo $(base64 -w0 "$CREATED") | base64 -d > /shoji/configs/created.ini"
	run node0 'shoji check /shoji/configs/created.ini'
	assert_status 0
	run shoji_in up /shoji/configs/created.ini
	assert_status 0
	wait_state node1 running
	wait_state node2 running
	for n in 1 2; do
		cpus=$(expand_cpus "$(plan_value "$CREATED" node$n cpus)")
		run mgr_exec node$n 'nproc; awk "/MemTotal/ { print \$2 }" /proc/meminfo'
		assert_status 0
		[ "$(echo "$output" | head -1)" = "$(wc -w <<< "$cpus")" ] || fail "node$n's CPUs: $output"
		planned=$(plan_value "$CREATED" node$n memory)
		planned_kb=$(( ${planned%%M@*} * 1024 ))
		total_kb=$(echo "$output" | tail -1)
		# the kernel keeps some for itself; not more than a tenth
		[ "$total_kb" -le "$planned_kb" ] && [ "$total_kb" -gt $((planned_kb * 9 / 10)) ] ||
			fail "node$n: MemTotal $total_kb kB of $planned_kb kB planned"
	done
}
