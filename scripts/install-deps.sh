#!/bin/bash
# Install the Debian packages Shoji needs that are not installed yet.
# Needs root only when something is missing.
set -euo pipefail

packages=(
	make gcc clang libclang-rt-14-dev pkg-config ccache
	libiniparser-dev libpci-dev
	linux-source-6.12 flex bison bc libelf-dev libssl-dev xz-utils cpio patch
	busybox-static kexec-tools e2fsprogs
	qemu-system-x86 qemu-utils
	bats gnuplot-nox valgrind debootstrap
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: installing packages needs root; run as root, or first:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${#missing[@]} packages (and what they need) in $(($(date +%s) - start)) s"
