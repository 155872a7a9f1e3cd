#!/bin/bash
# Build the tools' Debian package from a copy of the source tree and check
# it with lintian.
#
#   build-deb.sh OUT_DIR     leaves OUT_DIR/shoji_VERSION_ARCH.deb
#
# dpkg-buildpackage writes its results next to the source directory, so it
# works on a copy under OUT_DIR and never writes outside it.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
tool_version=$(sed -n 's/^#define SHOJI_VERSION "\(.*\)"/\1/p' "$repo/node-mgr/cli/shoji.c")
die() { echo "build-deb: $*" >&2; exit 1; }

[ "$version" = "$tool_version" ] ||
	die "debian/changelog says $version, node-mgr/cli/shoji.c says $tool_version: make them agree"

src=$out/src/shoji-$version
rm -rf "$out/src" "$out"/shoji_* "$out"/shoji-dbgsym_*
mkdir -p "$src"
# The tree without its build output (wherever OUT is) and history.
excludes=(--exclude=./.git --exclude=./out)
case "$out/" in
"$repo"/*) excludes+=("--exclude=./${out#"$repo"/}") ;;
esac
tar -C "$repo" "${excludes[@]}" -cf - . | tar -C "$src" -xf -

echo "build-deb: dpkg-buildpackage in $src"
if ! (cd "$src" && dpkg-buildpackage -b -us -uc) > "$out/build.log" 2>&1; then
	tail -n 20 "$out/build.log" >&2
	die "dpkg-buildpackage failed (the end of its log above; all of it: $out/build.log)"
fi
mv "$out"/src/shoji_* "$out"/src/shoji-dbgsym_* "$out"/ 2>/dev/null || true
deb=$(ls "$out"/shoji_"$version"_*.deb)

echo "build-deb: lintian $(basename "$deb")"
lintian --fail-on error --display-info "$deb" | tee "$out/lintian.log" ||
	die "lintian found errors (above; also in $out/lintian.log)"
echo "build-deb: $deb"
