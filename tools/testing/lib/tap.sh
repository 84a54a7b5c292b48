# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# TAP output for the test bed's shell scripts: source it, then
#
#   tap_begin                 "TAP version 13"
#   tap_plan N                the plan up front (else tap_done prints it)
#   tap_ok DESC               "ok N - DESC"
#   tap_not_ok DESC           "not ok N - DESC"
#   tap_skip DESC REASON      "ok N - DESC # SKIP REASON"
#   tap_result STATUS DESC    tap_ok if STATUS is 0, else tap_not_ok
#   tap_diag TEXT...          each line of TEXT as a "# " comment
#   tap_diag_file FILE [PFX]  each line of FILE, after PFX (default "# ")
#   tap_done                  the plan if not given yet, a summary comment
#                             counted the way tools/testing/run-suites.sh
#                             counts; returns 1 if a test failed
#
# tap_n, tap_failed and tap_skipped hold the counts so far.  Every
# function but tap_done returns 0, so that "set -e" scripts can call them
# as they are.  POSIX sh: the test VM's busybox sh sources it too.

tap_n=0 tap_failed=0 tap_skipped=0 tap_planned=

tap_begin() {
	echo "TAP version 13"
}

tap_plan() {
	tap_planned=$1
	echo "1..$1"
}

# tap_is_skip DESC: DESC carries a "# SKIP" directive (any case).
tap_is_skip() {
	case $1 in
	*"#"*) ;;
	*) return 1 ;;
	esac
	set -- "${1#*#}"
	while [ "${1# }" != "$1" ]; do
		set -- "${1# }"
	done
	case $1 in
	[Ss][Kk][Ii][Pp]*) return 0 ;;
	esac
	return 1
}

tap_ok() {
	tap_n=$((tap_n + 1))
	if tap_is_skip "$1"; then
		tap_skipped=$((tap_skipped + 1))
	fi
	echo "ok $tap_n - $1"
}

tap_not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
}

tap_skip() {
	tap_ok "$1 # SKIP $2"
}

tap_result() {
	if [ "$1" -eq 0 ]; then
		tap_ok "$2"
	else
		tap_not_ok "$2"
	fi
}

tap_diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

tap_diag_file() {
	[ ! -s "$1" ] || awk -v p="${2-# }" '{ print p $0 }' "$1"
}

tap_done() {
	[ -n "$tap_planned" ] || echo "1..$tap_n"
	echo "# $((tap_n - tap_failed - tap_skipped)) passed, $tap_failed failed, $tap_skipped skipped"
	[ "$tap_failed" -eq 0 ]
}
