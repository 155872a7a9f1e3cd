#!/usr/bin/env bats
# The benchmark suite runs its configurations on the testbed with tiny
# counts, then the boot-time measurements once each, and every result is
# there and well formed. How fast anything ran is not a test: that is what
# the suite reports.
#
# Configurations 6 and 7, two KVM guests at once, are left out: on QEMU
# 10.0.2 the emulated nested paging goes wrong with two busy guests (in 7
# one guest's console showed the other's results; each failed in one of
# two quick runs), and its shadow paging resets every guest at once
# (docs/benchmarks.md). `make bench` still runs them.

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
RESULTS=$REPO/out/testbed-runs/bench-quick
CONFIGS="1 2 3 4 5"

setup_file() {
	rm -rf "$RESULTS"
	mkdir -p "$(dirname "$RESULTS")"
	"$REPO/bench/run-suite" --quick --configs "${CONFIGS// /,}" --results "$RESULTS" > "$RESULTS.log" 2>&1 ||
		{ cat "$RESULTS.log"; return 1; }
}

teardown_file() {
	local machine
	for machine in "$RESULTS"/machine-*; do
		"$REPO/testbed/shoji-testbed" stop "$machine"
	done
}

# How many hosts or guests report in each configuration.
runs_of() {
	case $1 in 3|6|7) echo 2 ;; *) echo 1 ;; esac
}

@test "every configuration has every mode and block size, from each of its hosts or guests" {
	for config in $CONFIGS; do
		cpu=$(grep -c "^{\"config\":$config,.*\"mode\":\"cpu\"" "$RESULTS/results.jsonl")
		memory=$(grep -c "^{\"config\":$config,.*\"mode\":\"memory\"" "$RESULTS/results.jsonl")
		io=$(grep -c "^{\"config\":$config,.*\"mode\":\"io\"" "$RESULTS/results.jsonl")
		runs=$(runs_of $config)
		[ "$cpu $memory $io" = "$runs $((3 * runs)) $((3 * runs))" ] ||
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
	results=$RESULTS/results.jsonl
	grep -q "^{\"config\":1,.*\"kernel\":\"[^\"]*-vanilla\"" "$results"
	grep -q "^{\"config\":2,.*\"kernel\":\"[^\"]*-shoji\"" "$results"
	[ "$(grep -c "^{\"config\":3,.*\"kernel\":\"[^\"]*-shoji\",\"mode\":\"cpu\"" "$results")" = 2 ]
	grep -q "^{\"config\":3,.*\"host\":\"node1\"" "$results"
	for config in 4 5; do
		got=$(grep -c "^{\"config\":$config,.*\"kernel\":\"$guest_kernel\",\"mode\":\"cpu\"" "$results")
		[ "$got" = "$(runs_of $config)" ] ||
			{ echo "configuration $config: $got guests ran Debian's kernel"; false; }
	done
}

BOOT_MEASURES="node_boot node_start_to_kernel node_kernel_to_running node_running_to_agent node_boot_compressed
	node_start_to_kernel_compressed cold_boot crash_to_running crash_to_detection
	restart_stop restart_load_start restart_boot restart_kernel restart_init restart_agent
	up_to_running up_start_all up_node1_boot up_node2_boot pair_boot pair_node1_boot pair_node2_boot pair_host_cpu
	$(lscpu -p=CPU | grep -v '^#' | sed 's/^/cold_boot_host_cpu/')"

@test "node boot, its phases, cold boot, restart and a plan's start were each measured once" {
	boot=$RESULTS/boot.jsonl
	[ "$(wc -l < "$boot")" -eq "$(wc -w <<< "$BOOT_MEASURES")" ] || { cat "$boot"; false; }
	num='[0-9]+(\.[0-9]+)?'
	for measure in $BOOT_MEASURES; do
		line=$(grep "^{\"measure\":\"$measure\"" "$boot") || { echo "no $measure"; false; }
		[[ "$line" =~ \"repetitions\":1,\"samples_ms\":\[($num)\],\"min_ms\":($num),\"median_ms\":($num),\"max_ms\":($num)\}$ ]] ||
			{ echo "malformed: $line"; false; }
		sample=${BASH_REMATCH[1]}
		# one sample: it is its own minimum, median and maximum; only
		# a phase of whole journal milliseconds may be 0
		awk -v s="$sample" -v a="${BASH_REMATCH[3]}" -v b="${BASH_REMATCH[5]}" -v c="${BASH_REMATCH[7]}" \
			-v may_be_0="$([[ $measure == restart_* || $measure == crash_to_detection ]] && echo 1)" \
			'BEGIN { exit !((s > 0 || (may_be_0 && s == 0)) && s == a && s == b && s == c) }' ||
			{ echo "inconsistent: $line"; false; }
	done
	grep -q '^{"measure":"node_boot",.*"tsc_khz":[1-9][0-9]*,' "$boot"
	# the phases add up to the node boot
	median() { sed -n "s/^{\"measure\":\"$1\".*\"median_ms\":\([0-9.]*\),.*/\1/p" "$boot"; }
	awk -v a="$(median node_start_to_kernel)" -v b="$(median node_kernel_to_running)" \
		-v c="$(median node_running_to_agent)" -v t="$(median node_boot)" \
		'BEGIN { d = a + b + c - t; exit !(d < 0.01 && d > -0.01) }'
	# a plan's start: its nodes start before they run
	awk -v a="$(median up_start_all)" -v t="$(median up_to_running)" \
		'BEGIN { exit !(a < t) }'
	# two boots side by side: from the first start to the last agent,
	# which is longer than either boot
	awk -v p="$(median pair_boot)" -v a="$(median pair_node1_boot)" -v b="$(median pair_node2_boot)" \
		'BEGIN { exit !(p >= a && p >= b) }'
	# the host CPU time of the nodes' CPUs' threads (more than 0: the
	# threads were found), and how many host CPUs share it
	grep -q "^{\"measure\":\"pair_host_cpu\",.*\"host_cpus\":$(nproc)," "$boot"
	grep -q '^{"measure":"cold_boot_host_cpu0",.*"host_cpu":0,' "$boot"
}

@test "the report has the table, the boot times, the CSV, the JSON and a chart per mode" {
	run "$REPO/bench/report" "$RESULTS"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	for config in $CONFIGS; do
		[[ "$output" == *"($config) "* ]] || { echo "configuration $config is not in the table"; false; }
	done
	[[ "$output" == *"node boot: start request -> init's agent starts"* ]]
	[[ "$output" == *"  kernel running -> agent started"* ]]
	[[ "$output" == *"node boot, the node decompressing its kernel"* ]]
	[[ "$output" == *"cold boot: QEMU launch -> init"* ]]
	[[ "$output" == *"node crash -> running again"* ]]
	[[ "$output" == *"  started -> running (boot, init, agent)"* ]]
	[[ "$output" == *"shoji up three-nodes.ini -> both running"* ]]
	[[ "$output" == *"  up -> the last node started (setup, loads)"* ]]
	[[ "$output" =~ "node boot / cold boot "\ +[0-9.]+\ +"target <= 0.25"\ +(met|NOT\ MET) ]]
	[[ "$output" == *"both nodes started side by side, no manager"* ]]
	[[ "$output" =~ "two boots side by side / node boot "\ +[0-9]+\.[0-9]{2} ]]
	[[ "$output" =~ "shoji up - two boots side by side "\ +-?[0-9]+\ ms ]]
	[[ "$output" =~ "node CPU time / $(nproc) host CPUs / node boot "\ +[0-9]+\.[0-9]{2} ]]
	[[ "$output" =~ "slowest / fastest host CPU (cold boot) "\ +[0-9]+\.[0-9]{2} ]]
	[ "$(head -n 1 "$RESULTS/results.csv")" = \
		"config,mode,block_bytes,iterations,repetitions,runs,min_ms,median_ms,max_ms,ratio_to_1,seed_ratio" ]
	# each configuration: 1 cpu + 3 memory + 3 io rows, plus the header
	local rows=$((7 * $(wc -w <<< "$CONFIGS")))
	[ "$(wc -l < "$RESULTS/results.csv")" -eq $((rows + 1)) ]
	# every configuration's ratio to (1) is there
	[ "$(tail -n +2 "$RESULTS/results.csv" | awk -F, '$10 ~ /^[0-9]+\.[0-9][0-9]$/' | wc -l)" -eq "$rows" ]
	grep -Eq '^node_boot,1,[0-9.]+,[0-9.]+,[0-9.]+,[0-9]+\.[0-9]{2}$' "$RESULTS/boot.csv" ||
		{ cat "$RESULTS/boot.csv"; false; }
	[ "$(tail -n +2 "$RESULTS/boot.csv" | cut -d, -f1 | tr '\n' ' ')" = "$(echo $BOOT_MEASURES) " ] ||
		{ cat "$RESULTS/boot.csv"; false; }
	json=$RESULTS/results.json
	[ "$(grep -c '^  {"config": [1-7], "mode": "[a-z]*", ' "$json")" -eq "$rows" ]
	for measure in $BOOT_MEASURES; do
		grep -q "^  {\"measure\":\"$measure\"" "$json" || { echo "results.json: no $measure"; false; }
	done
	grep -Eq '^ "node_boot_over_cold_boot": [0-9]+\.[0-9]{2}\}$' "$json"
	for mode in cpu memory io; do
		[ "$(head -c 4 "$RESULTS/$mode.png" | tail -c 3)" = PNG ] || { echo "$mode.png is not a PNG"; false; }
	done
}
