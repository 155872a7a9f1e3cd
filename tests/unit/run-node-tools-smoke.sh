#!/bin/bash
# shoji-node-tools (static, or built with ASan and UBSan): it lists the
# programs a node's initramfs links to it, runs each by its link's name
# and by its first argument, and refuses a name it does not have with
# exit status 2.
#
#   run-node-tools-smoke.sh SHOJI_NODE_TOOLS OUTPUT_DIR
set -euo pipefail
tools=$(realpath "$1") dir=$2/node-tools.$(basename "$1")
rm -rf "$dir"
mkdir -p "$dir"

fail() { echo "run-node-tools-smoke: $*" >&2; exit 1; }

expected="shoji-agent shoji-bench shoji-memtest shoji-dma-probe shoji-kexec-probe"
listed=$("$tools" --list | tr '\n' ' ')
[ "$listed" = "$expected " ] || fail "--list gave '$listed', expected '$expected '"

# shoji-kexec-probe and shoji-memtest answer a call without arguments with
# their own usage and exit status 2
for name in shoji-kexec-probe shoji-memtest; do
	ln -s "$tools" "$dir/$name"
	status=0
	"$dir/$name" > "$dir/$name.out" 2>&1 || status=$?
	[ $status = 2 ] && grep -q "^usage: $name " "$dir/$name.out" ||
		fail "$name by its link: status $status, $(cat "$dir/$name.out")"
	status=0
	"$tools" "$name" > "$dir/$name.arg.out" 2>&1 || status=$?
	cmp -s "$dir/$name.out" "$dir/$name.arg.out" ||
		fail "shoji-node-tools $name: status $status, $(cat "$dir/$name.arg.out")"
done
status=0
out=$("$tools" shoji-nothing 2>&1) || status=$?
[ $status = 2 ] && [[ "$out" == *"no program named 'shoji-nothing'"* ]] ||
	fail "an unknown program: status $status, $out"
"$tools" --help | grep -q "^Usage: shoji-node-tools PROGRAM" || fail "--help"
echo "run-node-tools-smoke: ok"
