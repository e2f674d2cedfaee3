#!/bin/sh
# A root with a compiler (gcc and libc6-dev from Debian's archive, made by
# attest root create): a vendor root whose cc1 was patched is caught by
# verify root --debs naming the file and its package; hello built there and
# rebuilt in the root made again from the .debs is never exit 0; a one-line
# system() backdoor built there is named by its symbols first; and a
# cleanroom.json naming the root builds on it and on no other. Needs
# mmdebstrap and the Debian mirror (the .debs are cached in the build
# directory: CI downloads them once).
. "$SRCDIR/tests/cli/lib.sh"

suite=bookworm
# Two mmdebstrap runs of ~140 packages: once, in the normal build (CI time).
if [ "${CR_SANITIZE:-none}" != none ]; then
	echo "# skip: left out under the sanitizers (CI time); cli-root covers the code"
	exit 77
fi
root_prereqs
unset CLEANROOM_ROOT_CACHE
cc1=usr/lib/gcc/x86_64-linux-gnu/12/cc1

# ---- a cleanroom.json that names the root: made in a cache by the build ----
cp -r "$SRCDIR/examples/hello" hello
cp -r hello rsrc
cat >rsrc/cleanroom.json <<'EOF'
{"command": ["sh", "build.sh"], "artifacts": ["hello"],
 "root": {"suite": "bookworm", "include": ["libc6-dev", "gcc"]}}
EOF
"$ATTEST" keygen -o vendor >/dev/null 2>&1
expect 2 "a recipe's root with neither --root nor a cache" "$ATTEST" build -q --source rsrc \
	--env SOURCE_DATE_EPOCH=1 --output-dir r0
err_has "give --root" "says what to give"
err_one_line "one line on stderr"
# The .debs come from the suite's cache (hard links), and new ones go back.
mkdir rc && cp -al "$cache" rc/debs && rm -rf rc/debs/root-*
name=$(python3 -c 'import hashlib; print("root-bookworm-" + hashlib.sha256(b"bookworm\n\ngcc\nlibc6-dev\n").hexdigest()[:16])')
expect 0 "a recipe's root made in the cache by the build (mmdebstrap)" "$ATTEST" build -q \
	--source rsrc --env SOURCE_DATE_EPOCH=1 --root-cache rc --key vendor.key \
	--output-dir r2 -o rec.jsonl
for f in rc/debs/*.deb; do [ -e "$cache/${f##*/}" ] || ln "$f" "$cache/" 2>/dev/null; done
[ -f "rc/$name.tar" ] && [ -f "rc/$name.json" ] && [ -f "rc/$name.debs/ROOT.json" ] &&
	ok "kept as $name.tar, its ROOT.json and its .debs" || { not_ok "no rc/$name.tar"; done_testing; }
ln "rc/$name.tar" g.tar && ln "rc/$name.json" g.json && ln -s "rc/$name.debs" debs
expect 0 "attest hash --root-fs of it" "$ATTEST" hash -q --root-fs g.tar
tree=$(sed -n '1s/ .*//p' "$T/out")
python3 - "$tree" <<'PY' >pycheck 2>&1 && ok "its ROOT.json: the recipe's suite and includes, the tree" || { not_ok "ROOT.json"; sed 's/^/#   /' pycheck; }
import json, sys
m = json.load(open("g.json"))
assert m["recipe"]["suite"] == "bookworm" and sorted(m["recipe"]["include"]) == ["gcc", "libc6-dev"], m["recipe"]
assert m["tree"]["gitTree"] == sys.argv[1]
assert {"gcc-12", "cpp-12", "libc6-dev"} <= {p["name"] for p in m["packages"]}
PY
expect 0 "verify rebuild: the recipe's root reused from the cache" \
	env CLEANROOM_ROOT_CACHE=rc "$VERIFY" rebuild -a rec.jsonl -k vendor.pub rsrc
out_has "^root sha256tree:$tree: the attested root$" "the attested root"
out_has "^verdict: reproduced in the attested environment$" "the verdict"

# ---- the root, and a vendor's copy with a patched compiler ----
mkdir clean && tar -C clean -xf g.tar 2>/dev/null # devices need root: left out anyway
[ -f "clean/$cc1" ] && ok "the root has cc1" || { not_ok "no $cc1 in the root"; done_testing; }

# The vendor's root: a copy by hard links, cc1 replaced by one whose
# version string has one word changed (it lands in every object's .comment).
cp -al clean vendor
python3 - "$cc1" <<'PY'
import os, sys
p = "vendor/" + sys.argv[1]
b = open(p, "rb").read()
i = b.index(b"(Debian 12.")
b = b[:i + 1] + b"Evil  " + b[i + 7:]
os.unlink(p)
open(p, "wb").write(b)
os.chmod(p, 0o755)
PY
expect 0 "the vendor builds hello in its root" "$ATTEST" build -q --source hello \
	--env SOURCE_DATE_EPOCH=1 --root vendor --key vendor.key --output-dir vout -o att.jsonl
python3 - "$cc1" <<'PY' >pycheck 2>&1 && ok "the statement records cc1 (cpp-12), the crt files (libc6-dev) and gcc with their digests" || { not_ok "the recorded files"; sed 's/^/#   /' pycheck; }
import base64, hashlib, json, sys
st = json.loads(base64.b64decode(json.loads(open("att.jsonl").readline())["payload"]))
deps = {d["name"]: d for d in st["predicate"]["buildDefinition"]["resolvedDependencies"]}
c = deps["/" + sys.argv[1]]
assert c["annotations"]["package"] == "cpp-12" and c["annotations"]["kind"] == "file", c
assert c["digest"]["sha256"] == hashlib.sha256(open("vendor/" + sys.argv[1], "rb").read()).hexdigest()
assert deps["/usr/lib/x86_64-linux-gnu/crt1.o"]["annotations"]["package"] == "libc6-dev"
assert deps["gcc"]["annotations"]["package"] == "gcc-12", deps["gcc"]
assert any(n.endswith("/libc.so.6") and d["annotations"]["package"] == "libc6" for n, d in deps.items())
PY

# ---- verify root --debs: the regulator makes the root from Debian's .debs ----
expect 1 "verify root --debs: the vendor's root is not the one the .debs make" \
	"$VERIFY" root -a att.jsonl -k vendor.pub --debs debs -o remade.tar vendor
out_has "changed +$cc1 +\(package cpp-12\)" "names cc1 and its package cpp-12"
cmp -s remade.tar g.tar && ok "the root made from the .debs has the cached root's bytes" ||
	not_ok "remade.tar differs from g.tar"

# The regulator's root, unpacked once for the rebuilds below.
mkdir reg && tar -C reg -xf remade.tar 2>/dev/null
expect 2 "a rebuild in the regulator's root: inconclusive, never exit 0" "$VERIFY" rebuild \
	-a att.jsonl -k vendor.pub --root reg hello vout/hello
out_has "^root sha256tree:$tree: NOT the attested root" "not the attested root"
out_has "/$cc1 \(cpp-12\) sha256: recorded" "the toolchain names cc1 and cpp-12"
out_has "^verdict: inconclusive: the environment differs" "the verdict"

# ---- the honest build, and a system() backdoor built in the vendor's root ----
expect 0 "a build in the clean root" "$ATTEST" build -q --source hello \
	--env SOURCE_DATE_EPOCH=1 --root clean --key vendor.key --output-dir hout -o honest.jsonl
expect 0 "rebuilt in the root made from the .debs: reproduced" "$VERIFY" rebuild \
	-a honest.jsonl -k vendor.pub --root reg hello hout/hello
out_has "^verdict: reproduced in the attested environment$" "the verdict"
cp -r hello bd
sed -i 's|^\(.*printf.*\)$|\1\n\tif (getenv("HELLO_DEBUG")) system("sh -i");|' bd/greet.c
grep -q 'system("sh -i")' bd/greet.c || not_ok "the backdoor was not inserted"
grep -q '<stdlib.h>' bd/greet.c || sed -i '1i #include <stdlib.h>' bd/greet.c
expect 0 "the vendor builds the backdoor in its drifted root" "$ATTEST" build -q --source bd \
	--env SOURCE_DATE_EPOCH=1 --root vendor --output-dir bdout
expect 1 "the shipped backdoored hello against the rebuild" "$VERIFY" rebuild \
	-a honest.jsonl -k vendor.pub --root reg hello bdout/hello
sed -n '/^  shipped bdout\/hello: DIFFERENT/,$p' "$T/out" | head -n 8 >first
if grep -Eq "imported symbol added: (getenv|system)" first && grep -q "system" first; then
	ok "the backdoor's system import is named in the first lines"
else
	not_ok "system() within the first lines of the explanation"
	sed 's/^/#   /' first
fi

# ---- the recipe's root and no other ----
expect 2 "a --root with no ROOT.json beside it" "$ATTEST" build -q --source rsrc \
	--env SOURCE_DATE_EPOCH=1 --root reg --output-dir r0
err_has "no ROOT\.json" "says so"
# The clean root with a ROOT.json of its own tree, made with other includes.
python3 -c '
import json
m = json.load(open("g.json"))
m["recipe"]["include"] = ["gcc"]
json.dump(m, open("clean.json", "w"))'
expect 2 "a --root made with another recipe" "$ATTEST" build -q --source rsrc \
	--env SOURCE_DATE_EPOCH=1 --root clean --output-dir r0
err_has "includes 1 packages, the recipe names 2" "says what differs"
expect 0 "a --root made as the recipe says" "$ATTEST" build -q --source rsrc \
	--env SOURCE_DATE_EPOCH=1 --root g.tar --output-dir r1
cmp -s r1/hello r2/hello && cmp -s r1/hello hout/hello && ok "the same hello as from the cache and the clean root" ||
	not_ok "r1/hello differs"
expect 2 "verify rebuild with a --root made otherwise" "$VERIFY" rebuild -a rec.jsonl \
	-k vendor.pub --root clean rsrc
err_one_line "one line on stderr"

done_testing
