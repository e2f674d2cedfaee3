#!/bin/sh
# attest keygen against the real openssl command line: files, modes, key ids,
# refusal to overwrite, misuse.
. "$SRCDIR/tests/cli/lib.sh"

# keyid_of PUB: the SHA-256 of the DER SubjectPublicKeyInfo, by openssl.
keyid_of() {
	openssl pkey -pubin -in "$1" -outform DER | sha256sum | cut -d' ' -f1
}

mode_of() {
	stat -c %a "$1"
}

for alg in ed25519 p256; do
	expect 0 "keygen $alg" "$ATTEST" keygen --algorithm $alg -o $alg
	same "$(mode_of $alg.key)" 600 "$alg: .key is mode 0600"
	same "$(mode_of $alg.pub)" 644 "$alg: .pub is mode 0644"
	id=$(cut -d' ' -f1 "$T/out")
	same "$id" "$(keyid_of $alg.pub)" "$alg: printed key id = sha256 of the DER"
	out_has "^[0-9a-f]{64}  $alg\.pub\$" "$alg: one line, key id first"
	expect 0 "$alg: openssl reads the .pub" \
		openssl pkey -pubin -in $alg.pub -noout
	expect 0 "$alg: openssl reads the .key" openssl pkey -in $alg.key -noout
	head -1 $alg.key >"$T/first"
	same "$(cat "$T/first")" "-----BEGIN PRIVATE KEY-----" "$alg: .key is PKCS#8"
	head -1 $alg.pub >"$T/first"
	same "$(cat "$T/first")" "-----BEGIN PUBLIC KEY-----" "$alg: .pub is SPKI"
	# The .pub is exactly the public half of the .key, as openssl derives it.
	openssl pkey -in $alg.key -pubout >"$T/derived.pub"
	expect 0 "$alg: .pub is the .key's public half" cmp "$T/derived.pub" $alg.pub
done
openssl pkey -in ed25519.key -text -noout 2>/dev/null | grep -q ED25519
same $? 0 "default --algorithm ed25519 gives an Ed25519 key"
openssl pkey -in p256.key -text -noout 2>/dev/null | grep -q 'NIST CURVE: P-256'
same $? 0 "--algorithm p256 gives a P-256 key"

expect 0 "default algorithm" "$ATTEST" keygen -q -o def
openssl pkey -in def.key -text -noout 2>/dev/null | grep -q ED25519
same $? 0 "no --algorithm: Ed25519"
expect 0 "-q: nothing on stderr" test ! -s "$T/err"

# Never overwrite: exit 2, one line naming the file, both files unchanged.
sum_before=$(cat ed25519.key ed25519.pub | sha256sum)
expect 2 "keygen refuses an existing PREFIX" "$ATTEST" keygen -o ed25519
err_has "ed25519\.key: already exists" "the message names the .key"
err_one_line "one line on stderr"
same "$(cat ed25519.key ed25519.pub | sha256sum)" "$sum_before" "files unchanged"
# Only the .pub exists: still refused, and no .key is left behind.
cp ed25519.pub lone.pub
expect 2 "keygen refuses an existing PREFIX.pub" "$ATTEST" keygen -o lone
err_has "lone\.pub: already exists" "the message names the .pub"
expect 1 "no lone.key written" test -e lone.key
# Only the .key exists.
printf 'secret' >only.key
expect 2 "keygen refuses an existing PREFIX.key" "$ATTEST" keygen -o only
same "$(cat only.key)" secret "the existing .key is untouched"
expect 1 "no only.pub written" test -e only.pub
# A dangling symlink is not followed.
ln -s "$T/target" sym.key
expect 2 "keygen refuses a symlink at PREFIX.key" "$ATTEST" keygen -o sym
expect 1 "nothing written through the symlink" test -e "$T/target"

# A directory that does not exist.
expect 2 "keygen into a missing directory" "$ATTEST" keygen -o no/such/k
err_has "no/such/k\.key" "the message names the file"
err_one_line "one line on stderr"

# Misuse: exit 2 and no files.
expect 2 "-o missing" "$ATTEST" keygen
err_has "-o PREFIX is required" "says -o is required"
expect 2 "-o twice" "$ATTEST" keygen -o a -o b
expect 2 "--algorithm twice" "$ATTEST" keygen --algorithm ed25519 \
	--algorithm p256 -o c
expect 2 "unknown algorithm" "$ATTEST" keygen --algorithm rsa -o d
err_has "unknown algorithm 'rsa'" "names the algorithm"
expect 2 "unknown option" "$ATTEST" keygen --frobnicate -o e
expect 2 "extra argument" "$ATTEST" keygen -o f extra
expect 2 "-o without value" "$ATTEST" keygen -o
for p in a b c d e f; do
	if [ -e $p.key ] || [ -e $p.pub ]; then not_ok "misuse wrote $p.*"
	else ok "misuse wrote no $p.*"; fi
done

expect 0 "--help" "$ATTEST" keygen --help
out_has "^usage: attest keygen" "--help on stdout"
expect 0 "-h" "$ATTEST" keygen -h

expect 0 "--json" "$ATTEST" keygen --json -q --algorithm p256 -o js
id=$(keyid_of js.pub)
out_has "^\{\"keyid\":\"$id\",\"algorithm\":\"p256\",\"key\":\"js\.key\",\"pub\":\"js\.pub\"\}\$" \
	"--json reports the key id and files"

# The attest-made keys work in openssl for signing. (Keys made by openssl
# genpkey loading in attest: tests/test_key.c; end-to-end with attest sign
# and verify: sign_verify.sh.)
printf 'data' >msg
expect 0 "openssl signs with an attest Ed25519 key" \
	openssl pkeyutl -sign -inkey ed25519.key -rawin -in msg -out msg.sig
expect 0 "and verifies with the attest .pub" \
	openssl pkeyutl -verify -pubin -inkey ed25519.pub -rawin -in msg \
	-sigfile msg.sig
expect 0 "openssl signs with an attest P-256 key" \
	openssl dgst -sha256 -sign p256.key -out msg.sig msg
expect 0 "and verifies with the attest .pub" \
	openssl dgst -sha256 -verify p256.pub -signature msg.sig msg

# One key, one id: a P-256 key re-encoded with a compressed or hybrid point
# (or its PEM re-wrapped) is the same key. keygen's id, verify's id for every
# form, and a threshold of 2 met by one signature (exit 1, not 0).
expect 0 "keygen p256 for the alias test" "$ATTEST" keygen --algorithm p256 \
	-o al
alias_id=$(cut -d' ' -f1 "$T/out")
expect 0 "openssl writes the compressed form" openssl ec -pubin -in al.pub \
	-conv_form compressed -out al-compressed.pub
expect 0 "openssl writes the hybrid form" openssl ec -pubin -in al.pub \
	-conv_form hybrid -out al-hybrid.pub
differ "$(keyid_of al-compressed.pub)" "$alias_id" \
	"the compressed SPKI DER differs from the uncompressed one"
differ "$(keyid_of al-hybrid.pub)" "$alias_id" \
	"the hybrid SPKI DER differs from the uncompressed one"
{
	echo "-----BEGIN PUBLIC KEY-----"
	openssl pkey -pubin -in al.pub -outform DER | base64 -w 16
	echo "-----END PUBLIC KEY-----"
} >al-wrapped.pub
mkdir alsrc && printf 'x\n' >alsrc/x && printf 'fw\n' >alfw.bin
expect 0 "sign with the P-256 key" "$ATTEST" sign --source alsrc \
	--key al.key -o al.intoto.jsonl alfw.bin
for form in al al-compressed al-hybrid al-wrapped; do
	expect 0 "$form.pub verifies" "$VERIFY" artifact --json \
		-a al.intoto.jsonl -k $form.pub alfw.bin
	out_has "\"keyid\": \"$alias_id\"" "$form.pub: verify reports keygen's id"
done
expect 1 "three encodings of one key do not meet --threshold 2" \
	"$VERIFY" artifact -a al.intoto.jsonl -k al.pub -k al-compressed.pub \
	-k al-hybrid.pub --threshold 2 alfw.bin
err_has "1 of 2 required" "one key counts once"
expect 1 "the compressed and the wrapped form: still one key" \
	"$VERIFY" artifact -a al.intoto.jsonl -k al-compressed.pub \
	-k al-wrapped.pub --threshold 2 alfw.bin
expect 1 "the same file given twice does not meet --threshold 2" \
	"$VERIFY" artifact -a al.intoto.jsonl -k al.pub -k al.pub \
	--threshold 2 alfw.bin
# Other encodings that could alias are refused: explicit curve parameters,
# a second PEM block or any garbage after the key.
expect 0 "openssl writes explicit parameters" openssl ec -pubin -in al.pub \
	-param_enc explicit -out al-explicit.pub
expect 2 "explicit curve parameters are refused" "$VERIFY" artifact \
	-a al.intoto.jsonl -k al-explicit.pub alfw.bin
err_has "explicit curve parameters" "says why"
err_one_line "explicit parameters: one line"
{ cat al.pub; echo garbage; } >al-trailing.pub
expect 2 "PEM with trailing garbage is refused" "$VERIFY" artifact \
	-a al.intoto.jsonl -k al-trailing.pub alfw.bin
err_has "unexpected data after the public key" "says why"
cat al.pub al-compressed.pub >al-two.pub
expect 2 "two PEM blocks are refused" "$VERIFY" artifact \
	-a al.intoto.jsonl -k al-two.pub alfw.bin

done_testing
