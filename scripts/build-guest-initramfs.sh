#!/bin/bash
# Build the initramfs of KVM guests: busybox-static, the guest init, the
# virtio modules of the stock guest kernel, and the given binaries.
#
#   build-guest-initramfs.sh OUTPUT GUEST_KERNEL_VERSION [BINARY...]
set -euo pipefail

output=$1 version=$2
shift 2
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${SHOJI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shoji}/guest-kernel
modules=$(ls -d "$cache"/linux-image-*/lib/modules/"$version" 2>/dev/null | head -n 1)
if [ ! -d "$modules" ]; then
	echo "build-guest-initramfs: no modules of $version under $cache (make guest-kernel)" >&2
	exit 1
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
. "$repo/scripts/lib/initramfs.sh"

initramfs_busybox
install -m 0755 "$repo/guest/init" "$root/init"
mkdir -p "$root/lib/modules"
# Each module after the ones it depends on (their "depends=" in .modinfo).
for module in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev \
	virtio_pci virtio_blk; do
	path=$(find "$modules/kernel" -name "$module.ko" | head -n 1)
	[ -n "$path" ] || { echo "build-guest-initramfs: $module.ko is not in $modules" >&2; exit 1; }
	cp "$path" "$root/lib/modules/"
	echo "$module" >> "$root/lib/modules/load-order"
done
for bin in "$@"; do
	initramfs_copy_with_libs "$bin" "/usr/bin/$(basename "$bin")"
done

initramfs_pack "$output"
