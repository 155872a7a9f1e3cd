#!/bin/sh
# Runs the plan fuzzer for SECONDS on a corpus under WORK, seeded with the
# test plans and tests/plans/fuzz-corpus. Crashes are written to
# WORK/crashes/ and fail the run.
# Usage: run-fuzz.sh FUZZER WORK SECONDS
set -u

fuzzer=$1
work=$2
seconds=$3
plans=tests/plans

mkdir -p "$work/corpus" "$work/crashes" || exit 1
for seed in "$plans"/good/*.ini "$plans"/bad/*.ini "$plans"/fuzz-corpus/*; do
	[ -f "$seed" ] && cp "$seed" "$work/corpus/"
done

"$fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
	-dict="$plans/fuzz.dict" -artifact_prefix="$work/crashes/" \
	-print_final_stats=1 "$work/corpus" >"$work/log" 2>&1
status=$?
grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' \
	"$work/log"
if [ $status -ne 0 ]; then
	tail -n 40 "$work/log" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
echo "1 passed, 0 failed"
