#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the build and the tests need on a Debian 12 host, and
# fetch the pinned Debian kernel packages into the cache directory.
#
# Idempotent: a second run with everything in place only checks stamps and
# takes well under a second. Nothing is installed into the host's /boot or
# /lib/modules: kernel packages are unpacked with dpkg -x into the cache.
#
# Environment:
#   CACHE_DIR   cache directory (default: tools/testing/lib/host.sh)
#   KPKGVER     Debian package version of the pinned kernel
#   KABI        kernel ABI name (uname -r) of the pinned kernel

set -euo pipefail

. "$(dirname "$0")/lib/host.sh"
KPKGVER=${KPKGVER:-6.12.117-1~deb12u1}
KABI=${KABI:-6.12.117+deb12-amd64}
KBASE=${KABI%-amd64}

HOST_PACKAGES=(
	build-essential gcc-12 bc bison flex libelf-dev libssl-dev dwarves
	ccache sparse clang libclang-rt-14-dev llvm
	qemu-system-x86 busybox-static cpio kmod socat xz-utils zstd
	python3-docutils python3-git python3-ply unifdef
)

log() { printf '# setup: %s\n' "$*" >&2; }

apt_ready=0
apt_update() {
	[ $apt_ready = 1 ] && return 0
	local bpo=/etc/apt/sources.list.d/vfio-devstate-bookworm-backports.list
	if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		log "enabling bookworm-backports"
		echo 'deb http://deb.debian.org/debian bookworm-backports main' >"$bpo"
	fi
	log "apt-get update"
	# Third-party sources configured on the host may be unreachable; the
	# Debian ones are what we need.
	apt-get update -q >/dev/null 2>&1 || apt-get update -q 2>&1 | tail -3 >&2 || true
	apt_ready=1
}

apt_install apt_update "${HOST_PACKAGES[@]}"

mkdir -p "$CACHE_DIR/debs"

# fetch NAME...: download the pinned version of each package into the cache.
fetch() {
	local p f
	for p in "$@"; do
		f=$(ls "$CACHE_DIR/debs/${p}_${KPKGVER}"_*.deb 2>/dev/null || true)
		[ -n "$f" ] && continue
		apt_update
		log "downloading $p=$KPKGVER"
		(cd "$CACHE_DIR/debs" && apt-get download -q "$p=$KPKGVER" 2>&1 |
			grep -v 'unsandboxed' >&2 || true)
		ls "$CACHE_DIR/debs/${p}_${KPKGVER}"_*.deb >/dev/null
	done
}

# The Debian kernel, its headers and kbuild, unpacked into a private root.
KROOT=$CACHE_DIR/debian-$KABI
if [ ! -e "$KROOT/.done" ]; then
	pkgs=(linux-image-$KABI-unsigned linux-headers-$KABI
	      linux-headers-$KBASE-common linux-kbuild-$KBASE)
	fetch "${pkgs[@]}"
	rm -rf "$KROOT" && mkdir -p "$KROOT"
	for p in "${pkgs[@]}"; do
		log "unpacking $p"
		dpkg -x "$CACHE_DIR"/debs/"${p}"_*.deb "$KROOT"
	done
	# The headers' Makefile includes the common tree by absolute path.
	sed -i "s|^include /usr/src/|include $KROOT/usr/src/|" \
		"$KROOT/usr/src/linux-headers-$KABI/Makefile"
	touch "$KROOT/.done"
fi

# The kernel source, for kselftest_harness.h, checkpatch.pl and the debug
# kernel.
SRC=$CACHE_DIR/linux-source-6.12
if [ ! -e "$SRC/.done" ]; then
	fetch linux-source-6.12
	tmp=$CACHE_DIR/src.tmp
	rm -rf "$tmp" "$SRC" && mkdir -p "$tmp"
	log "unpacking linux-source-6.12"
	dpkg -x "$CACHE_DIR"/debs/linux-source-6.12_*.deb "$tmp"
	mkdir -p "$SRC"
	tar -C "$SRC" --strip-components=1 -xaf "$tmp"/usr/src/linux-source-6.12.tar.*
	rm -rf "$tmp"
	touch "$SRC/.done"
fi

log "ready: kernel $KABI in $KROOT, source in $SRC"

# The Linux 7.3 lane: Debian's 7.3 kernel, the trixie chroot that builds
# for it (gcc-14, the 7.3 headers) and QEMU 11.1.
"$(dirname "$0")/trixie/setup.sh"
