#!/usr/bin/env python3
"""What a regulator audits for one verify command: the source files the
linker pulls in for it, and their lines of code.

usage: scripts/audit-lines.py BUILDDIR [--json] [COMMAND]...

For each command (default: artifact, source, log), starts from verify's
main.c and the command's file, and follows every undefined symbol
to the object that defines it in the static libraries verify links (as the
linker does for archive members), down to lib/base. Prints each command's
files with their code lines (neither blank nor comment) and the total; the
layer each file lives in is its folder. With --json, one JSON object.
Needs nm (binutils). Reads the build tree only; writes nothing.
"""
import json
import os
import re
import subprocess
import sys

COMMANDS = {
    "artifact": "cmd_artifact.c",
    "source": "cmd_source.c",
    "log": "cmd_log.c",
}
# The static libraries verify links, lowest layer last.
LIBS = ["common/libcleanroom_tool.a", "lib/check/libcleanroom_check.a",
        "lib/base/libcleanroom_base.a"]


def nm(path):
    """{object name: (defined symbols, undefined symbols)} of an archive or
    of a directory of objects."""
    paths = [path]
    if os.path.isdir(path):
        paths = sorted(os.path.join(path, f) for f in os.listdir(path)
                       if f.endswith(".o"))
    out = subprocess.run(["nm", "-P", "-A", "--no-sort"] + paths,
                         check=True, capture_output=True, text=True).stdout
    objs = {}
    for line in out.splitlines():
        # archive.a[dir/member.o]: name T value size, or file.o: name T ...
        head, _, rest = line.partition(": ")
        parts = rest.split()
        if len(parts) < 2:
            continue
        sym, kind = parts[0], parts[1]
        obj = os.path.basename(head.rstrip("]"))
        d, u = objs.setdefault(obj, (set(), set()))
        if kind == "U":
            u.add(sym)
        elif kind.isupper():
            d.add(sym)
    return objs


def source_of(obj, srcroot, libdir):
    """member.c.o -> the source file path relative to srcroot."""
    name = obj[:-2] if obj.endswith(".o") else obj
    for folder in [libdir, "lib/base", "lib/check", "common", "verify"]:
        p = os.path.join(folder, name)
        if os.path.exists(os.path.join(srcroot, p)):
            return p
    return name


def code_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        s = f.read()
    s = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), s,
               flags=re.S)
    s = re.sub(r"//.*", "", s)
    return sum(1 for line in s.split("\n") if line.strip())


def headers_of(src, srcroot):
    """The project headers a source file includes, found in the folders of
    verify's layers."""
    found = set()
    todo = [src]
    while todo:
        f = todo.pop()
        with open(os.path.join(srcroot, f), encoding="utf-8") as fh:
            for inc in re.findall(r'^#include "([^"]+)"', fh.read(), re.M):
                for folder in [os.path.dirname(f), "lib/base", "lib/check",
                               "common", "verify"]:
                    p = os.path.join(folder, inc)
                    if os.path.exists(os.path.join(srcroot, p)):
                        if p not in found:
                            found.add(p)
                            todo.append(p)
                        break
    return found


def main():
    args = [a for a in sys.argv[1:] if a != "--json"]
    as_json = "--json" in sys.argv[1:]
    if not args:
        sys.exit(__doc__.strip().splitlines()[3])
    build = args[0]
    cmds = args[1:] or list(COMMANDS)
    srcroot = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    verify_objs = nm(os.path.join(build, "verify", "verify.p"))
    libs = {}
    for lib in LIBS:
        for obj, du in nm(os.path.join(build, lib)).items():
            libs[obj] = du
    # verify's own shared files are pulled like archive members; the other
    # commands' files are not (main.c only names them).
    for obj, du in verify_objs.items():
        if obj in ("trust.c.o",):
            libs[obj] = du
    defined_in = {}
    for obj, (d, _) in libs.items():
        for sym in d:
            defined_in.setdefault(sym, obj)
    report = {}
    for cmd in cmds:
        start = ["main.c.o", COMMANDS[cmd] + ".o"]
        pulled, need = set(), set()
        for o in start:
            need |= verify_objs[o][1]
        files = {os.path.join("verify", o[:-2]) for o in start}
        while need:
            sym = need.pop()
            obj = defined_in.get(sym)
            if obj is None or obj in pulled:
                continue
            pulled.add(obj)
            need |= libs[obj][1]
        for obj in pulled:
            for folder in ["lib/base", "lib/check", "common", "verify"]:
                p = os.path.join(folder, obj[:-2])
                if os.path.exists(os.path.join(srcroot, p)):
                    files.add(p)
        withh = set(files)
        for f in files:
            withh |= headers_of(f, srcroot)
        counts = {f: code_lines(os.path.join(srcroot, f)) for f in withh}
        report[cmd] = {"files": dict(sorted(counts.items())),
                       "total": sum(counts.values())}
    if as_json:
        print(json.dumps(report, indent=2))
        return
    for cmd, r in report.items():
        print(f"verify {cmd}: {r['total']} lines of code in "
              f"{len(r['files'])} files")
        for f, n in r["files"].items():
            print(f"  {n:6d}  {f}")


if __name__ == "__main__":
    main()
