#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build what the test VM needs: our modules (against VM_KDIR), the
# selftests (if their Makefile exists), the VFIO demo program, and the
# initramfs. Progress goes to stdout as TAP comments; a failed step prints
# a TAP "not ok" line with the end of its log and exits non-zero.
#
# Environment: see tools/testing/vm/vm.mk (VM_*), BUILD.

set -eu

top=$(cd "$(dirname "$0")/../../.." && pwd)
vmdir=$top/tools/testing/vm
BUILD=${BUILD:-$top/build}
VM_BUILD=${VM_BUILD:-$BUILD/vm}
mkdir -p "$VM_BUILD"
. "$top/tools/testing/lib/tap.sh"

# step NAME LOG COMMAND...: run COMMAND with its output in LOG.
step() {
	local name=$1 log=$2
	shift 2
	if ! "$@" >"$log" 2>&1; then
		tap_not_ok "$name (log: $log)"
		tail -n 30 "$log" | sed 's/^/#   /'
		exit 1
	fi
}

if [ "${VM_BUILD_MODULES:-1}" = 1 ]; then
	echo "# vm: building modules against ${VM_KDIR:?}"
	# VM_KBUILD_ARGS is a list of make arguments, VM_KBUILD_WRAP a
	# command to run make under (the 7.3 lane's chroot): split them on
	# purpose.
	# The lanes build in this tree in turn.  kbuild notices a new kernel
	# tree by its flags, but two builds of one kernel source with O=
	# (debug kernels of two configs) give the same flags: the objects,
	# struct module's layout in the .mod.o among them, would stay.  A
	# kernel tree other than the last one cleans first.
	stamp=$BUILD/modules.kdir
	if [ "$(cat "$stamp" 2>/dev/null)" != "$VM_KDIR" ]; then
		# shellcheck disable=SC2086
		${VM_KBUILD_WRAP:-} make -C "$VM_KDIR" M="$top" ${VM_KBUILD_ARGS:-} clean \
			>"$VM_BUILD/modules-clean.log" 2>&1 || true
	fi
	rm -f "$stamp"
	# shellcheck disable=SC2086
	step "build modules against $VM_KDIR" "$VM_BUILD/modules.log" \
		${VM_KBUILD_WRAP:-} make -C "$VM_KDIR" M="$top" ${VM_KBUILD_ARGS:-} modules
	echo "$VM_KDIR" >"$stamp"
fi

if [ "${VM_BUILD_SELFTESTS:-1}" != 1 ]; then
	echo "# vm: VM_BUILD_SELFTESTS=${VM_BUILD_SELFTESTS:-}, selftests not rebuilt"
elif [ -f "$top/tools/testing/selftests/vfio/Makefile" ]; then
	echo "# vm: building selftests into ${VM_TESTS_DIR:-$BUILD/selftests}"
	# VM_SELFTEST_ARGS: make arguments (the 7.3 lane's headers), split.
	# shellcheck disable=SC2086
	step "build selftests" "$VM_BUILD/selftests.log" \
		make -C "$top/tools/testing/selftests/vfio" OUTPUT="${VM_TESTS_DIR:-$BUILD/selftests}" \
		${VM_SELFTEST_ARGS:-}
	# The migration selftests in the kernel's own libvfio, built in a
	# copy of the 7.3 tree: the same programs for every lane.
	echo "# vm: building the libvfio migration selftests (7.3 tree)"
	step "build libvfio migration selftests" "$VM_BUILD/libvfio.log" \
		"$top/tools/testing/selftests/vfio/libvfio/build.sh" \
		"${VM_TESTS_DIR:-$BUILD/selftests}"
else
	echo "# vm: no tools/testing/selftests/vfio/Makefile, no selftests built"
fi

demo=$VM_BUILD/vfio-bar-demo
if [ ! -x "$demo" ] || [ "$vmdir/vfio-bar-demo.c" -nt "$demo" ]; then
	echo "# vm: building vfio-bar-demo"
	step "build vfio-bar-demo" "$VM_BUILD/demo.log" \
		gcc -static -O2 -Wall -Wextra -o "$demo" "$vmdir/vfio-bar-demo.c"
fi

step "build initramfs" "$VM_BUILD/initramfs.log" "$vmdir/mkinitramfs.sh"
sed 's/^/# vm: /' "$VM_BUILD/initramfs.log"
