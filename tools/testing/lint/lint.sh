#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lint the tree and report TAP on stdout: one test per C file or header
# (checkpatch --strict), then one for sparse over the kernel modules.
# Any finding fails its test; the exit status is non-zero if a test failed.
#
# Environment (exported by the top-level Makefile):
#   LINUX_SRC   kernel source with scripts/checkpatch.pl
#   DEB_KDIR    kernel headers the modules are checked against
#   BUILD       per-clone build output (sparse runs on a copy in there)

set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1

CACHE_DIR=${CACHE_DIR:-/var/cache/vfio-devstate}
LINUX_SRC=${LINUX_SRC:-$CACHE_DIR/linux-source-6.12}
KABI=${KABI:-6.12.117+deb12-amd64}
DEB_KDIR=${DEB_KDIR:-$CACHE_DIR/debian-$KABI/usr/src/linux-headers-$KABI}
BUILD=${BUILD:-$top/build}
JOBS=${LINT_JOBS:-2}

# checkpatch finds spelling.txt and const_structs.checkpatch beside itself.
checkpatch=$LINUX_SRC/scripts/checkpatch.pl
out=$BUILD/lint
failed=0
n=0

# ok|not ok, description, file whose lines become TAP diagnostics
result() {
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
		[ -s "$3" ] && sed 's/^/# /' "$3"
	fi
}

# Tracked and untracked-but-not-ignored files; not ones deleted in the tree.
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.h' |
	sort -u | while read -r f; do [ -e "$f" ] && echo "$f"; done)
echo "TAP version 13"
echo "1..$((${#files[@]} + 1))"

rm -rf "$out/checkpatch" "$out/checkpatch.missing" &&
	mkdir -p "$out/checkpatch" || exit 1

# checkpatch: JOBS files at a time, each into its own log; "clean" marks a
# run with no finding at all (exit 0 and, with --quiet, no output).
if [ ! -x "$checkpatch" ]; then
	echo "# no $checkpatch: run make setup" >"$out/checkpatch.missing"
fi
if [ ${#files[@]} -gt 0 ] && [ ! -e "$out/checkpatch.missing" ]; then
	printf '%s\0' "${files[@]}" | CHECKPATCH=$checkpatch OUT=$out/checkpatch \
		xargs -0 -n 1 -P "$JOBS" sh -c '
		log=$OUT/$(printf %s "$1" | tr / %).log
		"$CHECKPATCH" --strict --no-tree --show-types --quiet \
			-f "$1" >"$log" 2>&1 && [ ! -s "$log" ] && touch "$log.clean"
		true' sh
fi
for f in "${files[@]}"; do
	log=$out/checkpatch/$(printf %s "$f" | tr / %).log
	if [ -e "$out/checkpatch.missing" ]; then
		result "not ok" "checkpatch $f" "$out/checkpatch.missing"
	elif [ -e "$log.clean" ]; then
		result ok "checkpatch $f"
	else
		result "not ok" "checkpatch $f" "$log"
	fi
done

# sparse: build the modules with C=2 on a copy of the tree, so that this
# neither races with nor disturbs builds in the work tree.
sparse_log=$out/sparse.log
sparse_ok=0
if ! command -v sparse >/dev/null; then
	echo "sparse is not installed: run make setup" >"$sparse_log"
elif [ ! -d "$DEB_KDIR" ]; then
	echo "no kernel headers at $DEB_KDIR: run make setup" >"$sparse_log"
else
	# The sources are copied afresh (a file removed from the tree must
	# not linger) but keep their times and the objects stay, so kbuild
	# recompiles only what changed; C=2 checks every file anyway.
	src=$out/src
	mkdir -p "$src"
	find "$src" -type f \( -name '*.[ch]' -o -name Makefile -o -name Kbuild \) \
		! -name '*.mod.c' -delete
	git ls-files -co --exclude-standard -z -- Kbuild drivers include |
		xargs -0 -r sh -c 'for f; do [ -e "$f" ] && echo "$f"; done' sh |
		xargs -d '\n' -r cp --parents -p -t "$src"
	if make -s -j"$JOBS" -C "$DEB_KDIR" M="$src" C=2 modules \
		>"$sparse_log" 2>&1; then
		# Any diagnostic, from sparse or the compiler, is a finding.
		grep -Eq '(warning|error):' "$sparse_log" || sparse_ok=1
	fi
	sed -i "s|$src/||g" "$sparse_log"
fi
if [ $sparse_ok = 1 ]; then
	result ok "sparse modules"
else
	result "not ok" "sparse modules" "$sparse_log"
fi

echo "# lint: $((n - failed)) clean, $failed with findings"
[ $failed -eq 0 ]
