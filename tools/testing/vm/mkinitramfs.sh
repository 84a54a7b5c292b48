#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test VM's initramfs ($VM_BUILD/initramfs.cpio.gz): static
# busybox, tools/testing/vm/init as /init, the kernel modules named in
# VM_KMODS and those our modules (VM_KOS) need, with their dependencies
# (resolved by modprobe), our modules, the selftest
# binaries (VM_TESTS_DIR) in /tests and any extra files. It is rebuilt only
# when one of these inputs (or this configuration) changed.
#
# Layout in the guest:
#   /lib/modules/vm/*.ko    modules, loaded in the order of .../order
#   /lib/modules/vm/ours    names of our modules (unloaded at the end)
#   /tests/*                selftests, each run in turn
#   /usr/bin/vm-demo        the demo script, /usr/bin/vfio-bar-demo
#
# Environment (defaults in tools/testing/vm/vm.mk):
#   VM_BUILD, VM_MODROOT, VM_KVER, VM_KMODS, VM_KOS, VM_TESTS_DIR,
#   VM_EXTRA_FILES (HOSTPATH:GUESTPATH ...), VM_EXTRA_TREES (DIR ...)

set -eu

top=$(cd "$(dirname "$0")/../../.." && pwd)
vmdir=$top/tools/testing/vm
VM_BUILD=${VM_BUILD:-$top/build/vm}
VM_KMODS=${VM_KMODS-vfio vfio_iommu_type1 vfio_pci_core}
VM_KOS=${VM_KOS-}
VM_TESTS_DIR=${VM_TESTS_DIR:-$top/build/selftests}
VM_EXTRA_FILES=${VM_EXTRA_FILES:-}
VM_EXTRA_TREES=${VM_EXTRA_TREES:-}
busybox=${VM_BUSYBOX:-/bin/busybox}

out=$VM_BUILD/initramfs.cpio.gz
stage=$VM_BUILD/initramfs
manifest=$VM_BUILD/initramfs.manifest

die() { echo "mkinitramfs: $*" >&2; exit 1; }

# One build at a time per build directory (several people may run the
# tests in one clone).
mkdir -p "$VM_BUILD"
exec 9>"$VM_BUILD/initramfs.lock"
flock 9

ours=()
for f in $VM_KOS; do
	if [ -f "$f" ]; then
		ours+=("$f")
	else
		echo "warning: $f not built, left out"
	fi
done

# The kernel modules to load: VM_KMODS and what our modules need from the
# kernel (their dependencies and soft dependencies). An empty VM_KMODS
# means a kernel with everything built in: no kernel module at all.
wanted=$VM_KMODS
our_names=" "
for f in ${ours[@]+"${ours[@]}"}; do
	n=${f##*/}
	n=${n%.ko}
	our_names+="${n//-/_} "
done
for f in ${VM_KMODS:+${ours[@]+"${ours[@]}"}}; do
	for d in $(modinfo -F depends "$f" | tr ',' ' ') \
		 $(modinfo -F softdep "$f" | sed 's/[a-z]*://g'); do
		[[ $our_names == *" ${d//-/_} "* ]] || wanted+=" $d"
	done
done

# Resolve them with modprobe --show-depends (dependencies and soft
# dependencies, in load order) into kmod_files. modprobe needs depmod's
# index: the unpacked Debian tree has none, so depmod runs once on a
# private tree that links to its modules.
kmod_files=()
if [ -n "${wanted// /}" ]; then
	kver=${VM_KVER:?}
	mroot=${VM_MODROOT:?}
	mdir=$mroot/lib/modules/$kver
	[ -d "$mdir/kernel" ] || die "no module tree at $mdir"
	if [ ! -f "$mdir/modules.dep" ]; then
		mroot=$VM_BUILD/modroot
		if [ "$(cat "$mroot/.source" 2>/dev/null)" != "$mdir" ]; then
			echo "running depmod on $mdir (once)"
			rm -rf "$mroot"
			mkdir -p "$mroot/lib/modules/$kver"
			ln -s "$mdir/kernel" "$mroot/lib/modules/$kver/kernel"
			for f in modules.order modules.builtin modules.builtin.modinfo; do
				[ -f "$mdir/$f" ] && cp "$mdir/$f" "$mroot/lib/modules/$kver/"
			done
			depmod -b "$mroot" "$kver"
			echo "$mdir" >"$mroot/.source"
		fi
	fi
	declare -A seen=()
	for m in $wanted; do
		deps=$(modprobe -d "$mroot" -S "$kver" --show-depends "$m") ||
			die "module $m not found for kernel $kver"
		while read -r kind f _; do
			[ "$kind" = insmod ] || continue
			[ -n "${seen[$f]:-}" ] && continue
			seen[$f]=1
			kmod_files+=("$f")
		done <<<"$deps"
	done
fi

tests=()
if [ -d "$VM_TESTS_DIR" ]; then
	for f in "$VM_TESTS_DIR"/*; do
		[ -f "$f" ] && [ -x "$f" ] && tests+=("$f")
	done
fi

extra=()
for e in $VM_EXTRA_FILES; do
	[ -e "${e%%:*}" ] || die "extra file ${e%%:*} does not exist"
	extra+=("${e%%:*}")
done
for t in $VM_EXTRA_TREES; do
	[ -d "$t" ] || die "extra tree $t is not a directory"
done

demo_bin=$VM_BUILD/vfio-bar-demo
[ -x "$demo_bin" ] || demo_bin=

# The manifest: every input with its size and time, and the configuration.
new_manifest() {
	echo "kmods=$wanted kos=$VM_KOS extra=$VM_EXTRA_FILES trees=$VM_EXTRA_TREES"
	stat -L -c '%n %s %Y' "$0" "$busybox" "$vmdir/init" \
		"$vmdir/guest-demo.sh" ${demo_bin:+"$demo_bin"} \
		${kmod_files[@]+"${kmod_files[@]}"} ${ours[@]+"${ours[@]}"} \
		${tests[@]+"${tests[@]}"} ${extra[@]+"${extra[@]}"}
	for t in $VM_EXTRA_TREES; do
		find "$t" -printf '%p %s %T@\n' | LC_ALL=C sort
	done
}
new_manifest >"$manifest.new"
if [ -f "$out" ] && cmp -s "$manifest" "$manifest.new"; then
	rm -f "$manifest.new"
	echo "initramfs up to date: $out"
	exit 0
fi

rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc}
mkdir -p "$stage/lib/modules/vm" "$stage/tests"
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 755 "$vmdir/init" "$stage/init"
install -m 755 "$vmdir/guest-demo.sh" "$stage/usr/bin/vm-demo"
[ -n "$demo_bin" ] && install -m 755 "$demo_bin" "$stage/usr/bin/vfio-bar-demo"

: >"$stage/lib/modules/vm/order"
: >"$stage/lib/modules/vm/ours"
for f in ${kmod_files[@]+"${kmod_files[@]}"}; do
	n=${f##*/}
	n=${n%%.ko*}.ko
	case $f in
	*.ko.xz) xz -dc "$f" >"$stage/lib/modules/vm/$n" ;;
	*.ko.zst) zstd -qdc "$f" >"$stage/lib/modules/vm/$n" ;;
	*.ko.gz) gzip -dc "$f" >"$stage/lib/modules/vm/$n" ;;
	*) cp "$f" "$stage/lib/modules/vm/$n" ;;
	esac
	echo "$n" >>"$stage/lib/modules/vm/order"
done
for f in ${ours[@]+"${ours[@]}"}; do
	n=${f##*/}
	cp "$f" "$stage/lib/modules/vm/$n"
	echo "$n" >>"$stage/lib/modules/vm/order"
	n=${n%.ko}
	echo "${n//-/_}" >>"$stage/lib/modules/vm/ours"
done
for f in ${tests[@]+"${tests[@]}"}; do
	install -m 755 "$f" "$stage/tests/"
done
for e in $VM_EXTRA_FILES; do
	mkdir -p "$stage/$(dirname "${e#*:}")"
	cp -a "${e%%:*}" "$stage/${e#*:}"
done
for t in $VM_EXTRA_TREES; do
	cp -a "$t/." "$stage/"
done

(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) | gzip -n -6 >"$out.tmp"
mv "$out.tmp" "$out"
mv "$manifest.new" "$manifest"
echo "initramfs built: $out ($(du -k "$out" | cut -f1) KiB;" \
	"${#kmod_files[@]} kernel modules, ${#ours[@]} ours, ${#tests[@]} tests)"
