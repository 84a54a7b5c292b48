#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP tests of installing on a host: make help against make's own list of
# .PHONY targets (here, on the host), then, in the trixie chroot
# (tools/testing/trixie) on a copy of the tree, the missing-headers
# message, make install / uninstall, staged and live, and the DKMS
# package for Debian's 7.3 and 6.12 headers, installed there with apt.
#
# The chroot phase holds $CACHE_DIR/trixie/build.lock, and leaves the
# chroot's /lib/modules, /var/lib/dkms, /usr/src and /usr/local/bin as it
# found them (the last test says so).
#
#   test-install.sh
#
# Environment: CACHE_DIR, KABI73 (the 7.3 headers in the chroot).

set -eu

top=$(cd "$(dirname "$0")/../../.." && pwd)
. "$top/tools/testing/lib/host.sh"
KABI73=${KABI73:-7.3.4+deb13-amd64}
export CACHE_DIR
root=$CACHE_DIR/trixie/root
lock=$CACHE_DIR/trixie/build.lock
work=$top/build/install
copy=$work/tree
dest=$work/dest
log=$work/log
in_chroot=$top/tools/testing/trixie/in-chroot.sh
# The makes under test see neither the calling make's flags (its
# jobserver is not in the chroot) nor the caller's install variables.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES KDIR DESTDIR PREFIX \
	INSTALL_MOD_PATH INSTALL_MOD_DIR

. "$top/tools/testing/lib/tap.sh"
# ok STATUS DESCRIPTION: one TAP line; a failure shows the last output.
ok() {
	tap_result "$1" "$2"
	[ "$1" -eq 0 ] || [ ! -s "$log" ] || tail -n 25 "$log" | sed 's/^/# /'
}

# chroot_run CMD...: CMD in the chroot, from the copy of the tree; its
# output in $log.
chroot_run() {
	(cd "$copy" && "$in_chroot" "$@") >"$log" 2>&1
}

has() {
	grep -qF -- "$1" "$log"
}

# first PATH...: the first PATH that exists (of a glob), or nothing.
first() {
	local f
	for f in "$@"; do
		if [ -e "$f" ]; then
			echo "$f"
			return 0
		fi
	done
	return 0
}

# mk VAR: the value make gives VAR in the clone's Makefile.
mk() {
	# shellcheck disable=SC2016 # a make expression
	printf 'install-test-print:\n\t@echo $(%s)\n' "$1" |
		make -s --no-print-directory -C "$top" -f Makefile -f - install-test-print
}

finish() {
	tap_done
	exit
}

mkdir -p "$work"
"$top/tools/testing/trixie/setup.sh" >"$log" || true
r=0
{ [ -f "$root/.done" ] && [ -d "$root/usr/src/linux-headers-$KABI73" ]; } || r=1
ok $r "the trixie chroot is ready (tools/testing/trixie/setup.sh)"
ready=$r

# --- make help, on the host -------------------------------------------------

# Every .PHONY target of the Makefile and of every file it includes, from
# make's own database (a target of our own keeps it from building any).
phony=$(printf 'install-test-nop:\n\t@:\n' |
	make -s --no-print-directory -C "$top" -p -f Makefile -f - install-test-nop 2>/dev/null |
	sed -n 's/^\.PHONY: //p' | tr ' ' '\n' | sed '/^$/d' | sort -u)
nphony=$(echo "$phony" | wc -l)
missing=
for t in install uninstall dkms-source dkms-install dkms-uninstall check-install help; do
	echo "$phony" | grep -qx -- "$t" || missing="$missing $t"
done
: >"$log"
r=0
{ [ -z "$missing" ] && [ "$nphony" -ge 20 ]; } || r=1
ok $r "make's .PHONY list ($nphony targets) has install, uninstall, dkms-*, check-install$missing"

# The words of make help; a target is listed when it is one of them.
words=$(make -s --no-print-directory -C "$top" help | tr -cs 'A-Za-z0-9_.-' '\n' |
	sed 's/\.*$//' | sort -u)
missing=
for t in $phony; do
	echo "$words" | grep -qx -- "$t" || missing="$missing $t"
done
r=0
[ -z "$missing" ] || { echo "not in make help:$missing" >"$log"; r=1; }
ok $r "make help lists all $nphony .PHONY targets"

version=$(mk VERSION)
# shellcheck disable=SC2016 # for the inner shell
bash -c 'kernel_source_dir= dkms_tree=; . "$1"; echo "$PACKAGE_NAME $PACKAGE_VERSION"' \
	sh "$top/dkms.conf" >"$log" 2>&1 || true
r=0
[ "$(cat "$log")" = "vfio-devstate $version" ] || r=1
ok $r "dkms.conf is package vfio-devstate $version, the Makefile's VERSION"

[ "$ready" -eq 0 ] || finish

# --- in the chroot, on a copy of the tree -----------------------------------

: >"$log"
exec 8>"$lock"
if ! flock -w 900 8; then
	ok 1 "took $lock"
	finish
fi

k612=$(first "$root"/usr/src/linux-headers-6.12.*-amd64)
k612=${k612##*/linux-headers-}
r=0
{ [ -n "$k612" ] && [ -e "$root/lib/modules/$k612/build" ]; } || r=1
ok $r "the chroot has Debian's 6.12 headers (${k612:-none})"

# What a run may change in the chroot, to compare at the end.
snapshot() {
	(cd "$root" && { find lib/modules var/lib/dkms usr/local/bin 2>/dev/null || true
		find usr/src -maxdepth 1; } | sort)
}

dkms_src=/usr/src/vfio-devstate-$version
# Undo what this suite may have left in the chroot (an interrupted run).
cleanup() {
	local k
	# shellcheck disable=SC2016 # for the inner shell
	"$in_chroot" sh -c '! dkms status "$1" | grep -q . || dkms remove "$1" --all' \
		sh "vfio-devstate/$version" >/dev/null 2>&1 || true
	rm -rf "$root/var/lib/dkms/vfio-devstate" "$root$dkms_src" \
		"$root/usr/local/bin/vfio-devstate"
	for k in "$KABI73" "$k612"; do
		if [ -z "$k" ] || [ ! -d "$root/lib/modules/$k" ]; then
			continue
		fi
		rm -rf "$root/lib/modules/$k/updates/drivers"
		rm -f "$root/lib/modules/$k"/updates/dkms/{vfio_devstate,ivshmem-vfio-pci}.ko*
		rmdir "$root/lib/modules/$k/updates/dkms" "$root/lib/modules/$k/updates" \
			2>/dev/null || true
	done
}
cleanup
before=$(snapshot)
trap cleanup EXIT

rm -rf "$copy" "$dest"
mkdir -p "$copy"
(cd "$top" && git ls-files -z -c -o --exclude-standard |
	while IFS= read -r -d '' f; do
		if [ -e "$f" ]; then printf '%s\0' "$f"; fi
	done | tar --null -T - -cf -) | tar -C "$copy" -xf -
r=0
{ [ -f "$copy/Makefile" ] && [ -f "$copy/dkms.conf" ] && [ -f "$copy/Kbuild" ]; } || r=1
ok $r "a copy of the tree in $copy"

# No headers: a message naming the package, and no kbuild at all.
kver=$(uname -r)
r=0
! chroot_run make KDIR=/nonexistent || r=1
{ has "KDIR=/nonexistent" && has "apt install linux-headers-$kver" && ! has " M=" &&
	[ -z "$(find "$copy/drivers" -name '*.o')" ]; } || r=1
ok $r "make KDIR=/nonexistent fails naming linux-headers-$kver and KDIR=, runs no kbuild"

if [ -e "$root/lib/modules/$kver/build" ]; then
	ok 0 "make without the running kernel's headers # SKIP the chroot has them"
else
	r=0
	! chroot_run make || r=1
	{ has "KDIR=/lib/modules/$kver/build" && has "apt install linux-headers-$kver" &&
		! has " M="; } || r=1
	ok $r "make without the running kernel's headers says to install linux-headers-$kver"
fi

r=0
! chroot_run make install DESTDIR="$dest" || r=1
{ has "apt install linux-headers-$kver" && [ ! -e "$dest" ] &&
	[ ! -e "$copy/build/devstate/vfio-devstate" ]; } || r=1
ok $r "make install without headers fails the same way, before building or installing"

# Staged: everything under the directories given, no depmod.
kdir=/usr/src/linux-headers-$KABI73
mods=$dest/lib/modules/$KABI73/updates/drivers/vfio
r=0
chroot_run make -j2 install KDIR="$kdir" INSTALL_MOD_PATH="$dest" DESTDIR="$dest" || r=1
ok $r "make install KDIR=$kdir INSTALL_MOD_PATH=$dest DESTDIR=$dest"

for m in devstate/vfio_devstate pci/ivshmem/ivshmem-vfio-pci; do
	f=$(first "$mods/$m".ko*)
	: >"$log"
	r=0
	{ [ -n "$f" ] && chroot_run modinfo -F vermagic "$f" &&
		grep -q "^$KABI73 " "$log"; } || r=1
	ok $r "${m##*/} installed in ${mods#"$dest"}, vermagic $KABI73"
done

: >"$log"
r=0
[ ! -e "$dest/lib/modules/$KABI73/modules.dep" ] || r=1
ok $r "no depmod for a staged install (INSTALL_MOD_PATH set)"

tool=$dest/usr/local/bin/vfio-devstate
r=0
{ chroot_run "$tool" --help && has "Usage: vfio-devstate" &&
	chroot_run "$tool" inspect tools/testing/devstate/golden/basic.vds &&
	has "stream ok"; } || r=1
ok $r "vfio-devstate installed in ${tool%/*} runs (--help, inspect)"

r=0
{ chroot_run make uninstall KDIR="$kdir" INSTALL_MOD_PATH="$dest" DESTDIR="$dest" &&
	[ -z "$(find "$dest" -type f)" ] && [ ! -e "$mods" ]; } || r=1
ok $r "make uninstall removes the staged modules, their directories and the tool"

# Live, as root on a host: depmod runs, modprobe's index finds the
# modules, the tool is on PATH.
kdir=/lib/modules/$KABI73/build
r=0
chroot_run make install KDIR="$kdir" || r=1
ok $r "make install KDIR=$kdir (live, into the chroot)"

for m in vfio_devstate ivshmem-vfio-pci; do
	r=0
	{ chroot_run modinfo -k "$KABI73" -F vermagic "$m" &&
		grep -q "^$KABI73 " "$log"; } || r=1
	ok $r "depmod ran: modinfo -k $KABI73 $m finds it, vermagic $KABI73"
done

r=0
{ chroot_run sh -c 'command -v vfio-devstate && vfio-devstate --help' &&
	has /usr/local/bin/vfio-devstate && has "Usage: vfio-devstate"; } || r=1
ok $r "vfio-devstate is on PATH, in /usr/local/bin, and runs"

r=0
{ chroot_run make uninstall KDIR="$kdir" &&
	! chroot_run modinfo -k "$KABI73" ivshmem-vfio-pci &&
	[ ! -e "$root/usr/local/bin/vfio-devstate" ] &&
	[ ! -e "$root/lib/modules/$KABI73/updates/drivers" ]; } || r=1
ok $r "make uninstall removes them, and depmod forgets them"

# depmod's indexes of the live install, where there were none before.
for f in "$root/lib/modules/$KABI73"/modules.*; do
	echo "$before" | grep -qxF "${f#"$root/"}" || rm -f "$f"
done

# DKMS, the way a user runs it: the sources in /usr/src, add, build,
# install; for 7.3 by hand, for 6.12 with make dkms-install.
r=0
chroot_run make dkms-source || r=1
ok $r "make dkms-source puts the sources in $dkms_src"

want=$( (cd "$top" && git ls-files -c -o --exclude-standard Kbuild dkms.conf include \
	drivers/vfio/devstate drivers/vfio/pci/ivshmem |
	while IFS= read -r f; do if [ -e "$f" ]; then echo "$f"; fi; done) | sort)
got=$( (cd "$root$dkms_src" && find . -type f) 2>/dev/null | sed 's|^\./||' | sort)
: >"$log"
r=0
[ "$want" = "$got" ] || { diff <(echo "$want") <(echo "$got") >"$log" || true; r=1; }
{ [ -n "$want" ] && grep -qx "PACKAGE_VERSION=\"$version\"" "$root$dkms_src/dkms.conf"; } ||
	r=1
ok $r "$dkms_src has dkms.conf, Kbuild, include/, the two drivers' sources, no build output"

r=0
chroot_run dkms add "vfio-devstate/$version" || r=1
ok $r "dkms add vfio-devstate/$version"
r=0
chroot_run dkms build "vfio-devstate/$version" -k "$KABI73" || r=1
ok $r "dkms build vfio-devstate/$version -k $KABI73"
r=0
chroot_run dkms install "vfio-devstate/$version" -k "$KABI73" || r=1
ok $r "dkms install vfio-devstate/$version -k $KABI73"
r=0
chroot_run make dkms-install KDIR="/usr/src/linux-headers-$k612" || r=1
ok $r "make dkms-install KDIR=/usr/src/linux-headers-$k612 (added already: builds, installs)"

for k in "$KABI73" "$k612"; do
	for m in vfio_devstate ivshmem-vfio-pci; do
		f=$(first "$root/lib/modules/$k/updates/dkms/$m".ko*)
		: >"$log"
		r=0
		{ [ -n "$f" ] && chroot_run modinfo -F vermagic "${f#"$root"}" &&
			grep -q "^$k " "$log"; } || r=1
		ok $r "dkms installed $m in /lib/modules/$k/updates/dkms, vermagic $k"
	done
done

r=0
{ chroot_run dkms status "vfio-devstate/$version" &&
	[ "$(grep -c ': installed' "$log")" -eq 2 ] && has "$KABI73" && has "$k612"; } || r=1
ok $r "dkms status: installed for $KABI73 and $k612"

r=0
{ chroot_run make dkms-uninstall && chroot_run dkms status vfio-devstate &&
	[ ! -s "$log" ] && [ ! -e "$root$dkms_src" ] &&
	[ -z "$(first "$root"/lib/modules/*/updates/dkms/*.ko*)" ]; } || r=1
ok $r "make dkms-uninstall: dkms remove for both kernels, the sources gone"

cleanup
trap - EXIT
after=$(snapshot)
: >"$log"
r=0
[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") >"$log" || true; r=1; }
ok $r "the chroot's /lib/modules, /var/lib/dkms, /usr/src, /usr/local/bin are as found"

finish
