#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs the
# whole suite twice (a normal build and an ASan/UBSan build), then each fuzz
# harness for a short while when clang is there. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
top=$(pwd)

scripts/deps.sh || exit 2

# Both suites share one cache of Debian .debs for the root tests, kept in
# the build directory, so a run downloads them once.
export CR_ROOT_CACHE="$top/build/root-cache"
# Debian sources the tests build (GNU hello), likewise.
export CR_SRC_CACHE="$top/build/src-cache"
# and one of npm modules (@sigstore/verify for tests/cli/sigstore.sh).
export CR_NPM_CACHE="$top/build/npm-cache"

passed=0
failed=0
status=0

# suite DIR [MESON OPTION]...: configure, build and test one build directory.
suite() {
	local dir=$1 log
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
			cat "$dir.setup.log"
			echo "test.sh: meson setup $dir failed" >&2
			status=1
			return
		}
	fi
	rm -f "$dir.setup.log"
	if ! ninja -C "$dir" >/dev/null; then
		ninja -C "$dir" | tail -40
		echo "test.sh: build in $dir failed" >&2
		status=1
		failed=$((failed + 1))
		return
	fi
	log=$(mktemp)
	meson test -C "$dir" --print-errorlogs --num-processes 2 2>&1 | tee "$log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
	passed=$((passed + $(awk '/^Ok:/ {print $2}' "$log")))
	failed=$((failed + $(awk '/^Fail:/ {print $2}' "$log") +
		$(awk '/^Timeout:/ {print $2}' "$log")))
	rm -f "$log"
}

if command -v clang-format >/dev/null; then
	bad=$(git ls-files '*.c' '*.h' | while read -r f; do
		clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"
	done)
	if [ -n "$bad" ]; then
		echo "test.sh: not clang-formatted:" $bad >&2
		failed=$((failed + 1))
		status=1
	else
		passed=$((passed + 1))
	fi
fi

echo "== normal build"
suite build
echo "== sanitizer build (ASan, UBSan)"
suite build-asan -Db_sanitize=address,undefined -Db_lundef=false

if command -v clang >/dev/null; then
	echo "== fuzz harnesses (${FUZZ_SECONDS:=15} s each)"
	if [ ! -f build-fuzz/build.ninja ]; then
		CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false \
			-Db_sanitize=address,undefined -Db_lundef=false \
			>/dev/null || status=1
	fi
	if ninja -C build-fuzz >/dev/null; then
		for f in build-fuzz/tests/fuzz/fuzz_*; do
			[ -f "$f" ] && [ -x "$f" ] || continue
			h=${f##*/fuzz_}
			work=$(mktemp -d)
			cp -r "$top/tests/fuzz/corpus/$h/." "$work/"
			if "$f" -max_total_time="$FUZZ_SECONDS" -max_len=65536 \
				-rss_limit_mb=2048 -artifact_prefix="$work/" \
				"$work" >"$work.log" 2>&1; then
				echo "ok - fuzz $h"
				passed=$((passed + 1))
			else
				tail -30 "$work.log"
				echo "not ok - fuzz $h (crash input kept in $work)"
				failed=$((failed + 1))
				status=1
				continue
			fi
			rm -rf "$work" "$work.log"
		done
	else
		echo "test.sh: fuzz build failed" >&2
		failed=$((failed + 1))
		status=1
	fi
fi

echo "$passed passed, $failed failed"
exit $status
