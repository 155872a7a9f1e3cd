#!/bin/bash
# check-patches.sh SERIES_DIR: every patch of the series passes the
# kernel's scripts/checkpatch.pl with no error and no warning, as a patch
# sent upstream must. checkpatch comes from the unpacked Linux source that
# build-kernel.sh keeps in the cache.
set -euo pipefail

series_dir=$(cd "${1:?usage: check-patches.sh SERIES_DIR}" && pwd)
cache=${SHOJI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shoji}
version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
checkpatch=$cache/linux-$version/pristine/scripts/checkpatch.pl
[ -x "$checkpatch" ] || {
	echo "check-patches: $checkpatch is missing (make kernel unpacks it)" >&2
	exit 1
}

# From inside the Linux tree: run in another git repository, checkpatch
# takes the patch files for files the patch adds.
cd "$(dirname "$checkpatch")/.."
failed=0 checked=0
while read -r name _; do
	case "$name" in ''|'#'*) continue ;; esac
	checked=$((checked + 1))
	if ! out=$("$checkpatch" --no-tree --quiet --no-summary "$series_dir/$name" 2>&1) ||
	   [ -n "$out" ]; then
		echo "check-patches: $name:"
		echo "$out"
		failed=$((failed + 1))
	fi
done < "$series_dir/series"
echo "check-patches: $checked patches, $failed with errors or warnings"
[ "$failed" = 0 ]
