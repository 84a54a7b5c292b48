#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of the debug kernel: boot it under QEMU (TCG, q35, Intel
# IOMMU with interrupt remapping, one ivshmem behind a PCIe root port)
# with a throwaway busybox initramfs, bind the ivshmem to vfio-pci, check
# the VFIO group, /dev/iommu and the VFIO cdev, insmod/rmmod a hello
# module built against the O= tree, run a kmemleak scan, power off.
#
# Usage: smoke.sh [EXTRA.ko ...]
#   Extra modules are insmod'ed after the checks (e.g. one with a planted
#   bug); their reports then appear in the log and the run fails.
#
# Environment: DEBUG_KDIR (default: build.sh --print-kdir), DEBUG_BZIMAGE,
#   SMOKE_DIR (work directory, default: a new one under /tmp, kept),
#   SMOKE_MEM (guest RAM, default 2G), SMOKE_TIMEOUT (seconds, default 300).
# Exit status 0 only if every check passed and the log holds no report
# from a checker (KASAN, lockdep, UBSAN, kmemleak, BUG/WARN).

set -eu
set -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DEBUG_KDIR=${DEBUG_KDIR:-$("$HERE/build.sh" --print-kdir)}
DEBUG_BZIMAGE=${DEBUG_BZIMAGE:-$DEBUG_KDIR/arch/x86/boot/bzImage}
SMOKE_DIR=${SMOKE_DIR:-$(mktemp -d /tmp/debug-kernel-smoke.XXXXXX)}
SMOKE_MEM=${SMOKE_MEM:-2G}
SMOKE_TIMEOUT=${SMOKE_TIMEOUT:-300}

log() { printf '# smoke: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -s "$DEBUG_BZIMAGE" ] || die "no kernel at $DEBUG_BZIMAGE (make debug-kernel)"
[ -s "$DEBUG_KDIR/Module.symvers" ] || die "no Module.symvers in $DEBUG_KDIR"
for m in "$@"; do [ -s "$m" ] || die "no module $m"; done
mkdir -p "$SMOKE_DIR"
log "work directory $SMOKE_DIR"

# A minimal module, to prove out-of-tree builds against the O= tree.
mod=$SMOKE_DIR/hello
mkdir -p "$mod"
cat >"$mod/smoke_hello.c" <<'C'
// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/printk.h>

static int __init smoke_hello_init(void)
{
	pr_info("smoke_hello: loaded\n");
	return 0;
}

static void __exit smoke_hello_exit(void)
{
	pr_info("smoke_hello: unloaded\n");
}

module_init(smoke_hello_init);
module_exit(smoke_hello_exit);
MODULE_DESCRIPTION("debug-kernel smoke test module");
MODULE_LICENSE("GPL");
C
echo 'obj-m := smoke_hello.o' >"$mod/Kbuild"
start=$(date +%s.%N)
make -s -C "$DEBUG_KDIR" M="$mod" CC=gcc-12 modules >&2
log "hello module built in $(echo "$(date +%s.%N) - $start" | bc | cut -c1-4) s"

# The initramfs: busybox and a shell /init.
root=$SMOKE_DIR/root
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
cp /bin/busybox "$root/bin/busybox"
for a in sh mount cat ls echo grep sed readlink basename sleep insmod rmmod \
	dmesg poweroff tr head wc; do
	ln -s busybox "$root/bin/$a"
done
cp "$mod/smoke_hello.ko" "$root/lib/modules/"
for m in "$@"; do cp "$m" "$root/lib/modules/extra-$(basename "$m")"; done
cat >"$root/init" <<'SH'
#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
ok() { echo "SMOKE ok: $*"; }
fail() { echo "SMOKE FAIL: $*"; }
check() { if [ -e "$1" ]; then ok "$1 exists"; else fail "$1 missing"; fi; }

# Scan only when asked to, at the end.
echo scan=off >/sys/kernel/debug/kmemleak

bdf=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1af4:0x1110 ]; then
		bdf=${d##*/}
	fi
done
if [ -n "$bdf" ]; then
	ok "ivshmem at $bdf"
	echo vfio-pci >/sys/bus/pci/devices/$bdf/driver_override
	echo "$bdf" >/sys/bus/pci/drivers_probe
	drv=$(basename "$(readlink /sys/bus/pci/devices/$bdf/driver)")
	if [ "$drv" = vfio-pci ]; then ok "bound to vfio-pci"; else fail "driver is '$drv'"; fi
	group=$(basename "$(readlink /sys/bus/pci/devices/$bdf/iommu_group)")
	check /dev/vfio/$group
	check /dev/vfio/vfio
	check /dev/iommu
	check /dev/vfio/devices/vfio0
else
	fail "no ivshmem device"
fi

if insmod /lib/modules/smoke_hello.ko && rmmod smoke_hello; then
	ok "insmod/rmmod smoke_hello"
else
	fail "insmod/rmmod smoke_hello"
fi
for m in /lib/modules/extra-*.ko; do
	[ -e "$m" ] || continue
	echo "SMOKE insmod $m"
	insmod "$m" && echo "SMOKE loaded $m"
done

# kmemleak ignores objects younger than 5 s; scan twice.
sleep 5
echo scan >/sys/kernel/debug/kmemleak
echo scan >/sys/kernel/debug/kmemleak
echo "SMOKE kmemleak begin"
cat /sys/kernel/debug/kmemleak
echo "SMOKE kmemleak end"
# The first lockdep or KASAN report switches lockdep off.
echo "SMOKE debug_locks=$(sed -n 's/^ *debug_locks: *//p' /proc/lockdep_stats)"
echo "SMOKE done"
poweroff -f
SH
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$SMOKE_DIR/initrd.cpio.gz"

serial=$SMOKE_DIR/serial.log
log "booting $DEBUG_BZIMAGE (log in $serial)"
start=$(date +%s.%N)
rc=0
timeout "$SMOKE_TIMEOUT" qemu-system-x86_64 -accel tcg \
	-machine q35,kernel-irqchip=split -cpu max -smp 2 -m "$SMOKE_MEM" \
	-nodefaults -nographic -no-reboot -serial mon:stdio \
	-device intel-iommu,intremap=on,caching-mode=on \
	-device pcie-root-port,id=rp0,chassis=1,slot=1 \
	-object memory-backend-ram,id=shm0,size=64M,share=on \
	-device ivshmem-plain,memdev=shm0,bus=rp0 \
	-kernel "$DEBUG_BZIMAGE" -initrd "$SMOKE_DIR/initrd.cpio.gz" \
	-append "console=ttyS0 intel_iommu=on panic=-1 ignore_loglevel" \
	</dev/null >"$serial" 2>&1 || rc=$?
log "QEMU exited ($rc) after $(echo "$(date +%s.%N) - $start" | bc | cut -c1-5) s"

tr -d '\r' <"$serial" | grep '^SMOKE' >&2 || true
fail=0
[ $rc = 0 ] || { log "QEMU failed or timed out"; fail=1; }
grep -q '^SMOKE done' "$serial" || { log "init did not finish"; fail=1; }
grep -q '^SMOKE FAIL' "$serial" && fail=1
grep -q '^SMOKE debug_locks=1' "$serial" || { log "lockdep is off (debug_locks)"; fail=1; }
if grep -E -q 'BUG: |WARNING: |UBSAN: |unreferenced object|possible circular locking|Kernel panic' "$serial"; then
	log "checker reports in the log:"
	grep -E 'BUG: |WARNING: |UBSAN: |unreferenced object|possible circular locking|Kernel panic' "$serial" >&2
	fail=1
fi
[ $fail = 0 ] || die "smoke test failed (log: $serial)"
log "all checks passed"
