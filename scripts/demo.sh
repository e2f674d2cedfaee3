#!/usr/bin/env bash
# The README's demo: the whole story on examples/hello. The vendor builds in
# the sandbox and signs; the regulator receives a source export, checks it,
# rebuilds it and signs too; the vendor publishes both in a transparency log;
# a customer accepts the binary only with both signatures and the log; then a
# backdoored binary is shipped and verify rebuild points at it.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
attest=$top/build/attest/attest
verify=$top/build/verify/verify

work=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# fails CMD...: runs a check that must not hold, and shows its exit status 1.
fails() {
	printf '$ %s\n' "$*"
	set +e
	"$@"
	rc=$?
	set -e
	echo "(exit status $rc)"
	[ "$rc" -eq 1 ] || { echo "demo: expected exit status 1" >&2; exit 1; }
}
commit() {
	GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z \
		git -C vendor -c user.name=vendor -c user.email=vendor@example.invalid \
		commit -q "$@"
}

say "The vendor's repository: examples/hello, a naive build (absolute paths, __DATE__, tar czf)"
mkdir vendor
cp -r "$top/examples/hello/." vendor/
git -C vendor init -q
git -C vendor add -A
commit -m "hello 1.0"
git -C vendor tag v1.0
echo "a stray local change" >vendor/untracked-notes.txt

say "Keys: the vendor's, the regulator's, the transparency log's"
run "$attest" keygen -o vendor-key
run "$attest" keygen -o regulator-key
run "$attest" keygen -o log-key

say "The recipe is committed with the source: cleanroom.json"
run cat vendor/cleanroom.json

say "The vendor builds v1.0 in the sealed sandbox, twice (--check), and signs"
run "$attest" build --git vendor --rev v1.0 --check --key vendor-key.key \
	--output-dir release -o release/hello.intoto.jsonl

say "The vendor hands the regulator a deterministic export of v1.0"
run "$attest" export --git vendor --rev v1.0 -o hello-1.0.tar.gz

say "The regulator, offline: the export is exactly the attested source"
run "$verify" source -a release/hello.intoto.jsonl -k vendor-key.pub hello-1.0.tar.gz

say "The regulator rebuilds it and compares with what the vendor ships"
run "$verify" rebuild -a release/hello.intoto.jsonl -k vendor-key.pub \
	hello-1.0.tar.gz release/hello release/hello.tar.gz

say "The regulator signs its own independent rebuild"
run "$attest" build --tarball hello-1.0.tar.gz \
	--recipe-from release/hello.intoto.jsonl --key regulator-key.key \
	--output-dir regulator -o regulator/hello.intoto.jsonl

say "Both statements go into the vendor's transparency log"
run "$attest" log init --key log-key.key --origin demo.example/log log
run "$attest" log add --key log-key.key -o vendor.proof log release/hello.intoto.jsonl
run "$attest" log add --key log-key.key -o regulator.proof log regulator/hello.intoto.jsonl

say "A customer accepts the binary: two independent parties, both in the log"
run "$verify" artifact -a release/hello.intoto.jsonl -a regulator/hello.intoto.jsonl \
	-k vendor-key.pub -k regulator-key.pub --threshold 2 \
	--log-key log-key.pub --proof vendor.proof --proof regulator.proof \
	release/hello

# The build environment: a pinned root from Debian's archive. Made once
# (mmdebstrap; minutes, with the Debian mirror) and kept in build/demo-root,
# the .debs cached in build/root-cache: later runs reuse it and are quick.
roots=$top/build/demo-root
mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
if [ -f "$roots/bookworm.tar" ] && [ -d "$roots/debs" ]; then
	say "The build environment: the pinned bookworm root (gcc, libc6-dev) kept in build/demo-root"
	echo "(made by an earlier run of this demo with attest root create; reused)"
elif command -v mmdebstrap >/dev/null && [ -n "$mirror" ] &&
	curl -fsS --max-time 20 -o /dev/null "$mirror/dists/bookworm/InRelease"; then
	say "The build environment: a pinned bookworm root with gcc, made from Debian's archive"
	echo "(mmdebstrap from $mirror: a few minutes this once; the .debs are cached in"
	echo " build/root-cache and the root kept in build/demo-root for later runs)"
	rm -rf "$roots" && mkdir -p "$roots"
	run "$attest" root create --suite bookworm --include gcc,libc6-dev \
		--cache "$top/build/root-cache" --debs "$roots/debs" -o "$roots/bookworm.tar"
else
	say "The build environment: skipped (no mmdebstrap or no Debian mirror to make a root)"
	roots=
fi
if [ -n "$roots" ]; then
	say "The vendor builds v1.0 in that root; the statement records it and every package"
	run "$attest" build -q --git vendor --rev v1.0 --root "$roots/bookworm.tar" \
		--key vendor-key.key --output-dir rooted -o rooted/hello.intoto.jsonl
	say "The regulator, offline: the root is the attested one, each package the one Debian signed"
	run "$verify" root -a rooted/hello.intoto.jsonl -k vendor-key.pub \
		--debs "$roots/debs" "$roots/bookworm.tar"
	say "And rebuilds in it: the root is checked first, then one verdict"
	run "$verify" rebuild -a rooted/hello.intoto.jsonl -k vendor-key.pub \
		--root "$roots/bookworm.tar" hello-1.0.tar.gz rooted/hello
fi

say "Later the vendor ships a backdoored build of another commit"
sed -i 's/hello from %s/hello from %s; debug shell on port 4444/' vendor/greet.c
commit -am "hello 1.0 (quietly)"
"$attest" build -q --git vendor --output-dir shipped

say "The customer's check rejects it (exit 1)"
fails "$verify" artifact -a release/hello.intoto.jsonl -a regulator/hello.intoto.jsonl \
	-k vendor-key.pub -k regulator-key.pub --threshold 2 shipped/hello

say "And verify rebuild points at the backdoor: the section, the bytes, the string"
fails "$verify" rebuild -a release/hello.intoto.jsonl -k vendor-key.pub \
	hello-1.0.tar.gz shipped/hello

say "Or the vendor patches the binary in a recipe given on the command line"
git -C vendor checkout -q v1.0
"$attest" build -q --git vendor --override-recipe --key vendor-key.key \
	--output-dir patched -o patched/hello.intoto.jsonl --artifact hello \
	-- sh -c "sh build.sh && sed -i 's/hello from/pwned from/' hello"
say "The regulator is shown that recipe and refuses to replay it (exit 2)"
printf '$ %s\n' "$verify rebuild -a patched/hello.intoto.jsonl -k vendor-key.pub hello-1.0.tar.gz patched/hello"
set +e
"$verify" rebuild -a patched/hello.intoto.jsonl -k vendor-key.pub \
	hello-1.0.tar.gz patched/hello
rc=$?
set -e
echo "(exit status $rc)"
[ "$rc" -eq 2 ] || { echo "demo: expected exit status 2" >&2; exit 1; }

say "Demo complete: every check behaved as it should"
