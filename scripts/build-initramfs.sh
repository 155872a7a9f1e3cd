#!/bin/bash
# Build the node initramfs: busybox-static, the project's init, and the
# project's binaries with the shared libraries they load.
#
#   build-initramfs.sh OUTPUT [BINARY...]
set -euo pipefail

output=$1
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/libexec/shoji,proc,sys,dev,tmp,run,etc,root}
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list-full); do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
install -m 0755 "$repo/initramfs/init" "$root/init"
install -m 0755 "$repo/testbed/exec-agent" "$root/usr/libexec/shoji/exec-agent"
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"

# Copy a binary and every shared library it needs, at the same paths.
copy_with_libs() {
	local bin=$1 dest=$2 lib
	install -D -m 0755 "$bin" "$root/$dest"
	for lib in $(ldd "$bin" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }'); do
		[ -e "$root/$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root/$lib"
	done
}
for bin in "$@"; do
	copy_with_libs "$bin" "/usr/bin/$(basename "$bin")"
done

mkdir -p "$(dirname "$output")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --reproducible --quiet) | gzip -9n > "$output.tmp"
mv "$output.tmp" "$output"
