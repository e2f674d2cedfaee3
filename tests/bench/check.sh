#!/usr/bin/env bash
# Benchmark: attest build --check beside reprotest, on examples/hello and on
# zlib from Debian source (fetched as tests/bench/build.sh does), each as it
# is and with a leaky variant that records what another machine differs in:
# the date, uname -r, nproc, a directory's readdir order and the host name.
# For each it prints the wall time of both tools, their ratio and which
# variations each named as the cause.
#
# reprotest runs on this machine (its "null" virtual server) with every
# variation but user_group (which needs extra accounts) and --auto-build,
# which, like --check, rebuilds once per variation to name the causes; as
# root it can use disorderfs (FUSE) and unshare for the host name.
# Benches are not run by CI; install what this one needs with
#   apt-get install reprotest disorderfs faketime dpkg-dev
# (the script does it when run as root and they are missing).
#
#   tests/bench/check.sh [BUILD_DIR] [PACKAGE]
#
# Measured once (2 CPUs shared with other work, load about 10; reprotest
# 0.7.23, zlib 1.2.13 of Debian 12), wall seconds, reprotest / attest --check:
#   hello          12.0 / 3.4   reprotest: "not reproducible, even when fixing
#                               as much as reprotest knows how to" (the build
#                               path in debug info); attest: reproducible (the
#                               sandbox fixes the path)
#   hello-leaky    14.7 / 10.6  reprotest names nothing (as above); attest
#                               names the date, directory order, the CPU count,
#                               the kernel release and the host name
#   zlib          160.9 / 87.0  both: reproducible
#   zlib-leaky    685.5 / 285.9 reprotest: timezone domain_host fileordering
#                               kernel time num_cpus; attest: the date,
#                               directory order, the CPU count, the kernel
#                               release, the host name (TZ is pinned to UTC
#                               in the sandbox, so it is no leak there)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/bench/lib.sh
. "$top/tests/bench/lib.sh"
build=${1:-$top/build}
pkg=${2:-zlib}
attest=$build/attest/attest
[ -x "$attest" ] || { echo "bench: build first (ninja -C $build)" >&2; exit 2; }

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
need=()
command -v reprotest >/dev/null || need+=(reprotest)
command -v disorderfs >/dev/null || need+=(disorderfs)
command -v faketime >/dev/null || need+=(faketime)
command -v dpkg-source >/dev/null || need+=(dpkg-dev)
[ ${#need[@]} -eq 0 ] || $sudo apt-get install -y -qq "${need[@]}" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-bench-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

# zlib's source, as tests/bench/build.sh gets it (deb-src lines added).
deb_src "$pkg"
mkdir "$work/fetch"
(cd "$work/fetch" && apt-get source -qq "$pkg" >/dev/null 2>&1)
zsrc=$(find "$work/fetch" -mindepth 1 -maxdepth 1 -type d | head -1)
[ -n "$zsrc" ] || { echo "bench: apt-get source $pkg failed" >&2; exit 2; }
rm -rf "$zsrc/debian" "$zsrc/.pc"

# The leaks, as one more artifact: each line is one variation's.
leak='mkdir -p leakdir && { date +%F; uname -r; nproc; ls -f leakdir | tr "\n" " "; echo; uname -n; } >leak.txt'

# repo NAME DIR: a git repository of DIR's files (attest builds a commit).
repo() {
	cp -r "$2" "$work/$1"
	git -C "$work/$1" init -q
	git -C "$work/$1" add -A
	git -C "$work/$1" -c user.name=bench -c user.email=bench@example.invalid \
		-c commit.gpgsign=false commit -qm "$1"
}

cp -r "$top/examples/hello" "$work/hello.tmp"
rm -f "$work/hello.tmp/cleanroom.json"
repo hello "$work/hello.tmp"
cp -r "$top/examples/hello" "$work/hello-leaky.tmp"
rm -f "$work/hello-leaky.tmp/cleanroom.json"
mkdir "$work/hello-leaky.tmp/leakdir"
for f in one two three four five; do echo "$f" >"$work/hello-leaky.tmp/leakdir/$f"; done
repo hello-leaky "$work/hello-leaky.tmp"
repo zlib "$zsrc"
cp -r "$zsrc" "$work/zlib-leaky.tmp"
mkdir "$work/zlib-leaky.tmp/leakdir"
for f in one two three four five; do echo "$f" >"$work/zlib-leaky.tmp/leakdir/$f"; done
repo zlib-leaky "$work/zlib-leaky.tmp"

hello_cmd='sh build.sh'
zlib_cmd='./configure >/dev/null && make -j2 >/dev/null'

# run NAME COMMAND ARTIFACT...: both tools on project NAME.
run() {
	name=$1 cmd=$2
	shift 2
	arts=() globs=
	for a in "$@"; do
		arts+=(--artifact "$a")
		globs="$globs $a"
	done
	echo "== $name: $cmd; artifacts:$globs"

	t0=$(date +%s.%N)
	rc=0
	(cd "$work" && reprotest --vary=+all,-user_group --auto-build \
		--store-dir="$work/rp-$name" -c "$cmd" "$work/$name" \
		"${globs# }") >"$work/rp-$name.log" 2>&1 || rc=$?
	t1=$(date +%s.%N)
	rp=$(echo "$t1 - $t0" | bc -l)
	found=$(sed -n '/Observed unreproducibility when varying/{n;p}' \
		"$work/rp-$name.log")
	if grep -q 'Reproduction successful' "$work/rp-$name.log" ||
		[ "$rc" -eq 0 ]; then
		found="(reproducible)"
	elif [ -z "$found" ]; then
		found="(no cause named; the log ends:)"
		tail -5 "$work/rp-$name.log" | sed 's/^/    | /' || true
	fi
	printf '  reprotest        %7.1f s  exit %d  names: %s\n' "$rp" "$rc" "$found"

	t0=$(date +%s.%N)
	rc=0
	"$attest" build --git "$work/$name" --check \
		--output-dir "$work/at-$name" "${arts[@]}" -- sh -c "$cmd" \
		>"$work/at-$name.out" 2>"$work/at-$name.err" || rc=$?
	t1=$(date +%s.%N)
	at=$(echo "$t1 - $t0" | bc -l)
	if [ "$rc" -eq 0 ]; then
		found="(reproducible)"
	else
		found=$(sed -n 's/^cause  \([^(:]*\).*/\1/p' "$work/at-$name.out" |
			sed 's/ *$//' | paste -sd, -)
		[ -n "$found" ] || found="(exit $rc: $(tail -1 "$work/at-$name.err" || true))"
	fi
	printf '  attest --check   %7.1f s  exit %d  names: %s\n' "$at" "$rc" "$found"
	printf '  ratio attest / reprotest: %.2f; attest rebuilds to find the cause: %d\n' \
		"$(echo "$at / $rp" | bc -l)" \
		"$(grep -c 'finding the cause' "$work/at-$name.err" || true)"
}

echo "reprotest $(dpkg-query -W -f '${Version}' reprotest 2>/dev/null), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
run hello "$hello_cmd" hello libgreet.a hello.tar.gz
run hello-leaky "$hello_cmd; $leak" hello libgreet.a hello.tar.gz leak.txt
run zlib "$zlib_cmd" libz.a 'libz.so.*.*.*'
run zlib-leaky "$zlib_cmd; $leak" libz.a 'libz.so.*.*.*' leak.txt
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
