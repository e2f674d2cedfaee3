#!/bin/sh
# Benchmark of the two checks whose work grew faster than their input:
# `verify source --disclosure` on bundles of 10k, 20k, 40k and 200k tree
# objects, and `verify artifact --proof` with 500 to 4000 envelopes and as
# many proof blocks. Prints wall time and peak memory for each.
#
#   tests/bench/verify.sh [BUILD_DIR]        (default: build)
#   TREES="10000 40000" ENVELOPES="1000" tests/bench/verify.sh
#
# Figures on the 2-core development machine (seconds; before = 2d4efbb):
#   trees        10k    20k    40k    200k
#   before       2.45   6.55   23.8   (quadratic: est. ~10 min)
#   after        0.08   0.14   0.27   1.86
#   envelopes    500    1000   2000   4000
#   before       7.27   42.3   160    (est. ~10 min)
#   after        0.34   0.60   1.40   2.57
set -eu

build=${1:-build}
ATTEST=$(cd "$build/attest" && pwd)/attest
VERIFY=$(cd "$build/verify" && pwd)/verify
here=$(cd "$(dirname "$0")" && pwd)
TREES=${TREES:-10000 20000 40000 200000}
ENVELOPES=${ENVELOPES:-500 1000 2000 4000}
if [ ! -x /usr/bin/time ]; then
	echo "bench: needs GNU time (apt-get install time)" >&2
	exit 2
fi

B=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-bench.XXXXXX")
trap 'rm -rf "$B"' EXIT INT TERM
cd "$B"
"$ATTEST" keygen -o vendor >/dev/null 2>&1
"$ATTEST" keygen -o log >/dev/null 2>&1
mkdir src && echo x >src/x && echo fw >fw.bin
"$ATTEST" sign --source src --key vendor.key -o t.jsonl fw.bin >/dev/null

for n in $TREES; do
	python3 "$here/gen_bundle.py" --trees "$n" --bundle b.tar \
		--template t.jsonl --key vendor.key --attestation b.jsonl \
		>/dev/null
	/usr/bin/time -f "verify source --disclosure, $n trees: %e s, %M KiB" \
		"$VERIFY" source -q --disclosure -a b.jsonl -k vendor.pub b.tar
done

"$ATTEST" log init --key log.key --origin bench.test/log L >/dev/null 2>&1
for n in $ENVELOPES; do
	python3 "$here/gen_envelopes.py" t.jsonl "$n" e.jsonl
	"$ATTEST" log add --key log.key -o e.proof L e.jsonl >/dev/null 2>&1
	/usr/bin/time -f "verify artifact --proof, $n envelopes and blocks: %e s, %M KiB" \
		"$VERIFY" artifact -q -a e.jsonl -k vendor.pub --log-key log.pub \
		--proof e.proof fw.bin
done
