#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command in the trixie chroot (tools/testing/trixie/setup.sh) with
# this clone visible at its own path, so that kbuild's M= and the outputs
# are the same inside and out. The bind mount lives in a private mount
# namespace: it goes away with the command, whatever way it ends.
#
#   in-chroot.sh make -C /usr/src/linux-headers-$KABI73 M=$PWD modules
#
# Environment: CACHE_DIR; IN_CHROOT_BIND (more host directories to show).

set -eu

. "$(dirname "$0")/../lib/host.sh"
root=$CACHE_DIR/trixie/root
top=$(cd "$(dirname "$0")/../../.." && pwd)
[ -f "$root/.done" ] || { echo "in-chroot: no chroot in $root (tools/testing/trixie/setup.sh)" >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: $0 COMMAND..." >&2; exit 2; }

binds="$top ${IN_CHROOT_BIND:-}"
# The inner shell gets the list of directories, the chroot, the working
# directory and the command as arguments: nothing is re-parsed.
exec unshare --mount --propagation private sh -euc '
	root=$1 binds=$2 cwd=$3
	shift 3
	for d in $binds; do
		mkdir -p "$root$d"
		mount --bind "$d" "$root$d"
	done
	mount -t proc proc "$root/proc"
	exec chroot "$root" sh -c "cd \"\$1\" && shift && exec \"\$@\"" sh "$cwd" "$@"
' sh "$root" "$binds" "$PWD" "$@"
