#!/bin/bash
# Build the initramfs of Shoji's kernels: busybox-static, the project's
# init and binaries, and QEMU so that the kernel can be a KVM host.
#
#   build-initramfs.sh OUTPUT [BINARY...]                 node0's, with QEMU
#   build-initramfs.sh --without-qemu OUTPUT [BINARY...]  a node's
#   build-initramfs.sh --only-qemu DIR                    QEMU alone, a tree
#
# A node's initramfs leaves QEMU (most of the size) out: the node's init
# finds it in qemu/ on the node's own disk, where the --only-qemu tree goes.
# Its own programs come as shoji-node-tools, which needs no library.
set -euo pipefail

qemu=with
case "${1:-}" in
--without-qemu) qemu=without; shift ;;
--only-qemu) qemu=only; shift ;;
esac
output=$1
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
. "$repo/scripts/lib/initramfs.sh"

# QEMU and the firmware a guest booted with -kernel needs.
add_qemu() {
	initramfs_copy_with_libs /usr/bin/qemu-system-x86_64 /usr/bin/qemu-system-x86_64
	mkdir -p "$root/usr/share/qemu"
	for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/linuxboot_dma.bin \
		 /usr/share/qemu/kvmvapic.bin; do
		cp -L "$f" "$root/usr/share/qemu/"
	done
}

if [ $qemu = only ]; then
	add_qemu
	rm -rf "$output.tmp"
	mkdir -p "$(dirname "$output")"
	cp -a "$root" "$output.tmp"
	rm -rf "$output"
	mv "$output.tmp" "$output"
	exit 0
fi

initramfs_busybox
install -m 0755 "$repo/initramfs/init" "$root/init"
install -D -m 0755 "$repo/testbed/exec-agent" "$root/usr/libexec/shoji/exec-agent"
install -D -m 0755 "$repo/guest/launch" "$root/usr/libexec/shoji/launch-guest"
# The stress load of the node tests (tests/testbed/13-node-stress.bats)
install -D -m 0755 "$repo/initramfs/stress" "$root/usr/libexec/shoji/stress"
install -D -m 0755 "$repo/guest/ctl" "$root/usr/libexec/shoji/guest-ctl"
for bin in "$@"; do
	initramfs_copy_with_libs "$bin" "/usr/bin/$(basename "$bin")"
	# one program for several (initramfs/node-tools.c): a link for each
	if [ "$(basename "$bin")" = shoji-node-tools ]; then
		for name in $("$bin" --list); do
			ln -s shoji-node-tools "$root/usr/bin/$name"
		done
	fi
done
[ $qemu = without ] || add_qemu

initramfs_pack "$output"
