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

. "$top/tools/testing/lib/host.sh"
LINUX_SRC=${LINUX_SRC:-$CACHE_DIR/linux-source-6.12}
KABI=${KABI:-6.12.117+deb12-amd64}
DEB_KDIR=${DEB_KDIR:-$CACHE_DIR/debian-$KABI/usr/src/linux-headers-$KABI}
BUILD=${BUILD:-$top/build}
JOBS=${LINT_JOBS:-2}

# checkpatch finds spelling.txt and const_structs.checkpatch beside itself.
checkpatch=$LINUX_SRC/scripts/checkpatch.pl
out=$BUILD/lint
. "$top/tools/testing/lib/tap.sh"

# ok|not ok, description, file whose lines become TAP diagnostics
result() {
	if [ "$1" = ok ]; then
		tap_ok "$2"
	else
		tap_not_ok "$2"
		tap_diag_file "$3"
	fi
}

# Tracked and untracked-but-not-ignored files; not ones deleted in the tree.
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.h' |
	sort -u | while read -r f; do [ -e "$f" ] && echo "$f"; done)
tap_begin
# Every file for checkpatch, then sparse on 6.12 and on 7.3.
tap_plan $((${#files[@]} + 2))

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
# copy_sources DIR: the module sources into DIR, afresh (a file removed
# from the tree must not linger) but keeping their times, and the objects
# stay, so kbuild recompiles only what changed; C=2 checks every file
# anyway.
copy_sources() {
	mkdir -p "$1"
	find "$1" -type f \( -name '*.[ch]' -o -name Makefile -o -name Kbuild \) \
		! -name '*.mod.c' -delete
	git ls-files -co --exclude-standard -z -- Kbuild drivers include |
		xargs -0 -r sh -c 'for f; do [ -e "$f" ] && echo "$f"; done' sh |
		xargs -d '\n' -r cp --parents -p -t "$1"
}

sparse_log=$out/sparse.log
sparse_ok=0
if ! command -v sparse >/dev/null; then
	echo "sparse is not installed: run make setup" >"$sparse_log"
elif [ ! -d "$DEB_KDIR" ]; then
	echo "no kernel headers at $DEB_KDIR: run make setup" >"$sparse_log"
else
	src=$out/src
	copy_sources "$src"
	if make -s -j"$JOBS" -C "$DEB_KDIR" M="$src" W=1 C=2 modules \
		>"$sparse_log" 2>&1; then
		# Any diagnostic, from sparse or the compiler, is a finding.
		grep -Eq '(warning|error):' "$sparse_log" || sparse_ok=1
	fi
	sed -i "s|$src/||g" "$sparse_log"
fi
if [ $sparse_ok = 1 ]; then
	result ok "sparse modules (6.12, W=1)"
else
	result "not ok" "sparse modules (6.12, W=1)" "$sparse_log"
fi

# The same on Debian's 7.3, in the trixie chroot (gcc-14). Debian's
# newest sparse, 0.6.4, is older than 7.3: kbuild refuses it for
# lacking __typeof_unqual__ (CF maps that to __typeof__), and it cannot
# evaluate the __builtin_strlen() of MODULE_INFO()'s static_assert, so
# it reports "bad constant expression" at every MODULE_*() line of any
# module. Those lines are listed and left out; any other diagnostic is a
# finding.
sparse73_log=$out/sparse-7.3.log
sparse73_ok=0
kdir73=/usr/src/linux-headers-${KABI73:-7.3.4+deb13-amd64}
if [ ! -d "$CACHE_DIR/trixie/root$kdir73" ]; then
	echo "no 7.3 headers in the trixie chroot: run make setup" >"$sparse73_log"
else
	src73=$out/src-7.3
	copy_sources "$src73"
	if "$top/tools/testing/trixie/in-chroot.sh" make -s -j"$JOBS" -C "$kdir73" \
		M="$src73" W=1 C=2 CF=-D__typeof_unqual__=__typeof__ modules \
		>"$sparse73_log" 2>&1; then
		sed -i "s|$src73/||g" "$sparse73_log"
		known=
		others=0
		while IFS= read -r d; do
			f=${d%%:*} rest=${d#*:}
			l=${rest%%:*}
			case $d in
			*": error: bad constant expression")
				if sed -n "${l}p" "$src73/$f" 2>/dev/null |
					grep -qE '^MODULE_[A-Z_]+\('; then
					known+=" $f:$l"
					continue
				fi
				;;
			esac
			others=$((others + 1))
		done < <(grep -E '(warning|error):' "$sparse73_log" || true)
		[ $others = 0 ] && sparse73_ok=1
		echo "# sparse 0.6.4's MODULE_INFO() limitation, left out:${known:- none}" >>"$sparse73_log"
	fi
fi
if [ $sparse73_ok = 1 ]; then
	result ok "sparse modules (7.3, W=1, gcc-14)"
else
	result "not ok" "sparse modules (7.3, W=1, gcc-14)" "$sparse73_log"
fi

echo "# lint: $((tap_n - tap_failed)) clean, $tap_failed with findings"
tap_done
