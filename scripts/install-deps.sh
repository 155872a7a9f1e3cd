#!/bin/bash
# Install the Debian packages Shoji needs that are not installed yet.
# Needs root only when something is missing.
#
# The testbed needs QEMU 10, which Debian 12 has in bookworm-backports:
# that suite is added for QEMU's packages (and the SeaBIOS they need) only,
# pinned so that nothing else is taken from it.
set -euo pipefail

packages=(
	make gcc clang libclang-rt-14-dev pkg-config ccache
	libiniparser-dev libpci-dev liblzma-dev libzstd-dev zlib1g-dev
	linux-source-6.12 linux-config-6.12 flex bison bc libelf-dev libssl-dev xz-utils zstd cpio patch
	kmod rsync
	sbsigntool
	busybox-static kexec-tools e2fsprogs fdisk dosfstools mtools
	qemu-system-x86 qemu-utils ovmf
	bats gnuplot-nox valgrind debootstrap
	build-essential debhelper dpkg-dev lintian bash-completion
)
# PACKAGE=VERSION: at least that version.
minimum_versions=(qemu-system-x86=1:10.0 qemu-utils=1:10.0)
backports_packages="qemu-system-x86 qemu-system-common qemu-system-data qemu-utils qemu-block-extra seabios"
mirror=${SHOJI_DEBIAN_MIRROR:-http://deb.debian.org/debian}
backports_list=/etc/apt/sources.list.d/shoji-bookworm-backports.list
backports_pin=/etc/apt/preferences.d/shoji-bookworm-backports

minimum_of() {
	local entry
	for entry in "${minimum_versions[@]}"; do
		[ "${entry%%=*}" != "$1" ] || { echo "${entry#*=}"; return; }
	done
}

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$p" 2>/dev/null || true)
	minimum=$(minimum_of "$p")
	if [ "${status%% *}" != installed ]; then
		missing+=("$p")
	elif [ -n "$minimum" ] && dpkg --compare-versions "${status#* }" lt "$minimum"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: installing packages needs root; run this as root: $0" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
start=$(date +%s)
if [ ! -f "$backports_list" ] || [ ! -f "$backports_pin" ]; then
	echo "install-deps: adding bookworm-backports for QEMU's packages only ($backports_list, $backports_pin)"
	echo "deb $mirror bookworm-backports main" > "$backports_list"
	cat > "$backports_pin" <<PIN
# Shoji's testbed needs QEMU 10: take it and the SeaBIOS it needs from
# bookworm-backports, and nothing else.
Package: $backports_packages
Pin: release n=bookworm-backports
Pin-Priority: 990

Package: *
Pin: release n=bookworm-backports
Pin-Priority: 100
PIN
fi
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${#missing[@]} packages (and what they need) in $(($(date +%s) - start)) s"
