#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP tests of the vfio-devstate tool and of the golden streams.
#   test_tool.sh OUTDIR TESTDIR
set -u
out=$1 tdir=$2
tool=$out/vfio-devstate
golden=$tdir/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/../lib/tap.sh"

# ok STATUS DESCRIPTION: a test, with the last command's output if it failed.
ok() {
	tap_result "$1" "$2"
	[ "$1" -eq 0 ] || tap_diag_file "$tmp/last"
}

# run EXPECTED_STATUS CMD...: output to $tmp/last, 0 if status matched
run() {
	want=$1
	shift
	"$@" >"$tmp/last" 2>&1
	[ $? -eq "$want" ]
}

has() {
	grep -qF -- "$1" "$tmp/last"
}

json_ok() {
	python3 -m json.tool "$tmp/last" >/dev/null 2>&1
}

tap_begin

# Golden streams: every one still decodes, and the generator still
# reproduces them byte for byte (the encoder's output is stable).
"$out/gen_golden" "$tmp" || echo "# gen_golden failed"
for g in "$golden"/*.vds; do
	b=$(basename "$g")
	run 0 "$tool" inspect "$g" && has "stream ok"
	ok $? "golden $b decodes"
	cmp -s "$g" "$tmp/$b"
	ok $? "golden $b reproduced by the generator"
done
cmp -s "$golden/ivshmem.desc" "$tmp/ivshmem.desc"
ok $? "golden ivshmem.desc reproduced by the generator"

# A second reader written from the specification alone agrees.
for g in "$golden"/*.vds; do
	run 0 python3 "$tdir/spec_reader.py" "$g" && has ": ok: "
	ok $? "independent reader from the spec accepts golden $(basename "$g")"
done

basic=$golden/basic.vds
run 0 "$tool" inspect "$basic" &&
	has "model qemu.org/pci/1af4/1110 version 1 (accepts 1-1)" &&
	has "pci 1af4:1110 subsystem 1af4:1100 class 0x050000 revision 0x01" &&
	has "param bar2_size = 0x1000 (absent means 0x0)" &&
	has "section 1 at 272: chunk (0x2), mandatory, 256 bytes, region 0 offset 0x0, crc ok" &&
	has "end at 700: 3 sections"
ok $? "inspect shows header fields, sections with offsets, end record"

run 0 "$tool" inspect - <"$basic" && has "stream ok: 752 bytes"
ok $? "inspect - reads standard input"

run 0 "$tool" --json inspect "$basic" && json_ok && has '"ok":true' &&
	has '"region_offset":3996'
ok $? "inspect --json is valid JSON"

cp "$basic" "$tmp/bad.vds"
printf '\x55' | dd of="$tmp/bad.vds" bs=1 seek=400 conv=notrunc 2>/dev/null
run 1 "$tool" inspect "$tmp/bad.vds" &&
	has "section 1 at 272: chunk (0x2), mandatory, 256 bytes, region 0 offset 0x0, crc bad" &&
	has "error at offset 560: bad-crc (EBADMSG): section 1 (type 0x2 at offset 272) CRC:"
ok $? "inspect flags the section whose CRC is bad, and the reason"

run 1 "$tool" --json inspect "$tmp/bad.vds" && json_ok &&
	has '"crc":"bad"' && has '"class":"bad-crc"' && has '"errno_name":"EBADMSG"'
ok $? "inspect --json reports the error"

head -c 500 "$basic" >"$tmp/short.vds"
run 1 "$tool" inspect "$tmp/short.vds" && has "incomplete (ENODATA):" &&
	has "stream ends at offset 500 in section 1 payload, 60 of 256 bytes missing"
ok $? "inspect of a truncated stream says where it stops"

{ cat "$basic"; printf 'x'; } >"$tmp/trail.vds"
run 1 "$tool" inspect "$tmp/trail.vds" && has "trailing-data (EMSGSIZE)"
ok $? "inspect of a stream with trailing data"

run 1 "$tool" --json inspect "$tmp/trail.vds" && json_ok
ok $? "inspect --json after the end record is valid JSON"

agree=0
for t in bad short trail; do
	python3 "$tdir/spec_reader.py" "$tmp/$t.vds" >/dev/null 2>&1 && agree=1
done
[ "$agree" -eq 0 ]
ok $? "independent reader rejects the corrupted, truncated and trailing streams"

printf 'not a stream at all' >"$tmp/junk"
run 1 "$tool" --json inspect "$tmp/junk" && json_ok && has '"header":null'
ok $? "inspect --json of junk is valid JSON"

run 2 "$tool" inspect "$tmp/missing"
ok $? "inspect of a missing file exits 2"

# A fake sysfs tree.
dev=$tmp/sys/bus/pci/devices/0000:00:04.0/vfio_devstate
mkdir -p "$dev" "$tmp/sys/bus/pci/devices/0000:00:05.0/vfio_devstate"
cp "$golden/ivshmem.desc" "$dev/descriptor"
sed 's/^param bar2_size 0x1000/param bar2_size 0x2000/' "$golden/ivshmem.desc" \
	>"$tmp/sys/bus/pci/devices/0000:00:05.0/vfio_devstate/descriptor"
export SYSFS_ROOT=$tmp/sys

run 0 "$tool" describe 0000:00:04.0 && cmp -s "$tmp/last" "$golden/ivshmem.desc"
ok $? "describe prints the device's descriptor from sysfs"

run 0 "$tool" describe 00:04.0 && has "model qemu.org/pci/1af4/1110"
ok $? "describe accepts a BDF without domain"

run 0 "$tool" --json describe 0000:00:04.0 && json_ok &&
	has '"model":"qemu.org/pci/1af4/1110"'
ok $? "describe --json is valid JSON"

run 2 "$tool" describe 0000:00:09.0
ok $? "describe of a device without the attribute exits 2"

run 2 "$tool" describe foo
ok $? "describe of a non-BDF exits 2"

run 0 "$tool" compat "$golden/ivshmem.desc" 0000:00:04.0 && has "compatible"
ok $? "compat of identical descriptors (file and BDF)"

run 0 "$tool" compat "$basic" "$golden/ivshmem.desc" && has "compatible"
ok $? "compat takes a stream's header as source"

run 1 "$tool" compat 0000:00:04.0 0000:00:05.0 &&
	has "parameter-mismatch: parameter bar2_size: source 0x1000, destination 0x2000"
ok $? "compat names the parameter and both values, exit 1"

run 1 "$tool" --json compat 0000:00:04.0 0000:00:05.0 && json_ok &&
	has '"compatible":false' && has '"errno_name":"EMEDIUMTYPE"'
ok $? "compat --json"

run 0 "$tool" --json compat 0000:00:04.0 0000:00:04.0 && json_ok &&
	has '"compatible":true'
ok $? "compat --json when compatible"

sed -e 's/^model_version 1/model_version 3/' -e 's/^caps 0x0/caps 0x6/' \
	-e 's/^device 0x1110/device 0x1111/' -e '/^param bar0_layout/d' \
	"$golden/ivshmem.desc" >"$tmp/new.desc"
echo "param bar0_layout 0x2 0x1" >>"$tmp/new.desc"
run 1 "$tool" compat "$tmp/new.desc" "$golden/ivshmem.desc" &&
	has "identity-mismatch: pci device: source 0x1111, destination 0x1110" &&
	has "model-version-mismatch: model version: source 3, destination accepts 1-1" &&
	has "parameter-mismatch: parameter bar0_layout: source 0x2, destination 0x1" &&
	has "capability-mismatch: capabilities: source 0x6, destination 0x0" &&
	[ "$(wc -l <"$tmp/last")" -eq 4 ]
ok $? "compat prints every reason"

printf 'model x\n' >"$tmp/broken.desc"
run 2 "$tool" compat "$tmp/broken.desc" "$golden/ivshmem.desc" && has "malformed"
ok $? "compat of a malformed descriptor exits 2 with the reason"

run 0 "$tool" --help && has "inspect FILE|-" && has "describe BDF" &&
	has "compat SRC DST" && has "Exit status"
ok $? "--help describes every command"

run 2 "$tool"
ok $? "no command: usage on stderr, exit 2"

tap_done
