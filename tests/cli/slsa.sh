#!/bin/sh
# Exact in-toto Statement v1 and SLSA provenance v1: every statement kind
# checked field by field against the specifications (tests/cli/slsa_check.py),
# the source's canonical URI (never a local path, never credentials), one
# builder id per mode, the user's choices in externalParameters (and verify
# replaying them, and older statements that kept them internal), toolchain
# descriptors whose digest is of what they name (checked with dpkg and
# sha256sum), and an invocationId.
. "$SRCDIR/tests/cli/lib.sh"

CHECK="$SRCDIR/tests/cli/slsa_check.py"

# field ATTESTATION PYTHON-EXPR: the expression over st (the statement),
# bd (buildDefinition), ext (externalParameters), deps, run (runDetails).
field() {
	python3 - "$1" "$2" <<'PY'
import base64, json, sys
st = json.loads(base64.b64decode(json.loads(open(sys.argv[1]).readline())["payload"]))
bd = st["predicate"]["buildDefinition"]
ext, deps = bd["externalParameters"], bd.get("resolvedDependencies", [])
run = st["predicate"]["runDetails"]
v = eval(sys.argv[2])
print(json.dumps(v) if not isinstance(v, str) else v)
PY
}

# spec_ok ATTESTATION WHAT: the statement passes the field by field check.
spec_ok() {
	if python3 "$CHECK" "$1" >"$T/spec" 2>&1; then ok "$2: in-toto v1 and SLSA v1, field by field"
	else
		not_ok "$2: in-toto v1 and SLSA v1, field by field"
		sed 's/^/#   /' "$T/spec" | head -20
	fi
}

# forge IN OUT PYTHON: IN's statement after PYTHON (st, bd, ext, inp), re-signed.
forge() {
	python3 - "$1" "$3" <<'PY'
import base64, json, sys
st = json.loads(base64.b64decode(json.loads(open(sys.argv[1]).readline())["payload"]))
bd = st["predicate"]["buildDefinition"]
ext, inp = bd["externalParameters"], bd["internalParameters"]
exec(sys.argv[2])
open("body.json", "w").write(json.dumps(st))
PY
	sign_body body.json "$2"
}

"$ATTEST" keygen -o vendor >/dev/null 2>&1
git init -q repo
printf 'all:\n\tprintf "built at %%s\\n" "$$SOURCE_DATE_EPOCH" >hello\n' >repo/Makefile
git -C repo add -A && git -C repo commit -qm one
commit=$(git -C repo rev-parse HEAD)
ctime=$(git -C repo log -1 --format=%ct)
# A token in the query (GitLab's private_token, an Azure SAS sig=) and a
# fragment: dropped with the user and password.
git -C repo remote add origin \
	'https://alice:s3cret@example.com/org/repo.git?private_token=glpat-T0KEN#f'

# ---- attest build -----------------------------------------------------------
expect 0 "a sandboxed build" "$ATTEST" build --git repo --key vendor.key \
	--output-dir b1 -o build.jsonl --artifact hello -- make
spec_ok build.jsonl "attest build"
same "$(field build.jsonl 'run["builder"]["id"]')" \
	urn:cleanroom:builder:attest-sandbox "build: the sandbox's builder id"
same "$(field build.jsonl 'ext["source"]["uri"]')" \
	git+https://example.com/org/repo.git "build: the origin remote, credentials removed"
same "$(field build.jsonl 'deps[0]["uri"]')" \
	"git+https://example.com/org/repo.git@$commit" "build: the source pinned to its commit"
same "$(field build.jsonl 'deps[0]["digest"]["gitCommit"]')" "$commit" \
	"build: whose digest is that commit"
if grep -q "s3cret\|alice\|T0KEN\|private_token" build.jsonl ||
	field build.jsonl 'st' |
	grep -q "s3cret\|alice\|T0KEN\|private_token\|$T"; then
	not_ok "no credential nor local path anywhere in the statement"
else ok "no credential nor local path anywhere in the statement"; fi
same "$(field build.jsonl '[ext["sourceDateEpoch"], ext["fakeClock"], ext["normalize"], ext["rootfs"]]')" \
	"[$ctime, false, true, \"host\"]" "build: the user's choices are externalParameters"
same "$(field build.jsonl '[k for k in ("SOURCE_DATE_EPOCH", "normalize") if k in bd["internalParameters"]] + [k for k in ("fakeClock",) if k in bd["internalParameters"]["sandbox"]]')" \
	"[]" "build: and no longer internalParameters"
id1=$(field build.jsonl 'run["metadata"]["invocationId"]')
case $id1 in urn:uuid:????????-????-4???-????-????????????) ok "build: an invocationId, a UUID" ;;
*) not_ok "build: an invocationId, a UUID ($id1)" ;; esac

# Every tool: the digest is of the file at its path, the package is the one
# dpkg says owns it, at the version dpkg has; no uri names the package alone.
field build.jsonl '"\n".join("%s %s %s %s %s" % (d["name"], d["annotations"]["path"], d["digest"]["sha256"], d["annotations"].get("package", "-"), d["annotations"].get("packageVersion", "-")) + (" URI" if "uri" in d else "") for d in deps[1:] if "path" in d.get("annotations", {}))' >tools.txt
ntools=0
while read -r name path sha pkg ver extra; do
	ntools=$((ntools + 1))
	[ "$(sha256sum "$path" | cut -d' ' -f1)" = "$sha" ] ||
		not_ok "tool $name: sha256sum of $path is the digest"
	[ -z "$extra" ] || not_ok "tool $name: a uri beside one file's digest"
	[ "$pkg" = - ] && continue
	alt=$(readlink -f "$path")
	owners=$( (dpkg -S "$path"; dpkg -S "$alt"; dpkg -S "$(echo "$path" | sed 's|^/usr||')") 2>/dev/null)
	echo "$owners" | grep -v '^diversion by' | sed 's/: .*//' | tr ',' '\n' |
		sed 's/^ *//; s/:.*//' | grep -qxF "$pkg" ||
		not_ok "tool $name: dpkg -S says $pkg owns $path ($owners)"
	[ "$(dpkg-query -W -f '${Version}' "$pkg" 2>/dev/null | head -1)" = "$ver" ] ||
		not_ok "tool $name: dpkg-query gives version $ver"
done <tools.txt
[ "$ntools" -ge 3 ] && [ "$failed" -eq 0 ] &&
	ok "every tool ($ntools): digest by sha256sum, package and version by dpkg" ||
	not_ok "toolchain descriptors against dpkg and sha256sum ($ntools tools)"

expect 0 "verify rebuild replays the externalParameters" "$VERIFY" rebuild \
	-a build.jsonl -k vendor.pub --trust-recipe --git repo b1/hello
forge build.jsonl late.jsonl 'ext["sourceDateEpoch"] += 1'
expect 1 "a statement whose externalParameters' build time is not the commit's" \
	"$VERIFY" rebuild -a late.jsonl -k vendor.pub --trust-recipe --git repo b1/hello
err_has "SOURCE_DATE_EPOCH|commit" "says why"
forge build.jsonl nonint.jsonl 'ext["sourceDateEpoch"] = "soon"'
expect 2 "a sourceDateEpoch that is no number" "$VERIFY" rebuild \
	-a nonint.jsonl -k vendor.pub --trust-recipe --git repo b1/hello
# A statement of the layout before: the choices inside internalParameters.
forge build.jsonl old.jsonl '
inp["SOURCE_DATE_EPOCH"] = ext.pop("sourceDateEpoch"); inp["normalize"] = ext.pop("normalize")
inp["sandbox"]["fakeClock"] = ext.pop("fakeClock"); ext.pop("rootfs")'
expect 0 "an older statement (choices internal) still replays" "$VERIFY" \
	rebuild -a old.jsonl -k vendor.pub --trust-recipe --git repo b1/hello
# Fewer replays under the sanitizers (CI time); each is exact in the normal build.
if [ "${CR_SANITIZE:-none}" = none ]; then
	forge build.jsonl oldlate.jsonl '
inp["SOURCE_DATE_EPOCH"] = ext.pop("sourceDateEpoch") + 1; ext.pop("normalize")'
	expect 1 "and its wrong build time still fails" "$VERIFY" rebuild \
		-a oldlate.jsonl -k vendor.pub --trust-recipe --git repo b1/hello
fi

expect 0 "--no-normalize --fake-clock" "$ATTEST" build --git repo \
	--key vendor.key --output-dir b2 -o build2.jsonl --no-normalize \
	--fake-clock --artifact hello -- make
spec_ok build2.jsonl "attest build --no-normalize --fake-clock"
same "$(field build2.jsonl '[ext["fakeClock"], ext["normalize"]]')" \
	"[true, false]" "recorded as the user's choices"
differ "$(field build2.jsonl 'run["metadata"]["invocationId"]')" "$id1" \
	"each build its own invocationId"
[ "${CR_SANITIZE:-none}" = none ] &&
	expect 0 "replayed with them" "$VERIFY" rebuild -a build2.jsonl \
		-k vendor.pub --trust-recipe --git repo b2/hello

# The recipe from the tree's cleanroom.json: the same statement kind, exact.
git clone -q repo recrepo
printf '{"command": ["make"], "artifacts": ["hello"], "env": {"CFLAGS": "-O2"}}\n' \
	>recrepo/cleanroom.json
git -C recrepo add -A && git -C recrepo commit -qm recipe
git -C recrepo remote set-url origin https://example.com/org/repo.git
expect 0 "a build from cleanroom.json" "$ATTEST" build --git recrepo \
	--key vendor.key --output-dir b4 -o rec.jsonl
spec_ok rec.jsonl "attest build (cleanroom.json)"
same "$(field rec.jsonl '[ext["recipe"]["source"], ext["env"], ext["source"]["uri"]]')" \
	"[\"cleanroom.json\", {\"CFLAGS\": \"-O2\"}, \"git+https://example.com/org/repo.git\"]" \
	"its recipe and origin"

# ---- attest sign ------------------------------------------------------------
expect 0 "attest sign" "$ATTEST" sign --git repo --key vendor.key -o sign.jsonl \
	b1/hello
spec_ok sign.jsonl "attest sign"
same "$(field sign.jsonl 'run["builder"]["id"]')" \
	urn:cleanroom:builder:attest-sign "sign: its own builder id"
differ "$(field sign.jsonl 'run["builder"]["id"]')" \
	"$(field build.jsonl 'run["builder"]["id"]')" "sign and build: distinct builder ids"
expect 0 "verify source reads it" "$VERIFY" source -a sign.jsonl -k vendor.pub \
	--git repo

# The origin as git writes it: scp-like, a local path, none.
git -C repo remote set-url origin git@example.com:org/repo.git
"$ATTEST" sign -q --git repo --key vendor.key -o scp.jsonl b1/hello
same "$(field scp.jsonl 'ext["source"]["uri"]')" git+ssh://example.com/org/repo.git \
	"an scp-like origin is ssh://, without its user"
git -C repo remote set-url origin "$T/elsewhere"
"$ATTEST" sign -q --git repo --key vendor.key -o local.jsonl b1/hello
same "$(field local.jsonl '["uri" in ext["source"], "uri" in deps[0]]')" \
	"[false, false]" "a local origin: the uri is omitted"
spec_ok local.jsonl "attest sign, no uri"
git -C repo remote remove origin
"$ATTEST" sign -q --git repo --key vendor.key -o none.jsonl b1/hello
same "$(field none.jsonl '"uri" in ext["source"]')" false "no origin: omitted"
expect 0 "--source-uri given" "$ATTEST" sign --git repo \
	--source-uri git+https://example.org/vendor/fw --key vendor.key \
	-o given.jsonl b1/hello
same "$(field given.jsonl 'deps[0]["uri"]')" \
	"git+https://example.org/vendor/fw@$commit" "is used, pinned to the commit"

# A tarball: its own bytes' digest beside the tree, as sha256sum says.
git -C repo archive --format=tar -o "$T/src.tar" HEAD
expect 0 "a tarball with --source-uri" "$ATTEST" sign --tarball src.tar \
	--source-uri https://example.org/fw-1.0.tar --key vendor.key \
	-o tar.jsonl b1/hello
spec_ok tar.jsonl "attest sign --tarball"
same "$(field tar.jsonl 'deps[0]["digest"]["sha256"]')" \
	"$(sha256sum src.tar | cut -d' ' -f1)" "the archive's digest is sha256sum's"
same "$(field tar.jsonl 'deps[0]["uri"]')" https://example.org/fw-1.0.tar \
	"the uri as given"
mkdir dir && cp repo/Makefile dir/
expect 0 "a directory" "$ATTEST" sign --source dir --key vendor.key \
	-o dir.jsonl b1/hello
same "$(field dir.jsonl '"uri" in ext["source"]')" false \
	"a directory has no uri unless given"
spec_ok dir.jsonl "attest sign --source"

for bad in src ./src "$T/src" file:///srv/src git+file:///srv/src \
	https://tok@example.org/r "https://example.org/a b" ssh://u:pw@h/r; do
	expect 2 "--source-uri '$bad' is refused" "$ATTEST" sign --git repo \
		--source-uri "$bad" --key vendor.key -o bad.jsonl b1/hello
done
err_has "carries credentials" "says why"
for bad in 'https://example.org/r.git?private_token=T0KEN' \
	'git+https://example.org/r.git#T0KEN' 'urn:x:r?T0KEN'; do
	expect 2 "--source-uri '$bad' (a query or fragment) is refused" \
		"$ATTEST" sign --git repo --source-uri "$bad" --key vendor.key \
		-o bad.jsonl b1/hello
	err_has "query or fragment" "says why"
	grep -q T0KEN "$T/err" && not_ok "and does not print the token" ||
		ok "and does not print the token"
done
[ ! -e bad.jsonl ] && ok "and nothing is written" || not_ok "and nothing is written"
expect 2 "--source-uri twice" "$ATTEST" sign --git repo --source-uri urn:a \
	--source-uri urn:b --key vendor.key -o bad.jsonl b1/hello
expect 2 "attest build refuses a local path too" "$ATTEST" build --git repo \
	--source-uri repo --key vendor.key --output-dir b3 --artifact hello -- make

# The checker itself fails on the deviations it is there for.
forge build.jsonl dev.jsonl '
ext["source"]["uri"] = "repo"; bd["resolvedDependencies"][1]["uri"] = "pkg:deb/debian/gcc-12@1"
del st["predicate"]["runDetails"]["metadata"]["invocationId"]'
if python3 "$CHECK" dev.jsonl >"$T/spec" 2>&1; then not_ok "the checker catches deviations"
else
	n=$(wc -l <"$T/spec")
	[ "$n" -eq 3 ] && ok "the checker catches each deviation ($n)" ||
		{ not_ok "the checker catches each deviation ($n)"; sed 's/^/#   /' "$T/spec"; }
fi

done_testing
