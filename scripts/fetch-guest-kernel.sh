#!/bin/bash
# Take Debian's stock kernel (the package linux-image-amd64 points at) for
# KVM guests: downloaded and extracted into the cache, never installed.
#
#   fetch-guest-kernel.sh OUTDIR     -> OUTDIR/vmlinuz, OUTDIR/version
set -euo pipefail

outdir=$1
cache=${SHOJI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shoji}/guest-kernel
die() { echo "fetch-guest-kernel: $*" >&2; exit 1; }

package=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
[ -n "$package" ] || die "cannot resolve linux-image-amd64 (run apt-get update)"
tree=$cache/$package
if [ ! -d "$tree/boot" ]; then
	mkdir -p "$cache/download"
	(cd "$cache/download" && apt-get download -q -o APT::Sandbox::User=root "$package") ||
		die "cannot download $package"
	deb=$(ls -t "$cache/download/${package}"_*.deb | head -n 1)
	rm -rf "$tree.tmp"
	dpkg-deb -x "$deb" "$tree.tmp"
	mv "$tree.tmp" "$tree"
	rm -f "$deb"
fi
kernel=$(ls "$tree"/boot/vmlinuz-* | head -n 1)
mkdir -p "$outdir"
cp "$kernel" "$outdir/vmlinuz"
basename "$kernel" | sed 's/^vmlinuz-//' > "$outdir/version"
echo "fetch-guest-kernel: $package -> $outdir/vmlinuz"
