#!/bin/sh
# Benchmark of `attest hash DIR`: a generated tree of about 30,000 files and
# 1 GiB, page cache warm, against git (add + write-tree in a fresh SHA-256
# repository), sha256sum on two processes, and OpenSSL's own SHA-256 speed
# on two cores. Prints wall times, ratios, throughput and peak memory.
#
#   tests/bench/hash.sh [ATTEST]     (default: $ATTEST, else build/attest/attest)
#   FILES=30000 MIB=1024 tests/bench/hash.sh    to change the tree's size
set -eu

ATTEST=${1:-${ATTEST:-build/attest/attest}}
FILES=${FILES:-30000}
MIB=${MIB:-1024}
[ -x "$ATTEST" ] || { echo "bench: no attest at $ATTEST" >&2; exit 2; }
ATTEST=$(cd "$(dirname "$ATTEST")" && pwd)/$(basename "$ATTEST")
if [ ! -x /usr/bin/time ]; then
	echo "bench: needs GNU time (apt-get install time)" >&2
	exit 2
fi

B=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-bench.XXXXXX")
trap 'rm -rf "$B"' EXIT INT TERM
cd "$B"

# The tree: 1% of the files are large (a third of the bytes), the rest are
# spread evenly between 0 and twice their mean size, 100 to a directory.
echo "bench: generating $FILES files, $MIB MiB in $B/tree"
python3 - "$FILES" "$MIB" <<'EOF'
import os, random, sys
files, mib = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(42)
pool = os.urandom(16 << 20)
total = mib << 20
big_n = max(1, files // 100)
big = (total // 3) // big_n
small_mean = (total - big * big_n) // (files - big_n)
written = 0
for i in range(files):
    d = f"tree/d{i // 100:04d}"
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    n = big if i % 100 == 50 else rng.randint(0, 2 * small_mean)
    off = rng.randrange(0, len(pool) - min(n, len(pool)) + 1)
    with open(f"{d}/f{i:05d}.dat", "wb") as f:
        left = n
        while left > 0:
            chunk = pool[off:off + min(left, len(pool) - off)]
            f.write(chunk)
            left -= len(chunk)
            off = 0
    written += n
print(f"bench: {files} files, {written / (1 << 20):.0f} MiB")
EOF
BYTES=$(find tree -type f -printf '%s\n' | awk '{s += $1} END {print s}')

echo "bench: warming the page cache"
find tree -type f -print0 | xargs -0 cat >/dev/null

now() { date +%s.%N; }
# run NAME CMD...: best wall time of $RUNS runs (default 2) in $best, peak
# RSS (KiB) in $rss.
run() {
	name=$1
	shift
	best=
	rss=0
	for i in $(seq "${RUNS:-2}"); do
		t0=$(now)
		/usr/bin/time -v -o "$B/time.$name" "$@" >"$B/out.$name"
		t1=$(now)
		w=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$best" ] || [ "$(echo "$w < $best" | bc -l)" -eq 1 ]; then
			best=$w
		fi
		r=$(awk -F': ' '/Maximum resident set size/ {print $2}' \
			"$B/time.$name")
		[ "$r" -gt "$rss" ] && rss=$r
		cpu=$(awk -F': ' '/User time|System time/ {s += $2}
			END {print s}' "$B/time.$name")
	done
	printf 'bench: %-10s %7.3f s  cpu %7.3f s  peak RSS %6d KiB  load %s\n' \
		"$name" "$best" "$cpu" "$rss" "$(cut -d' ' -f1 /proc/loadavg)"
}

run attest "$ATTEST" hash -q tree
t_attest=$best
rss_attest=$rss
cpu_attest=$cpu
tree_attest=$(cut -d' ' -f1 "$B/out.attest")

# Each git run starts from a fresh repository, object store empty.
export B
RUNS=1
run git sh -c 'rm -rf "$B/git.repo" &&
	git init -q --bare --object-format=sha256 "$B/git.repo" &&
	git --git-dir="$B/git.repo" --work-tree="$B/tree" add -A &&
	git --git-dir="$B/git.repo" --work-tree="$B/tree" write-tree'
t_git=$best
RUNS=2
tree_git=$(cat "$B/out.git")

run sha256sum sh -c 'find tree -type f -print0 | xargs -0 -P2 -n 500 sha256sum'
t_sum=$best

# OpenSSL's SHA-256 on 256 KiB blocks (attest's read size), one core.
ossl=$(openssl speed -seconds 3 -bytes 262144 -evp sha256 2>/dev/null |
	awk '/^sha256/ {v = $2; sub(/k$/, "", v); print v * 1000}')
two=$(echo "2 * $ossl" | bc -l)
tput=$(echo "$BYTES / $t_attest" | bc -l)

echo
printf 'tree            %d files, %.0f MiB\n' "$FILES" \
	"$(echo "$BYTES / 1048576" | bc -l)"
if [ "$tree_attest" = "$tree_git" ]; then
	echo "tree hash       $tree_attest (same as git)"
else
	echo "tree hash       attest $tree_attest, git $tree_git: DIFFER"
fi
printf 'attest hash     %7.3f s   %6.0f MB/s   peak RSS %.1f MiB\n' \
	"$t_attest" "$(echo "$tput / 1000000" | bc -l)" \
	"$(echo "$rss_attest / 1024" | bc -l)"
printf 'git add+write   %7.3f s   attest is %.1fx faster\n' "$t_git" \
	"$(echo "$t_git / $t_attest" | bc -l)"
printf 'sha256sum -P2   %7.3f s   attest is %.2fx faster\n' "$t_sum" \
	"$(echo "$t_sum / $t_attest" | bc -l)"
printf 'openssl x2      %7.0f MB/s  attest reaches %.0f%% of it\n' \
	"$(echo "$two / 1000000" | bc -l)" \
	"$(echo "100 * $tput / $two" | bc -l)"
# Independent of other load: CPU time OpenSSL alone needs for these bytes
# against the CPU time attest spent (walk, open, read and hash included).
printf 'cpu efficiency  %.2f cpu-s for %.2f cpu-s of pure SHA-256 (%.0f%%)\n' \
	"$cpu_attest" "$(echo "$BYTES / $ossl" | bc -l)" \
	"$(echo "100 * $BYTES / $ossl / $cpu_attest" | bc -l)"
echo "load average    $(cut -d' ' -f1-3 /proc/loadavg) (2 cores; other" \
	"work on the machine slows every figure but the last)"
