#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host side of the end-to-end migration test: prepare QEMU 10 and the
# nested guest (prepare.sh), build the test VM's initramfs with them
# (tools/testing/vm/prepare.sh), boot the VM and run e2e-vm.sh in it.
#
#   run.sh check   TAP (the VM bed's check mode: the in-VM script is the
#                  only "selftest"; the kernel log is checked too)
#   run.sh bench   vfio vs native migration figures (TAP, no timing asserts)
#   run.sh demo    readable progress: one migration, one refusal
#   run.sh xfer    one step of tools/testing/e2e/cross.sh: E2E_XFER=import,
#                  export or import,export through the VM's disk
#
# Environment: E2E_LANE (debian, or debug for the debug kernel), E2E_FLOWS
# (full or basic; by default full on the debug lane only), E2E_BUILD,
# E2E_PINGPONG, E2E_BENCH_RUNS, E2E_VM_MEM, E2E_QEMU11 and E2E_QEMU_MAIN
# (QEMU 11.1 beside 10.0, and as the main one), E2E_VM_BUILD,
# E2E_VM_DEVICES, E2E_XFER,
# E2E_VM_SMP, E2E_VM_TIMEOUT, and the VM_* variables of the VM bed.

set -eu

mode=${1:-check}
top=$(cd "$(dirname "$0")/../../.." && pwd)
BUILD=${BUILD:-$top/build}
E2E_BUILD=${E2E_BUILD:-$BUILD/e2e}
export BUILD E2E_BUILD

start=$SECONDS
"$top/tools/testing/e2e/prepare.sh"

# The VM bed, pointed at our files: its own build directory (so that the
# selftests' initramfs is left alone), our script as the only test and as
# the demo, the QEMU 10 tree on the initramfs root.
export VM_BUILD=${E2E_VM_BUILD:-$E2E_BUILD/vm}
export VM_TESTS_DIR=$E2E_BUILD/tests VM_BUILD_SELFTESTS=0
export VM_EXTRA_TREES="${VM_EXTRA_TREES:+$VM_EXTRA_TREES }$E2E_BUILD/root"
export VM_EXTRA_FILES="${VM_EXTRA_FILES:+$VM_EXTRA_FILES }$E2E_BUILD/tests/e2e:/usr/bin/vm-demo"
export VM_MEM=${E2E_VM_MEM:-3G} VM_SMP=${E2E_VM_SMP:-2}
# Single-threaded TCG for the test VM: with the write tracking's faults
# and TLB shootdowns, multi-threaded TCG in the host's QEMU 7.2 was seen
# to segfault, and once to stall, under the nested QEMUs (E2E_TCG_THREAD=
# multi to try it).
export VM_TCG_THREAD=${E2E_TCG_THREAD:-single}
# A and B: the 64 MiB pair, C: the incompatible one, D and E: 256 MiB.
export VM_DEVICES=${E2E_VM_DEVICES:-A:64M B:64M C:32M D:256M E:256M}
# About 40 s per migration at worst under TCG, plus boots, the refusal,
# the native twins and the nonstop dirtier, which may take the whole
# convergence bound.
runs=$((${E2E_PINGPONG:-2} > 8 * ${E2E_BENCH_RUNS:-3} ? ${E2E_PINGPONG:-2} : 8 * ${E2E_BENCH_RUNS:-3}))
export VM_TEST_TIMEOUT=${E2E_VM_TIMEOUT:-$((900 + 60 * runs))}
export VM_TIMEOUT=$((VM_TEST_TIMEOUT + 200))
# Debian's kernel cannot give QEMU DMA dirty logs (see e2e-vm.sh): its
# lane checks the basics there; the debug kernel's runs everything.
case ${E2E_LANE:-debian} in
debug) flows=full ;;
*) flows=basic ;;
esac
export VM_APPEND="${VM_APPEND:+$VM_APPEND }e2emode=$mode${E2E_QEMU_MAIN:+ e2eqemu=$E2E_QEMU_MAIN}${E2E_XFER:+ e2exfer=$E2E_XFER} e2epingpong=${E2E_PINGPONG:-2} e2ebenchruns=${E2E_BENCH_RUNS:-3} e2eflows=${E2E_FLOWS:-$flows}${E2E_DIRTY_WS:+ e2edirtyws=$E2E_DIRTY_WS}${E2E_DIRTY_RATE:+ e2edirtyrate=$E2E_DIRTY_RATE}${E2E_DOWNTIME_LIMIT:+ e2edowntimelimit=$E2E_DOWNTIME_LIMIT}${E2E_CONVERGE_BOUND:+ e2econvergebound=$E2E_CONVERGE_BOUND}"

"$top/tools/testing/vm/prepare.sh" | grep -v '^# vm: building' || true
[ "${PIPESTATUS[0]}" = 0 ] || exit 1

case $mode in
check | bench | xfer) vmmode=check ;;
demo) vmmode=demo ;;
*) echo "usage: $0 check|bench|demo|xfer" >&2; exit 2 ;;
esac
rc=0
"$top/tools/testing/vm/run-vm.sh" $vmmode || rc=$?
echo "# e2e: $mode took $((SECONDS - start)) s in all (logs: $VM_BUILD/$vmmode)"
exit $rc
