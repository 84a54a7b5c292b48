#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the VFIO migration selftests the way the kernel builds its own:
# in a copy of Debian's linux-source-7.3 tools/testing/selftests/vfio with
# this directory applied (apply.sh), by that tree's Makefile and libvfio,
# against 7.3's UAPI headers and this tree's vfio_devstate.h. The test
# programs (static: the test VM has no libc) are copied into OUT.
#
#   build.sh OUT
#
# Environment: CACHE_DIR (linux-source-7.3, uapi-7.3), BUILD.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../../.." && pwd)
. "$top/tools/testing/lib/host.sh"
[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
out=$(realpath -m "$1")
src=$CACHE_DIR/linux-source-7.3
uapi=$CACHE_DIR/uapi-7.3
work=${BUILD:-$top/build}/libvfio-7.3
tree=$work/tree

[ -f "$src/tools/testing/selftests/vfio/lib/libvfio.mk" ] ||
	{ echo "libvfio: no 7.3 source in $src (make setup)" >&2; exit 1; }
"$top/tools/testing/selftests/vfio/install-uapi.sh" "$src" "$uapi"

# What the selftests' build reads of the kernel tree, with the symbolic
# links into the rest of the tree (drivers' register headers) followed.
rm -rf "$tree"
mkdir -p "$tree/scripts" "$tree/tools/testing/selftests" "$tree/tools/arch/x86"
cp "$src/scripts/subarch.include" "$tree/scripts/"
cp -rL "$src/tools/include" "$tree/tools/"
cp -rL "$src/tools/arch/x86/include" "$tree/tools/arch/x86/"
cp -rL "$src"/tools/testing/selftests/{lib.mk,kselftest.h,kselftest_harness.h,kselftest,vfio} \
	"$tree/tools/testing/selftests/"
"$here/apply.sh" "$tree"

mkdir -p "$work/out"
progs=()
for c in "$here"/*_test.c; do
	progs+=("$(basename "$c" .c)")
done
make -C "$tree/tools/testing/selftests/vfio" OUTPUT="$work/out" \
	KHDR_INCLUDES="-isystem $uapi/include -I$top/include/uapi" \
	LDFLAGS="-static -pthread" "${progs[@]/#/$work/out/}"
mkdir -p "$out"
for p in "${progs[@]}"; do
	cp "$work/out/$p" "$out/"
done
