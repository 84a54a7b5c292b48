#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build and run the vfio-devstate libFuzzer targets, printing TAP.
#   run-fuzz.sh OUTDIR TESTDIR SECONDS_PER_TARGET "BUILD COMMAND"
# New corpus entries go to OUTDIR/fuzz-corpus-TARGET (FUZZ_CORPUS/TARGET if
# set: a corpus that persists), never to the committed seeds in
# TESTDIR/corpus/TARGET; crashes to OUTDIR/fuzz-TARGET-*.  FUZZ_RUNS=N
# runs N executions per target instead of SECONDS, and appends each
# target's figures (executions, coverage) to FUZZ_CORPUS/coverage.log.
# FUZZ_TARGETS: the targets (default: decode compat split).
set -u
out=$1 tdir=$2 secs=$3 build=$4
targets=${FUZZ_TARGETS:-decode compat split}
runs=${FUZZ_RUNS:-}
. "$(dirname "$0")/../lib/tap.sh"
tap_begin
if ! command -v clang-14 >/dev/null && ! command -v clang >/dev/null; then
	for t in $targets; do
		tap_skip "fuzz_$t" "clang not installed"
	done
	tap_done
	exit
fi
if ! blog=$($build 2>&1); then
	tap_diag "$blog"
	for t in $targets; do
		tap_not_ok "fuzz_$t builds"
	done
	tap_done
	exit
fi
for t in $targets; do
	work=${FUZZ_CORPUS:+$FUZZ_CORPUS/$t}
	work=${work:-$out/fuzz-corpus-$t}
	log=$out/fuzz-$t.log
	mkdir -p "$work"
	rm -f "$out"/fuzz-$t-crash-* "$out"/fuzz-$t-leak-* "$out"/fuzz-$t-timeout-*
	seeds=$tdir/corpus/$t
	if [ -n "$runs" ]; then limit=-runs=$runs; else limit=-max_total_time=$secs; fi
	start=$SECONDS
	"$out/fuzz_$t" "$limit" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/fuzz-$t-" \
		"$work" "$seeds" >"$log" 2>&1
	rc=$?
	secs_run=$((SECONDS - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	last=$(grep -E '^#[0-9]+' "$log" | tail -1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\).*/\1/p')
	arts=$(ls "$out"/fuzz-$t-crash-* "$out"/fuzz-$t-leak-* \
		"$out"/fuzz-$t-timeout-* 2>/dev/null | wc -l)
	if [ -n "$runs" ] && [ -n "${FUZZ_CORPUS:-}" ]; then
		echo "$(date -u +%FT%TZ) fuzz_$t execs=${execs:-?} secs=$secs_run cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?} rc=$rc" \
			>>"$FUZZ_CORPUS/coverage.log"
	fi
	if [ -n "$runs" ] && [ "${execs:-0}" -lt "$runs" ]; then
		tap_not_ok "fuzz_$t: ${execs:-?} of $runs executions (see $log)"
	elif [ "$rc" -eq 0 ] && [ "$arts" -eq 0 ]; then
		stats="${execs:-?} execs (${rate:-?}/s), cov ${cov:-?}"
		tap_ok "fuzz_$t ${secs_run}s: $stats, ft ${ft:-?}, corpus ${corp:-?}"
	else
		tap_not_ok "fuzz_$t ${secs}s: exit $rc, $arts artifacts (see $log)"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | sed 's/^/# /'
	fi
done
tap_done
