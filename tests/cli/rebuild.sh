#!/bin/sh
# verify rebuild: the regulator's one command. The honest path holds; a
# backdoored or patched shipped binary, a swapped source and a changed
# toolchain are each named for what they are.
. "$SRCDIR/tests/cli/lib.sh"

cp -r "$SRCDIR/examples/hello" repo
git -C repo init -q && git -C repo add -A && git -C repo commit -qm A
git -C repo tag A
"$ATTEST" keygen -o vendor >/dev/null 2>&1
"$ATTEST" keygen -o regulator >/dev/null 2>&1

# The recipe is the tree's cleanroom.json (sh build.sh; hello, libgreet.a,
# hello.tar.gz), which the regulator reviews with the source.
expect 0 "the vendor builds and signs commit A" "$ATTEST" build --git repo \
	--rev A --key vendor.key --output-dir vendor -o att.jsonl
expect 0 "the vendor exports the reviewed source" "$ATTEST" export \
	--git repo --rev A -o src.tar.gz
dpkg-query -W -f '${db:Status-Status} ${Package} ${Version} ${Architecture}\n' >dpkg.txt 2>/dev/null

# The honest path.
expect 0 "verify source on the export" "$VERIFY" source -a att.jsonl \
	-k vendor.pub src.tar.gz
expect 0 "rebuild matches the attestation and the shipped files" \
	"$VERIFY" rebuild -a att.jsonl -k vendor.pub src.tar.gz \
	vendor/hello vendor/hello.tar.gz vendor/libgreet.a
out_has "^OK +hello " "hello rebuilt identical"
out_has "shipped vendor/hello: identical" "the shipped hello is identical"
out_has "toolchain: the [0-9]+ recorded tools and files are the same here" \
	"the toolchain is compared"
expect 0 "rebuild from --git" "$VERIFY" rebuild -a att.jsonl -k vendor.pub \
	--git repo --rev A vendor/hello
expect 0 "rebuild --json" "$VERIFY" rebuild --json -a att.jsonl \
	-k vendor.pub --keep kept src.tar.gz vendor/hello
out_has '"result": "ok"' "json says ok"
cmp -s kept/hello vendor/hello && ok "--keep keeps the rebuilt artifacts" ||
	not_ok "--keep keeps the rebuilt artifacts"

# A second statement in the file, signed by the same key for the same tree:
# a backdoored hello (red team). The rebuild reproduces the first and names
# the second as not what it made; a statement of another tree in the input
# is not vouched for either.
mkdir evil && cp vendor/hello evil/hello && printf 'BACKDOOR' >>evil/hello
(cd evil && "$ATTEST" sign --git ../repo --rev A --key ../vendor.key \
	-o ../evil.jsonl hello >/dev/null 2>&1)
cat att.jsonl evil.jsonl >two.jsonl
expect 1 "a signed backdoor beside the honest statement" "$VERIFY" rebuild \
	-a two.jsonl -k vendor.pub src.tar.gz
out_has "^FAIL +hello +attested sha256:[0-9a-f]+ \[two.jsonl:2\]: the rebuild did not make these bytes" \
	"names the other statement's subject and line"
out_has "^verdict: NOT reproduced" "verdict: not reproduced"
expect 1 "--json says so too" "$VERIFY" rebuild --json -a two.jsonl \
	-k vendor.pub src.tar.gz
out_has '"result": "not reproduced"' "json: the other statement's subject"
echo 'int x;' >other.c
mkdir othersrc && cp other.c othersrc/
"$ATTEST" sign --source othersrc --key vendor.key -o other.jsonl \
	vendor/hello >/dev/null 2>&1
cat att.jsonl other.jsonl >mixed.jsonl
expect 1 "a statement of another tree in the input" "$VERIFY" rebuild \
	-a mixed.jsonl -k vendor.pub src.tar.gz
err_has "mixed.jsonl:2: a trusted statement of another source tree" \
	"says it is another tree's"
(cd evil && "$ATTEST" sign --git ../repo --rev A --key ../regulator.key \
	-o ../evil-reg.jsonl hello >/dev/null 2>&1)
expect 0 "a statement by a key not trusted here counts for nothing" \
	"$VERIFY" rebuild -a att.jsonl -a evil-reg.jsonl -k vendor.pub src.tar.gz

# Backdoor swap: commit A attested, a binary of commit B shipped.
sed -i 's/hello from %s/hello from %s; debug shell on port 4444/' repo/greet.c
git -C repo commit -qam B
expect 0 "the vendor quietly builds commit B" "$ATTEST" build --git repo \
	--output-dir shipB
expect 1 "verify rebuild catches the backdoored binary" "$VERIFY" rebuild \
	-a att.jsonl -k vendor.pub src.tar.gz shipB/hello shipB/libgreet.a
out_has "shipped shipB/hello: DIFFERENT" "names the artifact"
out_has "\\.rodata" "names the ELF section"
out_has "strings: .*hello from %s\"" "shows the string as built"
out_has "B .*hello from %s; debug shell" "shows the changed string"
err_has "shipB/hello: differs from the rebuild" "says so on stderr"
out_has "shipped shipB/libgreet.a: DIFFERENT" "the library differs too"

# A patched binary: one byte, with its offset.
cp vendor/hello patched-hello
printf '\377' | dd of=patched-hello bs=1 seek=4000 conv=notrunc 2>/dev/null
mkdir p && mv patched-hello p/hello
expect 1 "a patched shipped binary" "$VERIFY" rebuild -a att.jsonl \
	-k vendor.pub src.tar.gz p/hello
out_has "4000|0xfa0" "gives the offset"
# Two SHIPPED files of one name: --json lists both, in the order given.
expect 1 "two shipped files of one name, --json" "$VERIFY" rebuild --json \
	-a att.jsonl -k vendor.pub src.tar.gz vendor/hello p/hello
same "$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
a = [x for x in d["artifacts"] if x.get("name") == "hello"][0]
print(" ".join("%s:%s" % (s["file"], s["result"]) for s in a["shipped"]))' \
	"$T/out")" "vendor/hello:identical p/hello:different" \
	"--json lists every shipped file of a name"

# Code under a debug name: the shipped hello's .text renamed .debug_x (it
# still runs). The explanation calls it code, never derived.
mkdir dbg && objcopy --rename-section .text=.debug_x vendor/hello dbg/hello
expect 0 "the renamed binary still runs" ./dbg/hello
expect 1 "a shipped binary with .text renamed .debug_x" "$VERIFY" rebuild \
	-a att.jsonl -k vendor.pub src.tar.gz dbg/hello
out_has "\.debug_x \[code\]" "the explanation calls .debug_x code"
if grep -q "debug_x[^;]*derived" "$T/out"; then
	not_ok "the explanation does not call .debug_x derived"
	grep "debug_x" "$T/out" | sed 's/^/#   /'
else ok "the explanation does not call .debug_x derived"; fi

# Source swap: the regulator is handed a tree with one changed file.
mkdir swapped && tar -xzf src.tar.gz -C swapped
printf '/* swapped */\n' >>swapped/hello.c
expect 1 "a swapped source is not rebuilt" "$VERIFY" rebuild -a att.jsonl \
	-k vendor.pub swapped vendor/hello
err_has "is not the attested one" "says the source is not the attested one"
"$ATTEST" hash --list --json --git repo --rev A >files.json
expect 1 "verify source names the swapped file" "$VERIFY" source \
	-a att.jsonl -k vendor.pub --files files.json swapped
out_has "changed +hello.c" "names hello.c"

# Toolchain difference: the statement records another cc (re-signed by the
# vendor's key with openssl, as a vendor with another compiler would).
python3 - <<'PY'
import base64, json
env = json.loads(open("att.jsonl").readline())
st = json.loads(base64.b64decode(env["payload"]))
for d in st["predicate"]["buildDefinition"]["resolvedDependencies"]:
    if d.get("name") == "cc":
        d["annotations"]["version"] = "cc (Debian 99.1.0-1) 99.1.0"
        d["digest"]["sha256"] = "0" * 64
body = json.dumps(st).encode()
env["payload"] = base64.b64encode(body).decode()
t = env["payloadType"].encode()
open("pae.bin", "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
json.dump(env, open("env.json", "w"))
PY
openssl pkeyutl -sign -rawin -inkey vendor.key -in pae.bin -out sig.bin
python3 - <<'PY'
import base64, json
env = json.load(open("env.json"))
env["signatures"] = [{"keyid": "", "sig": base64.b64encode(open("sig.bin", "rb").read()).decode()}]
open("othercc.jsonl", "w").write(json.dumps(env) + "\n")
PY
expect 0 "rebuild with a recorded toolchain that differs" "$VERIFY" rebuild \
	-a othercc.jsonl -k vendor.pub src.tar.gz vendor/hello
out_has "toolchain: DIFFERS" "reports the toolchain difference"
out_has "cc( \\([^)]*\\))? version: recorded 'cc \\(Debian 99.1.0-1\\) 99.1.0'" \
	"names the tool and the version"
out_has "cc( \\([^)]*\\))? sha256: recorded '0{64}'" "names the digest"

# What the build ran and read, recorded by file and package: the compiler
# configure runs (gcc, not only cc), cc1, the crt files, libc headers and
# the libraries hello loads, each with its owning package; and the host's
# whole package set, like a .buildinfo, bound by its digest.
python3 - >pycheck 2>&1 <<'PY' && ok "the statement records gcc, cc1, crt files, headers, libc.so.6 and the host packages" || { not_ok "the recorded environment"; sed 's/^/#   /' pycheck; }
import base64, hashlib, json, subprocess
st = json.loads(base64.b64decode(json.loads(open("att.jsonl").readline())["payload"]))
deps = {d["name"]: d for d in st["predicate"]["buildDefinition"]["resolvedDependencies"]}
assert "gcc" in deps and deps["gcc"]["annotations"]["package"].startswith("gcc-"), deps.get("gcc")
files = {n: d for n, d in deps.items() if d.get("annotations", {}).get("kind") == "file"}
want = {"cc1": "cpp-", "crt1.o": "libc6-dev", "stdio.h": "libc6-dev", "libc.so.6": "libc6"}
for base, pkg in want.items():
    hit = [d for n, d in files.items() if n.endswith("/" + base)]
    assert hit, base
    a = hit[0]["annotations"]
    assert a["package"].startswith(pkg) and a["packageVersion"], (base, a)
    assert "version" not in a
    # The digest is the file's, read by an outside tool.
    assert hit[0]["digest"]["sha256"] == hashlib.sha256(open(a["path"], "rb").read()).hexdigest(), base
h = deps["hostfs"]
a = h["annotations"]
native = a["architecture"]
assert a["packagesEncoding"] == "zlib+base64"
import zlib
text = zlib.decompress(base64.b64decode(a["packages"])).decode()
got = []
for l in text.splitlines():
    n, v = l.split(" ")
    n, _, arch = n.partition(":")
    got.append((n, v, arch or native))
q = open("dpkg.txt").read().split("\n")  # dpkg-query's, at the build
inst = sorted(tuple(l.split()[1:]) for l in q if l.startswith("installed "))
assert sorted(got) == inst, set(got) ^ set(inst)
assert h["digest"]["sha256"] == hashlib.sha256(text.encode()).hexdigest()
# Small enough for a transparency log entry (64 KiB), as a line of the file.
assert len(open("att.jsonl").readline()) < 65536
PY

# The statement re-signed with the vendor's key after edit.py changes it.
resign() { # OUT
	python3 - <<'PY'
import base64, json
env = json.loads(open("att.jsonl").readline())
st = json.loads(base64.b64decode(env["payload"]))
exec(open("edit.py").read())
body = json.dumps(st).encode()
env["payload"] = base64.b64encode(body).decode()
t = env["payloadType"].encode()
open("pae.bin", "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
json.dump(env, open("env.json", "w"))
PY
	openssl pkeyutl -sign -rawin -inkey vendor.key -in pae.bin -out sig.bin &&
		python3 -c '
import base64, json, sys
env = json.load(open("env.json"))
env["signatures"] = [{"keyid": "", "sig": base64.b64encode(open("sig.bin", "rb").read()).decode()}]
open(sys.argv[1], "w").write(json.dumps(env) + "\n")' "$1"
}
# A vendor host with another libc6-dev and cpp-12 (package set and the
# files' records): the drift is named by package, versions and files.
cat >edit.py <<'PY'
import hashlib
deps = st["predicate"]["buildDefinition"]["resolvedDependencies"]
for d in deps:
    a = d.get("annotations", {})
    if d["name"] == "hostfs":
        import base64, zlib
        lines = [l.split(" ") for l in zlib.decompress(base64.b64decode(a["packages"])).decode().splitlines()]
        text = "".join("%s %s\n" % (n, "99.0-vendor" if n in ("libc6-dev", "cpp-12") else v) for n, v in lines)
        a["packages"] = base64.b64encode(zlib.compress(text.encode())).decode()
        d["digest"]["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    elif a.get("package") in ("libc6-dev", "cpp-12"):
        a["packageVersion"] = "99.0-vendor"
PY
if dpkg-query -W libc6-dev cpp-12 >/dev/null 2>&1 && resign drift.jsonl; then
	expect 0 "a host drifted in libc6-dev and cpp-12: reproduced despite drift" "$VERIFY" rebuild \
		-a drift.jsonl -k vendor.pub src.tar.gz vendor/hello
	out_has "^host packages: DIFFER from the attested host's [0-9]+ \\(2 packages\\):$" "says the host's packages differ"
	out_has "^  drift cpp-12:amd64  attested 99\\.0-vendor, here " "names cpp-12 and both versions"
	out_has "^  drift libc6-dev:amd64  attested 99\\.0-vendor, here " "names libc6-dev"
	out_has "/cc1 \\(cpp-12\\) package: recorded 'cpp-12 99\\.0-vendor', here 'cpp-12 " "names cc1's package and versions"
	out_has "/crt1\\.o \\(libc6-dev\\) package: recorded 'libc6-dev 99\\.0-vendor'" "names crt1.o's package"
	out_has "^verdict: reproduced despite environment drift \\(2: cpp-12, libc6-dev\\)$" "the verdict names both packages once"
	expect 0 "the same, --json" "$VERIFY" rebuild --json -a drift.jsonl -k vendor.pub src.tar.gz
	python3 - "$T/out" <<'PY' && ok "--json: the drift by package, files with their package" || not_ok "--json drift"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "ok" and r["root"]["same"] is False and r["root"]["hostPackages"] > 100, r["root"]
pk = {d["package"] for d in r["drift"]}
assert pk == {"cpp-12", "libc6-dev"}, pk
assert any(d.get("file", "").endswith("/cc1") and d["package"] == "cpp-12" for d in r["drift"]), r["drift"]
PY
fi
# Drift and an attested digest the rebuild does not give: inconclusive.
cat >>edit.py <<'PY'
for s in st["subject"]:
    if s["name"] == "hello":
        s["digest"]["sha256"] = "0" * 64
PY
if dpkg-query -W libc6-dev cpp-12 >/dev/null 2>&1 && resign drift2.jsonl; then
	expect 2 "drift and a different artifact: inconclusive" "$VERIFY" rebuild \
		-a drift2.jsonl -k vendor.pub src.tar.gz
	out_has "^verdict: inconclusive: the environment differs \\(2: cpp-12, libc6-dev\\); rebuild in the attested root$" "the verdict"
fi
# A file recorded from another package of the same version: named too.
cat >edit.py <<'PY'
for d in st["predicate"]["buildDefinition"]["resolvedDependencies"]:
    if d["name"].endswith("/cc1"):
        d["annotations"]["package"] = "cpp-13"
PY
if resign pkgname.jsonl; then
	expect 0 "cc1 recorded from another package: drift" "$VERIFY" rebuild \
		-a pkgname.jsonl -k vendor.pub src.tar.gz
	out_has "/cc1 \\(cpp-13\\) package: recorded 'cpp-13 [^']+', here 'cpp-12 " "compared by package name"
	out_has "^verdict: reproduced despite environment drift \\(1: cpp-13\\)$" "the verdict names it"
fi
# A package list that is not the one its digest names: refused.
cat >edit.py <<'PY'
for d in st["predicate"]["buildDefinition"]["resolvedDependencies"]:
    if d["name"] == "hostfs":
        import base64, zlib
        t = zlib.decompress(base64.b64decode(d["annotations"]["packages"])).decode()
        d["annotations"]["packages"] = base64.b64encode(zlib.compress(t.replace(" ", " 0.0-edited", 1).encode())).decode()
PY
if resign badhost.jsonl; then
	expect 2 "a host package list its digest does not name" "$VERIFY" rebuild \
		-a badhost.jsonl -k vendor.pub src.tar.gz
	err_has "hostfs: its digest is not the one of its package list" "says why"
	err_one_line "one line on stderr"
fi
# A package listed twice, with two versions (its digest updated): a
# comparison could match either, so it is refused.
cat >edit.py <<'PY'
import base64, hashlib, zlib
for d in st["predicate"]["buildDefinition"]["resolvedDependencies"]:
    if d["name"] == "hostfs":
        t = zlib.decompress(base64.b64decode(d["annotations"]["packages"])).decode()
        first = t.splitlines()[0].split(" ")
        t += "%s 99.0-twice\n" % first[0]
        d["annotations"]["packages"] = base64.b64encode(zlib.compress(t.encode())).decode()
        d["digest"]["sha256"] = hashlib.sha256(t.encode()).hexdigest()
PY
if resign twicehost.jsonl; then
	expect 2 "a host package listed twice" "$VERIFY" rebuild \
		-a twicehost.jsonl -k vendor.pub src.tar.gz
	err_has "package [^ ]+:[a-z0-9]+ listed twice" "says which"
	err_one_line "a package listed twice: one line on stderr"
fi

# An independent rebuilder signs too; the customer asks for both.
expect 0 "the regulator rebuilds and signs" "$ATTEST" build \
	--tarball src.tar.gz --recipe-from att.jsonl --key regulator.key \
	--output-dir reg -o reg.jsonl
expect 0 "threshold 2 of 2" "$VERIFY" artifact -a att.jsonl -a reg.jsonl \
	-k vendor.pub -k regulator.pub --threshold 2 vendor/hello
expect 1 "threshold 2 against the backdoored binary" "$VERIFY" artifact \
	-a att.jsonl -a reg.jsonl -k vendor.pub -k regulator.pub \
	--threshold 2 shipB/hello

# Could not check: exit 2.
expect 2 "missing source" "$VERIFY" rebuild -a att.jsonl -k vendor.pub \
	nowhere vendor/hello
expect 2 "a statement with no recipe" sh -c "'$ATTEST' sign --git repo \
	--rev A --key vendor.key -o signed.jsonl vendor/hello >/dev/null &&
	'$VERIFY' rebuild -a signed.jsonl -k vendor.pub src.tar.gz"
err_has "records no recipe" "says there is no recipe"
expect 1 "untrusted key" "$VERIFY" rebuild -a att.jsonl -k regulator.pub \
	src.tar.gz vendor/hello

# The rebuilder caps what the vendor's recipe may leave it.
expect 2 "--max-size below what the artifacts hold" "$VERIFY" rebuild -q \
	--max-size 1K -a att.jsonl -k vendor.pub src.tar.gz
err_has "all may hold together \(--max-size\); refusing" "says which cap"
expect 2 "--max-size that is not a size" "$VERIFY" rebuild --max-size 1Q \
	-a att.jsonl -k vendor.pub src.tar.gz
err_has "max-size" "names the option"
expect 0 "--max-size 1G is room enough" "$VERIFY" rebuild -q --max-size 1G \
	-a att.jsonl -k vendor.pub src.tar.gz

done_testing
