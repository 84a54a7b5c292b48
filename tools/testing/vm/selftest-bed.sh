#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of the VM test bed (make check-vm-bed, the "vm-bed" suite of
# make check). Builds the tiny binaries of tools/testing/vm/bed/, boots the
# VM once with them in place of the selftests (make check-vm with
# VM_TESTS_DIR set to them), then checks the bed's TAP line by line: each
# binary must be reported as what it is, and the run must go on after it.
#
#   bed_1_skip      skips whole ("1..0 # SKIP"): one "ok ... # SKIP" line
#   bed_2_variants  fixture variants with names longer than the -l columns:
#                   those with a word of VM_TEST_EXCLUDE are not run, the
#                   others run and pass
#   bed_3_crash     one result, then SIGSEGV: that result, and a "not ok"
#                   naming the signal
#   bed_4_hang      never ends: a "not ok" naming VM_TEST_TIMEOUT
#   bed_5_last      passes: the run went on to the last binary
#
# Prints TAP, one test per expectation, and exits non-zero if one fails.
# The bed's own output is in $VM_BUILD/bed.log (printed as TAP comments
# when an expectation fails).
#
# Environment: BUILD, LINUX_SRC (exported by the top-level Makefile),
# VM_BED_BUILD (default $BUILD/vm-bed: the bed's VM_BUILD). The other VM_*
# variables (VM_KERNEL, VM_KVM, ...) apply to the bed's run as usual, but
# for VM_TESTS_DIR, VM_BUILD_SELFTESTS=0, VM_TEST_EXCLUDE=iommufd,failslab,
# VM_TEST_TIMEOUT=5 and VM_TIMEOUT (VM_BED_TIMEOUT, default 180), set here.

set -u

top=$(cd "$(dirname "$0")/../../.." && pwd)
src=$top/tools/testing/vm/bed
BUILD=${BUILD:-$top/build}
. "$top/tools/testing/lib/host.sh"
LINUX_SRC=${LINUX_SRC:-$CACHE_DIR/linux-source-6.12}
selftests=$LINUX_SRC/tools/testing/selftests
vmbuild=${VM_BED_BUILD:-$BUILD/vm-bed}
tests=$vmbuild/tests
log=$vmbuild/bed.log
test_timeout=5

. "$top/tools/testing/lib/tap.sh"
result() { # 0|1 DESCRIPTION: 0 is ok
	tap_result "$1" "bed: $2"
}

# --- build the binaries (static, against the kselftest headers) ---------

mkdir -p "$tests"
for c in "$src"/*.c; do
	bin=$tests/$(basename "$c" .c)
	[ "$bin" -nt "$c" ] && [ "$bin" -nt "$0" ] && continue
	if ! gcc -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
		-isystem "$selftests" -static -o "$bin" "$c" \
		>"$vmbuild/build.log" 2>&1; then
		tap_not_ok "bed: build $(basename "$c")"
		tap_diag_file "$vmbuild/build.log" "#   "
		exit 1
	fi
done

# --- one run of the bed ---------------------------------------------------

echo "# bed: running the bed on $(cd "$tests" && echo *)"
make -C "$top" --no-print-directory -s check-vm \
	VM_TESTS_DIR="$tests" VM_BUILD_SELFTESTS=0 VM_BUILD="$vmbuild" \
	VM_TEST_EXCLUDE=iommufd,failslab VM_TEST_TIMEOUT=$test_timeout \
	VM_TIMEOUT="${VM_BED_TIMEOUT:-180}" >"$log" 2>&1 </dev/null
rc=$?
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"

# --- the expectations ---------------------------------------------------------

# TAP result lines of the bed, "ok|not ok" and the description after "N - ".
mapfile -t lines < <(sed -nE 's/^(ok|not ok) [0-9]+ - /\1 /p' "$log")

# has LINE: the bed printed exactly this result line (without its number).
has() {
	local l
	for l in "${lines[@]}"; do
		[ "$l" = "$1" ] && return 0
	done
	return 1
}
# of NAME: the result lines of binary NAME.
of() {
	printf '%s\n' "${lines[@]}" | grep -E "^(ok|not ok) $1( |:)"
}

# The run: results numbered 1..N in order, the plan "1..N" last, and the VM
# went on to its end.
plan=$(grep -E '^1\.\.[0-9]+$' "$log" | tail -n 1)
nums=$(sed -nE 's/^(ok|not ok) ([0-9]+) .*/\2/p' "$log" | tr '\n' ' ')
want=$(seq -s ' ' 1 ${#lines[@]})
[ "$plan" = "1..${#lines[@]}" ] && [ "$nums" = "$want " ] &&
	printf '%s\n' "${lines[@]}" | grep -q '^ok vm ran to the end'
result $? "the bed ran to its end, results 1..N in order and the plan last"

[ "$rc" -ne 0 ]
result $? "the bed's run failed (status $rc), as a crash and a hang must make it"

[ "$(of bed_1_skip)" = "ok bed_1_skip # SKIP bed: this binary skips whole" ]
result $? "bed_1_skip (a plan of 1..0 with a skip reason): one ok line with the skip directive, nothing else"

# Its output, from its start to the next binary's: no word of an excluded
# variant (the harness names every test it runs, in comments too).
[ -n "$(of bed_2_variants)" ] &&
	! sed -n '/^# selftest bed_2_variants$/,/^# selftest /p' "$log" |
	grep -qE 'iommufd|failslab'
result $? "bed_2_variants: the variants named with VM_TEST_EXCLUDE words did not run"

[ "$(of bed_2_variants)" = "ok bed_2_variants: bed_fixture_with_a_long_name.plain.first
ok bed_2_variants: bed_fixture_with_a_long_name.plain.second
ok bed_2_variants: bed_short.plain.only" ]
result $? "bed_2_variants: the other variants ran and passed, nothing else"

[ "$(of bed_3_crash)" = "ok bed_3_crash: before the crash
not ok bed_3_crash: killed by signal 11 (SIGSEGV)" ]
result $? "bed_3_crash (SIGSEGV): its result before the crash, then not ok naming SIGSEGV"

[ "$(of bed_4_hang)" = "not ok bed_4_hang: killed after ${test_timeout}s (VM_TEST_TIMEOUT)" ]
result $? "bed_4_hang (never ends): one not ok naming VM_TEST_TIMEOUT"

has "ok bed_5_last: the run went on to the last binary"
result $? "bed_5_last: the run went on to the binary after the hang"

# Nothing else failed: modules, binding, unloading, the kernel log.
printf '%s\n' "${lines[@]}" | grep -q '^ok modules loaded' &&
	printf '%s\n' "${lines[@]}" | grep -q '^ok devices bound' &&
	has "ok modules unloaded" &&
	printf '%s\n' "${lines[@]}" | grep -q '^ok kernel log clean' &&
	[ "$(printf '%s\n' "${lines[@]}" | grep '^not ok' |
		grep -Ev '^not ok (bed_3_crash|bed_4_hang):')" = "" ]
result $? "modules loaded, devices bound, unloaded, kernel log clean, no other not ok"

if [ "$tap_failed" != 0 ]; then
	echo "# bed: the bed's output ($log):"
	tap_diag_file "$log" "#   "
fi
tap_done
