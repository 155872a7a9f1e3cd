#!/bin/bash
# Build a kernel from Debian's linux-source-6.12 outside the repository.
#
#   build-kernel.sh [--base-config FILE] [--source-of VARIANT]
#                   [--objects | --package | --steps]
#                   VARIANT SERIES_DIR CONFIG_FRAGMENT OUTPUT
#
# The fragment is merged on top of `make tinyconfig`, or on top of FILE
# (xz-compressed or not) with --base-config. --objects builds, instead of
# a bzImage, the object of every C file the patch series touches (those
# the configuration builds) and writes their list to OUTPUT: the proof
# that the series compiles under a configuration too big to build in full
# in a test. --package builds the kernel's own Debian packages
# (bindeb-pkg: the image with its modules, the headers) into the directory
# OUTPUT. --steps applies the series one patch at a time to a tree of its
# own and, after each patch, compiles every C and assembly file the
# patches so far touched that the whole series' build compiled (build the
# kernel first), and checks that the symbols those objects use are defined
# at that step: the proof that each patch compiles and links on the ones
# before it (a bisection lands on any of them), with kbuild recompiling
# at each step only what the patch changed. It writes what each step
# compiled to OUTPUT.
#
# --source-of OTHER builds from the source tree of the variant OTHER,
# which must carry the same series, into an object tree of VARIANT's own:
# ccache then finds the objects of OTHER's build for every file that the
# two configurations compile alike, and a kernel that differs from
# OTHER's by a few options builds in minutes.
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

base_config="" source_of="" objects_only=0 package=0 steps=0
while [ $# -gt 0 ]; do
	case "$1" in
	--base-config) base_config=$2; shift 2 ;;
	--source-of) source_of=$2; shift 2 ;;
	--objects) objects_only=1; shift ;;
	--package) package=1; shift ;;
	--steps) steps=1; shift ;;
	*) break ;;
	esac
done
[ $# -eq 4 ] || { echo "usage: build-kernel.sh [--base-config FILE] [--source-of VARIANT] [--objects | --package | --steps] VARIANT SERIES_DIR CONFIG_FRAGMENT OUTPUT" >&2; exit 1; }
variant=$1 series_dir=$2 fragment=$3 output=$4

die() { echo "build-kernel: $*" >&2; exit 1; }

# The files of a patch: those its diff headers name, /dev/null left out.
patch_files() {
	sed -n -e 's#^+++ [^/]*/\([^\t ]*\).*#\1#p' \
	       -e 's#^--- [^/]*/\([^\t ]*\).*#\1#p' "$1" | sort -u | grep -vx 'dev/null' || true
}

# patch runs in the staging directory: name the patches absolutely.
[ "$series_dir" = none ] || series_dir=$(cd "$series_dir" && pwd)

cache=${SHOJI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shoji}
tarball=/usr/src/linux-source-6.12.tar.xz
[ -f "$tarball" ] || die "$tarball is missing (apt-get install linux-source-6.12)"
version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
base=$cache/linux-$version
pristine=$base/pristine
work=$base/${source_of:-$variant}-src
obj=$base/$variant-obj
mkdir -p "$base"

# Every checkout of the user builds in this cache, and one variant builds
# from another's source tree: two builds at once would patch a tree the
# other compiles, or delete objects its archiver is reading. One at a time.
exec 9>"$base/lock"
if ! flock -n 9; then
	echo "build-kernel: another kernel build runs in $base; waiting for it" >&2
	flock 9
fi

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
applied_key=$(cat "$work/.shoji-series" 2>/dev/null || true)
# Another variant's tree is that variant's to patch: rewriting its files
# here would have its next build recompile them.
if [ -n "$source_of" ] && [ "$applied_key" != "$series_key" ]; then
	die "the $source_of kernel's source tree carries another patch series than $series_dir: build the $source_of kernel first"
fi
if [ "$applied_key" != "$series_key" ]; then
	echo "build-kernel: applying the patch series to $work"
	touched=$(
		cat "$work/.shoji-files" 2>/dev/null || true
		for p in ${patches[@]+"${patches[@]}"}; do
			patch_files "$p"
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
	# What the series has now: a file an earlier series added and this
	# one does not is gone, and is no longer the series'.
	while read -r f; do
		if [ -n "$f" ] && [ -e "$work/$f" ] &&
		   ! cmp -s "$work/$f" "$pristine/$f"; then
			echo "$f"
		fi
	done <<< "$touched" > "$work/.shoji-files"
	echo "$series_key" > "$work/.shoji-series"
fi

export KBUILD_BUILD_TIMESTAMP="2024-01-01 00:00:00" KBUILD_BUILD_USER=shoji KBUILD_BUILD_HOST=shoji
export CCACHE_DIR=${CCACHE_DIR:-$cache/ccache} CCACHE_BASEDIR=$base
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
# kbuild SRC OBJ ARGS...: make in the source tree SRC, objects in OBJ
kbuild() { make -s -C "$1" O="$2" CC="$cc" HOSTCC="$cc" "${@:3}"; }
kmake() { kbuild "$work" "$obj" "$@"; }

if [ -n "$base_config" ]; then
	[ -f "$base_config" ] || die "$base_config is missing"
	config_key=$(cat "$fragment" "$base_config" | sha256sum | cut -c1-16)
else
	config_key=$(cat "$fragment" | sha256sum | cut -c1-16)
fi
if [ "$(cat "$obj/.shoji-config" 2>/dev/null)" != "$config_key" ] || [ ! -f "$obj/.config" ]; then
	mkdir -p "$obj"
	if [ -n "$base_config" ]; then
		echo "build-kernel: configuring $variant kernel ($(basename "$base_config") + $(basename "$fragment"))"
		case "$base_config" in
		*.xz) xzcat "$base_config" > "$obj/.config" ;;
		*) cp "$base_config" "$obj/.config" ;;
		esac
	else
		echo "build-kernel: configuring $variant kernel (tinyconfig + $(basename "$fragment"))"
		kmake tinyconfig >/dev/null
	fi
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

# The link of each step of --steps, checked without linking it: the
# global symbols the series' objects of a step leave undefined must be
# defined by the rest of the kernel, by that step's objects, or by the
# pristine versions of the series' files no patch has touched yet. The
# rest of the kernel is the whole series' build in $obj without the
# series' objects; its own undefined symbols count too, for a patch that
# takes away what another file uses. Objects the kernel does not link
# (modules, or the boot code) are compiled but not checked. nm reads a
# long list of objects from a file named @FILE.
defined_syms() {
	{ nm -g --defined-only "$@" 2>/dev/null || true; } | awk 'NF == 3 { print $3 }' | sort -u
}
undefined_syms() {
	{ nm -u "$@" 2>/dev/null || true; } | awk '$1 == "U" { print $2 }' | sort -u
}
series_symbols_init() {
	local f o
	syms=$(mktemp -d)
	trap 'rm -rf "$syms" "${stage:-}"' EXIT
	mkdir -p "$syms/pristine"
	[ -f "$obj/vmlinux.a" ] || die "$obj/vmlinux.a is missing: build the $variant kernel first"
	(cd "$obj" && ar t vmlinux.a) | sort -u > "$syms/members"
	while read -r f; do
		case "$f" in *.c|*.S) echo "${f%.*}.o" ;; esac
	done < "$work/.shoji-files" | sort -u | comm -12 - "$syms/members" > "$syms/series"
	comm -23 "$syms/members" "$syms/series" > "$syms/others"
	(cd "$obj" && defined_syms @"$syms/others") > "$syms/others-defs"
	for f in lib/lib.a arch/x86/lib/lib.a; do
		[ ! -f "$obj/$f" ] || defined_syms "$obj/$f"
	done | sort -u -o "$syms/others-defs" - "$syms/others-defs"
	(cd "$obj" && undefined_syms @"$syms/others") > "$syms/base-undefs"
	(cd "$obj" && defined_syms @"$syms/series") |
		comm -23 - "$syms/others-defs" > "$syms/series-only"
	# What the linker script and the final link define are in vmlinux.
	defined_syms "$obj/vmlinux" | sort -u - "$syms/others-defs" |
		comm -23 - "$syms/series-only" > "$syms/base-defs"
	# The series' files as linux-source ships them, in the configuration
	# of the first step
	local pristine_objects=()
	while read -r o; do
		for f in "${o%.o}.c" "${o%.o}.S"; do
			[ ! -e "$pristine/$f" ] || pristine_objects+=("$o")
		done
	done < "$syms/series"
	if [ ${#pristine_objects[@]} -gt 0 ]; then
		smake -j"$(nproc)" "${pristine_objects[@]}" ||
			die "the series' files do not compile as linux-source ships them"
	fi
	for o in ${pristine_objects[@]+"${pristine_objects[@]}"}; do
		mkdir -p "$syms/pristine/$(dirname "$o")"
		defined_syms "$steps_obj/$o" > "$syms/pristine/$o.defs"
		undefined_syms "$steps_obj/$o" > "$syms/pristine/$o.undefs"
	done
	# A file no patch touches may still use what the series adds, through
	# an inline of a header the series changed; before that header's
	# patch it does not, so only symbols the kernel had before count.
	find "$syms/pristine" -name '*.defs' -exec cat {} + | sort -u |
		comm -23 "$syms/series-only" - > "$syms/series-new"
	comm -23 "$syms/base-undefs" "$syms/series-new" > "$syms/base-undefs.tmp"
	mv "$syms/base-undefs.tmp" "$syms/base-undefs"
}
# series_symbols_missing OBJECTS...: the symbols the step whose series'
# objects so far are OBJECTS would leave undefined, one per line
series_symbols_missing() {
	local o
	while read -r o; do
		if [[ " $* " == *" $o "* ]]; then
			defined_syms "$steps_obj/$o" > "$syms/step.defs"
			undefined_syms "$steps_obj/$o" > "$syms/step.undefs"
		elif [ -f "$syms/pristine/$o.defs" ]; then
			cp "$syms/pristine/$o.defs" "$syms/step.defs"
			cp "$syms/pristine/$o.undefs" "$syms/step.undefs"
		else
			continue	# added by a later patch
		fi
		cat "$syms/step.defs" >&3
		cat "$syms/step.undefs" >&4
	done < "$syms/series" 3> "$syms/all.defs" 4> "$syms/all.undefs"
	sort -u "$syms/base-undefs" "$syms/all.undefs" |
		comm -23 - <(sort -u "$syms/base-defs" "$syms/all.defs")
}

if [ $steps = 1 ]; then
	[ ${#patches[@]} -gt 0 ] || die "--steps needs a patch series"
	# kbuild compiles any file asked for by name, whether the
	# configuration builds it or not: what the whole series' build in
	# $obj compiled says which ones it does.
	[ -f "$obj/vmlinux" ] || die "--steps needs the $variant kernel built in $obj first"
	steps_src=$base/$variant-steps-src steps_obj=$base/$variant-steps-obj
	if [ ! -f "$steps_src/Makefile" ]; then
		rm -rf "$steps_src"
		cp -al "$pristine" "$steps_src.tmp"
		mv "$steps_src.tmp" "$steps_src"
	fi
	# Back to the pristine source where an earlier run patched it. The
	# copies get a new mtime, so that kbuild rebuilds what depends on
	# them rather than trust objects of the earlier run's last step.
	while read -r f; do
		[ -n "$f" ] || continue
		if [ -e "$pristine/$f" ]; then
			cp --remove-destination "$pristine/$f" "$steps_src/$f"
		else
			rm -f "$steps_src/$f"
		fi
	done < <(cat "$steps_src/.shoji-files" 2>/dev/null || true)
	: > "$steps_src/.shoji-files"
	mkdir -p "$steps_obj"
	smake() { kbuild "$steps_src" "$steps_obj" "$@"; }
	# The whole series' configuration, less what Kconfig does not know
	# yet: synced again whenever a patch changes what builds.
	sync_steps_config() {
		cp "$obj/.config" "$steps_obj/.config"
		smake olddefconfig >/dev/null
		smake -j"$(nproc)" prepare
	}
	sync_steps_config
	series_symbols_init
	sources=() report=() step=0
	for p in "${patches[@]}"; do
		step=$((step + 1))
		name=$(basename "$p")
		files=$(patch_files "$p")
		# Written before patching, so that the next run undoes a
		# step this one did not finish.
		printf '%s\n' "$files" >> "$steps_src/.shoji-files"
		patch -d "$steps_src" -p1 --quiet --forward --no-backup-if-mismatch -i "$p" ||
			die "$name does not apply on the patches before it"
		if grep -qE '(^|/)(Kconfig[^/]*|Makefile|Kbuild)$' <<< "$files"; then
			sync_steps_config
		fi
		while read -r f; do
			case "$f" in arch/x86/boot/*) continue ;; *.c|*.S) ;; *) continue ;; esac
			[[ " ${sources[*]} " == *" $f "* ]] || sources+=("$f")
		done <<< "$files"
		objects=()
		for f in "${sources[@]}"; do
			o=${f%.*}.o
			[ -e "$steps_src/$f" ] && [ -e "$obj/$o" ] && objects+=("$o")
		done
		if [ ${#objects[@]} -gt 0 ] && ! smake -j"$(nproc)" "${objects[@]}"; then
			die "$name (patch $step of ${#patches[@]}) does not compile on the patches before it"
		fi
		missing=$(series_symbols_missing ${objects[@]+"${objects[@]}"})
		[ -z "$missing" ] ||
			die "$name (patch $step of ${#patches[@]}) would not link on the patches before it: nothing defines $(echo $missing | sed 's/ /, /g')"
		report+=("$name: ${objects[*]:-nothing this configuration builds}")
	done
	echo "build-kernel: each of the ${#patches[@]} patches compiles and links on the ones before it"
	mkdir -p "$(dirname "$output")"
	printf '%s\n' "${report[@]}" > "$output"
	exit 0
fi

if [ $objects_only = 1 ]; then
	# The C and assembly files the series touches that this
	# configuration builds. kbuild compiles any file asked for by name,
	# so ask what the build of each of their directories would compile
	# (kmake -n DIR/ names the objects not built yet) and take those and
	# the ones an earlier run built.
	kmake -j"$(nproc)" prepare
	declare -A listed=()
	while read -r d; do
		while read -r o; do
			listed[$o]=1
		done < <(kmake -n "$d/" 2>/dev/null | grep -o " -o $d/[^ ]*\.o" | sed 's/^ -o //' || true)
	done < <(sed -n 's#/[^/]*\.[cS]$##p' "$work/.shoji-files" | sort -u)
	objects=()
	while read -r f; do
		# The real-mode setup code is built only with the bzImage.
		case "$f" in arch/x86/boot/*) continue ;; *.c|*.S) ;; *) continue ;; esac
		o=${f%.*}.o
		if [ -n "${listed[$o]:-}" ] || [ -e "$obj/$o" ]; then
			objects+=("$o")
		else
			echo "build-kernel: $f is not built in this configuration"
		fi
	done < "$work/.shoji-files"
	[ ${#objects[@]} -gt 0 ] || die "this configuration builds none of the series' files"
	echo "build-kernel: compiling the series' ${#objects[@]} files in the $variant configuration"
	kmake -j"$(nproc)" "${objects[@]}"
	mkdir -p "$(dirname "$output")"
	printf '%s\n' "${objects[@]}" > "$output"
	exit 0
fi

if [ $package = 1 ]; then
	echo "build-kernel: building the $variant kernel's Debian packages in $obj"
	start=$(date +%s)
	# bindeb-pkg leaves the packages next to the object tree.
	rm -f "$base"/linux-*.deb "$base"/linux-upstream_*
	# The packages' maintainer, instead of the build's user and host.
	DEBFULLNAME="Shoji Developers" DEBEMAIL=dev@shoji.invalid \
		kmake -j"$(nproc)" bindeb-pkg
	mkdir -p "$output"
	cp "$base"/linux-image-*.deb "$base"/linux-headers-*.deb "$output"/
	echo "build-kernel: $(ls "$output"/linux-*.deb | wc -l) packages in $output, built in $(($(date +%s) - start)) s"
	exit 0
fi

echo "build-kernel: building $variant kernel in $obj"
kmake -j"$(nproc)" bzImage
mkdir -p "$(dirname "$output")"
# A locked-down node0 loads only a node kernel whose signature its
# keyrings verify: sign the bzImage (a PE image, by its EFI stub) with the
# key the build generated for modules, which the kernel trusts. A locked-
# down machine of one's own verifies with its own key instead.
if grep -qx 'CONFIG_KEXEC_BZIMAGE_VERIFY_SIG=y' "$obj/.config" &&
   [ -f "$obj/certs/signing_key.pem" ]; then
	said=$(sbsign --key "$obj/certs/signing_key.pem" --cert "$obj/certs/signing_key.pem" \
		--output "$output.tmp" "$obj/arch/x86/boot/bzImage" 2>&1) ||
		die "cannot sign $obj/arch/x86/boot/bzImage: $said"
else
	cp "$obj/arch/x86/boot/bzImage" "$output.tmp"
fi
mv "$output.tmp" "$output"
# Its symbols, next to it: they name the functions its CPUs are found in
# (shoji-testbed profile).
cp "$obj/System.map" "$output.map.tmp"
mv "$output.map.tmp" "$(dirname "$output")/System.map"
