#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run each named test suite (make target check-NAME), pass its TAP through
# as it arrives, and end with one summary line:
#   N passed, N failed, N skipped
# A suite that exits non-zero without reporting a failing test counts as
# one failure of its own, so a crash can never look green.

set -u
passed=0 failed=0 skipped=0
for suite in "$@"; do
	echo "# suite: $suite"
	t0=$SECONDS
	out=$(mktemp)
	make --no-print-directory -s "check-$suite" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	# Top-level TAP result lines only; indented ones are subtests.
	p=$(grep -Ec '^ok [0-9]+' "$out" | tr -d ' ')
	s=$(grep -Eic '^ok [0-9]+.*# *skip' "$out" | tr -d ' ')
	f=$(grep -Ec '^not ok [0-9]+' "$out" | tr -d ' ')
	rm -f "$out"
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - suite $suite exited with status $rc"
		f=1
	fi
	if [ $((p + f + s)) -eq 0 ]; then
		echo "not ok - suite $suite ran no test"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	echo "# suite $suite: $p passed, $f failed, $s skipped ($((SECONDS - t0)) s)"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
