#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerates the committed fuzz seed corpus from the golden files.
#   make-seeds.sh TESTDIR
# corpus/decode/*: one option byte (see fuzz_decode.c) then a stream.
# corpus/split/*: an option byte, a count of cuts and the cuts (16 bits
# each, see fuzz_decode.c's fuzz_split), then a stream.
# corpus/compat/*: two descriptor texts separated by a "%%" line.
set -eu
t=$1
g=$t/golden
mkdir -p "$t/corpus/decode" "$t/corpus/compat" "$t/corpus/split"
i=0
for f in "$g"/*.vds; do
	for opt in '\x00' '\x03' '\x1d' '\xfe' '\x83'; do
		i=$((i + 1))
		{ printf "$opt"; cat "$f"; } >"$t/corpus/decode/seed-$i"
	done
done
{ printf '\x07'; head -c 300 "$g/basic.vds"; } >"$t/corpus/decode/seed-short"
# No cut; a cut inside the header; cuts at and around a section boundary
# and an empty write.
i=0
for cuts in '\x00' '\x01\x40\x00' '\x04\xb3\x00\xb4\x00\xb4\x00\x20\x01'; do
	for f in "$g"/*.vds; do
		i=$((i + 1))
		{ printf '\x83'; printf "$cuts"; cat "$f"; } >"$t/corpus/split/seed-$i"
	done
done
d=$g/ivshmem.desc
{ cat "$d"; echo '%%'; cat "$d"; } >"$t/corpus/compat/same"
{ cat "$d"; echo '%%'; sed 's/0x1000/0x2000/' "$d"; } >"$t/corpus/compat/param"
{ cat "$d"; echo '%%'; sed -e 's/^accept 1 1/accept 2 5/' \
	-e 's/^caps 0x0/caps 0x3/' -e '/bar0/d' "$d"; } >"$t/corpus/compat/mixed"
{ echo '# comment'; echo 'format 1.0'; echo 'model a.example/x'; \
	echo 'model_version 4'; echo 'accept 0 9'; echo 'vendor 1'; \
	echo 'device 0x2'; echo 'future 1 2'; echo 'param p.q-r_s 7 0'; \
	echo '%%'; echo 'model b.example/y'; echo 'model_version 1'; \
	echo 'accept 1 1'; echo 'vendor 0xffff'; echo 'device 0'; } \
	>"$t/corpus/compat/other"
