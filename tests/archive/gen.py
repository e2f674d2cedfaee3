#!/usr/bin/env python3
"""Writes archives byte by byte, hostile ones included, for the differential
test of the archive policy (tests/archive/differ.py).

  gen.py random DIR COUNT SEED   COUNT archives from a fixed seed
  gen.py constructs DIR          one named archive per construct of issue 8
"""
import gzip
import io
import os
import random
import struct
import sys
import zlib

# ---- tar ----


def octal(v, n):
    return ("%0*o" % (n - 1, v)).encode() + b"\0"


def tar_header(name, typ=b"0", size=0, link=b"", mode=0o644, gnu=False,
               prefix=b"", size_field=None):
    h = bytearray(512)
    h[0:len(name[:100])] = name[:100]
    h[100:108] = octal(mode, 8)
    h[108:116] = octal(0, 8)
    h[116:124] = octal(0, 8)
    h[124:136] = size_field if size_field is not None else octal(size, 12)
    h[136:148] = octal(1700000000, 12)
    h[156:157] = typ
    h[157:157 + len(link[:100])] = link[:100]
    h[257:265] = b"ustar  \0" if gnu else b"ustar\x0000"
    h[265:269] = b"root"
    h[297:301] = b"root"
    if not gnu:
        h[345:345 + len(prefix[:155])] = prefix[:155]
    h[148:156] = b" " * 8
    h[148:156] = ("%06o" % sum(h)).encode() + b"\0 "
    return bytes(h)


def pad(data):
    return data + b"\0" * ((512 - len(data) % 512) % 512)


def pax_records(pairs):
    out = b""
    for k, v in pairs:
        body = b" " + k + b"=" + v + b"\n"
        n = len(body) + 1
        while len(str(n)) + len(body) != n:
            n = len(str(n)) + len(body)
        out += str(n).encode() + body
    return out


def tar_member(name, data=b"", typ=b"0", link=b"", mode=0o644, gnu=False,
               size=None):
    sz = len(data) if size is None else size
    return tar_header(name, typ, sz, link, mode, gnu) + pad(data)


def pax_x(pairs, typ=b"x", name=b"PaxHeaders/x"):
    rec = pax_records(pairs)
    return tar_header(name, typ, len(rec)) + pad(rec)


def gnu_long(name, typ=b"L"):
    data = name + b"\0"
    return tar_header(b"././@LongLink", typ, len(data), gnu=True) + pad(data)


def tar_end(blocks):
    return b"".join(blocks) + b"\0" * 1024


# ---- zip ----


def dos():
    return (0, (2020 - 1980) << 9 | 1 << 5 | 1)


def zip_build(entries, comment=b"", prefix=b""):
    """entries: dicts with name, data, and optional overrides."""
    out = b""
    cd = b""
    for e in entries:
        name = e["name"]
        data = e.get("data", b"")
        method = e.get("method", 8 if data else 0)
        comp = data
        if method == 8:
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            comp = c.compress(data) + c.flush()
        crc = zlib.crc32(data)
        flags = e.get("flags", 0x800 if any(b >= 0x80 for b in name) else 0)
        t, d = dos()
        lname = e.get("local_name", name)
        lcrc = e.get("local_crc", crc)
        lcs = e.get("local_csize", len(comp))
        lus = e.get("local_usize", len(data))
        lextra = e.get("local_extra", b"")
        desc = e.get("descriptor")
        if desc is not None:
            flags |= 8
            lcrc, lcs, lus = 0, 0, 0
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, t,
                           d, lcrc, lcs, lus, len(lname), len(lextra))
        out += lname + lextra + comp
        if desc == "sig":
            out += struct.pack("<IIII", 0x08074B50, crc, len(comp), len(data))
        elif desc == "nosig":
            out += struct.pack("<III", crc, len(comp), len(data))
        elif desc == "bad":
            out += struct.pack("<IIII", 0x08074B50, crc, len(comp) + 1,
                               len(data))
        mode = e.get("mode", 0o40755 if name.endswith(b"/") else 0o100644)
        ext = (mode << 16) | (0x10 if name.endswith(b"/") else 0)
        cextra = e.get("extra", b"")
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50,
                          e.get("made_by", 0x031E), 20, flags, method, t, d,
                          crc, len(comp), len(data), len(name), len(cextra),
                          0, 0, 0, ext, off)
        cd += name + cextra
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries),
                       len(entries), len(cd), len(out), len(comment))
    return prefix + out + cd + eocd + comment


# ---- cpio newc ----


def cpio_member(name, data=b"", mode=0o100644, ino=1, nlink=1):
    n = name + b"\0"
    h = b"070701" + b"".join(b"%08X" % v for v in (
        ino, mode, 0, 0, nlink, 1700000000, len(data), 0, 0, 0, 0, len(n),
        0))
    rec = h + n
    rec += b"\0" * ((4 - len(rec) % 4) % 4)
    rec += data + b"\0" * ((4 - len(data) % 4) % 4)
    return rec


def cpio_end(members):
    return b"".join(members) + cpio_member(b"TRAILER!!!", mode=0, ino=0)


# ---- the constructs of issue 8, item 3 ----


def constructs():
    c = {}
    # A pax global header carrying path=: GNU tar and Python rename the
    # member after it, libarchive does not.
    c["pax-global-path.tar"] = tar_end([
        pax_x([(b"path", b"evil.sh")], typ=b"g", name=b"pax_global_header"),
        tar_member(b"hello.c", b"int main;\n")])
    # A GNU long name before a pax x header.
    c["gnu-long-then-pax.tar"] = tar_end([
        gnu_long(b"L" * 120),
        pax_x([(b"path", b"other.c")]),
        tar_member(b"short.c", b"x\n")])
    # Typeflag A (unknown: a regular file to some, refused by others).
    # libarchive takes it as a Solaris ACL of the next member and hides it;
    # GNU tar extracts it as a file.
    c["typeflag-A.tar"] = tar_end([
        tar_member(b"a.c", b"a\n"),
        tar_member(b"hidden.c",
                   b"01000000\0user::rw-,group::r--,other::r--\0", typ=b"A"),
        tar_member(b"b.c", b"b\n")])
    # A file, then a directory entry of the same name.
    c["file-then-dir.tar"] = tar_end([
        tar_member(b"src", b"file\n"),
        tar_member(b"src/", typ=b"5", mode=0o755)])
    # A pax hard link carrying data.
    c["hardlink-data-pax.tar"] = tar_end([
        tar_member(b"a.c", b"good\n"),
        pax_x([(b"size", b"5")]),
        tar_header(b"b.c", b"1", 0, b"a.c") + pad(b"evil\n")])
    # A cpio newc hard link set: the data comes with the last link.
    c["hardlink-data.cpio"] = cpio_end([
        cpio_member(b"a.c", b"", ino=7, nlink=2),
        cpio_member(b"b.c", b"evil\n", ino=7, nlink=2)])
    # zip: the local header names another file than the central directory.
    c["zip-local-name.zip"] = zip_build([
        {"name": b"good.c", "data": b"good\n", "local_name": b"evil.c"}])
    # zip: the local sizes and crc differ from the central directory.
    c["zip-local-size.zip"] = zip_build([
        {"name": b"a.c", "data": b"good\n", "method": 0, "local_usize": 3,
         "local_csize": 3, "local_crc": 0}])
    # zip: a deflated member whose local header gives other sizes.
    c["zip-local-usize.zip"] = zip_build([
        {"name": b"a.c", "data": b"good\n" * 10, "local_usize": 7,
         "local_csize": 9}])
    # zip: a non-ASCII name without the UTF-8 flag: Python reads CP437.
    c["zip-cp437.zip"] = zip_build([
        {"name": b"caf\xc3\xa9.c", "data": b"x\n", "flags": 0}])
    # A name that is not valid UTF-8.
    c["non-utf8.tar"] = tar_end([tar_member(b"caf\xe9.c", b"x\n")])
    c["non-utf8.zip"] = zip_build([
        {"name": b"caf\xe9.c", "data": b"x\n", "flags": 0x800}])
    # Data after the end of a tar: GNU tar -i reads the member on, unzip
    # and Python's zipfile read a zip appended to a tar or to its gzip.
    good = tar_end([tar_member(b"a.c", b"good\n")])
    evil_zip = zip_build([{"name": b"evil.c", "data": b"evil\n"}])
    c["tar-then-member.tar"] = good + tar_end([tar_member(b"b.c", b"evil\n")])
    c["tar-then-zip.tar"] = good + evil_zip
    c["tar-gz-then-zip.tar.gz"] = gzip.compress(good, mtime=0) + evil_zip
    # A second gzip member holding more tar: read by tar -i alone.
    c["tar-gz-two-members.tar.gz"] = gzip.compress(good, mtime=0) + \
        gzip.compress(tar_end([tar_member(b"b.c", b"evil\n")]), mtime=0)
    # A GNU header (magic "ustar  ") with bytes where ustar has its name
    # prefix: GNU tar and libarchive read atime there, Python's tarfile
    # prefixes the name with them.
    h = bytearray(tar_header(b"b.c", size=5, gnu=True))
    h[345:348] = b"zz/"
    h[148:156] = b" " * 8
    h[148:156] = ("%06o" % sum(h)).encode() + b"\0 "
    c["gnu-prefix.tar"] = tar_end([bytes(h) + pad(b"good\n")])
    # zip: a symlink made on BeOS (host 16): unzip reads the Unix mode
    # of such hosts, libarchive only of Unix (3) ones.
    c["zip-host-beos.zip"] = zip_build([
        {"name": b"t", "data": b"x\n", "method": 0},
        {"name": b"l", "data": b"t", "mode": 0o120777, "made_by": 0x101E,
         "method": 0}])
    # zip: no mode in the external attributes, 0120777 in an ASi Unix
    # extra field (0x756e): a symlink to unzip, a file to libarchive.
    body = struct.pack("<HIHH", 0o120777, 1, 0, 0) + b"t"
    asi = struct.pack("<HHI", 0x756E, len(body) + 4, zlib.crc32(body)) + body
    c["zip-asi-unix.zip"] = zip_build([
        {"name": b"t", "data": b"x\n", "method": 0},
        {"name": b"l", "data": b"t", "mode": 0, "method": 0, "extra": asi,
         "local_extra": asi}])
    # zip: "version needed" 6.3 in the central directory: unzip 6 skips
    # the member (exit 81), libarchive reads it.
    z = bytearray(zip_build([{"name": b"a.c", "data": b"good\n"}]))
    i = z.find(b"PK\1\2")
    z[i + 6:i + 8] = struct.pack("<H", 63)
    c["zip-version-needed.zip"] = bytes(z)
    return c


# ---- random archives ----

NAMES = [b"a", b"b", b"c.txt", b"d/x", b"d/y/z", b"./a", b"A", b"d",
         b"\xc3\xa9t\xc3\xa9", b"caf\xe9", b"x" * 120, b"p/" + b"q" * 110,
         b"a/", b"d/", b"../up", b"/abs", b"d//x", b"d/./x", b"sp ace",
         b"back\\slash", b"ctl\x01", b".", b"./", b"l", b"h"]
TYPES = [b"0", b"0", b"0", b"5", b"2", b"1", b"\0", b"7", b"A", b"3", b"6",
         b"S", b"V", b"X", b"D", b"M"]


SAFE = [b"a", b"b", b"c.txt", b"d/x", b"d/y/z", b"./e", b"A", b"f",
        b"\xc3\xa9t\xc3\xa9", b"x" * 120, b"p/" + b"q" * 110, b"sp ace",
        b"d/y/w", b"g.sh"]
CLEAN = [False]


def rand_name(r):
    if CLEAN[0]:
        return r.choice(SAFE)
    return r.choice(NAMES) if r.random() < 0.85 else \
        bytes(r.choice(b"ab/.\xc3\xa9\xff") for _ in range(r.randint(1, 6)))


def rand_tar(r):
    gnu = r.random() < 0.3
    blocks = []
    for _ in range(r.randint(1, 6)):
        name = rand_name(r)
        typ = r.choice(TYPES) if r.random() < 0.4 else b"0"
        if CLEAN[0] and typ not in (b"0", b"5", b"2", b"1"):
            typ = b"0"
        data = bytes(r.choice(b"xyz\n") for _ in range(r.randint(0, 20)))
        link = r.choice([b"a", b"b", b"d/x", b"../x", b"/etc/passwd",
                         b"nowhere"])
        roll = r.random()
        if CLEAN[0] and roll < 0.08:
            roll = 0.5
        if roll < 0.08:
            blocks.append(pax_x([(b"path", rand_name(r))], typ=b"g",
                                name=b"pax_global_header"))
        elif roll < 0.12:
            blocks.append(pax_x([(b"comment", b"abc")], typ=b"g",
                                name=b"pax_global_header"))
        elif roll < 0.30:
            keys = [(b"path", name if len(name) > 0 else b"x")]
            if r.random() < 0.3:
                keys.append(r.choice([(b"linkpath", link),
                                      (b"size", str(len(data)).encode()),
                                      (b"mtime", b"1.5"),
                                      (b"hdrcharset", b"BINARY"),
                                      (b"GNU.sparse.size", b"1"),
                                      (b"SCHILY.fflags", b"uchg"),
                                      (b"path", b"twice"),
                                      (b"uid", b"x"),
                                      (b"comment", b"hi"),
                                      (b"hdrcharset", b"ISO-8859-1"),
                                      (b"path", b"")]))
            blocks.append(pax_x(keys))
            name = b"short"
        elif roll < 0.40:
            blocks.append(gnu_long(name + b"/L" * 60))
            if r.random() < 0.3:
                blocks.append(pax_x([(b"path", b"paxname")]))
        if typ in (b"1", b"2"):
            blocks.append(tar_header(name, typ, len(data) if r.random() < 0.2
                                     else 0, link, gnu=gnu) +
                          (pad(data) if r.random() < 0.2 else b""))
        elif typ == b"5":
            blocks.append(tar_member(name, b"", typ=typ, mode=0o755,
                                     gnu=gnu))
        else:
            mode = 0o755 if r.random() < 0.3 else 0o644
            blocks.append(tar_member(name, data, typ=typ, mode=mode,
                                     gnu=gnu))
        if r.random() < 0.1 and blocks and not CLEAN[0]:
            blocks.append(blocks[-1])  # a duplicate member
    if r.random() < 0.05 and not CLEAN[0] and blocks:
        i = r.randrange(len(blocks))
        b = bytearray(blocks[i])
        b[136:148] = b"garbage!!!!\0"
        b[148:156] = b" " * 8
        b[148:156] = ("%06o" % sum(b[:512])).encode() + b"\0 "
        blocks[i] = bytes(b)
    body = tar_end(blocks)
    if r.random() < 0.05 and not CLEAN[0]:
        body = body[:-1024] + b"\0" * 512 + tar_member(b"after", b"z")
    return body


def rand_zip(r):
    entries = []
    for _ in range(r.randint(1, 5)):
        name = rand_name(r)
        data = bytes(r.choice(b"xyz\n") for _ in range(r.randint(0, 30)))
        e = {"name": name, "data": b"" if name.endswith(b"/") else data}
        roll = r.random()
        if CLEAN[0] and roll < 0.2:
            roll = 0.5
        if roll < 0.08:
            e["local_name"] = rand_name(r)
        elif roll < 0.14:
            e["local_crc"] = 0
        elif roll < 0.2:
            e["flags"] = 0
        elif roll < 0.25:
            e["mode"] = 0o120777
            e["data"] = r.choice([b"a", b"../x", b"/etc/passwd"])
        elif roll < 0.30:
            e["mode"] = 0o100755
        elif roll < 0.33:
            e["extra"] = struct.pack("<HHB", 0x7075, 5, 1) + b"evil"
        elif roll < 0.36:
            e["made_by"] = 0x0014  # MS-DOS: no Unix mode
        elif roll < 0.44:
            e["descriptor"] = r.choice(["sig", "nosig", "bad"])
        elif roll < 0.46:
            e["mode"] = 0o40755  # a directory without its '/'
        elif roll < 0.48:
            e["method"] = 0
            e["local_csize"] = len(e["data"]) + 1
        entries.append(e)
        if r.random() < 0.1 and not CLEAN[0]:
            entries.append(dict(e))
    comment = b""
    prefix = b""
    if r.random() < 0.1:
        comment = r.choice([b"a comment", b"x\x50\x4b\x05\x06" + b"\0" * 18])
    if r.random() < 0.05 and not CLEAN[0]:
        prefix = b"#!/bin/sh\nexit 0\n"
    return zip_build(entries, comment, prefix)


def rand_cpio(r):
    ms = []
    for i in range(r.randint(1, 4)):
        ms.append(cpio_member(rand_name(r), b"data\n", ino=i + 1,
                              nlink=r.choice([1, 1, 2])))
    return cpio_end(ms)


def random_archives(out, count, seed):
    r = random.Random(seed)
    for i in range(count):
        # Half are made of names, types and headers the policy accepts, so
        # the comparison with the extractors is not only of refusals.
        CLEAN[0] = r.random() < 0.5
        kind = r.choice(["tar", "tar", "tar", "zip", "zip", "cpio"])
        if kind == "tar":
            data, ext = rand_tar(r), "tar"
            if r.random() < 0.15:
                data, ext = gzip.compress(data, mtime=0), "tar.gz"
        elif kind == "zip":
            data, ext = rand_zip(r), "zip"
        else:
            data, ext = rand_cpio(r), "cpio"
        with open(os.path.join(out, "r%05d.%s" % (i, ext)), "wb") as f:
            f.write(data)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "random":
        os.makedirs(sys.argv[2], exist_ok=True)
        random_archives(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 3 and sys.argv[1] == "constructs":
        os.makedirs(sys.argv[2], exist_ok=True)
        for name, data in constructs().items():
            with open(os.path.join(sys.argv[2], name), "wb") as f:
                f.write(data)
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
