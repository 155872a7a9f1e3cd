#!/bin/bash
# shoji-load refuses bad arguments of its one-node commands with a message
# that names the command, the option and the value, and does so before it
# opens /dev/shoji: these run on the build machine, which has none, so a
# check done too late shows as a "cannot open /dev/shoji" instead.
#
#   run-args.sh SHOJI_LOAD
set -uo pipefail
load=$1 failed=0 total=0

expect() {
	local want=$1 out status
	shift
	total=$((total + 1))
	out=$("$load" "$@" 2>&1)
	status=$?
	if [ $status = 0 ] || [ "$out" != "shoji-load: $want" ]; then
		echo "FAIL: shoji-load $*: status $status, said: $out" >&2
		echo "      expected: shoji-load: $want" >&2
		failed=$((failed + 1))
	fi
}

expect "stop: --timeout takes whole milliseconds (0..4294967295), not 'abc'" stop 1 --timeout abc
expect "stop: --timeout takes whole milliseconds (0..4294967295), not '-1'" stop 1 --timeout -1
expect "stop: --timeout takes whole milliseconds (0..4294967295), not '4294967296'" stop 1 --timeout 4294967296
expect "stop: --timeout takes whole milliseconds (0..4294967295), not '5s'" stop 1 --timeout 5s
expect "stop: --timeout needs a value in milliseconds" stop 1 --timeout
expect "stop: unexpected argument '--force' (shoji-load --help)" stop 1 --force
expect "status: unexpected argument '--json' (shoji-load --help)" status 1 --json
expect "start: unexpected argument '2' (shoji-load --help)" start 1 2
expect "console: unexpected argument '--timeout' (shoji-load --help)" console 1 --timeout 5
expect "times: unexpected argument '--agents' (shoji-load --help)" times 1 --agents
expect "status: unexpected argument '--agent' (shoji-load --help)" status 1 --agent
expect "exec: --timeout takes seconds (more than 0, at most 86400), not '0'" exec 1 --timeout 0 -- true
expect "exec: --timeout takes seconds (more than 0, at most 86400), not 'soon'" exec 1 --timeout soon -- true
expect "exec: --timeout takes seconds (more than 0, at most 86400), not 'nan'" exec 1 --timeout nan -- true
expect "exec: --timeout needs a value in seconds" exec 1 --timeout
expect "'0' is not a node (node1..node63 or 1..63)" stop 0
expect "'node0' is not a node (node1..node63 or 1..63)" stop node0
expect "'node64' is not a node (node1..node63 or 1..63)" status node64
expect "'nod1' is not a node (node1..node63 or 1..63)" start nod1
expect "'0x1' is not a node (node1..node63 or 1..63)" console 0x1
expect "'01' is not a node (node1..node63 or 1..63)" times 01
expect "'node' is not a node (node1..node63 or 1..63)" exec node -- true
# node1 and 1 name the same node: the checks after the name run for both
expect "stop: unexpected argument '--force' (shoji-load --help)" stop node1 --force
expect "exec: --timeout needs a value in seconds" exec node1 --timeout
# a long list is read to its end, not cut where a buffer ends
cpus="$(seq -s, 1 100),x"
expect "bad CPU list '$cpus'" load 1 --cpus "$cpus"

echo "shoji-load arguments: $((total - failed))/$total passed"
[ $failed = 0 ]
