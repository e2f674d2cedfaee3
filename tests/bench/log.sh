#!/bin/sh
# Benchmark of the transparency log: appends 100,000 small envelopes in one
# call, then times inclusion proof generation and verification and compares
# the log's size with its entries plus one hash each.
#
# usage: tests/bench/log.sh [BUILDDIR]     (default: build)
# or with ATTEST and VERIFY set to the programs.
set -eu

build=${1:-build}
ATTEST=${ATTEST:-$build/attest/attest}
VERIFY=${VERIFY:-$build/verify/verify}
N=${N:-100000}
PER_FILE=4000 # an attestation file holds at most 4096 envelopes

case $ATTEST in /*) ;; *) ATTEST=$(pwd)/$ATTEST ;; esac
case $VERIFY in /*) ;; *) VERIFY=$(pwd)/$VERIFY ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# Envelopes of about 150 bytes, each payload unique.
files=
f=0
while [ $((f * PER_FILE)) -lt "$N" ]; do
	awk -v f="$f" -v n="$PER_FILE" -v total="$N" 'BEGIN {
		for (i = 0; i < n && f * n + i < total; i++)
			printf "{\"payload\":\"%012d\",\"payloadType\":\"application/vnd.in-toto+json\",\"signatures\":[{\"keyid\":\"bench\",\"sig\":\"AAAA\"}]}\n", f * n + i }' >"e$f.jsonl"
	files="$files e$f.jsonl"
	f=$((f + 1))
done
"$ATTEST" keygen -o log >/dev/null 2>&1
"$ATTEST" log init --key log.key --origin bench.example/log L >log.vkey 2>/dev/null

t0=$(now)
# shellcheck disable=SC2086
"$ATTEST" log add --key log.key L $files >/dev/null
t1=$(now)
add=$(elapsed "$t0" "$t1")
echo "append: $N entries in ${add}s: $(awk -v n="$N" -v t="$add" 'BEGIN { printf "%.0f", n / t }') entries/s (one call, one checkpoint)"

"$VERIFY" log --log-key log.vkey --tiles L -q
echo "audit: tiles and entries agree with the checkpoint"

# Proofs: the last PER_FILE entries again, as a batch with -o, against the
# same append without -o: the difference is making and writing the proofs.
awk -v n="$PER_FILE" 'BEGIN { for (i = 0; i < n; i++)
	printf "{\"payload\":\"%012d\",\"payloadType\":\"x\",\"signatures\":[{\"sig\":\"BBBB\"}]}\n", i }' >p.jsonl
cp -R L L2
t0=$(now)
"$ATTEST" log add --key log.key L2 p.jsonl >/dev/null
t1=$(now)
"$ATTEST" log add --key log.key -o p.proof L p.jsonl >/dev/null
t2=$(now)
base=$(elapsed "$t0" "$t1")
with=$(elapsed "$t1" "$t2")
awk -v a="$base" -v b="$with" -v n="$PER_FILE" -v size="$((N + PER_FILE))" 'BEGIN {
	d = (b - a) * 1e6 / n
	printf "proof generation: %d appends %.3fs without proofs, %.3fs with: ", n, a, b
	if (d <= 0) printf "under the noise of the measurement per proof"
	else printf "%.1f us each", d
	printf " (tree size %d)\n", size }'

t0=$(now)
"$VERIFY" log -q --log-key log.vkey --proof p.proof p.jsonl
t1=$(now)
v=$(elapsed "$t0" "$t1")
echo "proof verification: $PER_FILE proofs in ${v}s: $(awk -v t="$v" -v n="$PER_FILE" 'BEGIN { printf "%.1f", t * 1e6 / n }') us each (whole command: read, parse, one signature, $PER_FILE audit paths)"

# Size: entries plus one 32-byte hash per entry is the floor.
entries=$(cat $files p.jsonl | awk '{ s += length($0) } END { print s }')
count=$((N + PER_FILE))
floor=$((entries + 32 * count))
size=$(find L -type f ! -name .lock -printf '%s\n' | awk '{ s += $1 } END { print s }')
echo "size: $size bytes for $count entries ($entries bytes of entries + $((32 * count)) of leaf hashes = $floor): $(awk -v a="$size" -v b="$floor" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }')"
