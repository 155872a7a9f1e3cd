#!/bin/sh
# Runs a fuzzer of a binary reader (the control page, the state file) for
# SECONDS on a corpus under WORK, seeded with SEEDS (default
# tests/ctl-corpus/). Crashes are written to WORK/crashes/ and fail.
# Usage: run-fuzz-ctl.sh FUZZER WORK SECONDS [SEEDS]
set -u

fuzzer=$1
work=$2
seconds=$3
seeds=${4:-tests/ctl-corpus}

mkdir -p "$work/corpus" "$work/crashes" || exit 1
cp "$seeds"/* "$work/corpus/" 2>/dev/null
"$fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
	-artifact_prefix="$work/crashes/" -print_final_stats=1 \
	"$work/corpus" >"$work/log" 2>&1
status=$?
grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' "$work/log"
if [ $status -ne 0 ]; then
	tail -n 40 "$work/log" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
echo "1 passed, 0 failed"
