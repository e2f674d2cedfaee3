#!/usr/bin/env python3
"""The differential test of the archive policy: for each archive, `attest
hash` must refuse it (exit 2) or print the git SHA-256 tree id of what every
extractor that succeeds writes to disk (GNU tar, bsdtar, Info-ZIP unzip,
Python's tarfile; Python's zipfile keeps no modes nor symlinks, so it is
compared with unzip's files that way).

  differ.py ATTEST DIR [JOBS]    prints counts; exit 1 on a disagreement
  differ.py --tree DIR           the tree id it computes (checked against git)
"""
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from multiprocessing import Pool

TIMEOUT = 20


def blob(data):
    return hashlib.sha256(b"blob %d\0" % len(data) + data).digest()


def tree(path, blind=False):
    """git's SHA-256 tree id of path (as `git add -A; git write-tree`), or
    None for an empty tree. blind: every file 100644, symlinks as files."""
    entries = []
    for name in os.listdir(path):
        if name == b".git" or name == ".git":
            continue
        p = os.path.join(path, name)
        st = os.lstat(p)
        raw = os.fsencode(name)
        if stat.S_ISLNK(st.st_mode):
            target = os.fsencode(os.readlink(p))
            entries.append((raw, b"100644" if blind else b"120000",
                            blob(target)))
        elif stat.S_ISDIR(st.st_mode):
            sub = tree(p, blind)
            if sub is not None:
                entries.append((raw, b"40000", sub))
        elif stat.S_ISREG(st.st_mode):
            with open(p, "rb") as f:
                data = f.read()
            mode = b"100755" if (st.st_mode & 0o100) and not blind \
                else b"100644"
            entries.append((raw, mode, blob(data)))
    if not entries:
        return None
    entries.sort(key=lambda e: e[0] + (b"/" if e[1] == b"40000" else b""))
    body = b"".join(m + b" " + n + b"\0" + o for n, m, o in entries)
    return hashlib.sha256(b"tree %d\0" % len(body) + body).digest()


def hexof(t):
    if t is None:  # git's empty tree
        return hashlib.sha256(b"tree 0\0").hexdigest()
    return t.hex()


def run(cmd, cwd=None):
    try:
        return subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              timeout=TIMEOUT).returncode
    except subprocess.TimeoutExpired:
        return -1


def py_tar(a, d):
    with tarfile.open(a) as t:
        # Extraction filters came with 3.11.4 (Debian 12 has 3.11.2).
        if hasattr(tarfile, "tar_filter"):
            t.extractall(d, filter="tar")
        else:
            t.extractall(d)


def py_zip(a, d):
    with zipfile.ZipFile(a) as z:
        z.extractall(d)


EXTRACTORS = [
    ("gnu-tar", lambda a, d: run(["tar", "-xf", a, "-C", d]) == 0),
    ("bsdtar", lambda a, d: run(["bsdtar", "-xf", a, "-C", d]) == 0),
    ("unzip", lambda a, d: run(["unzip", "-q", "-o", a, "-d", d]) == 0),
    ("tarfile", py_tar),
    ("zipfile", py_zip),
]


def extract(name, fn, a, d):
    os.mkdir(d)
    try:
        r = fn(a, d)
        return r is None or r is True
    except Exception:
        return False


def check(args):
    attest, path = args
    p = subprocess.run([attest, "hash", "-q", path], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=TIMEOUT)
    res = {"archive": os.path.basename(path), "code": p.returncode,
           "ok": {}, "bad": []}
    if p.returncode == 2:
        return res
    if p.returncode != 0:
        res["bad"].append("attest exit %d" % p.returncode)
        return res
    ours = p.stdout.decode().split()[0]
    work = tempfile.mkdtemp(prefix="differ.")
    try:
        seen = {}
        for name, fn in EXTRACTORS:
            d = os.path.join(work, name)
            if not extract(name, fn, path, d):
                continue
            seen[name] = d
            if name == "zipfile":
                continue
            got = hexof(tree(d))
            res["ok"][name] = got
            if got != ours:
                res["bad"].append("%s writes %s" % (name, got))
        if "zipfile" in seen:
            ref = seen.get("unzip") or seen.get("bsdtar")
            if ref is not None and hexof(tree(seen["zipfile"], True)) != \
                    hexof(tree(ref, True)):
                res["bad"].append("zipfile's files differ from unzip's")
            res["ok"]["zipfile"] = "blind"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return res


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--tree":
        print(hexof(tree(sys.argv[2].encode())))
        return 0
    if len(sys.argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    attest = os.path.abspath(sys.argv[1])
    d = sys.argv[2]
    jobs = int(sys.argv[3]) if len(sys.argv) == 4 else 2
    files = sorted(os.path.join(d, f) for f in os.listdir(d))
    with Pool(jobs) as pool:
        results = pool.map(check, [(attest, f) for f in files], chunksize=8)
    refused = sum(1 for r in results if r["code"] == 2)
    accepted = [r for r in results if r["code"] == 0]
    unseen = sum(1 for r in accepted if not r["ok"])
    per = {}
    for r in accepted:
        for name in r["ok"]:
            per[name] = per.get(name, 0) + 1
    bad = [r for r in results if r["bad"]]
    print("archives %d, refused %d, accepted %d (no extractor read %d)" %
          (len(results), refused, len(accepted), unseen))
    print("comparisons per extractor: %s" %
          ", ".join("%s %d" % kv for kv in sorted(per.items())))
    print("disagreements %d" % len(bad))
    for r in bad[:20]:
        print("DISAGREE %s: %s" % (r["archive"], "; ".join(r["bad"])))
    # An extractor that never succeeds would make the test pass vacuously.
    idle = [name for name, _ in EXTRACTORS
            if len(accepted) >= 50 and per.get(name, 0) == 0]
    for name in idle:
        print("NEVER COMPARED %s: is it installed and working?" % name)
    return 1 if bad or unseen or idle else 0


if __name__ == "__main__":
    sys.exit(main())
