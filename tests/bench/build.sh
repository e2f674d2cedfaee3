#!/usr/bin/env bash
# Benchmark: what the sandbox, the export, normalisation and signing add to a
# real build. Builds a Debian source package (zlib by default, fetched with
# apt-get source into a temporary directory; deb-src lines are added beside
# the deb ones when missing) with plain ./configure && make and with attest
# build, RUNS times each, alternating, and prints the median wall times and
# their ratios, in wall time and in CPU time (user + system of every process,
# which a busy machine disturbs less). With OLD_ATTEST=PATH (another build of attest, e.g. of the
# main branch) that one is measured too, in the same rounds.
#
#   tests/bench/build.sh [BUILD_DIR] [PACKAGE]     (RUNS=3 by default)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
build=${1:-$top/build}
pkg=${2:-zlib}
runs=${RUNS:-3}
attest=$build/attest/attest
old=${OLD_ATTEST:-}
[ -x "$attest" ] || { echo "bench: build first (ninja -C $build)" >&2; exit 2; }
[ -z "$old" ] || [ -x "$old" ] || { echo "bench: $old: not executable" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
deb_src "$pkg"
command -v dpkg-source >/dev/null || $sudo apt-get install -y -qq dpkg-dev >/dev/null
command -v bc >/dev/null || $sudo apt-get install -y -qq bc >/dev/null
[ -x /usr/bin/time ] || $sudo apt-get install -y -qq time >/dev/null
(cd "$work" && apt-get source -qq "$pkg" >/dev/null 2>&1)
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
[ -n "$src" ] || { echo "bench: apt-get source $pkg failed" >&2; exit 2; }
rm -rf "$src/debian" "$src/.pc"
echo "package: $(basename "$src") ($(find "$src" -type f | wc -l) files)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

recipe='./configure >/dev/null && make -j2 >/dev/null'
artifacts=(--artifact 'libz.a' --artifact 'libz.so.*.*.*')
sde=$(date +%s)

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# timed FILE CMD...: appends CMD's wall time to FILE and its CPU time (user
# and system, its descendants included) to FILE.cpu.
timed() {
	f=$1
	shift
	/usr/bin/time -f '%e %U %S' -o "$f.last" "$@"
	awk '{ print $1 }' "$f.last" >>"$f"
	awk '{ print $2 + $3 }' "$f.last" >>"$f.cpu"
}

: >"$work/plain" && : >"$work/plain.cpu"
: >"$work/new" && : >"$work/new.cpu"
: >"$work/old" && : >"$work/old.cpu"
for i in $(seq "$runs"); do
	rm -rf "$work/p" && cp -r "$src" "$work/p"
	timed "$work/plain" sh -c "cd '$work/p' && $recipe"
	if [ -n "$old" ]; then
		timed "$work/old" "$old" build -q --source "$src" \
			--env SOURCE_DATE_EPOCH="$sde" --output-dir "$work/old$i" \
			"${artifacts[@]}" -- sh -c "$recipe"
	fi
	timed "$work/new" "$attest" build -q --source "$src" \
		--env SOURCE_DATE_EPOCH="$sde" --output-dir "$work/out$i" \
		"${artifacts[@]}" -- sh -c "$recipe"
done
for kind in "" .cpu; do
	p=$(median <"$work/plain$kind")
	a=$(median <"$work/new$kind")
	what=wall
	[ -z "$kind" ] || what=CPU
	echo "$what time, median of $runs:"
	printf '  plain ./configure && make : %6.2f s\n' "$p"
	if [ -n "$old" ]; then
		o=$(median <"$work/old$kind")
		printf '  attest build, old sandbox : %6.2f s  ratio to plain %.3f\n' \
			"$o" "$(echo "$o / $p" | bc -l)"
	fi
	printf '  attest build              : %6.2f s  ratio to plain %.3f\n' "$a" \
		"$(echo "$a / $p" | bc -l)"
	[ -z "$old" ] || printf '  new sandbox / old sandbox  : %.3f\n' \
		"$(echo "$a / $o" | bc -l)"
	echo "  all runs (s): plain $(tr '\n' ' ' <"$work/plain$kind")"
	[ -z "$old" ] || echo "                old $(tr '\n' ' ' <"$work/old$kind")"
	echo "                new $(tr '\n' ' ' <"$work/new$kind")"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
cmp -s "$work/out1/libz.a" "$work/out$runs/libz.a" &&
	echo "reproducible: libz.a identical across attest builds" ||
	echo "NOT reproducible: libz.a differs across attest builds"
[ -z "$old" ] || { cmp -s "$work/out1/libz.a" "$work/old1/libz.a" &&
	echo "old and new sandbox: libz.a identical" ||
	echo "old and new sandbox: libz.a differs"; }
