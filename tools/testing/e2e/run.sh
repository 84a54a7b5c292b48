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
#
# Environment: E2E_BUILD, E2E_PINGPONG, E2E_BENCH_RUNS, E2E_VM_MEM,
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
export VM_BUILD=$E2E_BUILD/vm
export VM_TESTS_DIR=$E2E_BUILD/tests VM_BUILD_SELFTESTS=0
export VM_EXTRA_TREES="${VM_EXTRA_TREES:+$VM_EXTRA_TREES }$E2E_BUILD/root"
export VM_EXTRA_FILES="${VM_EXTRA_FILES:+$VM_EXTRA_FILES }$E2E_BUILD/tests/e2e:/usr/bin/vm-demo"
export VM_MEM=${E2E_VM_MEM:-3G} VM_SMP=${E2E_VM_SMP:-2}
export VM_DEVICES="A:64M B:64M C:32M"
# About 25 s per migration at worst under TCG, plus boot and the refusal.
runs=$((${E2E_PINGPONG:-10} > 2 * ${E2E_BENCH_RUNS:-3} ? ${E2E_PINGPONG:-10} : 2 * ${E2E_BENCH_RUNS:-3}))
export VM_TEST_TIMEOUT=${E2E_VM_TIMEOUT:-$((300 + 60 * runs))}
export VM_TIMEOUT=$((VM_TEST_TIMEOUT + 200))
export VM_APPEND="${VM_APPEND:+$VM_APPEND }e2emode=$mode e2epingpong=${E2E_PINGPONG:-10} e2ebenchruns=${E2E_BENCH_RUNS:-3}"

"$top/tools/testing/vm/prepare.sh" | grep -v '^# vm: building' || true
[ "${PIPESTATUS[0]}" = 0 ] || exit 1

case $mode in
check | bench) vmmode=check ;;
demo) vmmode=demo ;;
*) echo "usage: $0 check|bench|demo" >&2; exit 2 ;;
esac
rc=0
"$top/tools/testing/vm/run-vm.sh" $vmmode || rc=$?
echo "# e2e: $mode took $((SECONDS - start)) s in all (logs: $VM_BUILD/$vmmode)"
exit $rc
