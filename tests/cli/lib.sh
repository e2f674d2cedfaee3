# Shared harness for the command-line tests: sourced, not run.
# Each test runs the real programs (ATTEST, VERIFY from meson) on real files
# in a fresh temporary directory and asserts exit codes and output.
set -u

: "${ATTEST:?run through meson test}"
: "${VERIFY:?run through meson test}"
: "${SRCDIR:?run through meson test}"

T=$(mktemp -d "${TMPDIR:-/tmp}/cleanroom-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2

passed=0
failed=0

# Deterministic git identity and dates for repositories made in tests.
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
export GIT_AUTHOR_DATE='2024-01-01T00:00:00Z'
export GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
export GIT_CONFIG_NOSYSTEM=1 HOME="$T/home"
unset CLEANROOM_ROOT_CACHE # a recipe's root is made only where a test says
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global advice.detachedHead false

ok() {
	passed=$((passed + 1))
	printf 'ok %d - %s\n' "$((passed + failed))" "$1"
}

not_ok() {
	failed=$((failed + 1))
	printf 'not ok %d - %s\n' "$((passed + failed))" "$1"
}

# expect CODE DESCRIPTION CMD [ARG]...: runs CMD, stdout to $T/out, stderr to
# $T/err, and checks its exit code.
expect() {
	want=$1
	what=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$what"
	else
		not_ok "$what (exit $got, want $want)"
		sed 's/^/#   stdout: /' "$T/out" | head -20
		sed 's/^/#   stderr: /' "$T/err" | head -20
	fi
}

# out_has / err_has PATTERN DESCRIPTION: grep -E on the last command's output.
out_has() {
	if grep -Eq -- "$1" "$T/out"; then ok "$2"; else
		not_ok "$2 (stdout lacks /$1/)"
		sed 's/^/#   stdout: /' "$T/out" | head -20
	fi
}

err_has() {
	if grep -Eq -- "$1" "$T/err"; then ok "$2"; else
		not_ok "$2 (stderr lacks /$1/)"
		sed 's/^/#   stderr: /' "$T/err" | head -20
	fi
}

# err_one_line DESCRIPTION: the last command said exactly one line on stderr.
# (Its count is _err_lines: a test's own variables are not touched.)
err_one_line() {
	_err_lines=$(wc -l <"$T/err")
	if [ "$_err_lines" -eq 1 ]; then ok "$1"; else
		not_ok "$1 ($_err_lines lines on stderr)"
		sed 's/^/#   stderr: /' "$T/err" | head -20
	fi
}

# same A B DESCRIPTION / differ A B DESCRIPTION: compare two strings.
same() {
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 ('$1' != '$2')"; fi
}

differ() {
	if [ "$1" != "$2" ]; then ok "$3"; else not_ok "$3 (both '$1')"; fi
}

# git_sha256_tree DIR: the tree id git itself computes for DIR's files, in a
# fresh SHA-256 repository (the reference the tree hash must equal).
git_sha256_tree() {
	rm -rf "$T/.ref"
	git init -q --bare --object-format=sha256 "$T/.ref" &&
		git --git-dir="$T/.ref" --work-tree="$1" add -A &&
		git --git-dir="$T/.ref" --work-tree="$1" write-tree ||
		echo "git-could-not-compute-the-tree"
}

# sign_body BODY OUT: an envelope of the payload file BODY signed with
# vendor.key (in the current directory) by openssl, as a vendor could make
# any; leaves pae.bin and sig.bin.
sign_body() {
	python3 - "$1" <<'PY'
import sys
body = open(sys.argv[1], "rb").read()
t = b"application/vnd.in-toto+json"
open("pae.bin", "wb").write(b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body))
PY
	openssl pkeyutl -sign -rawin -inkey vendor.key -in pae.bin -out sig.bin
	python3 - "$1" "$2" <<'PY'
import base64, json, sys
b64 = lambda f: base64.b64encode(open(f, "rb").read()).decode()
env = {"payloadType": "application/vnd.in-toto+json", "payload": b64(sys.argv[1]),
       "signatures": [{"keyid": "", "sig": b64("sig.bin")}]}
open(sys.argv[2], "w").write(json.dumps(env) + "\n")
PY
}

# root_prereqs: exits 77 (skip) unless mmdebstrap, gpgv, curl, the Debian
# archive keyring and the mirror apt uses (its $suite) are there; sets mirror,
# and cache (made) where the downloaded .debs are kept.
root_prereqs() {
	for p in mmdebstrap gpgv curl; do
		command -v "$p" >/dev/null || {
			echo "# skip: $p is not installed (scripts/deps.sh)"
			exit 77
		}
	done
	[ -r /usr/share/keyrings/debian-archive-keyring.gpg ] || {
		echo "# skip: debian-archive-keyring is not installed"
		exit 77
	}
	mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
	[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	if [ -z "$mirror" ] ||
		! curl -fsS --max-time 20 -o /dev/null "$mirror/dists/$suite/InRelease"; then
		echo "# skip: the Debian mirror ($mirror) is unreachable"
		exit 77
	fi
	cache=${CR_ROOT_CACHE:-${ROOT_CACHE:-$T/cache}}
	mkdir -p "$cache"
}

# done_testing: the closing line, and the exit code meson reads.
done_testing() {
	printf '%d passed, %d failed\n' "$passed" "$failed"
	[ "$failed" -eq 0 ]
}
