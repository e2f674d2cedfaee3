#!/bin/sh
# Keys that never sit in a file: a P-256 key generated inside a SoftHSM token
# (pkcs11-tool), named by an RFC 7512 pkcs11: URI, signs statements through
# OpenSSL's pkcs11 engine; openssl and verify check the signatures against
# the public key read out of the token. The PIN comes as a passphrase does.
. "$SRCDIR/tests/cli/lib.sh"

module=/usr/lib/softhsm/libsofthsm2.so
# Under ASan: SoftHSM's own leak is suppressed by module, which needs the
# slow unwinder to see through libcrypto; a leak of ours still fails.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0"
export LSAN_OPTIONS="suppressions=$SRCDIR/tests/cli/lsan-softhsm.supp"
for need in softhsm2-util pkcs11-tool; do
	command -v $need >/dev/null || {
		not_ok "$need is installed (scripts/deps.sh: softhsm2, opensc)"
		done_testing
		exit 1
	}
done
[ -f "$module" ] || { not_ok "SoftHSM's module $module"; done_testing; exit 1; }

mkdir tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
	"$T" >softhsm2.conf
export SOFTHSM2_CONF="$T/softhsm2.conf"
softhsm2-util --init-token --free --label cr --pin 1234 --so-pin 5678 >/dev/null
pkcs11-tool --module $module --token-label cr --login --pin 1234 --keypairgen \
	--key-type EC:prime256v1 --id 01 --label release >/dev/null 2>&1
pkcs11-tool --module $module --token-label cr --read-object --type pubkey \
	--id 01 -o pub.der >/dev/null 2>&1
openssl pkey -pubin -inform DER -in pub.der -out token.pub &&
	ok "the token made a P-256 key; its public half read out" ||
	not_ok "the token made a P-256 key; its public half read out"
printf '1234\n' >pin
printf '9999\n' >badpin
URI="pkcs11:token=cr;object=release;type=private?module-path=$module"

git init -q repo
echo hello >repo/a
git -C repo add -A && git -C repo commit -qm one
printf fw >fw.bin

expect 0 "attest sign with the token's key" "$ATTEST" sign --git repo \
	--key "$URI" --passphrase-file pin -o tok.jsonl fw.bin
id=$(openssl pkey -pubin -in token.pub -outform DER | sha256sum | cut -d' ' -f1)
out_has "^signed by $id\$" "its key id is the token key's (SHA-256 of the DER, by openssl)"
expect 0 "verify checks it with the token's public key" "$VERIFY" artifact \
	-a tok.jsonl -k token.pub fw.bin
# openssl itself: the signature over the PAE, ECDSA P-256 with SHA-256.
python3 - <<'PY'
import base64, json
e = json.loads(open("tok.jsonl").readline())
body = base64.b64decode(e["payload"]); t = e["payloadType"].encode()
open("pae.bin", "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
open("sig.bin", "wb").write(base64.b64decode(e["signatures"][0]["sig"]))
PY
expect 0 "openssl dgst -verify agrees" openssl dgst -sha256 -verify token.pub \
	-signature sig.bin pae.bin
"$ATTEST" keygen -o other >/dev/null 2>&1
expect 1 "another key does not verify it" "$VERIFY" artifact -a tok.jsonl \
	-k other.pub fw.bin

expect 0 "--passphrase-fd for the PIN, and --bundle" "$ATTEST" sign --git repo \
	--key "$URI" --passphrase-fd 3 --bundle tok.sigstore.json fw.bin 3<pin
expect 0 "the bundle verifies" "$VERIFY" artifact --bundle tok.sigstore.json \
	-k token.pub fw.bin
expect 0 "attest build signs with the token (PIN read once)" "$ATTEST" build \
	--git repo --key "$URI" --passphrase-fd 3 --output-dir b --artifact a \
	-- true 3<pin
expect 0 "and that statement verifies" "$VERIFY" artifact \
	-a b/a.intoto.jsonl -k token.pub b/a

expect 2 "a wrong PIN" "$ATTEST" sign --git repo --key "$URI" \
	--passphrase-file badpin -o bad.jsonl fw.bin
err_has "attest: pkcs11:token=cr;object=release;type=private: " "names the key"
expect 2 "an object the token does not hold" "$ATTEST" sign --git repo \
	--key "pkcs11:token=cr;object=nope;type=private?module-path=$module" \
	--passphrase-file pin -o bad.jsonl fw.bin
expect 2 "a PIN in the URI is refused" "$ATTEST" sign --git repo \
	--key "pkcs11:token=cr;object=release;type=private?pin-value=1234&module-path=$module" \
	-o bad.jsonl fw.bin
err_has "PIN in the URI" "says why"
# libp11 reads pin-value in the path part too: refused there, in any case
# and percent-encoded, even with a wrong PIN file (it would log in with the
# URI's); the PIN is in no message.
for k in "type=private;pin-value=1234?module-path=$module" \
	"type=private;PIN-Value=1234?module-path=$module" \
	"type=private;pin%2dvalue=1234?module-path=$module" \
	"type=private;%70in-source=file:pin?module-path=$module" \
	"pin-value=1234?module-path=relative" "pin-value=1234?x=1"; do
	expect 2 "a PIN in the URI is refused: $k" "$ATTEST" sign --git repo \
		--key "pkcs11:token=cr;object=release;$k" \
		--passphrase-file badpin -o bad.jsonl fw.bin
	err_has "PIN in the URI" "$k: says why"
	grep -q 1234 "$T/err" && not_ok "$k: the PIN is not echoed" ||
		ok "$k: the PIN is not echoed"
done
expect 2 "an unknown query attribute's value is not echoed" "$ATTEST" sign \
	--git repo --key "pkcs11:token=cr;object=release?x=s3cr3t" \
	--passphrase-file pin -o bad.jsonl fw.bin
grep -q s3cr3t "$T/err" && not_ok "the query value is not echoed" ||
	ok "the query value is not echoed"
expect 2 "a relative module-path" "$ATTEST" sign --git repo \
	--key "pkcs11:token=cr;object=release?module-path=libsofthsm2.so" \
	--passphrase-file pin -o bad.jsonl fw.bin
expect 2 "an unknown query attribute" "$ATTEST" sign --git repo \
	--key "pkcs11:token=cr;object=release?x=1" --passphrase-file pin \
	-o bad.jsonl fw.bin
expect 2 "no terminal for the PIN" setsid "$ATTEST" sign --git repo \
	--key "$URI" -o bad.jsonl fw.bin </dev/null
[ ! -e bad.jsonl ] && ok "nothing written by any of them" || not_ok "nothing written"
# Log checkpoints are signed notes, Ed25519 only: a P-256 key is refused.
expect 2 "a log with the token's P-256 key" "$ATTEST" log init --key "$URI" \
	--passphrase-file pin --origin example.org/log logdir
err_has "Ed25519" "says checkpoints need Ed25519"

# An Ed25519 key made in the token (libp11 0.4.12 cannot use it; the
# module is then used directly, CKM_EDDSA) signs statements and checkpoints.
pkcs11-tool --module $module --token-label cr --login --pin 1234 --keypairgen \
	--key-type EC:edwards25519 --id 02 --label logkey >/dev/null 2>&1
pkcs11-tool --module $module --token-label cr --read-object --type pubkey \
	--id 02 -o ed.out >/dev/null 2>&1
openssl pkey -pubin -in ed.out -out ed.pub 2>/dev/null ||
	openssl pkey -pubin -inform DER -in ed.out -out ed.pub
EDURI="pkcs11:token=cr;object=logkey;type=private?module-path=$module"
expect 0 "attest sign with the token's Ed25519 key" "$ATTEST" sign --git repo \
	--key "$EDURI" --passphrase-file pin -o ed.jsonl fw.bin
id=$(openssl pkey -pubin -in ed.pub -outform DER | sha256sum | cut -d' ' -f1)
out_has "^signed by $id\$" "its key id is the token key's, by openssl"
expect 0 "verify checks it" "$VERIFY" artifact -a ed.jsonl -k ed.pub fw.bin
python3 - <<'PY'
import base64, json
e = json.loads(open("ed.jsonl").readline())
body = base64.b64decode(e["payload"]); t = e["payloadType"].encode()
open("pae.bin", "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
open("sig.bin", "wb").write(base64.b64decode(e["signatures"][0]["sig"]))
PY
expect 0 "openssl pkeyutl -verify agrees (Ed25519)" openssl pkeyutl -verify \
	-pubin -inkey ed.pub -rawin -in pae.bin -sigfile sig.bin
expect 0 "a log whose checkpoints the token signs" "$ATTEST" log init \
	--key "$EDURI" --passphrase-file pin --origin example.org/log edlog
expect 0 "an entry added, the checkpoint signed in the token" "$ATTEST" log add \
	--key "$EDURI" --passphrase-fd 3 -o ed.proof edlog ed.jsonl 3<pin
expect 0 "verify log checks the proof with the token's public key" "$VERIFY" \
	log --log-key ed.pub --proof ed.proof ed.jsonl
expect 1 "and not with another key" "$VERIFY" log --log-key other.pub \
	--proof ed.proof ed.jsonl
expect 2 "a wrong PIN for the Ed25519 key" "$ATTEST" sign --git repo \
	--key "$EDURI" --passphrase-file badpin -o bad.jsonl fw.bin
err_has "refused the PIN" "says so"

done_testing
