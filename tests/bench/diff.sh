#!/bin/sh
# Times `verify diff` against diffoscope on the same pairs and reports wall
# time and peak memory: a ~50 MB tarball with one changed member, and two
# builds of real binaries (the bundled example and cleanroom's own verify,
# each built twice, in different directories, at different times).
#
#   tests/bench/diff.sh [VERIFY]     (default: build/verify/verify)
#
# diffoscope comes from Debian's diffoscope-minimal (or diffoscope) package;
# without it only verify diff is measured. Each diffoscope run is capped at
# DIFFOSCOPE_TIMEOUT seconds (default 900).
set -eu

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
VERIFY=${1:-$SRCDIR/build/verify/verify}
VERIFY=$(cd "$(dirname "$VERIFY")" && pwd)/$(basename "$VERIFY")
TIMEOUT=${DIFFOSCOPE_TIMEOUT:-900}
[ -x "$VERIFY" ] || { echo "bench: no verify at $VERIFY" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (GNU time)" >&2; exit 2; }

W=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W"

# measure LABEL CMD...: runs CMD under GNU time; prints
# "wall-seconds peak-kib code cpu-seconds".
measure() {
	label=$1
	shift
	set +e
	/usr/bin/time -f '%e %M %U %S' -o "$W/time.$label" "$@" >"$W/out.$label" 2>"$W/err.$label"
	code=$?
	set -e
	# GNU time prefixes a note when the command failed; keep the last line.
	tail -n 1 "$W/time.$label" | awk -v c="$code" '{ printf "%s %s %s %.2f\n", $1, $2, c, $3 + $4 }'
}

row() { # row CASE: measures both tools on $A and $B
	v=$(measure "v.$1" "$VERIFY" diff "$A" "$B")
	vt=${v%% *}
	vm=$(echo "$v" | cut -d' ' -f2)
	vc=$(echo "$v" | cut -d' ' -f3)
	vu=$(echo "$v" | cut -d' ' -f4)
	if command -v diffoscope >/dev/null 2>&1; then
		d=$(measure "d.$1" timeout "$TIMEOUT" diffoscope --text "$W/dout.$1" -- "$A" "$B")
		dt=${d%% *}
		dm=$(echo "$d" | cut -d' ' -f2)
		dc=$(echo "$d" | cut -d' ' -f3)
		du=$(echo "$d" | cut -d' ' -f4)
		[ "$dc" = 124 ] && dt=">$TIMEOUT"
		ratio=$(awk -v a="$dt" -v b="$vt" 'BEGIN { sub(">", "", a);
			if (b <= 0) b = 0.01; printf "%.1fx", a / b }')
		cratio=$(awk -v a="$du" -v b="$vu" 'BEGIN {
			if (b <= 0) b = 0.01; printf "%.1fx", a / b }')
	else
		dt=- dm=- dc=- du=- ratio=- cratio=-
	fi
	printf '%-24s %6s %6s %7s %3s | %7s %6s %7s %3s | %7s %7s\n' "$1" \
		"$vt" "$vu" "$vm" "$vc" "$dt" "$du" "$dm" "$dc" "$ratio" "$cratio"
	head -n 1 "$W/out.v.$1" | cut -c1-200 | sed 's/^/    verdict: /'
}

echo "preparing inputs in $W ..." >&2
# 1. ~50 MB tarball, 50 members of 1 MiB (random and text), one changed.
mkdir -p t/src
i=0
while [ $i -lt 25 ]; do
	head -c 1048576 /dev/urandom >"t/src/blob$i.bin"
	seq 1 150000 | head -c 1048576 >"t/src/text$i.txt"
	i=$((i + 1))
done
tar -C t/src --sort=name --mtime=@1700000000 --owner=0 --group=0 -cf big.1.tar .
printf 'CHANGED' | dd of=t/src/text7.txt bs=1 seek=500000 conv=notrunc 2>/dev/null
tar -C t/src --sort=name --mtime=@1700000000 --owner=0 --group=0 -cf big.2.tar .
gzip -n -1 <big.1.tar >big.1.tar.gz
gzip -n -1 <big.2.tar >big.2.tar.gz

# 2. The bundled example built twice, in two directories, 2 s apart.
for n in 1 2; do
	mkdir -p "ex$n"
	cp "$SRCDIR"/examples/hello/*.c "$SRCDIR"/examples/hello/*.h "ex$n/"
	(cd "ex$n" && cc -g -O1 "$PWD/greet.c" "$PWD/hello.c" -o hello)
	[ $n = 1 ] && sleep 2
done

# 3. cleanroom's own verify, a real multi-file program with debug info,
#    built twice from two copies of the tree (build path differs).
for n in 1 2; do
	git -C "$SRCDIR" archive --format=tar HEAD | (mkdir -p "cr$n" && tar -C "cr$n" -xf -)
	(cd "cr$n" && meson setup b -Dtests=false >/dev/null && ninja -C b -j2 verify/verify >/dev/null)
done

echo "wall and CPU (user+sys) seconds, peak RSS in KiB, exit code; speed-up = diffoscope / verify"
printf '%-24s %6s %6s %7s %3s | %7s %6s %7s %3s | %7s %7s\n' case wall cpu KiB rc \
	"d.wall" "d.cpu" "d.KiB" rc "x wall" "x cpu"
A=big.1.tar B=big.2.tar row "tar 50 MB, 1 member"
A=big.1.tar.gz B=big.2.tar.gz row "tar.gz 50 MB, 1 member"
A=ex1/hello B=ex2/hello row "hello built twice"
A=cr1/b/verify/verify B=cr2/b/verify/verify row "verify built twice"
ls -l big.1.tar cr1/b/verify/verify | awk '{ print "    size: " $5 " " $9 }'
