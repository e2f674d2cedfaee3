#!/usr/bin/env python3
"""Writes a small root filesystem as a tar, the way an image build would:
setuid, sticky, private modes, a group other than root's, absolute
symlinks, a device, a hard link, a long and a non-ASCII name.

rootfs.py OUT ORDER MTIME [--no-hardlink] [--format gnu|pax|ustar]
ORDER is "fwd" or "rev" (member order), MTIME every member's time."""
import io
import sys
import tarfile

out, order, mtime = sys.argv[1], sys.argv[2], int(sys.argv[3])
fmt = {"gnu": tarfile.GNU_FORMAT, "pax": tarfile.PAX_FORMAT,
       "ustar": tarfile.USTAR_FORMAT}[
    sys.argv[sys.argv.index("--format") + 1] if "--format" in sys.argv
    else "gnu"]
long_name = "./usr/share/doc/" + "d" * 90 + "/" + "f" * 120

# name, type, mode, uid, gid, uname, gname, data or link target
entries = [
    ("./", tarfile.DIRTYPE, 0o755, 0, 0, "root", "root", None),
    ("./bin/", tarfile.DIRTYPE, 0o755, 0, 0, "root", "root", None),
    ("./bin/su", tarfile.REGTYPE, 0o4755, 0, 0, "root", "root",
     b"\x7fELF su\n"),
    ("./bin/passwd", tarfile.REGTYPE, 0o2755, 0, 42, "root", "shadow",
     b"\x7fELF passwd\n"),
    ("./dev/", tarfile.DIRTYPE, 0o755, 0, 0, "root", "root", None),
    ("./dev/null", tarfile.CHRTYPE, 0o666, 0, 0, "root", "root", (1, 3)),
    ("./etc/", tarfile.DIRTYPE, 0o755, 0, 0, "root", "root", None),
    ("./etc/shadow", tarfile.REGTYPE, 0o640, 0, 42, "root", "shadow",
     b"root:*:19000:0:99999:7:::\n"),
    ("./etc/ssh/", tarfile.DIRTYPE, 0o755, 0, 0, "root", "root", None),
    ("./etc/ssh/ssh_host_ed25519_key", tarfile.REGTYPE, 0o600, 0, 0,
     "root", "root", b"-----BEGIN OPENSSH PRIVATE KEY-----\n"),
    ("./etc/localtime", tarfile.SYMTYPE, 0o777, 0, 0, "root", "root",
     "/usr/share/zoneinfo/UTC"),
    ("./etc/caf\u00e9.conf", tarfile.REGTYPE, 0o644, 0, 0, "root", "root",
     b"x\n"),
    ("./home/", tarfile.DIRTYPE, 0o755, 0, 0, "root", "root", None),
    ("./home/user/", tarfile.DIRTYPE, 0o700, 1000, 1000, "user", "user",
     None),
    ("./tmp/", tarfile.DIRTYPE, 0o1777, 0, 0, "root", "root", None),
    ("./usr/", tarfile.DIRTYPE, 0o755, 0, 0, "root", "root", None),
    (long_name, tarfile.REGTYPE, 0o644, 0, 0, "root", "root", b"doc\n"),
]
if "--no-hardlink" not in sys.argv:
    # Its name sorts before its target's: the data moves to it.
    entries.append(("./bin/a-su", tarfile.LNKTYPE, 0o4755, 0, 0, "root",
                     "root", "./bin/su"))
if order == "rev":
    # Parents first still (tar needs no such order, but GNU cpio does).
    regular = [e for e in entries if e[1] != tarfile.LNKTYPE]
    entries = ([e for e in regular if e[1] == tarfile.DIRTYPE] +
               [e for e in regular if e[1] != tarfile.DIRTYPE][::-1] +
               [e for e in entries if e[1] == tarfile.LNKTYPE])

t = tarfile.open(out, "w", format=fmt, encoding="utf-8")
for name, typ, mode, uid, gid, uname, gname, what in entries:
    i = tarfile.TarInfo(name)
    i.type, i.mode, i.uid, i.gid = typ, mode, uid, gid
    i.uname, i.gname, i.mtime = uname, gname, mtime
    if typ == tarfile.REGTYPE:
        i.size = len(what)
        t.addfile(i, io.BytesIO(what))
        continue
    if typ in (tarfile.SYMTYPE, tarfile.LNKTYPE):
        i.linkname = what
    if typ == tarfile.CHRTYPE:
        i.devmajor, i.devminor = what
    t.addfile(i)
t.close()
