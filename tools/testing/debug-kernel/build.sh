#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel (tinyconfig + debug.config, all built in) from the
# unpacked Debian kernel source, out of tree, into a cache directory keyed
# by the source version, the fragment and this script's version:
#
#   $CACHE_DIR/debug-kernel/<version>-<hash>/              kbuild O= tree
#   $CACHE_DIR/debug-kernel/<version>-<hash>/arch/x86/boot/bzImage
#
# The O= tree is complete (`make all`, so Module.symvers exists): build
# out-of-tree modules with  make -C <tree> M=$PWD CC=gcc-12 modules
#
# A finished tree (stamp file) is reused as is; the source tree is never
# written to. Compiles go through ccache ($CACHE_DIR/ccache).
#
# Usage: build.sh              build if needed, print DEBUG_KDIR= and
#                              DEBUG_BZIMAGE= lines
#        build.sh --print-kdir print the tree's path only, build nothing
#
# Environment:
#   CACHE_DIR   cache directory (default: tools/testing/lib/host.sh)
#   LINUX_SRC   kernel source (default $CACHE_DIR/linux-source-6.12)
#   JOBS        parallel jobs (default: nproc)

set -eu
set -o pipefail

# Bump when a change here changes the resulting kernel tree.
SCRIPT_VERSION=1

HERE=$(cd "$(dirname "$0")" && pwd)
FRAGMENT=$HERE/debug.config
. "$HERE/../lib/host.sh"
LINUX_SRC=${LINUX_SRC:-$CACHE_DIR/linux-source-6.12}
JOBS=${JOBS:-$(nproc)}
KCC=gcc-12
STAMP_NAME=.vfio-devstate-built

log() { printf '# debug-kernel: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Kernel version of the source tree, as `make kernelversion` says it,
# without running make in it. If setup.sh records the Debian package
# version in the tree's .done stamp, that is part of the key too.
source_version() {
	local mk=$LINUX_SRC/Makefile v p s e pkg=
	[ -r "$mk" ] || return 1
	v=$(sed -n 's/^VERSION = *//p' "$mk")
	p=$(sed -n 's/^PATCHLEVEL = *//p' "$mk")
	s=$(sed -n 's/^SUBLEVEL = *//p' "$mk")
	e=$(sed -n 's/^EXTRAVERSION = *//p' "$mk")
	[ -s "$LINUX_SRC/.done" ] && pkg=$(head -n1 "$LINUX_SRC/.done" | tr -c 'A-Za-z0-9.+~\n' '_')
	printf '%s.%s.%s%s%s\n' "$v" "$p" "$s" "$e" "${pkg:+-$pkg}"
}

srcver=$(source_version) || die "no kernel source in $LINUX_SRC (run make setup)"
hash=$({ cat "$FRAGMENT"; echo "script $SCRIPT_VERSION"; } | sha256sum | cut -c1-12)
KDIR=$CACHE_DIR/debug-kernel/$srcver-$hash
BZIMAGE=$KDIR/arch/x86/boot/bzImage
STAMP=$KDIR/$STAMP_NAME

if [ "${1:-}" = --print-kdir ]; then
	echo "$KDIR"
	exit 0
fi
[ $# -eq 0 ] || die "usage: $0 [--print-kdir]"

done_already() {
	[ -e "$STAMP" ] && [ -s "$BZIMAGE" ] && [ -s "$KDIR/Module.symvers" ]
}

report() {
	echo "DEBUG_KDIR=$KDIR"
	echo "DEBUG_BZIMAGE=$BZIMAGE"
}

if done_already; then
	report
	exit 0
fi

# One builder per tree: clones sharing the cache wait for each other.
mkdir -p "$KDIR"
exec 9>"$KDIR.lock"
flock 9
if done_already; then
	report
	exit 0
fi

# O= builds need a pristine source tree; do not clean it ourselves.
if [ -e "$LINUX_SRC/.config" ] || [ -d "$LINUX_SRC/include/config" ]; then
	die "$LINUX_SRC is configured; O= builds need it mrproper'd"
fi
command -v "$KCC" >/dev/null || die "$KCC not found (run make setup)"
command -v ccache >/dev/null || die "ccache not found (run make setup)"

# ccache shared by all clones; paths below CACHE_DIR are hashed relative
# to the build directory, so another key with the same .config hits.
export CCACHE_DIR=$CACHE_DIR/ccache
export CCACHE_BASEDIR=$CACHE_DIR
export CCACHE_NOHASHDIR=1
# A fixed timestamp keeps init/version.c identical between rebuilds.
export KBUILD_BUILD_TIMESTAMP="vfio-devstate debug $srcver"
export KBUILD_BUILD_USER=vfio-devstate KBUILD_BUILD_HOST=debug-kernel

kmake() {
	make -C "$LINUX_SRC" O="$KDIR" CC="ccache $KCC" HOSTCC="ccache $KCC" "$@"
}

log "configuring $KDIR"
rm -f "$STAMP"
kmake -s tinyconfig >/dev/null

# Merge: drop every symbol the fragment names, append the fragment.
config=$KDIR/.config
syms=$(sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1/p' \
	-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1/p' "$FRAGMENT")
{
	grep -v -w -F "$syms" "$config" || true
	grep -E '^(CONFIG_|# CONFIG_.* is not set$)' "$FRAGMENT"
} >"$config.merged"
mv "$config.merged" "$config"
kmake -s olddefconfig >/dev/null

# Every request must have survived olddefconfig: a missing dependency
# drops an option silently.
bad=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -q -x -F "$line" "$config" || {
			got=$(grep -E "^(# )?${line%%=*}[= ]" "$config" || echo "${line%%=*} absent")
			log "requested $line, got: $got"
			bad=1
		}
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		if grep -q "^$sym=" "$config"; then
			log "requested $line, got: $(grep "^$sym=" "$config")"
			bad=1
		fi
		;;
	esac
done <"$FRAGMENT"
if grep -q '=m$' "$config"; then
	log "modules (=m) in the config: $(grep '=m$' "$config" | tr '\n' ' ')"
	bad=1
fi
[ $bad = 0 ] || die "config check failed (see above)"
log "config: $(grep -c '=y$' "$config") options =y, all $(echo "$syms" | wc -l) requests honoured"

log "building with $JOBS jobs (ccache in $CCACHE_DIR)"
export CCACHE_STATSLOG=$KDIR/ccache-stats.log
rm -f "$CCACHE_STATSLOG"
start=$(date +%s)
kmake -j"$JOBS" all >"$KDIR/build.log" 2>&1 || {
	tail -n 40 "$KDIR/build.log" >&2
	die "build failed, log in $KDIR/build.log"
}
log "built in $(($(date +%s) - start)) s; ccache: $(ccache --show-log-stats 2>/dev/null |
	sed -n 's/^ *Hits: *\([^ ]* \/ *[^ ]* ([^)]*)\).*/\1 hits/p' | head -n1)"

[ -s "$BZIMAGE" ] || die "no $BZIMAGE"
[ -s "$KDIR/Module.symvers" ] || die "no $KDIR/Module.symvers"
printf 'source %s\nfragment %s\nscript %s\n' "$srcver" "$hash" "$SCRIPT_VERSION" >"$STAMP"
report
