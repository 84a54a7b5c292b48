#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Migration across kernel and driver versions, through a file: a guest
# with an ivshmem device passed through is saved by QEMU to a file in one
# boot of the test VM and restored in the next, on another kernel or with
# another release of the driver, in both directions:
#
#   1. release $E2E_PREV_TAG on 6.12   export
#   2. this tree on 6.12               import (from 1), export
#   3. release $E2E_PREV_TAG on 6.12   import (from 2)
#   4. this tree on 7.3                import (from 2), export
#   5. this tree on 6.12               import (from 4)
#
# The stream travels on a disk image the steps share. The previous
# release is built from git history, at the commit its tag names
# (E2E_PREV_COMMIT, pinned here, so that a clone without tags works). It
# predates the 7.3 port, so it runs on 6.12 only. Both write format 1.0,
# the only one released: this tree is told so through format_version.
#
# TAP on stdout, numbered across the steps.
#
# Environment: CACHE_DIR, BUILD, DEB_KDIR, KABI73, E2E_PREV_TAG,
# E2E_PREV_COMMIT, and the lane variables make check-e2e-cross passes
# (K73_*).

set -eu

top=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${BUILD:-$top/build}
. "$top/tools/testing/lib/host.sh"
x=$BUILD/e2e-cross
prev_tag=${E2E_PREV_TAG:-v0.1}
prev_commit=${E2E_PREV_COMMIT:-eb0916a000de1946abe94cfd800b76d966e65073}
kabi73=${KABI73:?}
kdir73=${KDIR73:-/usr/src/linux-headers-$kabi73}
k73=$CACHE_DIR/debian-$kabi73/usr
mkdir -p "$x"

. "$top/tools/testing/lib/tap.sh"
tap() { # ok|not-ok DESCRIPTION
	if [ "$1" = ok ]; then tap_ok "$2"; else tap_not_ok "$2"; fi
}

# tree NAME REV: the driver sources of REV (a commit, or "work" for the
# work tree with its uncommitted changes) in $x/NAME, kept if unchanged.
tree() {
	local d=$x/$1 t=$x/$1.tar
	if [ "$2" = work ]; then
		(cd "$top" && git ls-files -co --exclude-standard -z -- Kbuild drivers include |
			xargs -0 sh -c 'for f; do [ -e "$f" ] && echo "$f"; done' sh |
			tar -c --mtime=@0 --owner=0 --group=0 -T - -f "$t.new")
	else
		(cd "$top" && git archive --format=tar -o "$t.new" "$2" -- Kbuild drivers include)
	fi
	if ! cmp -s "$t.new" "$t"; then
		rm -rf "$d" && mkdir -p "$d" && tar -C "$d" -xf "$t.new"
		mv "$t.new" "$t"
	else
		rm -f "$t.new"
	fi
}

# build NAME KDIR [WRAP]: the modules of $x/NAME against KDIR.
build() {
	local log=$x/$1.build.log
	# shellcheck disable=SC2086 # WRAP is a command
	if ${3:-} make -C "$2" M="$x/$1" modules >"$log" 2>&1; then
		tap ok "build: $1 against ${2##*/}"
	else
		tap not-ok "build: $1 against ${2##*/} (log: $log)"
		tail -n 10 "$log" | sed 's/^/#   /'
		return 1
	fi
}

if ! git -C "$top" cat-file -e "$prev_commit^{commit}" 2>/dev/null; then
	tap not-ok "previous release $prev_tag ($prev_commit) in this clone's history (a full clone is needed)"
	tap_done
	exit 1
fi
tree old "$prev_commit"
tree cur work
tree cur73 work
ok=1
build old "$DEB_KDIR" || ok=0
build cur "$DEB_KDIR" || ok=0
build cur73 "$kdir73" "$top/tools/testing/trixie/in-chroot.sh" || ok=0
if [ $ok = 0 ]; then
	tap_done
	exit 1
fi

# The shared disk, fresh for each run.
disk=$x/disk.img
rm -f "$disk"
truncate -s 256M "$disk"

# step LABEL TREE KERNEL XFER: one boot of the test VM.
step() {
	local label=$1 tree=$2 kern=$3 xfer=$4 out=$x/$1.tap rc=0 fmt=
	# This tree writes what the previous release reads.
	[ "$tree" = old ] || fmt=1.0
	local kos="$x/$tree/drivers/vfio/devstate/vfio_devstate.ko $x/$tree/drivers/vfio/pci/ivshmem/ivshmem-vfio-pci.ko"
	echo "# e2e-cross: $label: driver $tree on $kern, $xfer"
	(
		export VM_BUILD_MODULES=0 VM_KOS="$kos" E2E_XFER=$xfer
		export E2E_VM_BUILD=$x/vm-$label E2E_VM_DEVICES=A:32M E2E_PINGPONG=1
		export VM_KMODS="vfio vfio_iommu_type1 vfio_pci_core virtio_blk"
		export VM_QEMU_ARGS="${VM_QEMU_ARGS:+$VM_QEMU_ARGS }-drive file=$disk,if=none,id=xfer,format=raw,cache=unsafe -device virtio-blk-pci,drive=xfer"
		export VM_APPEND="e2exferorigin=$tree@$kern${fmt:+ e2exferformat=$fmt}"
		if [ "$kern" = 7.3 ]; then
			export VM_KERNEL=$k73/lib/modules/$kabi73/vmlinuz VM_MODROOT=$k73
			export VM_KVER=$kabi73
		fi
		"$top/tools/testing/e2e/run.sh" xfer
	) >"$out" 2>&1 || rc=$?
	# Renumber the boot's TAP into ours.
	while IFS= read -r line; do
		case $line in
		"ok "[0-9]*) tap ok "$label: ${line#ok * - }" ;;
		"not ok "[0-9]*) tap not-ok "$label: ${line#not ok * - }" ;;
		"TAP version"* | 1..*) ;;
		*) echo "$line" ;;
		esac
	done <"$out"
	[ $rc = 0 ] || tap not-ok "$label: the test VM run exited with status $rc (log: $out)"
}

step 1-old-6.12 old 6.12 export
step 2-cur-6.12 cur 6.12 import,export
step 3-old-6.12 old 6.12 import
step 4-cur-7.3 cur73 7.3 import,export
step 5-cur-6.12 cur 6.12 import
tap_done
