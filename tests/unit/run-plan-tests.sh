#!/bin/sh
# Plan tests for `shoji check`, run from PLANS so that paths in messages
# are short and stable:
#   good/NAME.ini          exit 0, nothing on stderr (with --offline)
#   good/NAME.boot-params  the exact stdout of --boot-params good/NAME.ini
#   bad/NAME.ini           exit 2, stderr exactly bad/NAME.expected
#                          (with this directory's absolute path as PLANS/)
# plus the command line itself (help, version, usage errors).
# Usage: run-plan-tests.sh SHOJI PLANS
set -u

shoji=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$2" || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# run NAME WANT_STATUS WANT_STDOUT WANT_STDERR ARGS...
# WANT_STDOUT and WANT_STDERR are files with the exact text, or "-" for
# "anything".
run() {
	name=$1 want_status=$2 want_out=$3 want_err=$4
	shift 4
	"$shoji" "$@" >"$tmp/out" 2>"$tmp/raw-err"
	status=$?
	# absolute paths in messages start here on every machine
	sed "s|$PWD/|PLANS/|g" "$tmp/raw-err" >"$tmp/err"
	ok=1
	if [ "$status" -ne "$want_status" ]; then
		echo "FAIL $name: exit status $status, want $want_status" >&2
		ok=0
	fi
	if [ "$want_out" != - ] && ! cmp -s "$tmp/out" "$want_out"; then
		echo "FAIL $name: stdout differs:" >&2
		diff "$want_out" "$tmp/out" >&2
		ok=0
	fi
	if [ "$want_err" != - ] && ! cmp -s "$tmp/err" "$want_err"; then
		echo "FAIL $name: stderr differs:" >&2
		diff "$want_err" "$tmp/err" >&2
		ok=0
	fi
	if [ $ok = 1 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
}

# contains NAME FILE TEXT
contains() {
	if grep -q -- "$3" "$2"; then
		passed=$((passed + 1))
	else
		echo "FAIL $1: '$3' not in output" >&2
		failed=$((failed + 1))
	fi
}

for plan in good/*.ini; do
	run "$plan" 0 /dev/null /dev/null check --offline "$plan"
	params=${plan%.ini}.boot-params
	if [ -f "$params" ]; then
		run "$params" 0 "$params" /dev/null check --boot-params "$plan"
	fi
done

for plan in bad/*.ini; do
	run "$plan" 2 /dev/null "${plan%.ini}.expected" check --offline "$plan"
done

run "boot-params of a bad plan" 2 /dev/null - check --boot-params \
	bad/many-errors.ini
# The GRUB line: sourced as /etc/default/grub is, it leaves each $ as \$
# for grub.cfg and keeps what GRUB_CMDLINE_LINUX had.
run "boot-params for GRUB" 0 - /dev/null check --boot-params --grub \
	good/three-nodes.ini
grub_value=$(GRUB_CMDLINE_LINUX=quiet && eval "$(cat "$tmp/out")" &&
	echo "$GRUB_CMDLINE_LINUX")
if [ "$grub_value" = "quiet $(sed 's/\$/\\$/g' good/three-nodes.boot-params)" ]; then
	passed=$((passed + 1))
else
	echo "FAIL boot-params for GRUB: sourced, it gives '$grub_value'" >&2
	failed=$((failed + 1))
fi
run "--grub alone" 1 /dev/null - check --grub good/three-nodes.ini
contains "--grub alone" "$tmp/err" "goes with --boot-params"
run "shoji --help" 0 - /dev/null --help
contains "shoji --help" "$tmp/out" "check"
run "shoji check --help" 0 - /dev/null check --help
contains "shoji check --help" "$tmp/out" "Exit status"
run "shoji --version" 0 - /dev/null --version
contains "shoji --version" "$tmp/out" "^shoji [0-9]"
run "no command" 1 /dev/null -
run "unknown command" 1 /dev/null - frobnicate
contains "unknown command" "$tmp/err" "unknown command 'frobnicate'"
run "unknown option" 1 /dev/null - check --fast good/minimal.ini
contains "unknown option" "$tmp/err" "unknown option '--fast'"
run "no plan" 1 /dev/null - check --offline
run "two plans" 1 /dev/null - check --offline good/minimal.ini \
	good/one-node.ini
run "missing plan" 1 /dev/null - check --offline no-such-plan.ini
contains "missing plan" "$tmp/err" "cannot read the plan no-such-plan.ini"
run "directory as plan" 1 /dev/null - check --offline good
contains "directory as plan" "$tmp/err" "is a directory"

# Every command's help, the same from shoji help COMMAND and shoji
# COMMAND --help, with its usage and exit status
commands=$("$shoji" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
for c in $commands; do
	run "shoji help $c" 0 - /dev/null help "$c"
	contains "shoji help $c" "$tmp/out" "^ *\(Usage:\)\? *shoji $c"
	contains "shoji help $c" "$tmp/out" "Exit status"
	cp "$tmp/out" "$tmp/help"
	run "shoji $c --help" 0 "$tmp/help" /dev/null "$c" --help
done
run "shoji help frobnicate" 1 /dev/null - help frobnicate
contains "shoji help frobnicate" "$tmp/err" "unknown command 'frobnicate'"

# A mistyped command or option gets the nearest one
run "mistyped command" 1 /dev/null - stauts
contains "mistyped command" "$tmp/err" "unknown command 'stauts' (did you mean 'status'?)"
run "mistyped option of check" 1 /dev/null - check --ofline good/minimal.ini
contains "mistyped option of check" "$tmp/err" "shoji check: unknown option '--ofline' (did you mean '--offline'?)"
run "mistyped option of plan create" 1 /dev/null - plan create --node=2
contains "mistyped option of plan create" "$tmp/err" "unknown option or missing value: --node=2 (did you mean '--nodes'?)"
run "mistyped --help" 1 /dev/null - --hlep
contains "mistyped --help" "$tmp/err" "unknown option '--hlep' (did you mean '--help'?)"

# The manager's commands check their arguments before they ask it: with
# no manager listening, a bad argument is still named (exit status 1)
export SHOJI_SOCKET="$tmp/no-manager.sock"
run "stop without a node" 1 /dev/null - stop
contains "stop without a node" "$tmp/err" "shoji stop: no node given"
run "stop a mistyped node" 1 /dev/null - stop nod1
contains "stop a mistyped node" "$tmp/err" "shoji stop: 'nod1' is not a node (node1..node63 or 1..63)"
run "mistyped option" 1 /dev/null - stop 1 --forse
contains "mistyped option" "$tmp/err" "unknown option '--forse' (did you mean '--force'?)"
run "status -n without a node" 1 /dev/null - status -n 5
contains "status -n without a node" "$tmp/err" "--lines goes with NODE"
run "exec without a command" 1 /dev/null - exec node1
contains "exec without a command" "$tmp/err" "no command given"
run "good arguments, no manager" 1 /dev/null - stop --force 1
contains "good arguments, no manager" "$tmp/err" "the manager is not running"
run "up of a missing plan" 1 /dev/null - up no-such-plan.ini
contains "up of a missing plan" "$tmp/err" "shoji up: no-such-plan.ini: No such file or directory"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
