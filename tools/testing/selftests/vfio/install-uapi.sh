#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Export the UAPI headers of the kernel source tree LINUX_SRC into DEST
# (DEST/include/{linux,asm,...}) once; later calls only check the stamp.
# The host's /usr/include/linux is older than the kernel the tests target.
#
# "make headers" is used rather than "make headers_install", which needs
# rsync; the build runs with O= so that the shared source tree stays clean.
#
# Usage: install-uapi.sh LINUX_SRC DEST

set -euo pipefail

src=$1
dest=$2
stamp=$dest/.done

[ -e "$stamp" ] && exit 0

mkdir -p "$(dirname "$dest")"
# Several clones and engineers share the cache: one export at a time.
exec 9>"$dest.lock"
flock 9
[ -e "$stamp" ] && exit 0

tmp=$(mktemp -d "$dest.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "# exporting UAPI headers of $src into $dest" >&2
make -s -C "$src" O="$tmp/build" ARCH=x86_64 headers >&2
mkdir -p "$tmp/out"
cp -a "$tmp/build/usr/include" "$tmp/out/include"
find "$tmp/out/include" -name '.*' -type f -delete

rm -rf "$dest"
mv "$tmp/out" "$dest"
touch "$stamp"
