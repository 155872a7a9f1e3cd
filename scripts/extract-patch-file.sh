#!/bin/bash
# Print a file that a kernel patch adds, taken straight out of the patch:
# the patch is the one source of truth for the ABI header user space uses.
#
#   extract-patch-file.sh PATCH PATH_IN_TREE > OUTPUT
set -euo pipefail

patch=$1 path=$2
[ -f "$patch" ] || { echo "extract-patch-file: $patch: no such file" >&2; exit 1; }
awk -v path="$path" '
	/^diff --git / { infile = 0; inhunk = 0 }
	$0 == "+++ b/" path { infile = 1; found = 1; next }
	infile && /^@@ / { inhunk = 1; next }
	infile && inhunk && /^\+/ { print substr($0, 2) }
	END { if (!found) exit 2 }
' "$patch" || { echo "extract-patch-file: $patch does not add $path" >&2; exit 1; }
