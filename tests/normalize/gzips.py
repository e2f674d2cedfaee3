"""Nested gzip and xz members for tests/test_normalize.c (test_nested_kept).

gzips.py make DIR        writes the members into DIR
gzips.py check IN OUT    checks OUT (the members after normalisation)
                         against IN (as written): exit 0 when every rule
                         holds, else a line naming the member and exit 1
"""
import gzip
import lzma
import os
import struct
import sys
import zlib

TEXT = b"".join(b"line %d of a manual page\n" % i for i in range(3000))


def deflate(data, level=9):
    co = zlib.compressobj(level, zlib.DEFLATED, -15)
    return co.compress(data) + co.flush()


def member(data, flags=0, mtime=0, xfl=2, os_byte=3, extra=None, name=None,
           comment=None, bad_crc=False):
    h = b"\x1f\x8b\x08" + bytes([flags]) + struct.pack("<I", mtime)
    h += bytes([xfl, os_byte])
    if extra is not None:
        h += struct.pack("<H", len(extra)) + extra
    if name is not None:
        h += name + b"\0"
    if comment is not None:
        h += comment + b"\0"
    if flags & 2:
        h += struct.pack("<H", zlib.crc32(h) & 0xFFFF)
    crc = zlib.crc32(data) ^ (1 if bad_crc else 0)
    return h + deflate(data) + struct.pack("<II", crc, len(data) & 0xFFFFFFFF)


def members():
    return {
        # gzip -9n: nothing varies, kept byte for byte
        "plain9n.gz": member(TEXT),
        # python's gzip.compress(mtime=0): OS 255, kept too
        "os255.gz": member(TEXT, os_byte=255),
        # gzip without -n: name and mtime cleared, data kept
        "named.gz": member(TEXT, flags=8, mtime=1600000000, xfl=0,
                           name=b"page.1"),
        # every header field: extra kept, header CRC recomputed
        "hcrc.gz": member(TEXT[:5000], flags=2 | 4 | 8 | 16,
                          mtime=1234567, extra=b"AB\x02\x00hi",
                          name=b"n", comment=b"a comment"),
        # two members, the second with a name (cat a.gz b.gz)
        "multi.gz": member(b"first\n")
        + member(b"second\n", flags=8, mtime=99, name=b"b"),
        # a trailer CRC that does not match: kept as built, reported
        "badcrc.gz": member(TEXT, bad_crc=True),
        # xz holds nothing that varies: kept
        "data.xz": lzma.compress(TEXT, check=lzma.CHECK_CRC32),
    }


def header_end(b, pos):
    flags = b[pos + 3]
    p = pos + 10
    if flags & 4:
        p += 2 + struct.unpack("<H", b[p:p + 2])[0]
    for bit in (8, 16):
        if flags & bit:
            p = b.index(b"\0", p) + 1
    if flags & 2:
        p += 2
    return p


def split(b):
    """[(header, rest)] per member, using zlib to find each end."""
    out, pos = [], 0
    while pos < len(b):
        h = header_end(b, pos)
        d = zlib.decompressobj(-15)
        d.decompress(b[h:])
        end = len(b) - len(d.unused_data) + 8
        out.append((b[pos:h], b[h:end]))
        pos = end
    return out


def check(indir, outdir):
    bad = []
    for name in members():
        a = open(os.path.join(indir, name), "rb").read()
        b = open(os.path.join(outdir, name), "rb").read()
        if name in ("plain9n.gz", "os255.gz", "badcrc.gz", "data.xz"):
            if a != b:
                bad.append(name + ": not kept byte for byte")
            continue
        if gzip.decompress(a) != gzip.decompress(b):
            bad.append(name + ": content changed")
        ma, mb = split(a), split(b)
        if len(ma) != len(mb):
            bad.append(name + ": member count changed")
            continue
        for (ha, ra), (hb, rb) in zip(ma, mb):
            if ra != rb:
                bad.append(name + ": deflate data or trailer changed")
            if hb[4:8] != b"\0\0\0\0" or hb[3] & (8 | 16):
                bad.append(name + ": mtime, name or comment left")
            if hb[8:10] != ha[8:10]:
                bad.append(name + ": XFL or OS changed")
            if ha[3] & 4 and (not hb[3] & 4 or hb[10:12 + hb[10]] !=
                              ha[10:12 + ha[10]]):
                bad.append(name + ": extra field not kept")
            if ha[3] & 2:
                crc = struct.unpack("<H", hb[-2:])[0]
                if not hb[3] & 2 or crc != zlib.crc32(hb[:-2]) & 0xFFFF:
                    bad.append(name + ": header CRC wrong")
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "make":
        os.makedirs(sys.argv[2], exist_ok=True)
        for n, data in members().items():
            with open(os.path.join(sys.argv[2], n), "wb") as f:
                f.write(data)
        sys.exit(0)
    sys.exit(check(sys.argv[2], sys.argv[3]))
