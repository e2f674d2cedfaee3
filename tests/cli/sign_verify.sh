#!/bin/sh
# attest sign, verify artifact and verify source end to end: the honest path,
# every tamper case (exit 1), bad input (exit 2), and interop with openssl.
. "$SRCDIR/tests/cli/lib.sh"

# A vendor repository with a committed tree and an uncommitted file.
mkdir repo
printf 'int main(void) { return 0; }\n' >repo/main.c
printf 'all:\n\tcc main.c -o fw.bin\n' >repo/Makefile
mkdir repo/doc && printf 'notes\n' >repo/doc/README
git -C repo init -q && git -C repo add -A && git -C repo commit -qm one
printf 'firmware bytes\n' >fw.bin
printf 'other artifact\n' >lib.a

expect 0 "keygen vendor" "$ATTEST" keygen -o vendor
expect 0 "keygen regulator" "$ATTEST" keygen -o regulator
expect 0 "keygen untrusted" "$ATTEST" keygen -o mallory
expect 0 "keygen p256" "$ATTEST" keygen --algorithm p256 -o ec

expect 0 "sign from --git" "$ATTEST" sign --git repo --key vendor.key \
	-o fw.intoto.jsonl fw.bin lib.a
same "$(wc -l <fw.intoto.jsonl | tr -d ' ')" 1 "one envelope on one line"
tree=$(git_sha256_tree repo)
out_has "source sha256tree:$tree" "sign prints git's own tree hash"

# The honest path.
expect 0 "artifact verifies" "$VERIFY" artifact -a fw.intoto.jsonl \
	-k vendor.pub fw.bin lib.a
out_has "^OK +fw.bin" "report says OK for fw.bin"
out_has "sha256tree:$tree" "report names the source tree"
expect 0 "source directory verifies" "$VERIFY" source -a fw.intoto.jsonl \
	-k vendor.pub repo
expect 0 "source --git verifies" "$VERIFY" source -a fw.intoto.jsonl \
	-k vendor.pub --git repo
git -C repo archive --format=tar.gz --prefix=src/ -o "$T/src.tar.gz" HEAD
expect 0 "source archive verifies" "$VERIFY" source -a fw.intoto.jsonl \
	-k vendor.pub --strip-components 1 src.tar.gz
expect 0 "sign from --source" "$ATTEST" sign --source repo \
	--key vendor.key -o dir.intoto.jsonl fw.bin
expect 0 "sign from --tarball" "$ATTEST" sign --tarball src.tar.gz \
	--strip-components 1 --key vendor.key -o tar.intoto.jsonl fw.bin
for f in dir tar; do
	expect 0 "$f-based statement names the same tree" "$VERIFY" source \
		-a $f.intoto.jsonl -k vendor.pub --git repo
done

# Untracked files never count for --git.
printf 'secret\n' >repo/untracked.txt
expect 0 "untracked file ignored by --git" "$VERIFY" source \
	-a fw.intoto.jsonl -k vendor.pub --git repo
expect 1 "untracked file counts for a directory" "$VERIFY" source \
	-a fw.intoto.jsonl -k vendor.pub repo
err_has "source tree differs" "says the source tree differs"
rm repo/untracked.txt

# Tamper: the artifact.
mkdir patched
cp fw.bin patched/fw.bin
printf 'X' | dd of=patched/fw.bin bs=1 seek=3 conv=notrunc 2>/dev/null
expect 1 "byte flipped in the artifact" "$VERIFY" artifact \
	-a fw.intoto.jsonl -k vendor.pub patched/fw.bin
err_has "patched/fw.bin: digest is not attested" "names the file and why"
out_has "attests 'fw.bin' sha256:$(sha256sum fw.bin | cut -c1-64)" \
	"shows what was attested instead"
expect 1 "one bad file among good ones fails" "$VERIFY" artifact \
	-a fw.intoto.jsonl -k vendor.pub fw.bin patched/fw.bin

# Tamper: the source (changed, added, removed file).
cp -r repo changed && rm -rf changed/.git
printf 'int main(void) { return 1; }\n' >changed/main.c
expect 1 "one file changed in the source" "$VERIFY" source \
	-a fw.intoto.jsonl -k vendor.pub changed
err_has "source tree differs: it is sha256tree:[0-9a-f]{64}, the attestation names sha256tree:$tree" \
	"names both trees"
cp -r repo added && rm -rf added/.git && printf 'x\n' >added/extra.c
expect 1 "one file added to the source" "$VERIFY" source \
	-a fw.intoto.jsonl -k vendor.pub added
cp -r repo removed && rm -rf removed/.git && rm removed/doc/README
expect 1 "one file removed from the source" "$VERIFY" source \
	-a fw.intoto.jsonl -k vendor.pub removed

# Tamper: the envelope. edit FIELD EXPR rewrites the first envelope.
edit() {
	python3 - "$1" "$2" <<'PY'
import base64, json, sys
env = json.loads(open("fw.intoto.jsonl").readline())
what = sys.argv[1]
if what == "payload":
    st = json.loads(base64.b64decode(env["payload"]))
    st["subject"][0]["digest"]["sha256"] = "0" * 64
    env["payload"] = base64.b64encode(json.dumps(st).encode()).decode()
elif what == "type":
    env["payloadType"] = "application/json"
elif what == "nosig":
    env["signatures"] = []
elif what == "dropsig":
    del env["signatures"]
open(sys.argv[2], "w").write(json.dumps(env) + "\n")
PY
}
edit payload edited.jsonl
expect 1 "payload edited" "$VERIFY" artifact -a edited.jsonl -k vendor.pub fw.bin
out_has "no valid signature by a trusted key" "says the signature does not hold"
edit type type.jsonl
expect 1 "payloadType changed" "$VERIFY" artifact -a type.jsonl -k vendor.pub fw.bin
edit nosig nosig.jsonl
expect 1 "signature removed" "$VERIFY" artifact -a nosig.jsonl -k vendor.pub fw.bin
out_has "no signature" "says there is no signature"
edit dropsig dropsig.jsonl
expect 1 "signatures field removed" "$VERIFY" artifact -a dropsig.jsonl \
	-k vendor.pub fw.bin
expect 1 "signed by an untrusted key" "$VERIFY" artifact \
	-a fw.intoto.jsonl -k mallory.pub fw.bin
expect 1 "untrusted key for source" "$VERIFY" source -a fw.intoto.jsonl \
	-k mallory.pub repo
err_has "no attestation signed by a trusted key" "source says no trusted signature"

# Threshold: one signer is not two; the same key twice counts once.
expect 1 "threshold 2 with one trusted signer" "$VERIFY" artifact \
	-a fw.intoto.jsonl -k vendor.pub -k regulator.pub --threshold 2 fw.bin
err_has "threshold not met: 1 of 2" "says how many keys agree"
expect 1 "the same key twice counts once" "$VERIFY" artifact \
	-a fw.intoto.jsonl -k vendor.pub -k vendor.pub --threshold 2 fw.bin
expect 0 "regulator signs too" "$ATTEST" sign --git repo \
	--key regulator.key -o reg.intoto.jsonl fw.bin
expect 0 "threshold 2 with two signers" "$VERIFY" artifact \
	-a fw.intoto.jsonl -a reg.intoto.jsonl -k vendor.pub \
	-k regulator.pub --threshold 2 fw.bin
out_has "2 of 2 required keys agree" "counts both keys"
# A second party attesting the same digest from another tree disagrees.
expect 0 "regulator signs from another tree" "$ATTEST" sign \
	--source changed --key regulator.key -o other.intoto.jsonl fw.bin
expect 1 "parties naming different trees do not add up" "$VERIFY" artifact \
	-a fw.intoto.jsonl -a other.intoto.jsonl -k vendor.pub \
	-k regulator.pub --threshold 2 fw.bin
err_has "2 different source trees" "says the trees differ"
out_has "regulator.pub.*sha256tree:" "lists which key attested which tree"

# One tree, two builds: the vendor's key attests fw.bin twice for the same
# tree with other bytes (red team: an honest statement, then a signed
# backdoor in the same file). Both files then fail, naming the other line.
mkdir twice && printf 'backdoored\n' >twice/fw.bin
(cd twice && "$ATTEST" sign --git ../repo --key ../vendor.key \
	-o ../twice.jsonl fw.bin >/dev/null 2>&1)
cat fw.intoto.jsonl twice.jsonl >both.jsonl
expect 1 "a key attesting two digests for one name and tree" "$VERIFY" \
	artifact -a both.jsonl -k vendor.pub twice/fw.bin
err_has "attests another digest for 'fw.bin' from the same source tree \(both.jsonl:1\)" \
	"names the contradicting statement"
expect 1 "the honest file fails with it too" "$VERIFY" artifact \
	-a both.jsonl -k vendor.pub fw.bin
expect 0 "each alone still verifies" "$VERIFY" artifact -a twice.jsonl \
	-k vendor.pub twice/fw.bin
# A contradiction signed by a key not trusted here counts for nothing.
expect 0 "an untrusted key's other digest does not count" \
	"$VERIFY" artifact -a reg.intoto.jsonl -a twice.jsonl \
	-k regulator.pub fw.bin

# P-256 keys work the same way.
expect 0 "sign with P-256" "$ATTEST" sign --git repo --key ec.key \
	-o ec.intoto.jsonl fw.bin
expect 0 "verify P-256" "$VERIFY" artifact -a ec.intoto.jsonl -k ec.pub fw.bin
expect 1 "P-256 statement, wrong key" "$VERIFY" artifact \
	-a ec.intoto.jsonl -k vendor.pub fw.bin

# --json is valid JSON with the verdict.
expect 1 "json report on failure" "$VERIFY" artifact --json \
	-a fw.intoto.jsonl -k vendor.pub patched/fw.bin
if python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(r["result"] != "fail")' "$T/out"; then
	ok "json report parses and says fail"
else
	not_ok "json report parses and says fail"
fi
expect 0 "json source report" "$VERIFY" source --json -a fw.intoto.jsonl \
	-k vendor.pub repo
out_has "\"result\": \"ok\"" "json source report says ok"

# Bad input: exit 2, one line naming the file.
head -c 100 fw.intoto.jsonl >truncated.jsonl
expect 2 "truncated envelope" "$VERIFY" artifact -a truncated.jsonl \
	-k vendor.pub fw.bin
err_one_line "truncated envelope: one line"
err_has "truncated.jsonl" "truncated envelope: names the file"
printf 'hello world\n' >notjson.jsonl
expect 2 "non-JSON envelope" "$VERIFY" artifact -a notjson.jsonl \
	-k vendor.pub fw.bin
err_one_line "non-JSON: one line"
python3 - <<'PY'
import json
line = open("fw.intoto.jsonl").readline().strip()
env = json.loads(line)
open("dup.jsonl", "w").write(line[:-1] + ',"payloadType":"x"}\n')
env["payload"] = env["payload"][:-2] + "!!"
open("b64.jsonl", "w").write(json.dumps(env) + "\n")
PY
expect 2 "duplicate keys" "$VERIFY" artifact -a dup.jsonl -k vendor.pub fw.bin
err_one_line "duplicate keys: one line"
err_has "duplicate" "duplicate keys: says so"
expect 2 "wrong base64" "$VERIFY" artifact -a b64.jsonl -k vendor.pub fw.bin
err_one_line "wrong base64: one line"
err_has "base64" "wrong base64: says so"
python3 -c 'import sys; sys.stdout.write("{\"payload\":\"" + "A" * (100 << 20) + "\"}\n")' >huge.jsonl
expect 2 "a 100 MB envelope" "$VERIFY" artifact -a huge.jsonl -k vendor.pub fw.bin
err_one_line "100 MB envelope: one line"
err_has "huge.jsonl" "100 MB envelope: names the file"
rm -f huge.jsonl
expect 2 "key file that is not a key" "$VERIFY" artifact \
	-a fw.intoto.jsonl -k fw.bin fw.bin
err_one_line "not a key: one line"
err_has "fw.bin" "not a key: names the file"
expect 2 "private key given as trusted key" "$VERIFY" artifact \
	-a fw.intoto.jsonl -k vendor.key fw.bin
expect 2 "missing attestation" "$VERIFY" artifact -a nope.jsonl \
	-k vendor.pub fw.bin
err_has "nope.jsonl" "missing attestation: names it"
expect 2 "missing artifact" "$VERIFY" artifact -a fw.intoto.jsonl \
	-k vendor.pub nope.bin
err_has "nope.bin" "missing artifact: names it"
expect 2 "missing source" "$VERIFY" source -a fw.intoto.jsonl \
	-k vendor.pub nope-dir
expect 2 "no key is a usage error" "$VERIFY" artifact -a fw.intoto.jsonl fw.bin
expect 2 "threshold 0 is a usage error" "$VERIFY" artifact \
	-a fw.intoto.jsonl -k vendor.pub --threshold 0 fw.bin
expect 2 "sign with a missing artifact" "$ATTEST" sign --git repo \
	--key vendor.key -o x.jsonl nope.bin
[ -e x.jsonl ] && not_ok "nothing written on failure" || ok "nothing written on failure"
expect 2 "two sources are a usage error" "$ATTEST" sign --git repo \
	--source repo --key vendor.key -o x.jsonl fw.bin
expect 0 "verify --help" "$VERIFY" artifact --help
out_has "^usage: verify artifact" "help on stdout"

# Interop: what attest writes, openssl verifies; what openssl signs, verify
# accepts. pae ENVELOPE writes the PAE and the signature next to it.
pae() {
	python3 - "$1" <<'PY'
import base64, json, sys
env = json.loads(open(sys.argv[1]).readline())
body = base64.b64decode(env["payload"])
t = env["payloadType"].encode()
pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)
open("pae.bin", "wb").write(pae)
open("sig.bin", "wb").write(base64.b64decode(env["signatures"][0]["sig"]))
PY
}
pae fw.intoto.jsonl
expect 0 "openssl verifies an Ed25519 envelope" openssl pkeyutl -verify \
	-rawin -pubin -inkey vendor.pub -in pae.bin -sigfile sig.bin
pae ec.intoto.jsonl
expect 0 "openssl verifies a P-256 envelope" openssl dgst -sha256 \
	-verify ec.pub -signature sig.bin pae.bin
# An envelope made by hand: the payload of fw.intoto.jsonl, signed by openssl.
for alg in ed25519 p256; do
	if [ $alg = ed25519 ]; then
		openssl genpkey -algorithm ed25519 -out hand.key 2>/dev/null
	else
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
			-out hand.key 2>/dev/null
	fi
	openssl pkey -in hand.key -pubout -out hand.pub
	pae fw.intoto.jsonl
	if [ $alg = ed25519 ]; then
		openssl pkeyutl -sign -rawin -inkey hand.key -in pae.bin -out hsig.bin
	else
		openssl dgst -sha256 -sign hand.key -out hsig.bin pae.bin
	fi
	python3 - <<'PY'
import base64, json
env = json.loads(open("fw.intoto.jsonl").readline())
sig = base64.b64encode(open("hsig.bin", "rb").read()).decode()
env["signatures"] = [{"keyid": "", "sig": sig}]
open("hand.jsonl", "w").write(json.dumps(env, indent=2) + "\n")
PY
	expect 0 "verify accepts an envelope signed by openssl ($alg)" \
		"$VERIFY" artifact -a hand.jsonl -k hand.pub fw.bin
	rm -f hand.key hand.pub
done
# Keys that differ only in case: Go's encoding/json (in-toto-golang, cosign)
# matches them to one field, last one wins; so "subject" then "Subject" (or
# U+017F "ſubject") would name another artifact to those readers. The
# statement is signed by openssl, so only the key rule can refuse it.
echo evil >evil.bin
for variant in Subject "$(printf '\305\277ubject')" PAYLOAD; do
	python3 - "$variant" "$(sha256sum evil.bin | cut -c1-64)" <<'PY'
import base64, json, subprocess, sys
variant, evil = sys.argv[1], sys.argv[2]
env = json.loads(open("fw.intoto.jsonl").readline())
body = base64.b64decode(env["payload"])
if variant != "PAYLOAD":
    st = json.loads(body)
    items = []
    for k, v in st.items():
        items.append(json.dumps(k) + ":" + json.dumps(v))
        if k == "subject":
            items.append(json.dumps(variant, ensure_ascii=False) + ":" + json.dumps(
                [{"name": "fw.bin", "digest": {"sha256": evil}}]))
    body = ("{" + ",".join(items) + "}").encode()
ptype = env["payloadType"].encode()
open("pae.bin", "wb").write(b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(body), body))
sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", "vendor.key",
                      "-in", "pae.bin"], capture_output=True, check=True).stdout
out = ('{"payloadType":' + json.dumps(env["payloadType"]) + ',"payload":' +
       json.dumps(base64.b64encode(body).decode()) +
       (',"PAYLOAD":"e30="' if variant == "PAYLOAD" else "") +
       ',"signatures":[{"keyid":"","sig":' + json.dumps(base64.b64encode(sig).decode()) + '}]}\n')
open("case.jsonl", "w").write(out)
PY
	expect 2 "keys \"$variant\" and its case variant refused" "$VERIFY" \
		artifact -a case.jsonl -k vendor.pub fw.bin
	err_one_line "case variant $variant: one line"
	err_has "differ only in case" "case variant $variant: says why"
	expect 2 "verify source refuses it too ($variant)" "$VERIFY" source \
		-a case.jsonl -k vendor.pub repo
done
expect 0 "keys made by openssl genpkey sign" sh -c \
	"openssl genpkey -algorithm ed25519 -out g.key 2>/dev/null &&
	 openssl pkey -in g.key -pubout -out g.pub &&
	 '$ATTEST' sign --git repo --key g.key -o g.jsonl fw.bin &&
	 '$VERIFY' artifact -a g.jsonl -k g.pub fw.bin"

# restate IN OUT CODE: the statement of IN's first envelope changed by the
# python CODE (on `s`), signed again by openssl with $RKEY (vendor.key).
restate() {
	python3 - "$@" <<'PY'
import base64, json, os, subprocess, sys
inp, out, code = sys.argv[1:4]
env = json.loads(open(inp).readline())
s = json.loads(base64.b64decode(env["payload"]))
deps = s["predicate"]["buildDefinition"]["resolvedDependencies"]
ext = s["predicate"]["buildDefinition"]["externalParameters"]
exec(code)
body = json.dumps(s).encode()
t = env["payloadType"].encode()
open("pae.bin", "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey",
                      os.environ.get("RKEY", "vendor.key"), "-in", "pae.bin"], capture_output=True,
                     check=True).stdout
env["payload"] = base64.b64encode(body).decode()
env["signatures"] = [{"keyid": "", "sig": base64.b64encode(sig).decode()}]
open(out, "w").write(json.dumps(env) + "\n")
PY
}
restate fw.intoto.jsonl same.jsonl "pass"
expect 0 "control: restate without a change verifies" "$VERIFY" artifact \
	-a same.jsonl -k vendor.pub fw.bin

# Subject names are canonical relative paths: './fw.bin', 'fw.bin/',
# 'x/../fw.bin', '/fw.bin' and './/fw.bin' name the same file as 'fw.bin'
# and would let one key attest it twice from one tree unnoticed.
evil=$(sha256sum evil.bin | cut -c1-64)
for name in ./fw.bin fw.bin/ x/../fw.bin /fw.bin .//fw.bin a//fw.bin "" \
	"$(printf 'fw\001.bin')" "$(printf 'fw\177.bin')"; do
	restate fw.intoto.jsonl badname.jsonl \
		"s['subject'][0]['name'] = sys.argv[4]" "$name"
	expect 2 "subject name '$name' is refused" "$VERIFY" artifact \
		-a badname.jsonl -k vendor.pub fw.bin
	err_has "badname.jsonl:1: subject 0: name" "the refusal names the statement"
done
restate fw.intoto.jsonl nul.jsonl \
	"s['subject'][0]['name'] = 'fw\x00.bin'"
expect 2 "a subject name holding NUL is refused" "$VERIFY" artifact \
	-a nul.jsonl -k vendor.pub fw.bin
restate fw.intoto.jsonl case.jsonl \
	"s['subject'][1]['name'] = 'FW.BIN'"
expect 2 "two subjects differing only in case are one name" "$VERIFY" \
	artifact -a case.jsonl -k vendor.pub fw.bin
err_has "listed twice" "says the name is listed twice"
# One source, two builds, under a case variant of the name.
restate fw.intoto.jsonl evilcase.jsonl \
	"s['subject'] = [{'name': 'FW.bin', 'digest': {'sha256': '$evil'}}]"
cat fw.intoto.jsonl evilcase.jsonl >twobuilds.jsonl
expect 1 "a second digest for 'FW.bin' from one tree: the good binary" \
	"$VERIFY" artifact -a twobuilds.jsonl -k vendor.pub fw.bin
err_has "one source, two builds" "says one source, two builds"
expect 1 "... and the evil binary" "$VERIFY" artifact -a twobuilds.jsonl \
	-k vendor.pub evil.bin
# Control: what attest sign writes for a file in a directory verifies.
mkdir -p dist && cp fw.bin dist/fw.bin
expect 0 "attest sign of dist/fw.bin" "$ATTEST" sign --git repo \
	--key vendor.key -o sub.jsonl ./dist/fw.bin
expect 0 "... verifies" "$VERIFY" artifact -a sub.jsonl -k vendor.pub fw.bin
expect 2 "attest sign refuses a name with an empty segment" "$ATTEST" sign \
	--git repo --key vendor.key -o dbl.jsonl dist//fw.bin
[ -e dbl.jsonl ] && not_ok "nothing written for dist//fw.bin" ||
	ok "nothing written for dist//fw.bin"

# A statement that names no source tree counts for nothing.
restate fw.intoto.jsonl notree.jsonl \
	"s['predicate']['buildDefinition']['resolvedDependencies'] = []"
expect 1 "a statement without a source tree does not verify an artifact" \
	"$VERIFY" artifact -a notree.jsonl -k vendor.pub fw.bin
err_has "names a source tree" "says no statement names a source tree"
RKEY=regulator.key restate fw.intoto.jsonl regnotree.jsonl \
	"s['predicate']['buildDefinition']['resolvedDependencies'] = []"
cat fw.intoto.jsonl regnotree.jsonl >withnotree.jsonl
expect 1 "it does not count toward --threshold 2 either" "$VERIFY" artifact \
	--threshold 2 -a withnotree.jsonl -k vendor.pub -k regulator.pub fw.bin
err_has "not counted" "says statements naming no tree are not counted"

# The source is the dependency named "source", never the first one with a
# gitTree: SLSA consumers read "source".
mkdir hidden && printf 'backdoor\n' >hidden/main.c
hid=$("$ATTEST" hash hidden | cut -c1-64)
restate fw.intoto.jsonl sdk.jsonl \
	"deps.insert(0, {'name': 'vendor-sdk', 'digest': {'gitTree': '$hid'}})"
expect 1 "verify source: a tree named vendor-sdk is not the source" \
	"$VERIFY" source -a sdk.jsonl -k vendor.pub hidden
expect 0 "control: the tree named source verifies" "$VERIFY" source \
	-a sdk.jsonl -k vendor.pub repo
restate fw.intoto.jsonl twosrc.jsonl \
	"deps.insert(0, {'name': 'source', 'digest': {'gitTree': '$hid'}})"
expect 2 "two source dependencies are refused" "$VERIFY" source \
	-a twosrc.jsonl -k vendor.pub hidden
err_has 'names "source" twice' "names the field"
restate fw.intoto.jsonl nogt.jsonl "del deps[0]['digest']['gitTree']"
expect 2 "a source dependency without gitTree is refused" "$VERIFY" \
	artifact -a nogt.jsonl -k vendor.pub fw.bin
err_has 'has no digest.gitTree' "says the gitTree is missing"
expect 0 "sign with --source-uri" "$ATTEST" sign --git repo \
	--source-uri git+https://example.org/fw.git --key vendor.key \
	-o uri.jsonl fw.bin
expect 0 "control: its uri and the pinned uri@commit agree" "$VERIFY" \
	source -a uri.jsonl -k vendor.pub repo
restate uri.jsonl uri2.jsonl \
	"ext['source']['uri'] = 'git+https://example.org/other.git'"
expect 2 "externalParameters.source.uri disagreeing is refused" "$VERIFY" \
	source -a uri2.jsonl -k vendor.pub repo
err_has "externalParameters.source.uri disagrees" "names the field"
restate fw.intoto.jsonl extdig.jsonl \
	"ext['source']['digest'] = {'gitTree': '$hid'}"
expect 2 "externalParameters.source.digest disagreeing is refused" \
	"$VERIFY" source -a extdig.jsonl -k vendor.pub hidden
err_has "externalParameters.source.digest.gitTree disagrees" "names the field"
# The root likewise: one "rootfs", and externalParameters.rootfs naming it.
rootdep="{'name': 'rootfs', 'digest': {'gitTree': '$hid'}}"
restate fw.intoto.jsonl tworoot.jsonl "deps.append($rootdep); deps.append($rootdep)"
expect 2 "two rootfs dependencies are refused" "$VERIFY" artifact \
	-a tworoot.jsonl -k vendor.pub fw.bin
err_has 'names "rootfs" twice' "names the field"
restate fw.intoto.jsonl rootnogt.jsonl "deps.append({'name': 'rootfs', 'digest': {'sha256': '$hid'}})"
expect 2 "a rootfs dependency without gitTree is refused" "$VERIFY" artifact \
	-a rootnogt.jsonl -k vendor.pub fw.bin
err_has 'the "rootfs" dependency has no digest.gitTree' "names the field"
restate fw.intoto.jsonl oneroot.jsonl "deps.append($rootdep); ext['rootfs'] = $rootdep"
expect 0 "control: one rootfs that externalParameters names" "$VERIFY" \
	artifact -a oneroot.jsonl -k vendor.pub fw.bin
restate fw.intoto.jsonl badroot.jsonl "deps.append($rootdep); ext['rootfs'] = {'name': 'rootfs', 'digest': {'gitTree': '$tree'}}"
expect 2 "externalParameters.rootfs disagreeing is refused" "$VERIFY" \
	artifact -a badroot.jsonl -k vendor.pub fw.bin
err_has "externalParameters.rootfs.digest disagrees" "names the field"

# verify source, as verify rebuild, fails on a trusted statement of another
# tree in the input and names it.
"$ATTEST" sign --source hidden --key vendor.key -o hid.jsonl fw.bin \
	>/dev/null 2>&1
cat fw.intoto.jsonl hid.jsonl >mixed.jsonl
expect 1 "verify source: a statement of another tree in the input" \
	"$VERIFY" source -a mixed.jsonl -k vendor.pub repo
err_has "mixed.jsonl:2: a trusted statement of another source tree" \
	"names the other statement"
out_has "^FAIL" "the report says FAIL"
expect 1 "... with --json" "$VERIFY" source --json -a mixed.jsonl \
	-k vendor.pub repo
cp "$T/out" source.json
expect 0 "the JSON names it" python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
o = r["otherTrees"]
sys.exit(not (r["result"] == "fail" and len(o) == 1 and o[0]["line"] == 2))' source.json
expect 0 "control: its own statement alone verifies" "$VERIFY" source \
	-a fw.intoto.jsonl -k vendor.pub repo

# verify holds no code that can sign or read a private key.
if nm "$VERIFY" 2>/dev/null | grep -q 'cr_privkey\|cr_dsse_sign'; then
	not_ok "verify links no signing code"
else
	ok "verify links no signing code"
fi
if nm -D --undefined-only "$VERIFY" | grep -Eq 'PEM_read_bio_PrivateKey|EVP_DigestSign|EVP_PKEY_keygen'; then
	not_ok "verify imports no private-key functions from OpenSSL"
else
	ok "verify imports no private-key functions from OpenSSL"
fi

done_testing
