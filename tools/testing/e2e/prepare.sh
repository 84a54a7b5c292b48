#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare the end-to-end migration test: fetch QEMU 10 from
# bookworm-backports into the cache (unpacked, never installed: the host
# keeps its own QEMU as the outer one), make sure the host has the shared
# libraries it needs (to copy them), build the nested guest, and lay out
# the tree that goes into the test VM's initramfs:
#
#   $E2E_BUILD/root/            QEMU 10, socat, their libraries (ldd),
#                               firmware, the nested guest ELF, the TAP
#                               library (tools/testing/lib/tap.sh)
#   $E2E_BUILD/tests/e2e        the in-VM script (tools/testing/e2e/e2e-vm.sh)
#
# Idempotent: with everything in place it only compares files. Files are
# copied with their times kept, so an unchanged tree does not make the
# test VM's initramfs be rebuilt.
#
# Environment: CACHE_DIR, BUILD, E2E_BUILD, E2E_QEMU_VER, E2E_SEABIOS_VER,
# E2E_QEMU11 (1: QEMU 11.1 beside QEMU 10, from the trixie chroot).

set -eu

top=$(cd "$(dirname "$0")/../../.." && pwd)
e2e=$top/tools/testing/e2e
. "$top/tools/testing/lib/host.sh"
BUILD=${BUILD:-$top/build}
E2E_BUILD=${E2E_BUILD:-$BUILD/e2e}
# Pinned versions (the mirror rolls; override when they are gone).
qver=${E2E_QEMU_VER:-1:10.0.2+ds-2+deb13u1~bpo12+1}
sver=${E2E_SEABIOS_VER:-1.16.3-2~bpo12+1}

log() { echo "# e2e: $*" >&2; }
. "$top/tools/testing/lib/tap.sh"
die() { tap_not_ok "e2e prepare: $*"; exit 1; }

debs=$CACHE_DIR/debs
qroot=$CACHE_DIR/qemu-${qver#*:}
mkdir -p "$debs" "$E2E_BUILD"
exec 9>"$CACHE_DIR/qemu-e2e.lock"
flock 9

apt_ready=0
apt_update() {
	[ $apt_ready = 1 ] && return 0
	log "apt-get update"
	apt-get update -q >/dev/null 2>&1 || true
	apt_ready=1
}

# fetch PACKAGE VERSION: the .deb in the cache (apt-get download).
fetch() {
	local f
	f=$(ls "$debs/${1}_"*"${2#*:}_"*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$f" ]; then
		if ! apt-cache show "$1=$2" >/dev/null 2>&1; then
			apt_update
		fi
		log "downloading $1=$2"
		(cd "$debs" && apt-get download -q "$1=$2" 2>&1 |
			grep -v unsandboxed || true) >&2
		f=$(ls "$debs/${1}_"*"${2#*:}_"*.deb 2>/dev/null | head -n 1 || true)
		[ -n "$f" ] || die "cannot download $1=$2 (is bookworm-backports" \
			"enabled? set E2E_QEMU_VER/E2E_SEABIOS_VER to what it has)"
	fi
	echo "$f"
}

if [ ! -e "$qroot/.done" ]; then
	rm -rf "$qroot"
	mkdir -p "$qroot"
	for p in "qemu-system-x86 $qver" "qemu-system-data $qver" "seabios $sver"; do
		# shellcheck disable=SC2086
		f=$(fetch $p)
		log "unpacking ${f##*/}"
		dpkg -x "$f" "$qroot"
	done
	touch "$qroot/.done"
fi
qemu=$qroot/usr/bin/qemu-system-x86_64

# The host provides the libraries QEMU 10 links against (they are copied
# into the VM from there): install the missing ones of its dependencies.
if ldd "$qemu" | grep -q 'not found' || ! command -v socat >/dev/null; then
	deps=$(dpkg-deb -f "$(fetch qemu-system-x86 "$qver")" Depends |
		tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' |
		grep -vE '^(qemu-|seabios|ipxe)' || true)
	# shellcheck disable=SC2086 # one package a word
	apt_install apt_update $deps socat ||
		die "apt-get install of QEMU 10's runtime libraries failed"
	if ldd "$qemu" | grep 'not found'; then
		die "QEMU 10 still misses libraries (see above)"
	fi
fi

# The nested guest.
gcc=${E2E_CC:-gcc}
elf=$E2E_BUILD/e2e-guest.elf
if [ ! -f "$elf" ] || [ -n "$(find "$e2e/guest" -newer "$elf" -type f)" ]; then
	log "building the nested guest"
	cflags="-m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector"
	cflags+=" -fno-builtin -fno-asynchronous-unwind-tables -nostdlib -O2 -Wall -Wextra"
	# shellcheck disable=SC2086
	$gcc $cflags -c "$e2e/guest/guest.c" -o "$E2E_BUILD/guest.o" &&
		$gcc -m32 -c "$e2e/guest/start.S" -o "$E2E_BUILD/start.o" &&
		ld -m elf_i386 -T "$e2e/guest/guest.ld" -nostdlib -z noexecstack --no-warn-rwx-segments \
			-o "$elf.tmp" "$E2E_BUILD/start.o" "$E2E_BUILD/guest.o" ||
		die "building the nested guest failed (gcc with -m32 support needed)"
	mv "$elf.tmp" "$elf"
fi

# The tree for the initramfs. put SRC DEST: copy (dereferenced, times
# kept) only when different.
root=$E2E_BUILD/root
put() {
	mkdir -p "$root/$(dirname "$2")"
	cmp -s "$1" "$root/$2" 2>/dev/null || cp -pL "$1" "$root/$2"
}
put "$qemu" usr/bin/qemu-system-x86_64
put "$(command -v socat)" usr/bin/socat
for f in kvmvapic.bin linuxboot_dma.bin multiboot_dma.bin pvh.bin qboot.rom; do
	put "$qroot/usr/share/qemu/$f" "usr/share/qemu/$f"
done
put "$qroot/usr/share/seabios/bios-256k.bin" usr/share/seabios/bios-256k.bin
put "$elf" usr/share/e2e/e2e-guest.elf
# The TAP library the in-VM script sources.
put "$top/tools/testing/lib/tap.sh" usr/share/e2e/tap.sh
for lib in $(ldd "$qemu" "$(command -v socat)" | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
	put "$lib" "$lib"
done
if [ ! -f "$root/etc/ld.so.cache" ] || [ -n "$(find "$root/lib" "$root/usr/lib" \
	-newer "$root/etc/ld.so.cache" 2>/dev/null | head -n 1)" ]; then
	mkdir -p "$root/etc"
	ldconfig -r "$root" 2>/dev/null || true
fi
# QEMU 11.1 (E2E_QEMU11=1): the trixie chroot's (tools/testing/trixie),
# with the libraries it links against and their own loader under
# /opt/qemu-11.1, run through that loader by a wrapper: the bookworm
# libraries QEMU 10 uses stay where they are.
if [ "${E2E_QEMU11:-0}" = 1 ]; then
	"$top/tools/testing/trixie/setup.sh" >&2 || die "trixie setup failed"
	troot=$CACHE_DIR/trixie/root
	q11=/opt/qemu-11.1
	put "$troot/usr/bin/qemu-system-x86_64" "$q11/bin/qemu-system-x86_64"
	for lib in $(chroot "$troot" ldd /usr/bin/qemu-system-x86_64 |
		grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
		put "$troot$lib" "$q11/lib/${lib##*/}"
	done
	for f in kvmvapic.bin linuxboot_dma.bin multiboot_dma.bin pvh.bin qboot.rom; do
		put "$troot/usr/share/qemu/$f" "$q11/share/qemu/$f"
	done
	put "$troot/usr/share/seabios/bios-256k.bin" "$q11/share/qemu/bios-256k.bin"
	cat >"$E2E_BUILD/qemu-11.1.tmp" <<-EOF
	#!/bin/sh
	# QEMU 11.1 from trixie-backports, on its own libraries.
	exec $q11/lib/ld-linux-x86-64.so.2 --library-path $q11/lib \\
		$q11/bin/qemu-system-x86_64 -L $q11/share/qemu "\$@"
	EOF
	chmod 755 "$E2E_BUILD/qemu-11.1.tmp"
	put "$E2E_BUILD/qemu-11.1.tmp" usr/bin/qemu-system-x86_64-11.1
	log "QEMU $("$troot/usr/bin/qemu-system-x86_64" --version 2>/dev/null | head -n 1 |
		sed 's/.*version //') from the trixie chroot as qemu-system-x86_64-11.1"
else
	rm -rf "$root/opt/qemu-11.1" "$root/usr/bin/qemu-system-x86_64-11.1"
fi

mkdir -p "$E2E_BUILD/tests"
cmp -s "$e2e/e2e-vm.sh" "$E2E_BUILD/tests/e2e" ||
	install -p -m 755 "$e2e/e2e-vm.sh" "$E2E_BUILD/tests/e2e"
log "QEMU $("$qemu" --version | head -n 1 | sed 's/.*version //'), tree" \
	"$(du -sm "$root" | cut -f1) MB in $root"
