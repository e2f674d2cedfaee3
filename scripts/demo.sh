#!/usr/bin/env bash
# The README's demo: the main job on the bundled example. A vendor makes a
# key, builds examples/hello from a committed tree and signs what was built;
# a regulator checks the reviewed source and the shipped binary; a binary
# swapped after the build is rejected with exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

scripts/deps.sh
if [ ! -f build/build.ninja ]; then
	meson setup build >/dev/null
fi
ninja -C build >/dev/null
attest=$top/build/attest/attest
verify=$top/build/verify/verify

work=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "The vendor's repository: examples/hello, committed"
mkdir vendor
cp -r "$top/examples/hello/." vendor/
git -C vendor init -q
git -C vendor add -A
GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z \
	git -C vendor -c user.name=vendor -c user.email=vendor@example.invalid \
	commit -qm "hello 1.0"
git -C vendor tag v1.0

say "The vendor makes a signing key"
run "$attest" keygen -o vendor

say "The source tree hash: what git itself computes in a SHA-256 repository"
run "$attest" hash --git vendor --rev v1.0

say "The vendor builds and signs the artifacts"
(cd vendor && sh build.sh)
run "$attest" sign --git vendor --rev v1.0 --key vendor.key \
	-o hello.intoto.jsonl vendor/hello vendor/hello.tar.gz

say "The regulator checks the reviewed source against the attestation"
git clone -q vendor reviewed
rm -rf reviewed/.git
run "$verify" source -a hello.intoto.jsonl -k vendor.pub reviewed

say "A customer checks the shipped binary"
mkdir shipped
cp vendor/hello shipped/hello
run "$verify" artifact -a hello.intoto.jsonl -k vendor.pub shipped/hello

say "A binary swapped after the build is rejected (exit 1)"
printf 'backdoor' >>shipped/hello
set +e
run "$verify" artifact -a hello.intoto.jsonl -k vendor.pub shipped/hello
rc=$?
set -e
echo "exit status: $rc"
[ "$rc" -eq 1 ]

say "So is a reviewed source with one changed file (exit 1)"
echo '/* reviewed */' >>reviewed/greet.c
set +e
run "$verify" source -a hello.intoto.jsonl -k vendor.pub reviewed
rc=$?
set -e
echo "exit status: $rc"
[ "$rc" -eq 1 ]

say "Demo complete: every check behaved as it should"
