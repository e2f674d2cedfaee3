#!/bin/sh
# attest log / verify log: inclusion, consistency, split view, witnesses,
# crash safety under SIGKILL, and a log served over HTTP and mirrored.
. "$SRCDIR/tests/cli/lib.sh"

# envelopes FILE TAG N: N small DSSE envelopes, one per line (the log does
# not check their signatures; their payloads differ by TAG and number).
envelopes() {
	awk -v tag="$2" -v n="$3" 'BEGIN { for (i = 0; i < n; i++) {
		s = sprintf("%s%06d", tag, i)
		while (length(s) % 4) s = s "A"
		printf "{\"payload\":\"%s\",\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\":[{\"sig\":\"AAAA\"}]}\n", s } }' >"$1"
}

"$ATTEST" keygen -o log >/dev/null 2>&1 || exit 2
"$ATTEST" keygen -o other >/dev/null 2>&1 || exit 2
"$ATTEST" keygen -o wit >/dev/null 2>&1 || exit 2
"$ATTEST" keygen -o vendor >/dev/null 2>&1 || exit 2
mkdir src && echo 'int main(void) { return 0; }' >src/main.c && echo fw >fw.bin
"$ATTEST" sign --source src --key vendor.key -o fw.intoto.jsonl fw.bin \
	>/dev/null 2>&1 || exit 2
echo fw2 >fw2.bin
"$ATTEST" sign --source src --key vendor.key -o fw2.intoto.jsonl fw2.bin \
	>/dev/null 2>&1 || exit 2

# --- a log, its vkey, an attestation in it --------------------------------
expect 0 "log init" "$ATTEST" log init --key log.key --origin example.test/log L
out_has '^example\.test/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$' "init prints the log's vkey"
cp "$T/out" log.vkey
expect 0 "log vkey from the public key" "$ATTEST" log vkey --pub log.pub --name example.test/log
same "$(cat "$T/out")" "$(cat log.vkey)" "vkey from .pub equals the one init printed"
expect 2 "log init twice" "$ATTEST" log init --key log.key --origin example.test/log L
err_one_line "init twice: one line"
expect 2 "log init: origin with a space" "$ATTEST" log init --key log.key --origin 'a b' L2

envelopes e1.jsonl A 3
expect 0 "log add three envelopes" "$ATTEST" log add --key log.key L e1.jsonl
cp L/checkpoint cp3
expect 0 "log add an attestation" "$ATTEST" log add --key log.key -o fw.proof L fw.intoto.jsonl
out_has 'index 3; tree size 4' "added at index 3, tree size 4"
head -1 fw.proof | grep -qx 'c2sp.org/tlog-proof@v1' && ok "proof is a c2sp.org/tlog-proof" || not_ok "proof header"
# --json: init and add say the same in one object; the checkpoint given is
# the one written to disk, the vkey the one init printed.
pyget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/out" "$1"; }
expect 0 "log init --json" "$ATTEST" log init --json --key log.key --origin example.test/j LJ
same "$(pyget vkey)" "$("$ATTEST" log vkey --pub log.pub --name example.test/j)" "init --json: the vkey"
same "$(pyget origin)" "example.test/j" "init --json: the origin"
expect 0 "log add --json" "$ATTEST" log add --json --key log.key LJ fw.intoto.jsonl fw2.intoto.jsonl
same "$(pyget added)/$(pyget firstIndex)/$(pyget treeSize)" "2/0/2" "add --json: counts"
python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))["checkpoint"])' "$T/out" >cpj
cmp -s cpj LJ/checkpoint && ok "add --json: the checkpoint on disk" || not_ok "add --json: the checkpoint on disk"
expect 2 "log add --json, not an attestation" "$ATTEST" log add --json --key log.key LJ src/main.c
[ -s "$T/out" ] && not_ok "no JSON on error" || ok "no JSON on error"
expect 2 "log add with another key" "$ATTEST" log add --key other.key L fw.intoto.jsonl
err_has 'not signed by this key' "another key cannot append"
expect 2 "log add a file that is not an attestation" "$ATTEST" log add --key log.key L src/main.c
err_one_line "not an attestation: one line"

# --- inclusion ---------------------------------------------------------------
expect 0 "inclusion verifies (PEM key)" "$VERIFY" log --log-key log.pub --proof fw.proof fw.intoto.jsonl
out_has 'included at index 3 of example.test/log, tree size 4' "says where"
expect 0 "inclusion verifies (vkey)" "$VERIFY" log --log-key log.vkey --proof fw.proof fw.intoto.jsonl
expect 0 "inclusion --json" "$VERIFY" log --json --log-key log.vkey --proof fw.proof fw.intoto.jsonl
out_has '"verified": true' "json verified"
python3 - "$T/out" "$(cat log.pub >/dev/null; echo 4)" <<'PY' && ok "inclusion --json: entries with line, index, treeSize" || not_ok "inclusion --json: entries with line, index, treeSize"
import json, sys
o = json.load(open(sys.argv[1]))
e = o["entries"]
assert o["mode"] == "inclusion" and o["verified"] is True, o
assert len(e) == 1 and e[0]["line"] == 1 and e[0]["index"] == 3, e
assert e[0]["treeSize"] == int(sys.argv[2]) and e[0]["origin"] == "example.test/log", e
PY
expect 1 "another attestation with the proof" "$VERIFY" log --log-key log.pub --proof fw.proof fw2.intoto.jsonl
err_one_line "another attestation: one line"
expect 1 "another attestation --json" "$VERIFY" log --json --log-key log.pub --proof fw.proof fw2.intoto.jsonl
out_has '"verified": false' "json not verified"
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["verified"] is False and o["entries"][0]["error"]' "$T/out" &&
	ok "not verified: valid JSON with the reason" || not_ok "not verified: valid JSON with the reason"
# Change one hash of the audit path (line 3), keeping it valid base64.
awk 'NR == 3 { $0 = (substr($0, 1, 1) == "A" ? "B" : "A") substr($0, 2) } { print }' fw.proof >tampered.proof
expect 1 "a changed proof hash" "$VERIFY" log --log-key log.pub --proof tampered.proof fw.intoto.jsonl
expect 1 "another log key" "$VERIFY" log --log-key other.pub --proof fw.proof fw.intoto.jsonl
err_has 'no signature' "says no signature by that key"

# --- verify artifact with a log: signed AND logged ----------------------------
expect 0 "artifact signed and in the log" "$VERIFY" artifact -a fw.intoto.jsonl \
	-k vendor.pub --log-key log.vkey --proof fw.proof fw.bin
expect 1 "artifact signed but its proof is for another attestation" \
	"$VERIFY" artifact -a fw2.intoto.jsonl -k vendor.pub --log-key log.pub \
	--proof fw.proof fw2.bin
out_has "no proof shows it in a trusted transparency log" "says it is not logged"
expect 1 "artifact with a tampered proof" "$VERIFY" artifact \
	-a fw.intoto.jsonl -k vendor.pub --log-key log.pub \
	--proof tampered.proof fw.bin
expect 1 "artifact, proof checked against another log key" "$VERIFY" artifact \
	-a fw.intoto.jsonl -k vendor.pub --log-key other.pub --proof fw.proof fw.bin
expect 1 "artifact in the log but its witness did not cosign" "$VERIFY" artifact \
	-a fw.intoto.jsonl -k vendor.pub --log-key log.pub --proof fw.proof \
	--witness-key wit.pub fw.bin
printf 'not a proof\n' >junk.proof
expect 2 "artifact with a malformed proof" "$VERIFY" artifact \
	-a fw.intoto.jsonl -k vendor.pub --log-key log.pub --proof junk.proof fw.bin
err_one_line "malformed proof: one line"
expect 2 "--proof without --log-key" "$VERIFY" artifact -a fw.intoto.jsonl \
	-k vendor.pub --proof fw.proof fw.bin
"$ATTEST" log vkey --pub log.pub --name example.test/other >other-origin.vkey
expect 1 "a checkpoint of another origin" "$VERIFY" log --log-key other-origin.vkey --proof fw.proof fw.intoto.jsonl
err_has "checkpoint of log 'example.test/log'" "names the origin"
expect 1 "--origin pins a PEM key" "$VERIFY" log --log-key log.pub --origin example.test/other --proof fw.proof fw.intoto.jsonl
sed 's/^4$/5/' fw.proof >size.proof
expect 1 "a proof whose checkpoint was edited" "$VERIFY" log --log-key log.pub --proof size.proof fw.intoto.jsonl
sed 's/^index 3$/index x/' fw.proof >bad.proof
expect 2 "a malformed proof" "$VERIFY" log --log-key log.pub --proof bad.proof fw.intoto.jsonl
err_one_line "malformed proof: one line"
err_has 'bad.proof' "names the file"
head -c 40 fw.proof >short.proof
expect 2 "a truncated proof" "$VERIFY" log --log-key log.pub --proof short.proof fw.intoto.jsonl
err_one_line "truncated proof: one line"
expect 2 "a missing proof" "$VERIFY" log --log-key log.pub --proof nothing.proof fw.intoto.jsonl
expect 2 "a malformed key" "$VERIFY" log --log-key fw.bin --proof fw.proof fw.intoto.jsonl
err_one_line "malformed key: one line"
expect 2 "no mode" "$VERIFY" log --log-key log.pub
expect 0 "verify log --help" "$VERIFY" log --help

# --- consistency, witnesses ---------------------------------------------------
expect 0 "prove consistency from size 3" "$ATTEST" log prove L --from-size 3 -o c3-4
expect 0 "consistency verifies" "$VERIFY" log --log-key log.vkey --old cp3 --new L/checkpoint --consistency c3-4
out_has 'grew from 3 to 4' "says how it grew"
expect 2 "prove beyond the tree" "$ATTEST" log prove L --from-size 9 -o x
expect 2 "consistency with swapped checkpoints" "$VERIFY" log --log-key log.vkey --old L/checkpoint --new cp3 --consistency c3-4
err_one_line "swapped: one line"
printf 'garbage\n' >garbage.cp
expect 2 "a malformed checkpoint" "$VERIFY" log --log-key log.vkey --old garbage.cp --new L/checkpoint --consistency c3-4
err_one_line "malformed checkpoint: one line"
err_has 'garbage.cp' "names the checkpoint"

"$ATTEST" log vkey --key wit.key --name witness.test/w --witness >wit.vkey
expect 0 "witness: first sight is trusted" "$ATTEST" log witness --key wit.key --name witness.test/w --log-key log.vkey --state W cp3 c3-4 -o cosigned3
expect 0 "witness: a consistent step" "$ATTEST" log witness --key wit.key --name witness.test/w --log-key log.pub --state W L/checkpoint c3-4 -o cosigned4
grep -q '^— witness.test/w ' cosigned4 && ok "cosignature line added" || not_ok "cosignature line added"
expect 0 "witness --json" "$ATTEST" log witness --json --key wit.key --name witness.test/w --state W L/checkpoint c3-4 -o cosigned4j
same "$(pyget origin)/$(pyget treeSize)/$(pyget cosigned)" "example.test/log/4/cosigned4j" "witness --json: origin, size, file"
expect 0 "witness: the log key is pinned, --log-key may be left out" "$ATTEST" log witness --key wit.key --name witness.test/w --state W L/checkpoint c3-4 -o cosigned4b
expect 1 "witness: another key than the pinned one is refused" "$ATTEST" log witness --key wit.key --log-key other.pub --state W L/checkpoint c3-4 -o x
err_has "not the log key this witness pinned" "says the key is not the pinned one"
expect 2 "witness: no key pinned and none given" "$ATTEST" log witness --key wit.key --state W2 cp3 c3-4 -o x
err_has "give --log-key PUB once" "says how to proceed"
expect 0 "consistency with a witness cosignature" "$VERIFY" log --log-key log.vkey --witness-key wit.vkey --witness-threshold 1 --old cp3 --new cosigned4 --consistency c3-4
out_has '1 witness cosignature' "counts the cosignature"
# The log attaches the cosignature; proofs made then carry it, and verify
# artifact can demand it (a copy of the log, so L stays uncosigned below).
cp -R L LW
expect 0 "attach a witness cosignature" "$ATTEST" log attach --key log.key LW cosigned4
out_has "attached 1 cosignature" "one line added"
expect 0 "attaching it again, --json" "$ATTEST" log attach --json --key log.key LW cosigned4
same "$(pyget attached)" 0 "attach --json: nothing added twice"
expect 0 "attaching it again adds nothing" "$ATTEST" log attach --key log.key LW cosigned4
out_has "attached 0 cosignatures" "nothing added twice"
expect 1 "attach a cosignature of another checkpoint" "$ATTEST" log attach --key log.key LW cosigned3
err_has "cosigns another checkpoint" "says it is another checkpoint"
expect 0 "prove inclusion from the cosigned log" "$ATTEST" log prove LW --index 3 -o fw-w.proof
expect 0 "artifact signed, logged and witnessed" "$VERIFY" artifact -a fw.intoto.jsonl \
	-k vendor.pub --log-key log.vkey --proof fw-w.proof --witness-key wit.vkey fw.bin
expect 1 "a witness threshold the proof cannot meet" "$VERIFY" artifact -a fw.intoto.jsonl \
	-k vendor.pub --log-key log.vkey --proof fw-w.proof --witness-key wit.vkey \
	--witness-key other.pub --witness-threshold 2 fw.bin
expect 0 "the cosigned log still verifies" "$VERIFY" log --log-key log.vkey --tiles LW
expect 0 "the cosigned log accepts the next append" "$ATTEST" log add --key log.key LW fw2.intoto.jsonl
expect 0 "witness key as PEM" "$VERIFY" log --log-key log.vkey --witness-key wit.pub --old cp3 --new cosigned4 --consistency c3-4
expect 1 "threshold not met without the cosignature" "$VERIFY" log --log-key log.vkey --witness-key wit.vkey --old cp3 --new L/checkpoint --consistency c3-4
expect 1 "threshold not met by another witness" "$VERIFY" log --log-key log.vkey --witness-key other.pub --old cp3 --new cosigned4 --consistency c3-4
expect 2 "a threshold above the keys given" "$VERIFY" log --log-key log.vkey --witness-key wit.vkey --witness-threshold 2 --old cp3 --new cosigned4 --consistency c3-4
expect 2 "a log vkey as witness key" "$VERIFY" log --log-key log.vkey --witness-key log.vkey --old cp3 --new cosigned4 --consistency c3-4
expect 1 "witness: a rollback is refused" "$ATTEST" log witness --key wit.key --log-key log.pub --state W cp3 c3-4 -o rolled
[ ! -e rolled ] && ok "rollback: nothing written" || not_ok "rollback: nothing written"
expect 1 "witness: a checkpoint not signed by the log it follows" "$ATTEST" log witness --key wit.key --log-key other.pub --state W L/checkpoint c3-4 -o x

# --- split view: two logs forked from the same history ------------------------
cp -R L F
envelopes a5.jsonl A 1
envelopes b5.jsonl B 1
expect 0 "log A grows by a" "$ATTEST" log add --key log.key L a5.jsonl
expect 0 "fork B grows by b" "$ATTEST" log add --key log.key F b5.jsonl
envelopes a6.jsonl C 2
expect 0 "fork B grows more" "$ATTEST" log add --key log.key F a6.jsonl
cp L/checkpoint cpA5
expect 0 "fork B proves from 5" "$ATTEST" log prove F --from-size 5 -o fork5-7
expect 1 "split view: consistency fails" "$VERIFY" log --log-key log.pub --old cpA5 --new F/checkpoint --consistency fork5-7
err_one_line "split view: one line"
"$ATTEST" log prove L --from-size 4 -o a4-5
expect 0 "witness follows log A" "$ATTEST" log witness --key wit.key --log-key log.pub --state W L/checkpoint a4-5 -o cosignedA
expect 1 "witness refuses the fork" "$ATTEST" log witness --key wit.key --log-key log.pub --state W F/checkpoint fork5-7 -o cosignedF
[ ! -e cosignedF ] && ok "fork: nothing cosigned" || not_ok "fork: nothing cosigned"
"$ATTEST" log prove F --from-size 4 -o fork4-7
expect 2 "witness: a proof not from the size it last saw" "$ATTEST" log witness --key wit.key --log-key log.pub --state W F/checkpoint fork4-7 -o cosignedF

# --- crash safety: SIGKILL at random points -------------------------------------
"$ATTEST" log init --key log.key --origin crash.test C >/dev/null 2>&1
for f in 1 2 3 4 5; do envelopes big$f.jsonl "K$f" 4000; done
i=0
while [ $i -lt 12 ]; do
	i=$((i + 1))
	"$ATTEST" log add --key log.key C big1.jsonl big2.jsonl big3.jsonl big4.jsonl big5.jsonl >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v s="$i" 'BEGIN { srand(s + 1000 * (systime() % 1000)); printf "%.3f", rand() * 0.6 }')"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if "$VERIFY" log --log-key log.pub --tiles C >"$T/out" 2>"$T/err"; then
		ok "after kill $i the checkpoint verifies against the tiles"
	else
		not_ok "after kill $i the checkpoint verifies against the tiles"
		sed 's/^/#   /' "$T/err"
	fi
	envelopes one.jsonl "R$i" 1
	expect 0 "after kill $i the next append succeeds" "$ATTEST" log add --key log.key C one.jsonl
done
expect 0 "the crashed log audits clean" "$VERIFY" log --log-key log.pub --tiles C

# --- concurrent writers -----------------------------------------------------------
envelopes w1.jsonl W1 3000
envelopes w2.jsonl W2 3000
before=$(sed -n 2p C/checkpoint)
"$ATTEST" log add --key log.key C w1.jsonl >/dev/null 2>&1 &
p1=$!
"$ATTEST" log add --key log.key C w2.jsonl >/dev/null 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
same "$r1$r2" "00" "two concurrent writers both succeed"
same "$(sed -n 2p C/checkpoint)" "$((before + 6000))" "and both batches are in"
expect 0 "the log still audits clean" "$VERIFY" log --log-key log.pub --tiles C

# --- served for real: http.server, curl, verify the mirror --------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$T/C" "$port" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$T"' EXIT
n=0
until curl -sf "http://127.0.0.1:$port/checkpoint" -o /dev/null; do
	n=$((n + 1))
	[ $n -gt 50 ] && break
	sleep 0.1
done
mkdir M
(cd C && find checkpoint tile -type f ! -name '*.tmp.*') >files
fetched=0
while read -r f; do
	mkdir -p "M/$(dirname "$f")"
	curl -sf "http://127.0.0.1:$port/$f" -o "M/$f" && fetched=$((fetched + 1))
done <files
same "$fetched" "$(wc -l <files | tr -d ' ')" "every tile downloaded over HTTP"
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null
expect 0 "the downloaded mirror verifies" "$VERIFY" log --log-key log.pub --tiles M
expect 0 "prove consistency from the mirror" "$ATTEST" log prove M --from-size 1000 -o m.cons
"$ATTEST" log prove C --from-size 1000 -o c.cons
same "$(cat m.cons)" "$(cat c.cons)" "the mirror's proof equals the log's"
expect 0 "prove inclusion from the mirror" "$ATTEST" log prove M --index 5000 -o m.incl
f=M/tile/0/000 # a full tile the checkpoint commits to
printf 'X' | dd of="$f" bs=1 seek=5 conv=notrunc 2>/dev/null
expect 1 "a tampered mirror tile fails" "$VERIFY" log --log-key log.pub --tiles M

# --- many envelopes, many proofs: each proof read and checked once ----------
# 2000 signed envelopes (one signature; only the unsigned keyid hint
# differs, so 2000 leaves): before, every envelope re-read and re-verified
# the whole proof file (160 s); now seconds.
python3 "$SRCDIR/tests/bench/gen_envelopes.py" fw.intoto.jsonl 2000 many.jsonl
"$ATTEST" log init --key log.key --origin example.test/big BIG >/dev/null 2>&1
expect 0 "log add 2000 envelopes" "$ATTEST" log add --key log.key \
	-o many.proof BIG many.jsonl
same "$(grep -c '^c2sp.org/tlog-proof@v1$' many.proof)" 2000 "2000 proof blocks"
start=$(date +%s)
expect 0 "2000 envelopes, 2000 proofs" "$VERIFY" artifact --json \
	-a many.jsonl -k vendor.pub --log-key log.pub --proof many.proof fw.bin
out_has '"result": "ok"' "2000 envelopes: ok"
took=$(($(date +%s) - start))
if [ "$took" -lt 60 ]; then ok "2000 envelopes and proofs in ${took}s"
else not_ok "2000 envelopes and proofs took ${took}s"; fi
# Every envelope must be shown: one the log never saw is demoted (exit 1
# when it is the only one), even with 2000 blocks to look through.
expect 1 "an envelope not in the log, 2000 blocks" "$VERIFY" artifact \
	-a fw2.intoto.jsonl -k vendor.pub --log-key log.pub --proof many.proof \
	fw2.bin
out_has "no proof shows it in a trusted transparency log" "says it is not logged"
# Blocks out of order are still found (within the search budget).
head -200 many.jsonl >some.jsonl
"$ATTEST" log init --key log.key --origin example.test/some SOME >/dev/null 2>&1
"$ATTEST" log add --key log.key -o some.proof SOME some.jsonl >/dev/null 2>&1
python3 - <<'PY'
blocks = open("some.proof").read().split("c2sp.org/tlog-proof@v1\n")[1:]
open("reversed.proof", "w").write(
    "".join("c2sp.org/tlog-proof@v1\n" + b for b in reversed(blocks)))
PY
expect 0 "200 envelopes, proofs in reverse order" "$VERIFY" artifact -q \
	-a some.jsonl -k vendor.pub --log-key log.pub --proof reversed.proof \
	fw.bin
# A tampered block among many: that envelope is not shown in the log.
python3 - <<'PY'
blocks = open("some.proof").read().split("c2sp.org/tlog-proof@v1\n")[1:]
lines = blocks[0].split("\n")
lines[1] = ("B" if lines[1][0] != "B" else "C") + lines[1][1:]
blocks[0] = "\n".join(lines)
open("bad-first.proof", "w").write(
    "".join("c2sp.org/tlog-proof@v1\n" + b for b in blocks))
PY
head -1 some.jsonl >first.jsonl
expect 1 "the one envelope whose block was tampered" "$VERIFY" artifact \
	-a first.jsonl -k vendor.pub --log-key log.pub --proof bad-first.proof \
	fw.bin

done_testing
