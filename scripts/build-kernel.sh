#!/bin/bash
# Build a kernel from Debian's linux-source-6.12 outside the repository.
#
#   build-kernel.sh VARIANT SERIES_DIR CONFIG_FRAGMENT OUTPUT
#
# VARIANT names the tree in the cache. SERIES_DIR "none" builds the source
# as Debian ships it (the Vanilla kernel of the benchmarks): the options the
# patches add (CONFIG_SHOJI*) leave the fragment and the release string ends
# in -VARIANT. The source tree is a hard-linked copy
# of the pristine source; only the files the patch series touches are
# rewritten, and only when their content changes, so kbuild rebuilds just
# what depends on a changed patch. The object tree is kept per variant, so a
# rebuild after no change does almost no work.
set -euo pipefail

variant=$1 series_dir=$2 fragment=$3 output=$4

die() { echo "build-kernel: $*" >&2; exit 1; }

# patch runs in the staging directory: name the patches absolutely.
[ "$series_dir" = none ] || series_dir=$(cd "$series_dir" && pwd)

cache=${SHOJI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shoji}
tarball=/usr/src/linux-source-6.12.tar.xz
[ -f "$tarball" ] || die "$tarball is missing (apt-get install linux-source-6.12)"
version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
base=$cache/linux-$version
pristine=$base/pristine
work=$base/$variant-src
obj=$base/$variant-obj
mkdir -p "$base"

if [ ! -f "$pristine/Makefile" ]; then
	echo "build-kernel: unpacking linux-source $version into $base"
	rm -rf "$base/unpack"
	mkdir -p "$base/unpack"
	tar -xJf "$tarball" -C "$base/unpack" --strip-components=1
	mv "$base/unpack" "$pristine"
fi
if [ ! -f "$work/Makefile" ]; then
	rm -rf "$work"
	cp -al "$pristine" "$work.tmp"
	mv "$work.tmp" "$work"
fi

# The patches named in the series file, in order (quilt format).
patches=()
if [ "$series_dir" != none ]; then
	while read -r name _; do
		case "$name" in ''|'#'*) continue ;; esac
		[ -f "$series_dir/$name" ] || die "$series_dir/series names $name, which does not exist"
		patches+=("$series_dir/$name")
	done < "$series_dir/series"
else
	mkdir -p "$obj"
	grep -v '^CONFIG_SHOJI' "$fragment" |
		sed "s/^CONFIG_LOCALVERSION=.*/CONFIG_LOCALVERSION=\"-$variant\"/" > "$obj.config-fragment"
	fragment=$obj.config-fragment
fi

series_key=$(cat ${patches[@]+"${patches[@]}"} /dev/null | sha256sum | cut -c1-16)
if [ "$(cat "$work/.shoji-series" 2>/dev/null)" != "$series_key" ]; then
	echo "build-kernel: applying the patch series to $work"
	touched=$(
		cat "$work/.shoji-files" 2>/dev/null || true
		for p in ${patches[@]+"${patches[@]}"}; do
			sed -n -e 's#^+++ [^/]*/\([^\t ]*\).*#\1#p' \
			       -e 's#^--- [^/]*/\([^\t ]*\).*#\1#p' "$p"
		done
	)
	touched=$(printf '%s\n' "$touched" | grep -v '^$' | sort -u || true)
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
	while read -r f; do
		[ -n "$f" ] || continue
		if [ -e "$pristine/$f" ]; then
			mkdir -p "$stage/$(dirname "$f")"
			cp "$pristine/$f" "$stage/$f"
		fi
	done <<< "$touched"
	for p in ${patches[@]+"${patches[@]}"}; do
		patch -d "$stage" -p1 --quiet --forward --no-backup-if-mismatch -i "$p" ||
			die "$(basename "$p") does not apply to linux-source $version"
	done
	# Rewrite only files whose content changed: their mtimes drive kbuild.
	while read -r f; do
		[ -n "$f" ] || continue
		if [ -e "$stage/$f" ]; then
			if ! cmp -s "$stage/$f" "$work/$f"; then
				mkdir -p "$work/$(dirname "$f")"
				cp --remove-destination "$stage/$f" "$work/$f"
			fi
		else
			rm -f "$work/$f"
		fi
	done <<< "$touched"
	printf '%s\n' "$touched" > "$work/.shoji-files"
	echo "$series_key" > "$work/.shoji-series"
fi

export KBUILD_BUILD_TIMESTAMP="2024-01-01 00:00:00" KBUILD_BUILD_USER=shoji KBUILD_BUILD_HOST=shoji
export CCACHE_DIR=${CCACHE_DIR:-$cache/ccache} CCACHE_BASEDIR=$base
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
kmake() { make -s -C "$work" O="$obj" CC="$cc" HOSTCC="$cc" "$@"; }

config_key=$(cat "$fragment" | sha256sum | cut -c1-16)
if [ "$(cat "$obj/.shoji-config" 2>/dev/null)" != "$config_key" ] || [ ! -f "$obj/.config" ]; then
	echo "build-kernel: configuring $variant kernel (tinyconfig + $(basename "$fragment"))"
	mkdir -p "$obj"
	kmake tinyconfig >/dev/null
	"$work/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$fragment" >/dev/null
	kmake olddefconfig >/dev/null
	# Every option the fragment asks for must have survived its dependencies.
	missing=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=n)
			if grep -q "^${line%=n}=" "$obj/.config"; then
				echo "build-kernel: ${line%=n} is on, $(basename "$fragment") wants it off" >&2
				missing=1
			fi ;;
		CONFIG_*)
			if ! grep -qxF "$line" "$obj/.config"; then
				echo "build-kernel: $line did not take (a dependency is off)" >&2
				missing=1
			fi ;;
		esac
	done < "$fragment"
	[ $missing = 0 ] || die "the kernel configuration differs from $fragment"
	echo "$config_key" > "$obj/.shoji-config"
fi

echo "build-kernel: building $variant kernel in $obj"
kmake -j"$(nproc)" bzImage
mkdir -p "$(dirname "$output")"
cp "$obj/arch/x86/boot/bzImage" "$output.tmp"
mv "$output.tmp" "$output"
