#!/usr/bin/env bash
# Benchmark: what the sandbox, the export, normalisation and signing add to a
# real build. Builds a Debian source package (zlib by default, fetched with
# apt-get source into a temporary directory) with plain ./configure && make
# and with attest build, RUNS times each, alternating, and prints the median
# wall times and their ratio.
#
#   tests/bench/build.sh [BUILD_DIR] [PACKAGE]     (RUNS=3 by default)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
pkg=${2:-zlib}
runs=${RUNS:-3}
attest=$build/attest/attest
[ -x "$attest" ] || { echo "bench: build first (ninja -C $build)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# apt-get source needs deb-src lines; add them beside the deb ones if absent.
if ! apt-get source --print-uris "$pkg" >/dev/null 2>&1; then
	sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed 's/^Types: deb$/Types: deb-src/' "$f"
		echo
	done | $sudo tee /etc/apt/sources.list.d/cleanroom-bench-src.sources >/dev/null
	$sudo apt-get update -qq
fi
command -v dpkg-source >/dev/null || ${sudo:-} apt-get install -y -qq dpkg-dev >/dev/null
(cd "$work" && apt-get source -qq "$pkg" >/dev/null 2>&1)
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
[ -n "$src" ] || { echo "bench: apt-get source $pkg failed" >&2; exit 2; }
rm -rf "$src/debian" "$src/.pc"
echo "package: $(basename "$src") ($(find "$src" -type f | wc -l) files)"

recipe='./configure >/dev/null && make -j2 >/dev/null'
artifacts=(--artifact 'libz.a' --artifact 'libz.so.*.*.*')
sde=$(date +%s)

secs() { python3 -c 'import sys,time; print(f"{time.time():.3f}")'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

: >"$work/plain" ; : >"$work/attest"
for i in $(seq "$runs"); do
	rm -rf "$work/p" && cp -r "$src" "$work/p"
	t0=$(secs)
	(cd "$work/p" && sh -c "$recipe")
	t1=$(secs)
	echo "$t1 - $t0" | bc >>"$work/plain"

	t0=$(secs)
	"$attest" build -q --source "$src" --env SOURCE_DATE_EPOCH="$sde" \
		--output-dir "$work/out$i" "${artifacts[@]}" -- sh -c "$recipe"
	t1=$(secs)
	echo "$t1 - $t0" | bc >>"$work/attest"
done
p=$(median <"$work/plain")
a=$(median <"$work/attest")
printf 'plain ./configure && make : %6.2f s (median of %d)\n' "$p" "$runs"
printf 'attest build              : %6.2f s (median of %d)\n' "$a" "$runs"
printf 'overhead                  : %+6.1f %%\n' "$(echo "($a / $p - 1) * 100" | bc -l)"
cmp -s "$work/out1/libz.a" "$work/out$runs/libz.a" &&
	echo "reproducible: libz.a identical across attest builds" ||
	echo "NOT reproducible: libz.a differs across attest builds"
