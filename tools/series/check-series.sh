#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The series suite (TAP): make series writes it, then
#  - git am applies it to Debian's linux-source-7.3, giving the same tree;
#  - every patch builds in-tree, in the trixie chroot with gcc 14, with
#    Debian's 7.3 config and the series' options enabled (W=1), and the
#    tree's VFIO selftests build against its headers;
#  - 7.3's checkpatch.pl --strict reports nothing on any patch;
#  - scripts/kernel-doc -none -Wall reports nothing on the series' sources;
#  - its documents say nothing of this tree's out-of-tree build.
#
#   check-series.sh OUT
#
# Environment: CACHE_DIR, KABI73.  The build directory of the kernel tree
# (O=) is kept in the cache: after the first run only what changed builds.

set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tools/testing/lib/host.sh"
. "$top/tools/testing/lib/tap.sh"
KABI73=${KABI73:-7.3.4+deb13-amd64}
out=$(realpath -m "$1")
tree=$out/tree
am=$out/am
obj=$CACHE_DIR/series/obj-7.3
config73=$CACHE_DIR/trixie/root/usr/src/linux-headers-$KABI73/.config
# The host's python3 may not be the system's (pyenv): checkpatch and
# kernel-doc want the system's modules.
export PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH

not_ok() {
	tap_not_ok "$1"
	[ -n "${2:-}" ] || return 0
	tail -n 40 "$2" >"$out/last.tail"
	tap_diag_file "$out/last.tail" "#   "
}
t() {
	local what=$1 log=$out/last.log

	shift
	if "$@" >"$log" 2>&1; then tap_ok "$what"; else not_ok "$what" "$log"; fi
}
# Run a command in the am tree: it fails if it says anything at all.
silent_in_am() {
	local said rc=0

	said=$(cd "$am" && "$@" 2>&1) || rc=$?
	printf '%s' "$said"
	[ $rc -eq 0 ] && [ -z "$said" ]
}

tap_begin
mkdir -p "$out"
if ! "$top/tools/series/mkseries.sh" "$out" >"$out/mkseries.log" 2>&1; then
	not_ok "make series" "$out/mkseries.log"
	tap_done
	exit 1
fi
mapfile -t patches < <(ls "$out"/patches/[0-9]*.patch | grep -v /0000-)
tap_ok "make series: ${#patches[@]} patches and a cover letter"

# git am onto a fresh clone of the base.
rm -rf "$am"
git clone -q --shared -b base "$CACHE_DIR/series/linux-7.3" "$am"
git -C "$am" -c user.name=check -c user.email=check@localhost \
	am -q "${patches[@]}" >"$out/am.log" 2>&1 &&
	git -C "$am" fetch -q "$tree" series >>"$out/am.log" 2>&1 &&
	git -C "$am" diff --quiet FETCH_HEAD HEAD -- >>"$out/am.log" 2>&1 &&
	tap_ok "git am applies the series to linux-source-7.3, giving the tree make series committed" ||
	not_ok "git am applies the series to linux-source-7.3" "$out/am.log"

# One build directory for every patch: Debian's 7.3 config, then the
# series' options as each patch brings them.
build_patch() {
	[ -f "$obj/.config" ] || { mkdir -p "$obj" && cp "$config73" "$obj/.config"; }
	"$am/scripts/config" --file "$obj/.config" -m KUNIT \
		-m VFIO_DEVSTATE_KUNIT_TEST -m IVSHMEM_VFIO_PCI || return
	IN_CHROOT_BIND="$am $obj" "$top/tools/testing/trixie/in-chroot.sh" \
		sh -euc '
		cd "$1"; obj=$2; shift 2
		make -s O="$obj" olddefconfig
		make -s O="$obj" -j2 modules_prepare
		make -s O="$obj" headers
		gcc -x c -fsyntax-only -Wall -Werror -I "$obj/usr/include" \
			-include linux/vfio_devstate.h /dev/null
		# From scratch, and a warning fails the build.
		for d; do rm -rf "$obj/$d"; done
		[ $# -eq 0 ] || make -s O="$obj" -j2 W=1 KCFLAGS=-Werror "$@"
		' sh "$am" "$obj" $(for d in drivers/vfio/devstate drivers/vfio/pci/ivshmem; do
			[ -d "$am/$d" ] && echo "$d/"; done) || return
	# Each option the patch's Kconfig brings is on.
	for opt in VFIO_DEVSTATE:drivers/vfio/devstate IVSHMEM_VFIO_PCI:drivers/vfio/pci/ivshmem; do
		[ -d "$am/${opt#*:}" ] || continue
		grep -q "^CONFIG_${opt%%:*}=m" "$obj/.config" ||
			{ echo "CONFIG_${opt%%:*} is not m"; return 1; }
	done
	# The VFIO selftests, as their Makefile builds them (-Werror),
	# against the headers of this patch's tree, from scratch.
	rm -rf "$obj/kselftest-vfio" && mkdir -p "$obj/kselftest-vfio" &&
		make -s -C "$am/tools/testing/selftests/vfio" \
			OUTPUT="$obj/kselftest-vfio" \
			KHDR_INCLUDES="-isystem $obj/usr/include" -j2
}

# Every patch, oldest first, in the am tree: bisectable.
mkdir -p "$CACHE_DIR/series"
exec 9>"$CACHE_DIR/series-build.lock"
flock 9
head=$(git -C "$am" rev-parse HEAD)
for ((i = ${#patches[@]}; i >= 1; i--)); do
	c=$(git -C "$am" rev-parse "$head~$((i - 1))")
	git -C "$am" checkout -q --detach "$c"
	t "patch $((${#patches[@]} - i + 1)) builds in-tree (W=1): $(git -C "$am" log -1 --format=%s)" \
		build_patch
done
git -C "$am" checkout -q --detach "$head"
flock -u 9

for p in "${patches[@]}"; do
	t "checkpatch --strict: $(basename "$p")" \
		silent_in_am ./scripts/checkpatch.pl --strict -q "$p"
done

# The documentation of the series is the driver's, not this tree's.
mapfile -t docs < <(cd "$am" && git diff --name-only origin/base HEAD -- Documentation)
t "the series' ${#docs[@]} documents say nothing of the out-of-tree build" \
	silent_in_am sh -c '! grep -nE "$0" "$@"' \
	'insmod|make (check|bench|demo|series|lint)|Debian|out-of-tree (begin|end)' "${docs[@]}"

mapfile -t srcs < <(cd "$am" && git diff --name-only origin/base HEAD -- '*.c' '*.h')
t "kernel-doc -none -Wall: ${#srcs[@]} files of the series" \
	silent_in_am scripts/kernel-doc -none -Wall "${srcs[@]}"

tap_done
