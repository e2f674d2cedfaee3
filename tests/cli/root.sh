#!/bin/sh
# attest root create and verify root: two creates give the same ROOT.tar
# bytes; the root checks against its attestation, its ROOT.json and the
# .debs Debian signed; a changed tar header, a changed .deb, Packages or
# InRelease, a file no package owns are caught and named; bad input is
# exit 2. Needs mmdebstrap and the Debian mirror apt uses (downloaded .debs
# are cached in the build directory, never in the repository).
. "$SRCDIR/tests/cli/lib.sh"

suite=bookworm
root_prereqs
hex64='^[0-9a-f]{64}  '

# ---- bad input: exit 2, before anything is made ----
expect 2 "create without --suite" "$ATTEST" root create -o r.tar
expect 2 "create to a name that is not .tar" "$ATTEST" root create --suite $suite -o r.tgz
expect 2 "create with a malformed --snapshot" "$ATTEST" root create --suite $suite --snapshot yesterday -o r.tar
expect 2 "create with a bad --include" "$ATTEST" root create --suite $suite --include 'a b' -o r.tar
err_one_line "one line on stderr"
expect 2 "root without a subcommand" "$ATTEST" root
expect 2 "verify root without an expected tree" "$VERIFY" root r.tar
expect 2 "verify root with a malformed --tree" "$VERIFY" root --tree sha256tree:12 r.tar
expect 2 "verify root: -o without --debs" "$VERIFY" root --tree "sha256tree:$(printf '%064d' 0)" -o x.tar r.tar
expect 2 "verify root of a missing file" "$VERIFY" root --tree "sha256tree:$(printf '%064d' 0)" missing.tar
printf '{"_type": "urn:cleanroom:root:v1", "_type": 1}' >dup.json
expect 2 "a ROOT.json with a duplicate key" "$VERIFY" root --manifest dup.json missing.tar
err_has 'dup.json' "the message names the manifest"
printf 'not json' >bad.json
expect 2 "a ROOT.json that is not JSON" "$VERIFY" root --manifest bad.json missing.tar

# ---- two creates, the same bytes ----
expect 0 "attest root create" "$ATTEST" root create -q --suite $suite \
	--cache "$cache" --debs debs -o r1.tar
out_has "$hex64"'r1\.tar$' "prints the tree hash"
tree=$(sed -n '1s/ .*//p' "$T/out")
[ -s r1.json ] && ok "ROOT.json written next to ROOT.tar" || not_ok "no r1.json"
cmp -s r1.json debs/ROOT.json && ok "a copy kept with the .debs" || not_ok "debs/ROOT.json differs"
expect 2 "create into a --debs directory in use" "$ATTEST" root create -q --suite $suite --debs debs -o r3.tar
err_has "new or empty" "says why"
[ ! -e r3.tar ] && ok "nothing written" || not_ok "r3.tar written"
# The second create runs the same code as the first; under the sanitizers
# it is left out (CI time), and verify root -o below makes the root again.
if [ "${CR_SANITIZE:-none}" = none ]; then
	expect 0 "attest root create again, --json" "$ATTEST" root create -q \
		--json --suite $suite --cache "$cache" -o r2.tar
	cmp -s r1.tar r2.tar && ok "two creates give identical ROOT.tar bytes" ||
		not_ok "ROOT.tar differs between two creates"
	python3 -c 'import json, sys
o = json.load(open(sys.argv[1])); m = json.load(open("r2.json"))
assert o["tree"] == "sha256tree:" + sys.argv[2] and o["root"] == "r2.tar"
assert o["manifest"] == "r2.json" and o["packages"] == len(m["packages"])
assert o["sourceDateEpoch"] == m["recipe"]["sourceDateEpoch"]' "$T/out" "$tree" &&
		ok "--json: the tree, packages and SOURCE_DATE_EPOCH of ROOT.json" ||
		not_ok "--json: the tree, packages and SOURCE_DATE_EPOCH of ROOT.json"
else
	echo "# the second create is left out under the sanitizers"
fi
tar -tf r1.tar >members || not_ok "GNU tar cannot list ROOT.tar"
grep -Eq '^\./etc/(resolv\.conf|hostname)$|^\./etc/apt/sources\.list$' members &&
	not_ok "host files are in the root" || ok "resolv.conf, hostname and sources.list left out"
grep -q '^\./usr/bin/dpkg$' members && ok "the root holds dpkg" || not_ok "no usr/bin/dpkg"

# ROOT.json against outside tools: python's json, sha256sum of the .debs.
python3 - "$tree" <<'PY' >pycheck 2>&1 && ok "ROOT.json: recipe, tree and every package with its .deb SHA-256" || { not_ok "ROOT.json content"; sed 's/^/#   /' pycheck; }
import hashlib, json, sys
m = json.load(open("r1.json"))
assert m["_type"] == "urn:cleanroom:root:v1"
assert m["tree"]["gitTree"] == sys.argv[1]
assert m["recipe"]["suite"] == "bookworm" and m["recipe"]["variant"] == "minbase"
assert m["tar"]["sha256"] == hashlib.sha256(open("r1.tar", "rb").read()).hexdigest()
names = {p["name"] for p in m["packages"]}
assert {"dpkg", "libc6", "coreutils"} <= names, names
assert len(m["packages"]) > 50
for p in m["packages"]:
    h = hashlib.sha256(open("debs/" + p["filename"], "rb").read()).hexdigest()
    assert h == p["digest"]["sha256"], p
PY

# ---- the root's tree hash: ROOT.tar, its unpacked directory ----
expect 2 "attest hash refuses a root's device nodes" "$ATTEST" hash -q r1.tar
err_has "dev/console.*a device" "naming the device"
expect 0 "attest hash --root-fs ROOT.tar" "$ATTEST" hash -q --root-fs r1.tar
same "$(sed -n '1s/ .*//p' "$T/out")" "$tree" "the same tree hash as create printed"
mkdir unpacked
tar -C unpacked -xf r1.tar 2>/dev/null # devices need root: left out anyway
expect 0 "attest hash --root-fs of the root unpacked by GNU tar" "$ATTEST" hash -q --root-fs unpacked
same "$(sed -n '1s/ .*//p' "$T/out")" "$tree" "a directory and its tar hash alike"

# ---- against ROOT.json, --tree and an attestation ----
expect 0 "verify root --manifest ROOT.tar" "$VERIFY" root --manifest r1.json r1.tar
out_has "^OK +r1\.tar" "says OK"
expect 0 "verify root --tree DIR" "$VERIFY" root --tree "sha256tree:$tree" unpacked
expect 1 "verify root --tree of another tree" "$VERIFY" root --tree "sha256tree:$(printf '%064d' 0)" r1.tar

"$ATTEST" keygen -o vendor >/dev/null 2>&1
mkdir src && printf 'echo built > out.txt\n' >src/build.sh
if "$ATTEST" build -q --source src --env SOURCE_DATE_EPOCH=1 --root unpacked \
	--key vendor.key --artifact out.txt -o att.intoto.jsonl -- sh build.sh >/dev/null 2>build.err; then
	expect 0 "verify root -a: the attested root" "$VERIFY" root -a att.intoto.jsonl -k vendor.pub r1.tar
	out_has "attested \[att\.intoto\.jsonl:1\]" "names the attestation"
	expect 0 "verify root -a --debs: the recipe from DIR/ROOT.json" \
		"$VERIFY" root -a att.intoto.jsonl -k vendor.pub --debs debs r1.tar
	# Two trusted statements of two roots: which was the customer's is
	# not for verify root to pick, nor to pass over the other in silence.
	cp -a unpacked unpacked2 && printf 'other\n' >unpacked2/etc/other-root
	if "$ATTEST" build -q --source src --env SOURCE_DATE_EPOCH=1 \
		--root unpacked2 --key vendor.key --artifact out.txt \
		-o att2.intoto.jsonl -- sh build.sh >/dev/null 2>>build.err; then
		cat att.intoto.jsonl att2.intoto.jsonl >both.intoto.jsonl
		expect 2 "verify root -a: trusted statements of two roots" \
			"$VERIFY" root -a both.intoto.jsonl -k vendor.pub r1.tar
		err_has "trusted statements record different roots" \
			"names the two roots"
		err_one_line "two roots"
	else
		not_ok "attest build --root (a second root)"
		sed 's/^/#   /' build.err
	fi
else
	not_ok "attest build --root (for an attestation with a root)"
	sed 's/^/#   /' build.err
fi
"$ATTEST" keygen -o other >/dev/null 2>&1
expect 1 "verify root -a with an untrusted key" "$VERIFY" root -a att.intoto.jsonl -k other.pub r1.tar

# A changed header (usr/bin/ls no longer executable) and a file no package
# owns, written by python's tarfile.
python3 - <<'PY'
import io, tarfile
src = tarfile.open("r1.tar")
dst = tarfile.open("tampered.tar", "w", format=tarfile.GNU_FORMAT)
for m in src:
    f = src.extractfile(m) if m.isreg() else None
    if m.name == "./usr/bin/ls":
        m.mode = 0o644
    dst.addfile(m, f)
data = b"#!/bin/sh\necho planted\n"
ev = tarfile.TarInfo("./usr/local/bin/planted")
ev.size, ev.mode = len(data), 0o755
dst.addfile(ev, io.BytesIO(data))
dst.close()
PY
expect 1 "a tampered ROOT.tar is not the attested root" "$VERIFY" root -a att.intoto.jsonl -k vendor.pub tampered.tar
out_has "^FAIL +tampered\.tar" "says FAIL"
err_one_line "one line on stderr"

# ---- the root in the statement, and verify rebuild --root ----
python3 - "$tree" <<'PY' >pycheck 2>&1 && ok "the statement records the root by tree hash and packages, no local path" || { not_ok "the rootfs dependency"; sed 's/^/#   /' pycheck; }
import base64, json, sys
env = json.loads(open("att.intoto.jsonl").readline())
st = json.loads(base64.b64decode(env["payload"] if "payload" in env else env["dsseEnvelope"]["payload"]))
deps = [d for d in st["predicate"]["buildDefinition"]["resolvedDependencies"] if d.get("name") == "rootfs"]
assert len(deps) == 1, deps
d = deps[0]
assert d["digest"] == {"gitTree": sys.argv[1]}, d["digest"]
assert "uri" not in d, d.get("uri")
assert "unpacked" not in json.dumps(d)
pk = {p["name"]: p for p in d["annotations"]["packages"]}
m = {p["name"]: p for p in json.load(open("r1.json"))["packages"]}
assert set(pk) == set(m), set(pk) ^ set(m)
for n in m:
    assert pk[n]["version"] == m[n]["version"] and pk[n]["architecture"] == m[n]["architecture"], n
assert d["annotations"]["packagesFrom"] == "var/lib/dpkg/status"
PY

# A build in ROOT.tar, with r1.json beside it, whose artifact comes from the
# root's own ls.
mkdir src2 && printf 'ls --version | head -n 1 > out.txt\n' >src2/build.sh
expect 0 "attest build --root ROOT.tar (its ROOT.json beside)" "$ATTEST" build --source src2 \
	--env SOURCE_DATE_EPOCH=1 --root r1.tar --key vendor.key --artifact out.txt \
	--output-dir out2 -o att2.jsonl -- sh build.sh
out_has "^root sha256tree:$tree  [0-9]+ packages, ROOT\.json$" "names the root, its packages and ROOT.json"
python3 - "$tree" <<'PY' >pycheck 2>&1 && ok "with ROOT.json: the recipe as uri and annotation, every .deb SHA-256" || { not_ok "the rootfs dependency from ROOT.json"; sed 's/^/#   /' pycheck; }
import base64, json, sys
st = json.loads(base64.b64decode(json.loads(open("att2.jsonl").readline())["payload"]))
d = [d for d in st["predicate"]["buildDefinition"]["resolvedDependencies"] if d.get("name") == "rootfs"][0]
m = json.load(open("r1.json"))
assert d["digest"] == {"gitTree": sys.argv[1]}
assert d["uri"] == "urn:cleanroom:root:debian:bookworm:" + m["recipe"]["architecture"], d["uri"]
assert d["annotations"]["recipe"] == m["recipe"]
got = {(p["name"], p["version"], p["architecture"], p["digest"]["sha256"]) for p in d["annotations"]["packages"]}
want = {(p["name"], p["version"], p["architecture"], p["digest"]["sha256"]) for p in m["packages"]}
assert got == want
PY
expect 0 "verify root -a: the root recorded from ROOT.tar" "$VERIFY" root -a att2.jsonl -k vendor.pub unpacked

expect 0 "rebuild in the attested root (a directory)" "$VERIFY" rebuild -a att2.jsonl -k vendor.pub \
	--trust-recipe --root unpacked src2
out_has "^root sha256tree:$tree: the attested root$" "the root is the attested one"
out_has "^verdict: reproduced in the attested environment$" "the verdict"
expect 0 "rebuild in the attested root (ROOT.tar)" "$VERIFY" rebuild -a att2.jsonl -k vendor.pub \
	--trust-recipe --root r1.tar src2
out_has "^verdict: reproduced in the attested environment$" "the verdict"

# Copies of the root by hard links, each changed file replaced, not edited.
copy() {
	rm -rf "$1" && cp -al unpacked "$1"
}
replace() { # FILE: stdin becomes its new content
	cat >"$1.new" && rm -f "$1" && mv "$1.new" "$1"
}
coreutils=$(python3 -c 'import json; print([p["version"] for p in json.load(open("r1.json"))["packages"] if p["name"] == "coreutils"][0])')
bump() { # ROOT: coreutils becomes 99.0-drift in its dpkg status
	awk '/^Package: /{p=$2} p=="coreutils" && /^Version: /{$0="Version: 99.0-drift"} {print}' \
		unpacked/var/lib/dpkg/status | replace "$1/var/lib/dpkg/status"
}

copy tamp && printf 'planted\n' | replace tamp/etc/debian_version
expect 0 "a root with a changed file: reproduced despite drift" "$VERIFY" rebuild -a att2.jsonl \
	-k vendor.pub --trust-recipe --root tamp src2
out_has "^root sha256tree:[0-9a-f]{64}: NOT the attested root sha256tree:$tree$" "names the root as not the attested one"
out_has "files of the root were changed" "no package version differs: says files were changed"
out_has "^verdict: reproduced despite environment drift \(0: no package differs\)$" "the verdict"
expect 0 "the tampered ROOT.tar: not the attested root" "$VERIFY" rebuild -a att.intoto.jsonl \
	-k vendor.pub --trust-recipe --root tampered.tar src
out_has "NOT the attested root sha256tree:$tree$" "names the root as not the attested one"

copy drift1 && bump drift1
expect 0 "a drifted package that does not change the artifact" "$VERIFY" rebuild -a att2.jsonl \
	-k vendor.pub --trust-recipe --root drift1 src2
out_has "^  drift coreutils:[a-z0-9]+  attested $coreutils, here 99\.0-drift$" "names the package and both versions"
out_has "^verdict: reproduced despite environment drift \(1: coreutils\)$" "the verdict names it"

copy drift2 && bump drift2 && printf '#!/bin/sh\necho "ls (GNU coreutils) 99.0"\n' | replace drift2/usr/bin/ls &&
	chmod 755 drift2/usr/bin/ls
expect 2 "a drifted package that changes the artifact: inconclusive" "$VERIFY" rebuild -a att2.jsonl \
	-k vendor.pub --trust-recipe --root drift2 src2
out_has "^verdict: inconclusive: the environment differs \(1: coreutils\); rebuild in the attested root$" "the verdict"
expect 2 "the same, --json" "$VERIFY" rebuild --json -a att2.jsonl -k vendor.pub --trust-recipe --root drift2 src2
python3 - "$T/out" "$coreutils" <<'PY' && ok "--json: verdict, result and drift by package" || not_ok "--json verdict"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["result"] == "inconclusive" and r["verdict"].startswith("inconclusive: the environment differs"), r
assert [(d["package"], d["attested"], d["here"]) for d in r["drift"]] == [("coreutils", sys.argv[2], "99.0-drift")], r["drift"]
assert r["root"]["same"] is False
PY

# The same root, an artifact that is not what the recipe makes here.
mkdir src3 && printf 'head -c 16 /dev/urandom > out.txt\n' >src3/build.sh
if "$ATTEST" build -q --source src3 --env SOURCE_DATE_EPOCH=1 --root unpacked --key vendor.key \
	--artifact out.txt --output-dir out3 -o att3.jsonl -- sh build.sh >/dev/null 2>build.err; then
	expect 1 "the attested root, a different artifact: NOT reproduced" "$VERIFY" rebuild -a att3.jsonl \
		-k vendor.pub --trust-recipe --root unpacked src3
	out_has "^verdict: NOT reproduced in the attested environment$" "the verdict"
else
	not_ok "attest build src3"
fi

# A statement with a root, rebuilt without one: on the host, as drift.
if [ -x /usr/bin/ls ] && [ -r /var/lib/dpkg/status ]; then
	"$VERIFY" rebuild -a att2.jsonl -k vendor.pub --trust-recipe src2 >"$T/out" 2>"$T/err"
	rc=$?
	grep -q "^root: none given; the statement records root sha256tree:$tree: rebuilt on the host instead$" "$T/out" &&
		ok "no --root: says the host is used instead" || not_ok "no --root: the host"
	grep -Eq "^verdict: (reproduced despite environment drift|inconclusive: the environment differs) \(" "$T/out" &&
		[ $rc -eq 0 -o $rc -eq 2 ] && ok "no --root: a drift verdict (exit $rc)" || not_ok "no --root: verdict (exit $rc)"
fi

# Bad input: a ROOT.json beside that is not this root's, a missing root.
copy bad && cp r1.json bad.json && printf 'x\n' | replace bad/etc/debian_version
expect 1 "a ROOT.json beside the root that is not its own" "$ATTEST" build -q --source src2 \
	--env SOURCE_DATE_EPOCH=1 --root bad --artifact out.txt --output-dir out4 -- sh build.sh
err_has "bad\.json: its tree hash is not the one of bad" "names the ROOT.json"
expect 2 "rebuild --root of a missing root" "$VERIFY" rebuild -a att2.jsonl -k vendor.pub \
	--trust-recipe --root missing.tar src2
err_one_line "one line on stderr"

# ---- the .debs: InRelease -> Packages -> .deb, offline ----
expect 0 "verify root --debs" "$VERIFY" root --manifest r1.json --debs debs
out_has "^OK +debs +([0-9]+) of \1 \.debs" "every .deb is the one Debian signed"
out_has "^note +no root was compared" "and says no root was compared"
expect 0 "verify root --debs --json" "$VERIFY" root --json --manifest r1.json --debs debs
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["result"]=="ok"' "$T/out" &&
	ok "--json is JSON saying ok" || not_ok "--json"

# Tampered copies: hard links, and each changed file replaced, not edited.
bad() {
	rm -rf "$1" && cp -al debs "$1"
}
deb=$(python3 -c 'import json; print([p["filename"] for p in json.load(open("r1.json"))["packages"] if p["name"] == "coreutils"][0])')
bad debs-deb
cp "debs/$deb" x.deb && printf 'x' >>x.deb && rm "debs-deb/$deb" && mv x.deb "debs-deb/$deb"
expect 1 "a changed .deb" "$VERIFY" root --manifest r1.json --debs debs-deb
out_has "^FAIL +package coreutils " "names the package"

bad debs-extra
mkdir -p debs-extra/pool/main/e && printf 'not a deb' >debs-extra/pool/main/e/evil_1_amd64.deb
expect 1 "a .deb no Packages entry lists" "$VERIFY" root --debs debs-extra --manifest r1.json
out_has "evil_1_amd64\.deb: not listed" "names the file"

bad debs-missing
rm "debs-missing/$deb"
expect 1 "a .deb the manifest lists is missing" "$VERIFY" root --debs debs-missing --manifest r1.json
out_has "coreutils.*missing" "names the package"

pk=$(ls debs/dists/$suite/main/binary-*/Packages)
bad debs-pk
rm "debs-pk/${pk#debs/}" && sed '0,/^Version: /s/^Version: /Version: 9/' "$pk" >"debs-pk/${pk#debs/}"
expect 1 "a changed Packages" "$VERIFY" root --debs debs-pk --manifest r1.json
out_has "not the Packages file InRelease signed" "says so"

bad debs-ir
rm debs-ir/dists/$suite/InRelease &&
	sed 's/^Codename: .*/Codename: evil/' debs/dists/$suite/InRelease >debs-ir/dists/$suite/InRelease
expect 1 "a changed InRelease: gpgv refuses it" "$VERIFY" root --debs debs-ir --manifest r1.json
out_has "not signed by a key of" "says the signature does not hold"

printf 'x' >empty.gpg
expect 1 "InRelease against another keyring" "$VERIFY" root --debs debs --manifest r1.json --keyring empty.gpg
expect 2 "--debs of a directory without dists" "$VERIFY" root --debs src --manifest r1.json

# ---- the root made again from the .debs, and a tampered root named ----
expect 1 "made again from the .debs, the tampered root named file by file" \
	"$VERIFY" root --manifest r1.json --debs debs -o remade.tar tampered.tar
cmp -s remade.tar r1.tar && ok "the root made from the .debs has the same bytes" ||
	not_ok "remade.tar differs from r1.tar"
out_has "^OK +remade\.tar" "the remade root is the recorded one"
out_has "mode changed +usr/bin/ls +\(package coreutils\)" "the changed header is named with its package"
out_has "added +usr/local/bin/planted +\(no package\)" "the planted file is listed as owned by no package"

done_testing
