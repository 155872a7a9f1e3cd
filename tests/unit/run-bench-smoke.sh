#!/bin/bash
# shoji-bench under valgrind with each TSC reader: the default one must be
# the one CPUID allows, the fenced RDTSC always works, and RDTSCP runs where
# the CPU has it and is refused with exit status 2 where it does not.
#
#   run-bench-smoke.sh SHOJI_BENCH OUTPUT_DIR
set -euo pipefail
bench=$1 dir=$2
mkdir -p "$dir"

fail() { echo "run-bench-smoke: $*" >&2; exit 1; }

run() {
	local out=$dir/shoji-bench.$1.out; shift
	valgrind -q --leak-check=full --error-exitcode=9 \
		"$bench" --cpu 1000 --memory 2 --repeat 2 --label smoke "$@" > "$out"
	[ "$(grep -c '"median"' "$out")" = 4 ] || fail "expected 4 results in $out"
	echo "$out"
}

if grep -qw rdtscp /proc/cpuinfo; then expected=rdtscp; else expected=lfence-rdtsc; fi

out=$(run default)
grep -q "\"tsc_read\":\"$expected\"" "$out" ||
	fail "default reader is not $expected: $(head -1 "$out")"
out=$(run fenced --tsc-read lfence-rdtsc)
grep -q '"tsc_read":"lfence-rdtsc"' "$out" || fail "--tsc-read lfence-rdtsc not used"
if [ $expected = rdtscp ]; then
	out=$(run rdtscp --tsc-read rdtscp)
	grep -q '"tsc_read":"rdtscp"' "$out" || fail "--tsc-read rdtscp not used"
else
	set +e
	"$bench" --cpu 1 --tsc-read rdtscp > /dev/null 2> "$dir/shoji-bench.rdtscp.err"
	rc=$?
	set -e
	[ $rc = 2 ] && grep -q 'no RDTSCP' "$dir/shoji-bench.rdtscp.err" ||
		fail "--tsc-read rdtscp on a CPU without it: exit $rc, $(cat "$dir/shoji-bench.rdtscp.err")"
	echo "shoji-bench: this CPU has no RDTSCP; --tsc-read rdtscp is refused"
fi
echo "shoji-bench: default reader $expected"
