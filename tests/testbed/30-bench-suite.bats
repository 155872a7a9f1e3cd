#!/usr/bin/env bats
# The benchmark suite runs every configuration it can on the testbed, with
# tiny counts, and every result is there and well formed. How fast anything
# ran is not a test: that is what the suite reports.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
RESULTS=$REPO/out/testbed-runs/bench-quick

setup_file() {
	rm -rf "$RESULTS"
	# Configurations 5, 6 and 7 (a guest on a one-core Shoji node0, guests
	# on node0 and node1 at once, two guests at once) are left out: on the
	# testbed a guest among them stalls or reports nothing now and then,
	# which is not understood yet.
	"$REPO/bench/run-suite" --quick --configs 1,2,3,4 --results "$RESULTS" \
		> "$RESULTS.log" 2>&1 ||
		{ cat "$RESULTS.log"; return 1; }
}

teardown_file() {
	"$REPO/testbed/shoji-testbed" stop "$RESULTS/machine"
}

@test "every configuration has every mode and block size, from each of its hosts or guests" {
	for config in 1 2 3 4; do
		cpu=$(grep -c "^{\"config\":$config,.*\"mode\":\"cpu\"" "$RESULTS/results.jsonl")
		memory=$(grep -c "^{\"config\":$config,.*\"mode\":\"memory\"" "$RESULTS/results.jsonl")
		io=$(grep -c "^{\"config\":$config,.*\"mode\":\"io\"" "$RESULTS/results.jsonl")
		guests=1
		[ $config = 3 ] && guests=2
		[ "$cpu $memory $io" = "$guests $((3 * guests)) $((3 * guests))" ] ||
			{ echo "configuration $config: cpu $cpu, memory $memory, io $io lines"; false; }
	done
}

@test "every result line carries its repetitions and their summary" {
	while IFS= read -r line; do
		[[ "$line" =~ \"repetitions\":2,\"cycles\":\[[0-9]+,[0-9]+\],\"min\":[0-9]+,\"median\":[0-9]+,\"max\":[0-9]+,\"median_ms\":[0-9]+\.[0-9]{3}\}$ ]] ||
			{ echo "malformed: $line"; false; }
		[[ "$line" =~ \"tsc_khz\":[1-9][0-9]* ]] || { echo "no TSC frequency: $line"; false; }
	done < "$RESULTS/results.jsonl"
}

@test "the guests ran Debian's kernel and the hosts the kernels of their configuration" {
	guest_kernel=$(cat "$REPO/out/guest/version")
	grep -q "^{\"config\":1,.*\"kernel\":\"[^\"]*-vanilla\"" "$RESULTS/results.jsonl"
	grep -q "^{\"config\":2,.*\"kernel\":\"[^\"]*-shoji\"" "$RESULTS/results.jsonl"
	[ "$(grep -c "^{\"config\":3,.*\"kernel\":\"[^\"]*-shoji\",\"mode\":\"cpu\"" "$RESULTS/results.jsonl")" = 2 ]
	grep -q "^{\"config\":3,.*\"host\":\"node1\"" "$RESULTS/results.jsonl"
	for config in 4; do
		grep -q "^{\"config\":$config,.*\"kernel\":\"$guest_kernel\"" "$RESULTS/results.jsonl" ||
			{ echo "configuration $config did not run in a guest"; false; }
	done
}

@test "the report has the table, the CSV and a chart per mode" {
	run "$REPO/bench/report" "$RESULTS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"(1) Vanilla"* ]]
	[ "$(head -n 1 "$RESULTS/results.csv")" = \
		"config,mode,block_bytes,iterations,repetitions,runs,min_ms,median_ms,max_ms,ratio_to_1,seed_ratio" ]
	# 4 configurations x (1 cpu + 3 memory + 3 io) rows, plus the header
	[ "$(wc -l < "$RESULTS/results.csv")" -eq 29 ]
	for mode in cpu memory io; do
		[ "$(head -c 4 "$RESULTS/$mode.png" | tail -c 3)" = PNG ] || { echo "$mode.png is not a PNG"; false; }
	done
}
