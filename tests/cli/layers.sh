#!/bin/sh
# The trust boundary is in the link, not only in the folders: verify (artifact,
# source, log) holds nothing of lib/build, lib/diff or lib/sign and calls no
# private-key, namespace or seccomp function; verify-build holds nothing of
# lib/sign; no file includes a header of a layer above its own; verify runs no
# verify-build but its own. Each rule is first shown to catch a program that
# breaks it (attest), so the test can fail.
. "$SRCDIR/tests/cli/lib.sh"

: "${BUILDDIR:?run through meson test}"
VERIFY_BUILD=$(dirname "$VERIFY")/verify-build
command -v nm >/dev/null || { echo "1..0 # SKIP nm (binutils) missing"; exit 77; }

# defined LIB: the global symbols a static library defines.
defined() {
	nm -P -g --defined-only "$BUILDDIR/lib/$1/libcleanroom_$1.a" 2>/dev/null |
		awk '$2 ~ /^[TDBR]$/ { print $1 }' | sort -u
}
for l in build diff sign; do defined $l >"$T/lib.$l"; done
for l in build diff sign; do
	[ -s "$T/lib.$l" ] || not_ok "lib/$l defines symbols (none read)"
done

# holds PROG LIB: the symbols of LIB that PROG has linked in.
holds() {
	nm -P --defined-only "$1" | awk '{ print $1 }' | sort -u |
		comm -12 - "$T/lib.$2"
}

# calls PROG: the private-key, namespace and sandbox functions PROG imports.
calls() {
	nm -P -D --undefined-only "$1" | awk '{ print $1 }' | sed 's/@.*//' |
		grep -Ex 'EVP_(DigestSign|DigestSignInit(_ex)?|DigestSignFinal|PKEY_sign(_init)?|PKEY_(Q_)?keygen(_init)?|PKEY_generate)|PEM_(read_bio|write_bio|write)_(PKCS8)?PrivateKey|d2i_(Auto)?PrivateKey(_bio)?|i2d_PKCS8PrivateKey_bio|dlopen|unshare|pivot_root|mount|seccomp_[a-z_]+|setns' |
		sort -u
}

# The rules catch a program that breaks them.
n=$(holds "$ATTEST" sign | wc -l)
if [ "$n" -gt 0 ]; then ok "the check finds lib/sign in attest ($n symbols)"
else not_ok "the check finds lib/sign in attest"; fi
n=$(holds "$ATTEST" build | wc -l)
if [ "$n" -gt 0 ]; then ok "the check finds lib/build in attest ($n symbols)"
else not_ok "the check finds lib/build in attest"; fi
n=$(calls "$ATTEST" | wc -l)
if [ "$n" -gt 0 ]; then ok "the check finds private-key and sandbox calls in attest ($n)"
else not_ok "the check finds private-key and sandbox calls in attest"; fi

# verify links lib/check and lib/base alone.
for l in build diff sign; do
	holds "$VERIFY" $l >"$T/held"
	if [ -s "$T/held" ]; then
		not_ok "verify holds nothing of lib/$l (has: $(head -5 "$T/held" | tr '\n' ' '))"
	else
		ok "verify holds nothing of lib/$l"
	fi
done
calls "$VERIFY" >"$T/calls"
if [ -s "$T/calls" ]; then
	not_ok "verify calls no private-key, namespace or seccomp function (calls: $(tr '\n' ' ' <"$T/calls"))"
else
	ok "verify calls no private-key, namespace or seccomp function"
fi

# verify writes no file, makes no proof and no envelope: the objects that do
# (lib/base/write.c, merkle_proof.c, dsse_write.c, disclose_write.c,
# note_format.c) are not linked into it. attest, which writes all of
# these, shows the check can fail.
writers() {
	nm -P --defined-only "$1" | awk '{ print $1 }' |
		grep -Ex 'cr_(atomic_[a-z]+|write_atomic|write_all|rename_synced|mkdir_p|rmtree|merkle_(inclusion|consistency)_proof|merkle_edge_[a-z]+|dsse_new|dsse_serialize|bundle_serialize|disclosure_manifest|note_vkey_format|checkpoint_format|tlog_proof_append)' |
		sort -u
}
n=$(writers "$ATTEST" | wc -l)
if [ "$n" -ge 10 ]; then ok "the check finds writers in attest ($n symbols)"
else not_ok "the check finds writers in attest ($n symbols)"; fi
writers "$VERIFY" >"$T/held"
if [ -s "$T/held" ]; then
	not_ok "verify links no writer (has: $(head -5 "$T/held" | tr '\n' ' '))"
else
	ok "verify links no file writer, proof maker or envelope writer"
fi

# verify-build builds and compares, but never signs.
holds "$VERIFY_BUILD" sign >"$T/held"
if [ -s "$T/held" ]; then
	not_ok "verify-build holds nothing of lib/sign (has: $(head -5 "$T/held" | tr '\n' ' '))"
else
	ok "verify-build holds nothing of lib/sign"
fi
calls "$VERIFY_BUILD" | grep -v -Ex 'unshare|pivot_root|mount|seccomp_[a-z_]+|setns' >"$T/calls"
if [ -s "$T/calls" ]; then
	not_ok "verify-build calls no private-key function (calls: $(tr '\n' ' ' <"$T/calls"))"
else
	ok "verify-build calls no private-key function"
fi

# No file includes a header of a layer above its own: base <- check <-
# build, diff, sign; verify's own files and common/ include base and check
# only (verify-build's files may include build and diff).
headers() { for d in "$@"; do ls "$SRCDIR/lib/$d"/*.h; done | xargs -n1 basename; }
# upward LAYER_FILES... -- FORBIDDEN_LAYERS...: includes that go up.
upward() {
	files=
	while [ "$1" != -- ]; do files="$files $1"; shift; done
	shift
	headers "$@" | sed 's/.*/#include "&"/' >"$T/forbidden"
	# shellcheck disable=SC2086
	grep -HnFf "$T/forbidden" $files
}
cd "$SRCDIR" || exit 2
printf '#include "sandbox.h"\n' >"$T/bad.c"
if upward "$T/bad.c" -- build >/dev/null; then
	ok "the include check finds an upward include"
else
	not_ok "the include check finds an upward include"
fi
check_layer() {
	what=$1
	shift
	if upward "$@" >"$T/up"; then
		not_ok "$what includes no header of a layer above (has: $(head -3 "$T/up" | tr '\n' ' '))"
	else
		ok "$what includes no header of a layer above"
	fi
}
check_layer "lib/base" lib/base/*.[ch] -- check build diff sign
check_layer "lib/check" lib/check/*.[ch] -- build diff sign
check_layer "lib/build" lib/build/*.[ch] -- diff sign
check_layer "lib/diff" lib/diff/*.[ch] -- build sign
check_layer "lib/sign" lib/sign/*.[ch] -- build diff
check_layer "common/" common/*.[ch] -- build diff sign
check_layer "verify's own commands" verify/main.c verify/cmd_artifact.c \
	verify/cmd_source.c verify/cmd_log.c verify/trust.[ch] -- build diff sign
check_layer "verify-build" verify/main_build.c verify/cmd_rebuild.c \
	verify/cmd_diff.c verify/cmd_root.c -- sign

# verify runs only the verify-build of its own build tree, or the installed
# one: never a file that sits next to a copy of it (a vendor's delivery
# folder), nor one on PATH.
mkdir "$T/delivery"
cp "$VERIFY" "$T/delivery/verify"
printf '#!/bin/sh\ntouch "%s/impostor-ran"\necho "{}"\nexit 0\n' "$T" \
	>"$T/delivery/verify-build"
chmod +x "$T/delivery/verify-build"
printf 'a\n' >"$T/a"
printf 'b\n' >"$T/b"
"$T/delivery/verify" diff "$T/a" "$T/b" >"$T/out" 2>"$T/err"
rc=$?
if [ -e "$T/impostor-ran" ]; then
	not_ok "a copy of verify does not run the verify-build beside it (it ran)"
elif [ "$rc" -eq 0 ]; then
	not_ok "a copy of verify does not run the verify-build beside it (exit 0)"
else
	ok "a copy of verify does not run the verify-build beside it (exit $rc)"
fi
err_has "needs verify-build: /.*libexec/cleanroom/verify-build" \
	"and names the installed one it looked for"
mkdir "$T/bin"
cp "$T/delivery/verify-build" "$T/bin/verify-build"
ln -s "$VERIFY" "$T/delivery/vlink"
PATH="$T/bin:$PATH" expect 1 "verify through a symlink runs its own verify-build" \
	"$T/delivery/vlink" diff "$T/a" "$T/b"
if [ -e "$T/impostor-ran" ]; then
	not_ok "nor one on PATH"
else
	ok "nor one on PATH"
fi

# What a regulator audits for each of verify's commands (informational).
if command -v python3 >/dev/null; then
	python3 "$SRCDIR/scripts/audit-lines.py" "$BUILDDIR" | grep '^verify' |
		sed 's/^/# /'
fi

done_testing
