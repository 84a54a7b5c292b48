#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make series: this tree as a patch series for Linux 7.3, against Debian's
# linux-source-7.3 (trixie-backports), one concern per patch, written by
# git format-patch with a cover letter.
#
#   mkseries.sh OUT
#
# OUT/tree is a clone of the base (Debian's source as one commit, kept in
# the cache) with the series committed on branch "series"; OUT/patches
# holds the series.  What goes in differs from this tree only where the
# tree serves out-of-tree builds: compat.h and the Makefiles' probes of
# the kernel's headers are left out, and the few IVSHMEM_HAVE_ tests of
# the driver's sources are resolved for 7.3 with unifdef.
#
# Environment: CACHE_DIR; SERIES_SELFTESTS=0 leaves the selftests out.

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tools/testing/lib/host.sh"
[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
out=$(realpath -m "$1")
base=$CACHE_DIR/series/linux-7.3
msg=$top/tools/series/msg
tree=$out/tree

# What 7.3 has of the interfaces compat.h stands in for.
UNIFDEF_73=(-DIVSHMEM_HAVE_CORE_GET_IOMAP -DIVSHMEM_HAVE_MATCH_TOKEN_UUID
	    -DIVSHMEM_HAVE_REGION_INFO_CAPS -DIVSHMEM_HAVE_PRECOPY_INFO_V2
	    -UIVSHMEM_HAVE_PFN_T -UVFIO_DEVSTATE_NS_BARE)

log() { printf '# series: %s\n' "$*" >&2; }
die() { printf 'series: %s\n' "$*" >&2; exit 1; }

name=$(git -C "$top" config user.name || echo "vfio-devstate developers")
email=$(git -C "$top" config user.email || echo "vfio-devstate@localhost")
# Dates from this tree's HEAD: the same tree gives the same series.
date=$(git -C "$top" log -1 --format=%cI)
export GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email GIT_AUTHOR_DATE=$date
export GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email
export GIT_COMMITTER_DATE=$date

# The base, once per cache: Debian's linux-source-7.3 as one commit.
make_base() {
	local deb tmp

	deb=$(ls "$CACHE_DIR"/debs/linux-source-7.3_*.deb 2>/dev/null | head -1)
	[ -n "$deb" ] || die "no linux-source-7.3 package in $CACHE_DIR/debs (make trixie-setup)"
	log "making the base repository from $(basename "$deb") (once per cache)"
	tmp=$base.tmp
	rm -rf "$tmp" && mkdir -p "$tmp/src"
	dpkg -x "$deb" "$tmp/deb"
	tar -C "$tmp/src" --strip-components=1 -xaf "$tmp"/deb/usr/src/linux-source-7.3.tar.*
	git -C "$tmp/src" init -q -b base
	# Debian's .gitignore ignores the whole top level (its packaging).
	git -C "$tmp/src" add -A -f
	GIT_AUTHOR_NAME=Debian GIT_AUTHOR_EMAIL=debian-kernel@lists.debian.org \
	GIT_COMMITTER_NAME=Debian GIT_COMMITTER_EMAIL=debian-kernel@lists.debian.org \
	GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z \
		git -C "$tmp/src" commit -q -m "Linux $(basename "$deb" | sed 's/^linux-source-7.3_//; s/_all.deb$//') (Debian linux-source-7.3)"
	mv "$tmp/src" "$base"
	rm -rf "$tmp"
}

mkdir -p "$CACHE_DIR/series"
exec 9>"$CACHE_DIR/series.lock"
flock 9
[ -d "$base/.git" ] || make_base
flock -u 9

# The tree: a clone of the base, reset to it.
if [ ! -d "$tree/.git" ]; then
	mkdir -p "$out"
	log "cloning the base into $tree"
	git clone -q --shared -b base "$base" "$tree"
fi
git -C "$tree" checkout -q -f -B series origin/base
git -C "$tree" clean -q -fdx

# Tracked files of this tree under a path.
tracked() { git -C "$top" ls-files -- "$@"; }

# Copy tracked files into the tree, as they are.
put() {
	local f

	for f in $(tracked "$@"); do
		mkdir -p "$tree/$(dirname "$f")"
		cp "$top/$f" "$tree/$f"
	done
}

# Copy a C file or header, without compat.h, resolved for 7.3.
put_c() {
	local f=$1 rc=0

	mkdir -p "$tree/$(dirname "$f")"
	sed '/^#include "compat.h"$/d' "$top/$f" |
		unifdef "${UNIFDEF_73[@]}" >"$tree/$f" || rc=$?
	[ $rc -le 1 ] || die "unifdef failed on $f"
}

# A Makefile without what only an out-of-tree build needs: from the line
# that starts with $2 to the end of the block (the next blank line or EOF).
put_make() {
	mkdir -p "$tree/$(dirname "$1")"
	awk -v cut="$2" 'index($0, cut) == 1 { skip = 1 } skip && /^$/ { skip = 0; next }
		!skip' "$top/$1" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$tree/$1"
}

# Copy a document without its parts about this tree, the lines from
# ".. out-of-tree begin" to ".. out-of-tree end" and the blank line after.
put_doc() {
	local f

	for f in "$@"; do
		mkdir -p "$tree/$(dirname "$f")"
		awk '/^\.\. out-of-tree begin$/ { skip = 1; next }
			/^\.\. out-of-tree end$/ { skip = 0; drop = 1; next }
			drop && /^$/ { drop = 0; next }
			{ drop = 0 } !skip' "$top/$f" >"$tree/$f"
	done
}

# Insert line $3 into file $1 after the first line equal to $2.
add_after() {
	python3 - "$tree/$1" "$2" "$3" <<'EOF'
import sys
path, anchor, new = sys.argv[1:]
lines = open(path).read().split('\n')
i = lines.index(anchor)
lines[i + 1:i + 1] = new.split('\n')
open(path, 'w').write('\n'.join(lines))
EOF
}

# MAINTAINERS: add entry $1 (its lines on stdin) before entry $2, or add
# F: lines (on stdin) to the existing entry $1 when $2 is empty.
maintainers() {
	python3 - "$tree/MAINTAINERS" "$1" "${2:-}" "$(cat)" <<'EOF'
import sys
path, title, before, text = sys.argv[1:]
new = [l for l in text.split('\n') if l]
lines = open(path).read().split('\n')
if before:
    i = lines.index(before)
    lines[i:i] = [title] + new + ['']
else:
    i = lines.index(title) + 1
    while lines[i]:
        i += 1
    entry = sorted(set(lines[lines.index(title) + 1:i] + new),
                   key=lambda l: ('MRLSWQBCPTFXNK'.index(l[0]), l))
    lines[lines.index(title) + 1:i] = entry
open(path, 'w').write('\n'.join(lines))
EOF
}

commit() {
	git -C "$tree" add -A -f
	git -C "$tree" commit -q -s -F "$msg/$1"
	log "$(git -C "$tree" log -1 --format=%s)"
}

DS_ENTRY="VFIO DEVICE STATE FORMAT (VFIO-DEVSTATE)"
IV_ENTRY="VFIO IVSHMEM-PLAIN PCI DRIVER"

# 1: the format: uapi header and its specification.
put include/uapi/linux/vfio_devstate.h Documentation/userspace-api/vfio-devstate.rst
add_after Documentation/userspace-api/index.rst "   iommufd" "   vfio-devstate"
maintainers "$DS_ENTRY" "VFIO DRIVER" <<EOF
M:	$name <$email>
L:	kvm@vger.kernel.org
S:	Maintained
F:	Documentation/userspace-api/vfio-devstate.rst
F:	include/uapi/linux/vfio_devstate.h
EOF
commit 1-uapi

# 2: the codec library and its KUnit tests.
for f in $(tracked 'drivers/vfio/devstate/*.[ch]') include/linux/vfio_devstate.h; do
	put_c "$f"
done
put drivers/vfio/devstate/Kconfig
put_make drivers/vfio/devstate/Makefile "# Up to 6.12"
add_after drivers/vfio/Kconfig 'source "drivers/vfio/pci/Kconfig"' \
	'source "drivers/vfio/devstate/Kconfig"'
add_after drivers/vfio/Makefile 'obj-$(CONFIG_VFIO_PCI_CORE) += pci/' \
	'obj-$(CONFIG_VFIO_DEVSTATE) += devstate/'
maintainers "$DS_ENTRY" <<EOF
F:	drivers/vfio/devstate/
F:	include/linux/vfio_devstate.h
EOF
commit 2-codec

# 3: the driver, its documentation and its sysfs ABI.
for f in $(tracked 'drivers/vfio/pci/ivshmem/*.[ch]'); do
	[ "$(basename "$f")" = compat.h ] || put_c "$f"
done
put drivers/vfio/pci/ivshmem/Kconfig
put_make drivers/vfio/pci/ivshmem/Makefile "# Kernel interfaces that differ"
put_doc Documentation/driver-api/ivshmem-vfio-pci.rst
put Documentation/ABI/testing/sysfs-bus-pci-drivers-ivshmem-vfio-pci
add_after drivers/vfio/pci/Kconfig 'source "drivers/vfio/pci/xe/Kconfig"' \
	$'\nsource "drivers/vfio/pci/ivshmem/Kconfig"'
add_after drivers/vfio/pci/Makefile 'obj-$(CONFIG_XE_VFIO_PCI) += xe/' \
	$'\nobj-$(CONFIG_IVSHMEM_VFIO_PCI) += ivshmem/'
add_after Documentation/driver-api/index.rst \
	"   vfio-pci-device-specific-driver-acceptance" "   ivshmem-vfio-pci"
maintainers "$IV_ENTRY" "VFIO MEDIATED DEVICE DRIVERS" <<EOF
M:	$name <$email>
L:	kvm@vger.kernel.org
S:	Maintained
F:	Documentation/ABI/testing/sysfs-bus-pci-drivers-ivshmem-vfio-pci
F:	Documentation/driver-api/ivshmem-vfio-pci.rst
F:	drivers/vfio/pci/ivshmem/
EOF
commit 3-driver

# 4-5: the migration selftests in the kernel's libvfio: the fix to
# libvfio they need, then the tests (tools/testing/selftests/vfio/libvfio).
overlay=$top/tools/testing/selftests/vfio/libvfio
if [ "${SERIES_SELFTESTS:-1}" = 1 ]; then
	"$overlay/apply.sh" --fixes "$tree"
	commit 4-libvfio-bars
	"$overlay/apply.sh" --tests "$tree"
	maintainers "$DS_ENTRY" <<EOF
F:	tools/include/linux/crc32c.h
F:	tools/lib/vfio_devstate/
F:	tools/testing/selftests/vfio/lib/include/libvfio/vfio_pci_migration.h
F:	tools/testing/selftests/vfio/lib/vfio_pci_migration.c
F:	tools/testing/selftests/vfio/vfio_pci_migration_*
EOF
	maintainers "$IV_ENTRY" <<EOF
F:	tools/testing/selftests/vfio/lib/drivers/ivshmem/
EOF
	commit 5-selftests
fi

rm -rf "$out/patches"
git -C "$tree" format-patch -q --cover-letter -o "$out/patches" origin/base..series
cover=$(ls "$out"/patches/0000-cover-letter.patch)
python3 - "$cover" "$top/tools/series/cover" <<'EOF'
import sys
path, src = sys.argv[1:]
subject, _, blurb = open(src).read().partition('\n\n')
s = open(path).read()
s = s.replace('*** SUBJECT HERE ***', subject.strip())
s = s.replace('*** BLURB HERE ***', blurb.strip())
open(path, 'w').write(s)
EOF
log "$(ls "$out"/patches | wc -l) files in $out/patches"
