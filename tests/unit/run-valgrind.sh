#!/bin/sh
# Runs the release `shoji` under valgrind on good and bad plans, with
# --boot-params, and against this machine: any memory error or leak fails.
# Usage: run-valgrind.sh SHOJI PLANS
set -u

shoji=$1
plans=$2
passed=0
failed=0
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT

# vg WANT_STATUS... -- ARGS...: exit 9 is valgrind's error status.
vg() {
	want=$1
	shift
	valgrind -q --leak-check=full --errors-for-leak-kinds=all \
		--error-exitcode=9 "$shoji" "$@" >/dev/null 2>"$log"
	status=$?
	case " $want " in
	*" $status "*) passed=$((passed + 1)) ;;
	*)
		echo "FAIL valgrind shoji $*: exit status $status" >&2
		cat "$log" >&2
		failed=$((failed + 1))
		;;
	esac
}

vg 0 check --offline "$plans/good/three-nodes.ini"
vg 0 check --boot-params "$plans/good/spacing-and-case.ini"
vg 2 check --offline "$plans/bad/many-errors.ini"
vg 2 check --offline "$plans/bad/syntax-errors.ini"
vg 2 check --offline "$plans/bad/line-too-long.ini"
vg 1 check --offline "$plans/no-such-plan.ini"
vg 1 check --bogus
# Against this machine: the plan may or may not fit it, and without root
# /proc/iomem cannot be read; what matters here is memory hygiene.
vg "0 1 2" check "$plans/good/three-nodes.ini"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
