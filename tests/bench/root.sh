#!/bin/sh
# Benchmark of roots: `attest root create` (a bookworm minbase root, .debs
# from a cache), against plain mmdebstrap with the same options; hashing the
# root (`attest hash --root-fs` of the tar and of the unpacked directory,
# against `sha256sum` of the tar and git add + write-tree of the directory);
# `verify root --debs` (the signature chain only) and `verify root --debs -o`
# (the root made again from the .debs); a build and a `verify rebuild` of a
# small C-free recipe in the root given as ROOT.tar (unpacked privately each
# time) against the same root as a directory. Prints wall times and peak
# memory.
#
#   tests/bench/root.sh [BUILD_DIR]     (default: build)
#   CACHE=DIR tests/bench/root.sh       .debs cache (default BUILD_DIR/root-cache)
set -eu

BUILD=$(cd "${1:-build}" && pwd)
ATTEST=$BUILD/attest/attest
VERIFY=$BUILD/verify/verify
CACHE=${CACHE:-$BUILD/root-cache}
SUITE=${SUITE:-bookworm}
[ -x "$ATTEST" ] && [ -x "$VERIFY" ] || {
	echo "bench: no attest/verify in $BUILD" >&2
	exit 2
}
for p in mmdebstrap gpgv /usr/bin/time git; do
	command -v "$p" >/dev/null || {
		echo "bench: needs $p (scripts/deps.sh)" >&2
		exit 2
	}
done
mkdir -p "$CACHE"
B=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-bench.XXXXXX")
trap 'rm -rf "$B"' EXIT INT TERM
cd "$B"

# run NAME CMD...: wall seconds and peak RSS of CMD.
run() {
	name=$1
	shift
	/usr/bin/time -f "%e %M" -o time.out "$@" >run.out 2>run.err || {
		echo "bench: $name failed:" >&2
		tail -5 run.err >&2
		exit 2
	}
	read -r secs kib <time.out
	printf '%-44s %8.2f s %8d MiB\n' "$name" "$secs" $((kib / 1024))
}

echo "bench: $SUITE minbase, .debs cached in $CACHE (first run downloads)"
run "attest root create (warm cache)" "$ATTEST" root create -q \
	--suite "$SUITE" --cache "$CACHE" --debs debs -o root.tar
run "attest root create again" "$ATTEST" root create -q \
	--suite "$SUITE" --cache "$CACHE" -o root2.tar
cmp -s root.tar root2.tar && echo "  identical bytes: yes" ||
	echo "  identical bytes: NO"
sde=$(python3 -c 'import json; print(json.load(open("root.json"))["recipe"]["sourceDateEpoch"])')
run "plain mmdebstrap, same options" env SOURCE_DATE_EPOCH="$sde" mmdebstrap \
	--quiet --mode=root --variant=minbase --skip=essential/unlink \
	--dpkgopt=force-unsafe-io \
	--setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
	--setup-hook="sync-in $CACHE /var/cache/apt/archives/" \
	"$SUITE" plain.tar
echo "  root: $(du -m root.tar | cut -f1) MiB tar," \
	"$(python3 -c 'import json; print(len(json.load(open("root.json"))["packages"]))') packages"

run "attest hash --root-fs ROOT.tar" "$ATTEST" hash -q --root-fs root.tar
run "sha256sum ROOT.tar" sha256sum root.tar
mkdir dir && tar -C dir -xf root.tar 2>/dev/null || true
run "attest hash --root-fs DIR" "$ATTEST" hash -q --root-fs dir
git init -q --bare --object-format=sha256 ref.git
run "git add -A + write-tree (DIR)" sh -c \
	'git --git-dir=ref.git --work-tree=dir add -A && git --git-dir=ref.git --work-tree=dir write-tree'

run "verify root --debs (chain only)" "$VERIFY" root -q \
	--manifest root.json --debs debs
run "verify root ROOT.tar" "$VERIFY" root -q --manifest root.json root.tar
run "verify root --debs -o (made again)" "$VERIFY" root -q \
	--manifest root.json --debs debs -o remade.tar
cmp -s root.tar remade.tar && echo "  remade identical bytes: yes" ||
	echo "  remade identical bytes: NO"

# A build in the root, rebuilt from ROOT.tar and from the directory: the
# difference is the private unpacking and hashing of the tar.
"$ATTEST" keygen -o bench >/dev/null 2>&1
mkdir src && printf 'ls --version | head -n 1 > out.txt\n' >src/build.sh
run "attest build --root DIR" "$ATTEST" build -q --source src \
	--env SOURCE_DATE_EPOCH=1 --root dir --key bench.key --artifact out.txt \
	--output-dir out -o att.jsonl -- sh build.sh
run "verify rebuild --root DIR" "$VERIFY" rebuild -q -a att.jsonl \
	-k bench.pub --trust-recipe --root dir src
run "verify rebuild --root ROOT.tar" "$VERIFY" rebuild -q -a att.jsonl \
	-k bench.pub --trust-recipe --root root.tar src
