#!/usr/bin/env bash
# Rewrites the SYNOPSIS of docs/attest.1 and docs/verify.1 from what each
# command's --help prints (tests/cli/docs.sh checks they agree).
#   scripts/man-synopsis.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
python3 - "$build" <<'PY'
import re, subprocess, sys
build = sys.argv[1]
cmds = {"attest": ["keygen", "hash", "sign", "build", "export", "disclose", "log",
                   "root create"],
        "verify": ["artifact", "source", "rebuild", "diff", "log", "root"]}
for prog, subs in cmds.items():
    lines = []
    for c in subs:
        out = subprocess.run([f"{build}/{prog}/{prog}", *c.split(), "--help"],
                             capture_output=True, text=True, check=True).stdout
        block = []
        for l in out.split("\n"):
            if not block and not l.startswith("usage:"):
                continue
            if block and l == "":
                break
            block.append(l[7:] if l.startswith(("usage: ", "       ")) else l)
        lines += [l.replace("\\", "\\e").replace("-", "\\-") for l in block]
    page = open(f"docs/{prog}.1").read()
    page = re.sub(r"(\.SH SYNOPSIS\n\.nf\n).*?(\.fi\n)",
                  lambda m: m.group(1) + "\n".join(lines) + "\n" + m.group(2),
                  page, count=1, flags=re.S)
    open(f"docs/{prog}.1", "w").write(page)
PY
