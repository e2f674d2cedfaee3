#!/bin/sh
# Sigstore bundles v0.3: what attest writes with --bundle is verified by npm's
# @sigstore/verify (offline, the public key as the only trust material), and
# read back by verify --bundle; tampered bundles fail both (exit 1), hostile
# ones are refused by verify (exit 2).
. "$SRCDIR/tests/cli/lib.sh"

# @sigstore/verify 2.x runs on Debian 12's node 18 and on newer ones; the
# modules are installed once into the build directory's cache.
npmdir=${CR_NPM_CACHE:-${NPM_CACHE:-$T/npm}}
if [ ! -f "$npmdir/node_modules/@sigstore/verify/package.json" ]; then
	mkdir -p "$npmdir"
	if ! timeout 300 npm install --prefix "$npmdir" --no-audit --no-fund \
		--cache "$npmdir/.npm" @sigstore/verify@2.1.1 @sigstore/bundle@3 \
		>"$T/npm.log" 2>&1; then
		if ! timeout 60 npm ping --cache "$npmdir/.npm" >/dev/null 2>&1; then
			echo "# SKIP: the npm registry is unreachable; @sigstore/verify cannot be installed" >&2
			echo "1..0 # SKIP npm registry unreachable"
			exit 77
		fi
		sed 's/^/# npm: /' "$T/npm.log"
		not_ok "npm install @sigstore/verify"
		done_testing
		exit 1
	fi
fi
export NODE_PATH="$npmdir/node_modules"
SV="$SRCDIR/tests/cli/sigstore_verify.js"

# bundle_edit IN OUT PYTHON: IN as JSON (b), after PYTHON, written to OUT;
# st is the decoded statement, written back into the payload.
bundle_edit() {
	python3 - "$1" "$2" "$3" <<'PY'
import base64, json, sys
b = json.load(open(sys.argv[1]))
st = json.loads(base64.b64decode(b["dsseEnvelope"]["payload"]))
exec(sys.argv[3])
b["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(st).encode()).decode()
open(sys.argv[2], "w").write(json.dumps(b))
PY
}

"$ATTEST" keygen -o ed >/dev/null 2>&1
"$ATTEST" keygen --algorithm p256 -o p256 >/dev/null 2>&1
git init -q repo
printf 'all:\n\tprintf firmware >fw.bin\n' >repo/Makefile
git -C repo add -A && git -C repo commit -qm one
printf firmware >fw.bin

for k in ed p256; do
	expect 0 "$k: attest sign --bundle" "$ATTEST" sign --git repo --key $k.key \
		-o $k.jsonl --bundle $k.sigstore.json fw.bin
	out_has "^wrote $k.sigstore.json$" "$k: says where"
	expect 0 "$k: @sigstore/verify verifies it with the public key" \
		node "$SV" $k.sigstore.json $k.pub
	out_has "^verified$" "$k: and says so"
	expect 0 "$k: verify artifact --bundle reads it" "$VERIFY" artifact \
		--bundle $k.sigstore.json -k $k.pub fw.bin
	expect 0 "$k: verify source --bundle" "$VERIFY" source \
		--bundle $k.sigstore.json -k $k.pub --git repo
done
same "$(python3 -c '
import json, sys
b = json.load(open("ed.sigstore.json")); e = json.loads(open("ed.jsonl").readline())
print(b["dsseEnvelope"] == e, b["verificationMaterial"]["publicKey"]["hint"] == e["signatures"][0]["keyid"], b["mediaType"])')" \
	"True True application/vnd.dev.sigstore.bundle.v0.3+json" \
	"the bundle holds the .intoto.jsonl envelope, hint = keyid, v0.3"
hint=$(openssl pkey -pubin -in ed.pub -outform DER | sha256sum | cut -d' ' -f1)
same "$(python3 -c 'import json; print(json.load(open("ed.sigstore.json"))["verificationMaterial"]["publicKey"]["hint"])')" \
	"$hint" "the hint is the SHA-256 of the key's DER, by openssl"

expect 1 "another key: @sigstore/verify refuses" node "$SV" ed.sigstore.json p256.pub
expect 1 "another key: verify refuses" "$VERIFY" artifact --bundle ed.sigstore.json \
	-k p256.pub fw.bin

# Tampered: the statement edited, its signature kept.
bundle_edit ed.sigstore.json forged.json 'st["subject"][0]["digest"]["sha256"] = "0" * 64'
expect 1 "an edited statement: @sigstore/verify refuses" node "$SV" forged.json ed.pub
out_has "SIGNATURE|signature" "for its signature"
expect 1 "an edited statement: verify refuses" "$VERIFY" artifact --bundle forged.json \
	-k ed.pub fw.bin
printf 'patched' >fw2.bin
expect 1 "a swapped binary against a good bundle" "$VERIFY" artifact \
	--bundle ed.sigstore.json -k ed.pub fw2.bin

# attest build --bundle, replayed by verify rebuild --bundle.
expect 0 "attest build --bundle" "$ATTEST" build --git repo --key ed.key \
	--output-dir bo --bundle build.sigstore.json --artifact fw.bin -- make
expect 0 "@sigstore/verify verifies the build's bundle" node "$SV" \
	build.sigstore.json ed.pub
expect 0 "verify rebuild --bundle" "$VERIFY" rebuild --bundle build.sigstore.json \
	-k ed.pub --trust-recipe --git repo bo/fw.bin
expect 2 "attest build --bundle without --key" "$ATTEST" build --git repo \
	--output-dir bo2 --bundle x.json --artifact fw.bin -- make

expect 0 "attest sign with --bundle alone" "$ATTEST" sign --git repo \
	--key ed.key --bundle only.sigstore.json fw.bin
expect 2 "--bundle twice" "$ATTEST" sign --git repo --key ed.key \
	--bundle a.json --bundle b.json fw.bin
expect 2 "neither -o nor --bundle" "$ATTEST" sign --git repo --key ed.key fw.bin

# Hostile or foreign bundles: one line, exit 2.
hostile() {
	python3 -c "$2" >h.json
	expect 2 "refused: $1" "$VERIFY" artifact --bundle h.json -k ed.pub fw.bin
	err_one_line "  in one line"
}
load='import json; b = json.load(open("ed.sigstore.json"))'
hostile "mediaType v0.1" "$load; b['mediaType'] = 'application/vnd.dev.sigstore.bundle+json;version=0.1'; print(json.dumps(b))"
hostile "no mediaType" "$load; del b['mediaType']; print(json.dumps(b))"
hostile "a messageSignature" "$load; del b['dsseEnvelope']; b['messageSignature'] = {'signature': 'AAAA'}; print(json.dumps(b))"
hostile "a certificate (keyless)" "$load; b['verificationMaterial'] = {'certificate': {'rawBytes': 'AAAA'}, 'tlogEntries': []}; print(json.dumps(b))"
hostile "a hint that is not the keyid" "$load; b['verificationMaterial']['publicKey']['hint'] = 'ab' * 32; print(json.dumps(b))"
hostile "an unknown field" "$load; b['extra'] = 1; print(json.dumps(b))"
hostile "duplicate keys" "$load; s = json.dumps(b); print(s[:-1] + ', \"mediaType\": \"x\"}')"
hostile "not JSON" "print('{\"mediaType\": ')"
# Read as @sigstore/verify and the protobuf-specs schema read them, or refused.
hostile "a publicKey field besides hint" "$load; b['verificationMaterial']['publicKey']['rawBytes'] = 'AAAA'; print(json.dumps(b))"
hostile "a case-variant Hint beside hint" "$load; b['verificationMaterial']['publicKey']['Hint'] = '0' * 64; print(json.dumps(b))"
hostile "a case-variant key in the bundle" "$load; b['verificationMaterial']['TlogEntries'] = []; print(json.dumps(b))"
hostile "no hint" "$load; del b['verificationMaterial']['publicKey']['hint']; print(json.dumps(b))"
hostile "an empty hint" "$load; b['verificationMaterial']['publicKey']['hint'] = ''; print(json.dumps(b))"
hostile "tlogEntries not an array" "$load; b['verificationMaterial']['tlogEntries'] = 'x'; print(json.dumps(b))"
hostile "timestampVerificationData not an object" "$load; b['verificationMaterial']['timestampVerificationData'] = 7; print(json.dumps(b))"
hostile "two signatures" "$load; b2 = json.load(open('p256.sigstore.json')); b['dsseEnvelope']['signatures'] += b2['dsseEnvelope']['signatures']; print(json.dumps(b))"
err_has "holds 2 signatures" "  says why"
# An empty keyid is the hint's: checked under the hint's key, as
# @sigstore/verify does, never under another key given with -k.
python3 -c "$load; b['dsseEnvelope']['signatures'][0]['keyid'] = ''; print(json.dumps(b))" >k0.json
expect 0 "an empty keyid with the signer's hint" "$VERIFY" artifact \
	--bundle k0.json -k ed.pub fw.bin
expect 0 "  @sigstore/verify agrees" node "$SV" k0.json ed.pub
hp=$(openssl pkey -pubin -in p256.pub -outform DER | sha256sum | cut -d' ' -f1)
python3 -c "$load; b['dsseEnvelope']['signatures'][0]['keyid'] = ''; b['verificationMaterial']['publicKey']['hint'] = '$hp'; print(json.dumps(b))" >k1.json
expect 1 "an empty keyid with another key's hint: not by that key" \
	"$VERIFY" artifact --bundle k1.json -k ed.pub -k p256.pub fw.bin
expect 1 "  @sigstore/verify refuses it too" node "$SV" k1.json p256.pub
python3 -c "$load; b['dsseEnvelope']['signatures'] = []; print(json.dumps(b))" >h.json
expect 1 "its signature stripped: not trusted, as in an .intoto.jsonl" \
	"$VERIFY" artifact --bundle h.json -k ed.pub fw.bin
expect 2 "a bundle that does not exist" "$VERIFY" artifact --bundle nope.json \
	-k ed.pub fw.bin

done_testing
