#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# A second, independent reader of vfio-devstate 1.x streams, written from
# Documentation/userspace-api/vfio-devstate.rst only (it shares no code
# with the C codec).  Prints one summary line per stream and exits non-zero
# if a stream is rejected.   spec_reader.py FILE...
import struct
import sys

POLY = 0x82F63B78
TABLE = []
for i in range(256):
    r = i
    for _ in range(8):
        r = (r >> 1) ^ (POLY if r & 1 else 0)
    TABLE.append(r)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def string_field(raw, what):
    nul = raw.find(b"\0")
    if nul < 1 or any(raw[nul:]):
        raise ValueError(what + ": bad string field")
    return raw[:nul].decode("ascii")


def read(data):
    if data[:8] != b"VFIODEVS":
        raise ValueError("magic")
    major, minor, hlen = struct.unpack_from("<HHI", data, 8)
    if major != 1:
        raise ValueError("major %d" % major)
    if not 132 <= hlen <= 4096 or (hlen - 4) % 8 or hlen > len(data):
        raise ValueError("header_len %d" % hlen)
    if crc32c(data[:hlen - 4]) != struct.unpack_from("<I", data, hlen - 4)[0]:
        raise ValueError("header crc")
    nr, plen = struct.unpack_from("<HH", data, 20)
    poff = hlen - 4 - nr * plen
    if nr > 32 or plen < 48 or plen % 8 or poff < 128:
        raise ValueError("parameter table")
    if minor == 0 and poff != 128:
        raise ValueError("fixed part")
    model = string_field(data[24:88], "model")
    ver, amin, amax = struct.unpack_from("<III", data, 88)
    params = {}
    for i in range(nr):
        e = poff + i * plen
        name = string_field(data[e:e + 32], "param")
        params[name] = struct.unpack_from("<QQ", data, e + 32)
    pos, count = hlen, 0
    while True:
        if pos + 32 > len(data):
            raise ValueError("incomplete at %d" % pos)
        hdr = data[pos:pos + 32]
        typ, flags, length, off, idx, hcrc = struct.unpack("<IIQQII", hdr)
        if crc32c(hdr[:28]) != hcrc:
            raise ValueError("section header crc at %d" % pos)
        end = pos + 32 + length
        if end + 4 > len(data):
            raise ValueError("incomplete at %d" % pos)
        trailer = struct.unpack_from("<I", data, end)[0]
        if crc32c(data[pos:end]) != trailer:
            raise ValueError("section crc at %d" % pos)
        if typ == 0:
            if not 16 <= length <= 4096:
                raise ValueError("end record length")
            nsec, _, slen = struct.unpack_from("<IIQ", data, pos + 32)
            if nsec != count or slen != pos:
                raise ValueError("end record counts")
            if end + 4 != len(data):
                raise ValueError("trailing data")
            return "%s v%u [%u-%u] %d params, %d sections, %d bytes" % (
                model, ver, amin, amax, len(params), count, len(data))
        if flags & 1 and typ not in (1, 2, 3):
            raise ValueError("unknown mandatory section 0x%x" % typ)
        count += 1
        pos = end + 4


status = 0
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        blob = f.read()
    try:
        print("%s: ok: %s" % (path, read(blob)))
    except (ValueError, struct.error) as e:
        print("%s: rejected: %s" % (path, e))
        status = 1
sys.exit(status)
