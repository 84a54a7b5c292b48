#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Linux 7.3 lane's tools: Debian's 7.3 kernel (trixie-backports),
# unpacked into the cache like the 6.12 one, and a trixie chroot that has
# what bookworm cannot give: gcc-14 and glibc >= 2.38 for the 7.3 headers,
# which are installed in it with apt the way a user installs them, and
# QEMU 11.1 (trixie-backports) for the end-to-end test.
#
# Idempotent: with everything in place it only checks stamps. Nothing on
# the host changes but mmdebstrap (a bookworm package) and the cache.
#
#   $CACHE_DIR/debian-$KABI73/usr/lib/modules/$KABI73/  vmlinuz, modules
#   $CACHE_DIR/trixie/root/                             the chroot
#   $CACHE_DIR/linux-source-7.3/                        the 7.3 source
#
# Environment: CACHE_DIR, KPKGVER73, KABI73, QEMU11_VER, SEABIOS11_VER,
# TRIXIE_MIRROR.

set -euo pipefail

. "$(dirname "$0")/../lib/host.sh"
. "$(dirname "$0")/../lib/tap.sh"
KPKGVER73=${KPKGVER73:-7.3.4-1~bpo13+1}
KABI73=${KABI73:-7.3.4+deb13-amd64}
QEMU11_VER=${QEMU11_VER:-1:11.1.3+ds-2~bpo13+1}
SEABIOS11_VER=${SEABIOS11_VER:-1.17.0-1~bpo13+1}
MIRROR=${TRIXIE_MIRROR:-http://deb.debian.org/debian}

log() { printf '# trixie: %s\n' "$*" >&2; }
die() { tap_not_ok "trixie setup: $*"; exit 1; }

top=$CACHE_DIR/trixie
mkdir -p "$top" "$CACHE_DIR/debs"
exec 9>"$top.lock"
flock 9

# A private apt configuration for trixie and trixie-backports: the host's
# own sources stay as they are.
apt_dir=$top/apt
aptopts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
	 -o Dir::Etc::SourceParts=/dev/null
	 -o "Dir::State::Lists=$apt_dir/lists"
	 -o "Dir::Cache=$apt_dir/cache"
	 -o Dir::State::Status=/dev/null
	 -o APT::Architecture=amd64 -q)
sources="deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie-backports main"
apt_ready=0
apt_update() {
	[ $apt_ready = 1 ] && return 0
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	echo "$sources" >"$apt_dir/sources.list"
	# apt drops to _apt for downloads.
	chmod -R a+rwX "$apt_dir"
	log "apt-get update (trixie, trixie-backports)"
	apt-get "${aptopts[@]}" update >/dev/null || die "apt-get update of trixie failed"
	apt_ready=1
}

# fetch PACKAGE...: the pinned 7.3 packages, into the shared .deb cache.
fetch() {
	local p
	for p in "$@"; do
		ls "$CACHE_DIR/debs/${p}_${KPKGVER73}"_*.deb >/dev/null 2>&1 && continue
		apt_update
		log "downloading $p=$KPKGVER73"
		(cd "$CACHE_DIR/debs" && apt-get "${aptopts[@]}" download "$p=$KPKGVER73" 2>&1 |
			grep -v unsandboxed >&2 || true)
		ls "$CACHE_DIR/debs/${p}_${KPKGVER73}"_*.deb >/dev/null 2>&1 ||
			die "cannot download $p=$KPKGVER73 (set KPKGVER73/KABI73 to what trixie-backports has)"
	done
}

# The kernel the 7.3 lane boots, and its modules (merged /usr).
KROOT=$CACHE_DIR/debian-$KABI73
if [ ! -e "$KROOT/.done" ]; then
	pkgs=(linux-binary-$KABI73 linux-modules-$KABI73 linux-base-$KABI73)
	fetch "${pkgs[@]}"
	rm -rf "$KROOT" && mkdir -p "$KROOT"
	for p in "${pkgs[@]}"; do
		log "unpacking $p"
		dpkg -x "$CACHE_DIR/debs/${p}_${KPKGVER73}"_*.deb "$KROOT"
	done
	touch "$KROOT/.done"
fi

# The chroot. Its stamp names what is in it, so a change of pins or of
# the list below rebuilds it.
ROOT=$top/root
chroot_pkgs=(build-essential bc bison flex libelf-dev libssl-dev kmod dwarves
	     sparse xz-utils zstd python3 dkms
	     "linux-headers-$KABI73=$KPKGVER73"
	     "linux-headers-6.12.117+deb13-amd64=6.12.117-1"
	     "qemu-system-x86=$QEMU11_VER" "qemu-system-common=$QEMU11_VER"
	     "qemu-system-data=$QEMU11_VER" "seabios=$SEABIOS11_VER")
stamp="${chroot_pkgs[*]} $MIRROR"
if [ "$(cat "$ROOT/.done" 2>/dev/null)" != "$stamp" ]; then
	command -v mmdebstrap >/dev/null || apt_install : mmdebstrap
	log "building the trixie chroot (about a minute)"
	rm -rf "$ROOT" "$ROOT.tmp"
	inc=$(IFS=,; echo "${chroot_pkgs[*]}")
	mmdebstrap --quiet --variant=apt --include="$inc" \
		--aptopt='APT::Install-Recommends "false"' \
		trixie "$ROOT.tmp" "$sources" >"$top/mmdebstrap.log" 2>&1 ||
		{ tail -n 20 "$top/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $top/mmdebstrap.log)"; }
	mv "$ROOT.tmp" "$ROOT"
	echo "$stamp" >"$ROOT/.done"
fi
[ -d "$ROOT/usr/src/linux-headers-$KABI73" ] || die "no 7.3 headers in $ROOT"

# The 7.3 source: its checkpatch.pl and kernel-doc, and the one script
# Debian's headers package leaves out that kbuild's C=2 (sparse) needs.
SRC=$CACHE_DIR/linux-source-7.3
if [ ! -e "$SRC/.done" ]; then
	fetch linux-source-7.3
	tmp=$CACHE_DIR/src73.tmp
	rm -rf "$tmp" "$SRC" && mkdir -p "$tmp" "$SRC"
	log "unpacking linux-source-7.3"
	dpkg -x "$CACHE_DIR/debs/linux-source-7.3_${KPKGVER73}"_*.deb "$tmp"
	tar -C "$SRC" --strip-components=1 -xaf "$tmp"/usr/src/linux-source-7.3.tar.*
	rm -rf "$tmp"
	touch "$SRC/.done"
fi
common=$ROOT/usr/src/linux-headers-${KABI73%-amd64}-common
if [ ! -x "$common/scripts/checker-valid.sh" ]; then
	install -m 755 "$SRC/scripts/checker-valid.sh" "$common/scripts/checker-valid.sh"
fi
log "ready: kernel $KABI73 in $KROOT, chroot $ROOT" \
	"($(chroot "$ROOT" gcc --version | head -n 1 | sed 's/ (.*)//'))"
