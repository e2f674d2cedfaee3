#!/bin/sh
# attest export, attest disclose, and verify source on archives, bundles and
# file lists: the honest path, tampering (exit 1) and malformed input (exit 2).
. "$SRCDIR/tests/cli/lib.sh"

mkdir repo repo/src repo/src/net repo/doc
printf 'int main(void) { return 0; }\n' >repo/src/main.c
printf 'int crypt(void) { return 42; }\n' >repo/src/crypto.c
printf 'int net(void) { return 1; }\n' >repo/src/net/tcp.c
printf 'secret roadmap\n' >repo/doc/plan.txt
printf '#!/bin/sh\necho build\n' >repo/build.sh && chmod +x repo/build.sh
ln -s src/main.c repo/link
printf 'caf\303\251\n' >"repo/caf$(printf '\303\251').txt"
git -C repo init -q && git -C repo add -A && git -C repo commit -qm one
tree=$(git_sha256_tree repo)
printf 'untracked\n' >repo/untracked.txt

"$ATTEST" keygen -o vendor >/dev/null 2>&1
printf 'fw\n' >fw.bin
expect 0 "vendor signs" "$ATTEST" sign --git repo --key vendor.key \
	-o fw.intoto.jsonl fw.bin

# export: deterministic, exactly the committed tree.
expect 0 "export tar.gz" "$ATTEST" export --git repo -o src.tar.gz
out_has "^sha256tree:$tree " "export prints the tree hash"
sleep 1
mkdir elsewhere
(cd elsewhere && TZ=Asia/Tokyo umask 077 && "$ATTEST" export --git ../repo -o ../again.tar.gz >/dev/null)
same "$(sha256sum <src.tar.gz)" "$(sha256sum <again.tar.gz)" \
	"export gives the same bytes again, elsewhere, later"
expect 0 "export tar" "$ATTEST" export --git repo -o src.tar
expect 0 "attest hash of the export" "$ATTEST" hash src.tar.gz
out_has "^$tree " "the export hashes to the tree"
expect 0 "verify source on the export" "$VERIFY" source -a fw.intoto.jsonl \
	-k vendor.pub src.tar.gz
if tar -tzf src.tar.gz | grep -q untracked; then
	not_ok "untracked file not exported"
else
	ok "untracked file not exported"
fi
tar -tvzf src.tar.gz >listing
if grep -q 'root/root\|0/0' listing && ! grep -v '^d\|^-\|^l' listing | grep -q .; then
	ok "owners 0/0, only files, dirs and links"
else
	not_ok "owners 0/0, only files, dirs and links"
	sed 's/^/#   /' listing
fi
same "$(od -An -tu1 -j4 -N4 src.tar.gz | tr -s ' ')" " 0 0 0 0" \
	"gzip header time is zero"
expect 0 "tar extracts" tar -xzf src.tar.gz -C elsewhere
expect 0 "extracted tree hashes the same" "$ATTEST" hash elsewhere
out_has "^$tree " "extracted tree hash"
expect 2 "export of a missing revision" "$ATTEST" export --git repo \
	--rev nope -o x.tar
err_one_line "missing revision: one line"
[ -e x.tar ] && not_ok "nothing written" || ok "nothing written"
expect 2 "export needs --git" "$ATTEST" export -o x.tar

# disclose: some files, with the trees that prove they belong.
expect 0 "disclose src/net and build.sh" "$ATTEST" disclose --git repo \
	-o part.tar src/net build.sh
out_has "2 of 7 files disclosed" "disclose counts files"
if tar -tf part.tar | grep -q 'crypto.c\|plan.txt'; then
	not_ok "withheld files are not in the bundle"
else
	ok "withheld files are not in the bundle"
fi
expect 0 "verify source on the bundle" "$VERIFY" source -a fw.intoto.jsonl \
	-k vendor.pub part.tar
out_has "disclosed .* src/net/tcp.c" "lists what was disclosed"
out_has "withheld .* src/crypto.c" "lists what was withheld"
out_has "withheld .* doc" "a withheld directory is named"
expect 0 "bundle --json" "$VERIFY" source --json -a fw.intoto.jsonl \
	-k vendor.pub part.tar
out_has '"state": "withheld"' "json lists withheld entries"

# Tamper: a byte of a disclosed file, a tree object, a tree swapped.
mkdir tamper && tar -xf part.tar -C tamper
printf 'int net(void) { return 2; }\n' >tamper/src/net/tcp.c
(cd tamper && tar -cf ../bad-file.tar cleanroom-disclosure.json build.sh src)
expect 1 "byte changed in a disclosed file" "$VERIFY" source \
	-a fw.intoto.jsonl -k vendor.pub bad-file.tar
err_has "src/net/tcp.c differs from the attested tree" "names the file"
tar -xf part.tar -C tamper
python3 - <<'PY'
import base64, json
p = "tamper/cleanroom-disclosure.json"
m = json.load(open(p))
for t in m["trees"]:
    if t["path"] == "src/net":
        b = bytearray(base64.b64decode(t["body"]))
        b[-1] ^= 1
        t["body"] = base64.b64encode(bytes(b)).decode()
open(p, "w").write(json.dumps(m))
m2 = json.load(open("tamper/cleanroom-disclosure.json"))
# Unsorted: swap the entries of the root tree.
PY
(cd tamper && tar -cf ../bad-tree.tar cleanroom-disclosure.json build.sh src)
expect 1 "byte changed in a tree object" "$VERIFY" source \
	-a fw.intoto.jsonl -k vendor.pub bad-tree.tar
err_has "tree 'src/net'" "names the tree"
tar -xf part.tar -C tamper
python3 - <<'PY'
import base64, json
p = "tamper/cleanroom-disclosure.json"
m = json.load(open(p))
for t in m["trees"]:
    if t["path"] == "":
        b = base64.b64decode(t["body"])
        ents, i = [], 0
        while i < len(b):
            nul = b.index(b"\0", i)
            ents.append(b[i:nul + 33])
            i = nul + 33
        ents[0], ents[1] = ents[1], ents[0]
        t["body"] = base64.b64encode(b"".join(ents)).decode()
open(p, "w").write(json.dumps(m))
PY
(cd tamper && tar -cf ../unsorted.tar cleanroom-disclosure.json build.sh src)
expect 1 "unsorted tree" "$VERIFY" source -a fw.intoto.jsonl -k vendor.pub \
	unsorted.tar
err_has "unsorted or duplicated" "says the tree is not valid"
# A bundle of another commit does not match the attestation.
printf 'more\n' >>repo/src/net/tcp.c
git -C repo commit -qam two
expect 0 "disclose from another commit" "$ATTEST" disclose --git repo \
	-o other.tar src/net
expect 1 "bundle of another tree" "$VERIFY" source -a fw.intoto.jsonl \
	-k vendor.pub other.tar
err_has "root tree is sha256tree:" "says the root differs"
git -C repo reset -q --hard HEAD~1

# Malformed bundles: exit 2, one line.
tar -xf part.tar -C tamper
printf '{"cleanroomDisclosure":1,"trees":[' >tamper/cleanroom-disclosure.json
(cd tamper && tar -cf ../trunc.tar cleanroom-disclosure.json build.sh)
expect 2 "truncated manifest" "$VERIFY" source -a fw.intoto.jsonl \
	-k vendor.pub trunc.tar
err_one_line "truncated manifest: one line"
printf '{"cleanroomDisclosure":1,"cleanroomDisclosure":1}' \
	>tamper/cleanroom-disclosure.json
(cd tamper && tar -cf ../dup.tar cleanroom-disclosure.json)
expect 2 "duplicate keys in the manifest" "$VERIFY" source \
	-a fw.intoto.jsonl -k vendor.pub dup.tar
expect 2 "disclose a path not in the tree" "$ATTEST" disclose --git repo \
	-o nope.tar no/such/path
err_has "no/such/path: not in the tree" "names the path"

# --files names the files that differ.
"$ATTEST" hash --list --json --git repo >files.json
cp -r repo changed && rm -rf changed/.git changed/untracked.txt
printf 'int crypt(void) { return 0; /* backdoor */ }\n' >changed/src/crypto.c
rm changed/doc/plan.txt
printf 'x\n' >changed/extra.c
chmod +x changed/src/main.c
expect 1 "changed tree with --files" "$VERIFY" source -a fw.intoto.jsonl \
	-k vendor.pub --files files.json changed
out_has "changed +src/crypto.c" "names the changed file"
out_has "removed +doc/plan.txt" "names the removed file"
out_has "added +extra.c" "names the added file"
out_has "mode changed +src/main.c" "names the mode change"
err_has "differs from the attested sha256tree:$tree in 4 files" \
	"counts the differences"
"$ATTEST" hash --list --json changed >wrong.json
expect 2 "--files of another tree" "$VERIFY" source -a fw.intoto.jsonl \
	-k vendor.pub --files wrong.json changed
python3 - <<'PY'
import json
m = json.load(open("files.json"))
m["files"][0]["blob"] = "0" * 64
open("forged.json", "w").write(json.dumps(m))
PY
expect 2 "a forged file list" "$VERIFY" source -a fw.intoto.jsonl \
	-k vendor.pub --files forged.json changed
err_has "do not hash to the tree" "says the list is forged"

done_testing
