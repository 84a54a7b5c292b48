#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The demo, run in the test VM by /init after the modules are loaded and
# the ivshmem devices bound (IVSHMEM_NAMES, IVSHMEM_<NAME>, IVSHMEM_DRIVER
# are set). Prints what a developer would look at: the devices, their
# driver and IOMMU groups, and a BAR read/write through VFIO.

set -u
status=0

say() {
	printf '\n== %s\n' "$*"
}

hexsize() {
	s=$1
	if [ "$s" -ge 1048576 ]; then
		echo "$((s / 1048576)) MiB"
	elif [ "$s" -ge 1024 ]; then
		echo "$((s / 1024)) KiB"
	else
		echo "$s bytes"
	fi
}

# show_dev NAME BDF: an lspci -v like summary from sysfs.
show_dev() {
	d=/sys/bus/pci/devices/$2
	drv=none
	[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
	grp=$(basename "$(readlink "$d/iommu_group")")
	echo "ivshmem $1: $2 [$(cut -c3- "$d/vendor"):$(cut -c3- "$d/device")]" \
		"class $(cat "$d/class") rev $(cat "$d/revision")"
	echo "    behind root port $(basename "$(dirname "$(readlink -f "$d")")")"
	i=0
	while read -r start end flags; do
		if [ $i -le 5 ] && [ $((end)) -ne 0 ]; then
			pf=
			[ $((flags & 0x2000)) -ne 0 ] && pf=", prefetchable"
			[ $((flags & 0x100000)) -ne 0 ] && pf="$pf, 64-bit"
			echo "    BAR$i: memory at $start, $(hexsize $((end - start + 1)))$pf"
		fi
		i=$((i + 1))
	done <"$d/resource"
	echo "    kernel driver in use: $drv"
	[ "$drv" = "$IVSHMEM_DRIVER" ] || status=1
	echo "    IOMMU group $grp: /dev/vfio/$grp" \
		"$( [ -c "/dev/vfio/$grp" ] && echo present || echo MISSING)," \
		"members: $(ls "/sys/kernel/iommu_groups/$grp/devices" | tr '\n' ' ')"
}

say "kernel $(uname -r), IOMMU: $(ls /sys/class/iommu | tr '\n' ' ')"

say "modules"
lsmod | grep -E '^(Module|vfio|ivshmem|irqbypass)' || true

say "ivshmem devices bound to $IVSHMEM_DRIVER"
for n in $IVSHMEM_NAMES; do
	eval "bdf=\${IVSHMEM_$n:-}"
	if [ -z "$bdf" ]; then
		echo "ivshmem $n: not found"
		status=1
		continue
	fi
	show_dev "$n" "$bdf"
done

say "VFIO device nodes"
ls -l /dev/vfio/

say "driver messages"
dmesg | grep -iE 'ivshmem|vfio' | grep -vE 'ommand line|vmdriver=' ||
	echo "(none)"

if [ -x /usr/bin/vfio-bar-demo ] && [ -n "${IVSHMEM_A:-}" ]; then
	say "BAR2 of ivshmem A through VFIO"
	vfio-bar-demo "$IVSHMEM_A" 2 || status=1
fi

say "demo done"
exit $status
