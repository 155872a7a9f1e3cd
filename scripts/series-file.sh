#!/bin/bash
# Print one file of the kernel tree as the patch series leaves it, taken
# straight out of the patches: the series is the one source of truth for
# the ABI header user space uses. The file must be one the series adds.
#
#   series-file.sh SERIES_DIR PATH_IN_TREE > OUTPUT
set -euo pipefail

dir=$1 path=$2
[ -f "$dir/series" ] || { echo "series-file: $dir/series: no such file" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tree"
found=0
while read -r name; do
	case "$name" in ''|'#'*) continue ;; esac
	# the part of the patch that changes PATH, up to the next file's
	# diff or the signature
	awk -v path="$path" '
		/^diff --git / { keep = ($0 == "diff --git a/" path " b/" path) }
		/^-- $/ { keep = 0 }
		keep' "$dir/$name" > "$work/part"
	[ -s "$work/part" ] || continue
	found=1
	patch -d "$work/tree" -p1 --quiet --forward --no-backup-if-mismatch \
		-i "$work/part" >&2 ||
		{ echo "series-file: $name does not apply to $path" >&2; exit 1; }
done < "$dir/series"
[ $found = 1 ] && [ -f "$work/tree/$path" ] ||
	{ echo "series-file: the series in $dir does not add $path" >&2; exit 1; }
cat "$work/tree/$path"
