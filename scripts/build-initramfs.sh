#!/bin/bash
# Build the node initramfs, shared by node0 and every node: busybox-static,
# the project's init and binaries, and QEMU so that every node can be a KVM
# host.
#
#   build-initramfs.sh OUTPUT [BINARY...]
set -euo pipefail

output=$1
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
. "$repo/scripts/lib/initramfs.sh"

initramfs_busybox
install -m 0755 "$repo/initramfs/init" "$root/init"
install -D -m 0755 "$repo/testbed/exec-agent" "$root/usr/libexec/shoji/exec-agent"
install -D -m 0755 "$repo/guest/launch" "$root/usr/libexec/shoji/launch-guest"
# The stress load of the node tests (tests/testbed/13-node-stress.bats)
install -D -m 0755 "$repo/initramfs/stress" "$root/usr/libexec/shoji/stress"
install -D -m 0755 "$repo/guest/ctl" "$root/usr/libexec/shoji/guest-ctl"
for bin in "$@"; do
	initramfs_copy_with_libs "$bin" "/usr/bin/$(basename "$bin")"
done

# The firmware a guest booted with -kernel needs.
initramfs_copy_with_libs /usr/bin/qemu-system-x86_64 /usr/bin/qemu-system-x86_64
mkdir -p "$root/usr/share/qemu"
for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin \
	 /usr/share/qemu/kvmvapic.bin; do
	cp -L "$f" "$root/usr/share/qemu/"
done

initramfs_pack "$output"
