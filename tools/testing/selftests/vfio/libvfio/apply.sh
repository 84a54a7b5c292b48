#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Put the VFIO migration selftests into a Linux source tree's
# tools/testing/selftests/vfio (the libvfio of 7.3):
#   --fixes  the fixes to libvfio they need (fixes/*.patch: a description,
#            then the diff)
#   --tests  the files under this directory at the same paths, the CRC32C
#            of tools/lib/vfio_devstate, and the lines that add them to
#            the libvfio build
# (both without an option). make series commits each part as a patch; the
# VM lanes build the result in a copy of Debian's linux-source-7.3
# (build.sh).
#
#   apply.sh [--fixes|--tests] TREE

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../../.." && pwd)
fixes=1 tests=1
case ${1:-} in
--fixes) tests=0; shift ;;
--tests) fixes=0; shift ;;
esac
[ $# -eq 1 ] || { echo "usage: $0 [--fixes|--tests] TREE" >&2; exit 2; }
tree=$1
st=$tree/tools/testing/selftests/vfio

die() { printf 'libvfio apply: %s\n' "$*" >&2; exit 1; }
[ -f "$st/lib/libvfio.mk" ] || die "$st has no lib/libvfio.mk"

# Insert line(s) $3 into $1 after the first line equal to $2.
add_after() {
	local file=$1 anchor=$2 text=$3

	grep -qxF -- "$anchor" "$file" || die "no line '$anchor' in $file"
	awk -v anchor="$anchor" -v text="$text" \
		'{ print } !done && $0 == anchor { print text; done = 1 }' \
		"$file" >"$file.tmp"
	mv "$file.tmp" "$file"
}

if [ $fixes = 1 ]; then
	for p in "$here"/fixes/*.patch; do
		patch -s -d "$tree" -p1 --no-backup-if-mismatch <"$p" ||
			die "$(basename "$p") does not apply"
	done
fi
[ $tests = 1 ] || exit 0

(cd "$here" && find lib ./*_test.c -type f -name '*.[ch]') |
while read -r f; do
	mkdir -p "$st/$(dirname "$f")"
	cp "$here/$f" "$st/$f"
done
mkdir -p "$tree/tools/lib/vfio_devstate" "$tree/tools/include/linux"
cp "$top/tools/lib/vfio_devstate/crc32c.c" "$tree/tools/lib/vfio_devstate/"
cp "$top/tools/include/linux/crc32c.h" "$tree/tools/include/linux/"

add_after "$st/lib/include/libvfio.h" '#include <libvfio/vfio_pci_driver.h>' \
	'#include <libvfio/vfio_pci_migration.h>'
add_after "$st/lib/libvfio.mk" 'LIBVFIO_C += vfio_pci_driver.c' \
	'LIBVFIO_C += vfio_pci_migration.c'
add_after "$st/lib/libvfio.mk" 'LIBVFIO_C += drivers/igb/igb.c' \
	'LIBVFIO_C += drivers/ivshmem/ivshmem.c'
cat >>"$st/lib/libvfio.mk" <<'MK'

# The CRC32C of vfio-devstate streams, shared with tools/.
LIBVFIO_O += $(LIBVFIO_OUTPUT)/crc32c.o

$(LIBVFIO_OUTPUT)/crc32c.o: $(top_srcdir)/tools/lib/vfio_devstate/crc32c.c | $(LIBVFIO_OUTPUT)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(TARGET_ARCH) -c $< -o $@
MK
progs=$(for c in "$here"/*_test.c; do
	echo "TEST_GEN_PROGS += $(basename "$c" .c)"
done)
add_after "$st/Makefile" 'TEST_GEN_PROGS += vfio_pci_sriov_uapi_test' "$progs"
