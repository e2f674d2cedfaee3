#!/bin/sh
# Threat 9, the recipe: what decides an artifact's bytes must be in the
# reviewed tree. A command-line recipe that patches the binary after the
# build is shown and replayed only on --trust-recipe; the tree's
# cleanroom.json is honoured and a statement that recorded another recipe
# fails; variables that choose which programs run are refused everywhere.
# Also: subjects nobody checked (two of one name, one never rebuilt) and
# bundles holding statements of other kinds.
. "$SRCDIR/tests/cli/lib.sh"

cp -r "$SRCDIR/examples/hello" repo
git -C repo init -q && git -C repo add -A && git -C repo commit -qm A
git -C repo tag v1.2
"$ATTEST" keygen -o vendor >/dev/null 2>&1
"$ATTEST" keygen -o lab >/dev/null 2>&1

# forge IN OUT PYTHON: IN's first statement after running PYTHON on it (st
# is the statement, ext its externalParameters), signed with the vendor's key.
forge() {
	python3 - "$1" "$3" <<'PY'
import base64, json, sys
env = json.loads(open(sys.argv[1]).readline())
st = json.loads(base64.b64decode(env["payload"]))
ext = st["predicate"]["buildDefinition"]["externalParameters"]
exec(sys.argv[2])
open("body.json", "w").write(json.dumps(st))
PY
	sign_body body.json "$2"
}

# recipe_of FILE: the statement's recorded recipe source and command.
recipe_of() {
	python3 - "$1" <<'PY'
import base64, json, sys
st = json.loads(base64.b64decode(json.loads(open(sys.argv[1]).readline())["payload"]))
ext = st["predicate"]["buildDefinition"]["externalParameters"]
r = ext.get("recipe", {})
print(r.get("source"), r.get("digest", {}).get("sha256"), " ".join(ext["command"]))
PY
}

# --- the tree's recipe ------------------------------------------------------

# The vendor's working copy says something else; only the commit counts.
cp repo/cleanroom.json committed.json
printf '{"command": ["sh", "-c", "sh build.sh; echo x >>hello"], "artifacts": ["hello"]}\n' \
	>repo/cleanroom.json
expect 0 "attest build with the tree's cleanroom.json, no -- COMMAND" \
	"$ATTEST" build --git repo --rev v1.2 --key vendor.key --check \
	--output-dir vendor -o tree.jsonl
out_has "^recipe cleanroom.json" "says the recipe is cleanroom.json"
out_has "reproducible" "--check passes"
same "$(recipe_of tree.jsonl)" \
	"cleanroom.json $(sha256sum <committed.json | cut -c1-64) sh build.sh" \
	"the statement records the committed cleanroom.json and its digest"
git -C repo checkout -q cleanroom.json
"$ATTEST" export --git repo --rev v1.2 -o src.tar.gz >/dev/null

expect 0 "verify source reports the tree's recipe" "$VERIFY" source \
	-a tree.jsonl -k vendor.pub src.tar.gz
out_has "^recipe: cleanroom.json of the source tree" "text: the recipe's origin"
out_has "command: 'sh' 'build.sh'" "text: the command"
expect 0 "verify source --json" "$VERIFY" source --json -a tree.jsonl \
	-k vendor.pub --git repo --rev v1.2
out_has '"source": "cleanroom.json"' "json: the recipe's origin"
out_has '"matchesStatement": true' "json: the statement recorded it"
expect 0 "verify rebuild takes the reviewed tree's recipe" "$VERIFY" rebuild \
	-a tree.jsonl -k vendor.pub src.tar.gz vendor/hello
out_has "^recipe: cleanroom.json of the source tree" "says so"
out_has "command: 'sh' 'build.sh'" "and shows it"
mkdir srcdir && tar -xzf src.tar.gz -C srcdir
# A release tarball made by GNU tar with a top directory: the recipe is read
# from the member the hash covered.
tar -C srcdir -czf pkg.tar.gz --transform 's,^\.,pkg-1.2,' .
expect 0 "verify source reads cleanroom.json under --strip-components" \
	"$VERIFY" source --strip-components 1 -a tree.jsonl -k vendor.pub \
	pkg.tar.gz
out_has "^recipe: cleanroom.json of the source tree" "the tree's recipe"
expect 0 "verify rebuild replays it from there" "$VERIFY" rebuild \
	--strip-components 1 -a tree.jsonl -k vendor.pub pkg.tar.gz vendor/hello
# cleanroom.json as a hard link to another member: refused, not guessed.
python3 - <<'PY'
import tarfile
t = tarfile.open("hard.tar", "w")
t.add("committed.json", arcname="recipe.json")
i = tarfile.TarInfo("cleanroom.json"); i.type = tarfile.LNKTYPE
i.linkname = "recipe.json"; t.addfile(i)
t.add("srcdir/build.sh", arcname="build.sh")
t.close()
PY
expect 2 "attest build refuses a hard-linked cleanroom.json" "$ATTEST" \
	build --tarball hard.tar --output-dir hout
err_has "cleanroom.json was hashed but cannot be read back" "saying why"
expect 0 "the lab replays it from a directory" "$ATTEST" build \
	--source srcdir --recipe-from tree.jsonl --key lab.key --output-dir lab \
	-o lab-tree.jsonl
out_has "^recipe cleanroom.json" "the lab's statement says cleanroom.json too"
expect 0 "two parties agree" "$VERIFY" artifact -a tree.jsonl \
	-a lab-tree.jsonl -k vendor.pub -k lab.pub --threshold 2 vendor/hello

# --- the attack: a recipe outside the review -----------------------------

git clone -q repo clean && git -C clean rm -q cleanroom.json &&
	git -C clean commit -qm "no recipe file"
evil="sh build.sh && sed -i 's/hello from/pwned from/' hello"
expect 0 "the vendor builds with a patching command line" "$ATTEST" build \
	--git clean --key vendor.key --output-dir evil -o evil.jsonl \
	--artifact hello -- sh -c "$evil"
out_has "^recipe command-line" "the statement says command-line"
grep -q "pwned from" evil/hello && ok "the binary is patched" ||
	not_ok "the binary is patched"
expect 0 "verify source: the tree is the attested one" "$VERIFY" source \
	-a evil.jsonl -k vendor.pub --git clean
out_has "NOT part of the reviewed source" "but the recipe is shown as unreviewed"
out_has "sed -i" "in full"
expect 2 "verify rebuild refuses to replay it" "$VERIFY" rebuild \
	-a evil.jsonl -k vendor.pub --git clean evil/hello
err_has "the recipe is not part of the reviewed source" "says why"
err_has "--trust-recipe" "says how"
out_has "command: 'sh' '-c' 'sh build.sh && sed -i" "shows the recipe in full"
expect 2 "verify rebuild --json refuses it too" "$VERIFY" rebuild --json \
	-a evil.jsonl -k vendor.pub --git clean evil/hello
out_has '"result": "untrusted-recipe"' "json: refused"
out_has 'sh build.sh && sed -i' "json: the recipe in full"
forge evil.jsonl padded.jsonl \
	"ext['command'] = ['sh', '-c', ' ' * 6000 + 'sh build.sh; sed -i s/a/b/ hello; echo ' + chr(27) + ']0;x' + chr(7)]"
expect 2 "a padded command line" "$VERIFY" rebuild -a padded.jsonl \
	-k vendor.pub --git clean evil/hello
out_has "sed -i s/a/b/ hello; echo \\\\x1b\\]0;x\\\\x07'" "is still shown in full, escaped"
if grep -q "$(printf '\033')" "$T/out"; then not_ok "no escape reaches the terminal"
else ok "no escape reaches the terminal"; fi
expect 0 "with --trust-recipe it is replayed, as asked" "$VERIFY" rebuild \
	--trust-recipe -a evil.jsonl -k vendor.pub --git clean evil/hello
out_has "^note: rebuilt with a recipe given on the vendor's command line" \
	"and the report says it was not reviewed"
expect 2 "an independent lab is not tricked into signing it" "$ATTEST" build \
	--git clean --recipe-from evil.jsonl --key lab.key --output-dir lab2 \
	-o lab-evil.jsonl
err_has "the recipe is not part of the reviewed source" "the lab is told why"
err_has "sed -i" "and shown the recipe"
[ -e lab-evil.jsonl ] && not_ok "the lab signed nothing" ||
	ok "the lab signed nothing"
expect 1 "so threshold 2 is not met" "$VERIFY" artifact -a evil.jsonl \
	-k vendor.pub -k lab.pub --threshold 2 evil/hello
forge evil.jsonl old.jsonl 'del ext["recipe"]'
expect 2 "a statement of the old form (no recipe field) is a command line" \
	"$VERIFY" rebuild -a old.jsonl -k vendor.pub --git clean evil/hello
err_has "not part of the reviewed source" "needs --trust-recipe"

# A command line next to a committed cleanroom.json.
expect 2 "-- COMMAND next to cleanroom.json is refused" "$ATTEST" build \
	--git repo --output-dir o1 --artifact hello -- sh build.sh
err_has "carries cleanroom.json.*--override-recipe" "says what to do"
expect 2 "--artifact without -- COMMAND" "$ATTEST" build --git repo \
	--artifact hello
expect 2 "--trust-recipe without --recipe-from" "$ATTEST" build --git repo \
	--trust-recipe

# --- refused variables -------------------------------------------------------

for v in PATH=/build/src/bin:/usr/bin LD_PRELOAD=/build/src/x.so \
	LD_LIBRARY_PATH=/build/src GCONV_PATH=/build/src BASH_ENV=/build/src/rc \
	ENV=/build/src/rc SHELL=/build/src/sh PYTHONPATH=/build/src \
	PERL5LIB=/build/src NODE_OPTIONS=--require=/build/src/x.js \
	MAKEFLAGS=SHELL=/build/src/sh GIT_CONFIG_PARAMETERS=x \
	'TAR_OPTIONS=--use-compress-program=sh\ p.sh' CONFIG_SITE=/build/src/x \
	ZIPOPT=-TT=x npm_config_script_shell=/build/src/sh \
	CMAKE_TOOLCHAIN_FILE=/build/src/t.cmake; do
	expect 2 "--env ${v%%=*} is refused" "$ATTEST" build --git clean \
		--output-dir o2 --env "$v" --artifact hello -- sh build.sh
	err_has "${v%%=*}: refused in any recipe" "names ${v%%=*}"
done
expect 0 "--env CFLAGS is a build parameter, allowed" "$ATTEST" build \
	--git clean --output-dir o3 --env CFLAGS=-O2 --artifact hello \
	-- sh build.sh
expect 0 "--env GZIP=-9n tunes output, allowed" "$ATTEST" build \
	--git clean --output-dir o3g --env GZIP=-9n --artifact hello \
	-- sh build.sh
# The red team's case: TAR_OPTIONS made "tar cf" run a script of the tree
# that rewrote the artifact; now nothing is built.
expect 2 "a recipe of tar with TAR_OPTIONS is refused" "$ATTEST" build \
	--git clean --output-dir o3t --artifact h.tar \
	--env 'TAR_OPTIONS=--use-compress-program=sh\ p.sh' -- tar cf h.tar hello
[ -e o3t/h.tar ] && not_ok "no artifact for it" || ok "no artifact for it"

git clone -q repo bad
bad_recipe() {
	printf '%s\n' "$1" >bad/cleanroom.json
	git -C bad commit -qam "$2" --allow-empty
	expect 2 "cleanroom.json: $2" "$ATTEST" build --git bad --output-dir o4
	err_has "$3" "names the fault: $2"
}
bad_recipe '{"command": ["sh", "build.sh"], "artifacts": ["hello"], "env": {"PATH": "/build/src/bin:/usr/bin"}}' \
	"PATH in env" "PATH: refused in any recipe"
bad_recipe '{"command": ["sh", "build.sh"], "artifacts": ["hello"], "env": {"LD_PRELOAD": "/build/src/x.so"}}' \
	"LD_PRELOAD in env" "LD_PRELOAD: refused in any recipe"
bad_recipe '{"command": ["sh", "build.sh"], "artifacts": ["hello"], "install": "x"}' \
	"an unknown field" "unknown field 'install'"
bad_recipe '{"command": ["sh", "build.sh"], "command": ["sh", "-c", "x"], "artifacts": ["hello"]}' \
	"a duplicate key" "duplicate"
bad_recipe '{"command": "sh build.sh", "artifacts": ["hello"]}' \
	"a command that is not a list" "command must be a list"
bad_recipe '{"command": ["sh", "build.sh"]}' "no artifacts" "artifacts must be"
bad_recipe '{"command": ["sh", "build.sh"], "artifacts": ["hello"], "fakeClock": "yes"}' \
	"fakeClock not a bool" "fakeClock must be"
bad_recipe '{"command": ["sh", "build.sh"], "artifacts": ["hello"], "root": {"suite": "bookworm", "snapshot": "20250520T000000Z", "include": ["build-essential"]}}' \
	"a root, with neither --root nor a root cache" "give --root ROOT.tar"
bad_recipe '{"command": ["sh", "build.sh"], "artifacts": ["hello"], "root": {"include": ["gcc"]}}' \
	"a root without a suite" "root names no suite"
bad_recipe '[1, 2' "not JSON" "not valid JSON"
python3 -c 'print("{\"command\": [\"sh\", \"build.sh\"], \"artifacts\": [\"hello\"], \"env\": {\"A\": \"" + "x" * 70000 + "\"}}")' \
	>bad/cleanroom.json && git -C bad commit -qam big
expect 2 "an oversized cleanroom.json" "$ATTEST" build --git bad --output-dir o4
err_has "larger than" "says it is too large"
rm bad/cleanroom.json && ln -s build.sh bad/cleanroom.json &&
	git -C bad add -A && git -C bad commit -qm link
expect 2 "a symlinked cleanroom.json" "$ATTEST" build --git bad --output-dir o4
err_has "symbolic link" "says it is a link"
expect 0 "--override-recipe builds with the command line instead" \
	"$ATTEST" build --git bad --override-recipe --key vendor.key \
	--output-dir o8 -o override.jsonl --artifact hello -- sh build.sh
out_has "^recipe command-line" "and says so"
same "$(recipe_of override.jsonl)" "command-line None sh build.sh" \
	"the statement records a command-line recipe"

# A replayed statement carrying a refused variable (signed by the vendor).
forge evil.jsonl preload.jsonl 'ext["env"] = {"LD_PRELOAD": "/build/src/x.so"}'
expect 2 "a statement with LD_PRELOAD is refused, even with --trust-recipe" \
	"$VERIFY" rebuild --trust-recipe -a preload.jsonl -k vendor.pub \
	--git clean evil/hello
err_has "LD_PRELOAD: refused in any recipe" "names it"
forge tree.jsonl path.jsonl 'ext["env"] = {"PATH": "/build/src/bin:/usr/bin"}'
expect 2 "--recipe-from a statement with PATH is refused" "$ATTEST" build \
	--git repo --rev v1.2 --recipe-from path.jsonl --trust-recipe \
	--output-dir o5
err_has "PATH: refused in any recipe" "names it"

# --- a statement whose recipe is not the tree's -----------------------------

forge tree.jsonl lie.jsonl "ext['command'] = ['sh', '-c', \"$evil\"]"
expect 1 "the statement recorded another command than cleanroom.json" \
	"$VERIFY" rebuild -a lie.jsonl -k vendor.pub src.tar.gz vendor/hello
err_has "recorded command differs from the reviewed tree's cleanroom.json" \
	"says so"
err_has "sed -i.*cleanroom.json has 'sh' 'build.sh'" "naming both"
expect 1 "verify source fails on it too" "$VERIFY" source -a lie.jsonl \
	-k vendor.pub src.tar.gz
out_has "^FAIL " "and does not print OK"
err_has "recorded command differs" "saying why"
expect 2 "the lab will not replay it" "$ATTEST" build --tarball src.tar.gz \
	--recipe-from lie.jsonl --output-dir o6
forge evil.jsonl claim.jsonl 'ext["recipe"] = {"source": "cleanroom.json"}'
expect 1 "a statement claiming a cleanroom.json the tree lacks" "$VERIFY" \
	rebuild -a claim.jsonl -k vendor.pub --git clean evil/hello
err_has "the reviewed tree has none" "says so"
forge evil.jsonl weird.jsonl 'ext["recipe"] = {"source": "https://example.com/r"}'
expect 2 "an unknown recipe source" "$VERIFY" rebuild --trust-recipe \
	-a weird.jsonl -k vendor.pub --git clean evil/hello

# --- the build time: an input the statement chooses --------------------------

# A time bomb the reviewer reads as dead code: the commit is from 2024 and
# the source only changes for builds dated after 2030. The vendor builds it
# from a tarball whose newest mtime is 2033, so the statement records that
# SOURCE_DATE_EPOCH and every replay used it: verify source and rebuild of
# the reviewer's clone and an independent lab all agreed on the backdoor.
mkdir bomb && cat >bomb/hello.c <<'EOF2'
#include <stdio.h>
int main(void)
{
#if BUILD_EPOCH > 1900000000 /* builds after 2030 get the new greeting */
	puts("pwned");
#else
	puts("hello");
#endif
	return 0;
}
EOF2
printf 'set -e\ncc -DBUILD_EPOCH=$SOURCE_DATE_EPOCH hello.c -o hello\n' \
	>bomb/build.sh
printf '{"command": ["sh", "build.sh"], "artifacts": ["hello"]}\n' \
	>bomb/cleanroom.json
git -C bomb init -q && git -C bomb add -A && git -C bomb commit -qm bomb
"$ATTEST" export --git bomb -o bomb.tar >/dev/null 2>&1
mkdir bombsrc && tar -xf bomb.tar -C bombsrc && touch -d @2000000000 bombsrc/hello.c
tar -C bombsrc -cf bomb-late.tar .
expect 0 "the vendor builds the tree with a late build time" "$ATTEST" build \
	--tarball bomb-late.tar --key vendor.key --output-dir bombv -o bomb.jsonl
out_has "SOURCE_DATE_EPOCH 2000000000" "the statement records 2033"
git clone -q bomb bombrev
expect 1 "verify source: the build time is not the reviewed commit's" \
	"$VERIFY" source -a bomb.jsonl -k vendor.pub --git bombrev
err_has "records SOURCE_DATE_EPOCH 2000000000, but the reviewed commit's time is 1704067200" \
	"names both times"
out_has "^FAIL " "and does not print OK"
expect 1 "verify rebuild does not replay another build time" "$VERIFY" \
	rebuild -a bomb.jsonl -k vendor.pub --git bombrev bombv/hello
err_has "reviewed commit's time is 1704067200" "says why"
expect 2 "the lab will not replay it" "$ATTEST" build --git bombrev \
	--recipe-from bomb.jsonl --key lab.key --output-dir bombl -o bomb-lab.jsonl
expect 2 "nor from the clone as a directory" "$ATTEST" build --source \
	bombrev --recipe-from bomb.jsonl --key lab.key --output-dir bombl2 \
	-o bomb-lab.jsonl
err_has "reviewed commit's time is 1704067200" "the lab is told why"
[ -e bomb-lab.jsonl ] && not_ok "the lab signed nothing" ||
	ok "the lab signed nothing"
[ -e bomb-lab.jsonl ] || cp bomb.jsonl bomb-lab.jsonl
expect 1 "so threshold 2 is not met" "$VERIFY" artifact -a bomb.jsonl \
	-a bomb-lab.jsonl -k vendor.pub -k lab.pub --threshold 2 bombv/hello
expect 1 "the reviewer's clone as a directory: its commit's time counts" \
	"$VERIFY" source -a bomb.jsonl -k vendor.pub bombrev
err_has "reviewed commit's time is 1704067200" "says why"
expect 1 "verify rebuild of that directory too" "$VERIFY" rebuild \
	-a bomb.jsonl -k vendor.pub bombrev bombv/hello
expect 0 "a directory that is no checkout has no time to check" "$VERIFY" \
	source -a bomb.jsonl -k vendor.pub bombsrc
out_has "^  SOURCE_DATE_EPOCH: 2000000000" "but it is shown with the recipe"
expect 0 "--json too" "$VERIFY" source --json -a bomb.jsonl -k vendor.pub \
	bombsrc
out_has '"SOURCE_DATE_EPOCH": 2000000000' "json: the build time"
expect 0 "an honest build from the commit" "$ATTEST" build --git bomb \
	--key vendor.key --output-dir bombh -o bomb-ok.jsonl
expect 0 "is replayed from the reviewer's clone" "$VERIFY" rebuild \
	-a bomb-ok.jsonl -k vendor.pub --git bombrev bombh/hello

# --- subjects nobody checked ----------------------------------------------

mkdir backdoor && printf 'backdoored\n' >backdoor/hello
bd=$(sha256sum <backdoor/hello | cut -c1-64)
forge tree.jsonl dup.jsonl \
	"st['subject'].insert(0, {'name': 'hello', 'digest': {'sha256': '$bd'}})"
expect 2 "two subjects named hello: verify artifact refuses the file" \
	"$VERIFY" artifact -a dup.jsonl -k vendor.pub backdoor/hello
err_has "subject 'hello' is listed twice" "says why"
expect 2 "and verify rebuild" "$VERIFY" rebuild -a dup.jsonl -k vendor.pub \
	src.tar.gz vendor/hello
mkdir other && printf 'other\n' >other/hello
expect 2 "attest sign never writes two subjects of one name" "$ATTEST" sign \
	--git repo --key vendor.key -o twice.jsonl "$T/backdoor/hello" \
	"$T/other/hello"
err_has "subject 'hello' given twice" "says so"
[ -e twice.jsonl ] && not_ok "nothing written" || ok "nothing written"
forge tree.jsonl extra.jsonl \
	"st['subject'].append({'name': 'tools/updater', 'digest': {'sha256': '$bd'}})"
expect 1 "a subject the rebuild did not make" "$VERIFY" rebuild \
	-a extra.jsonl -k vendor.pub src.tar.gz vendor/hello
err_has "tools/updater: an attested subject the rebuild did not make" \
	"names it"
out_has "FAIL +tools/updater" "in the report"
expect 0 "verify artifact alone accepts that subject's file" "$VERIFY" \
	artifact -a extra.jsonl -k vendor.pub backdoor/hello

# --- mixed bundles ---------------------------------------------------------

forge tree.jsonl sbom.jsonl \
	"st['predicateType'] = 'https://spdx.dev/Document'; st['predicate'] = {'spdxVersion': 'SPDX-2.3'}"
forge tree.jsonl v01.jsonl "st['_type'] = 'https://in-toto.io/Statement/v0.1'"
cat sbom.jsonl tree.jsonl v01.jsonl >bundle.jsonl
expect 0 "a bundle with an SBOM and a v0.1 statement" "$VERIFY" artifact \
	-a bundle.jsonl -k vendor.pub vendor/hello
out_has "bundle.jsonl:1: skipped: a statement of another kind \\(predicateType https://spdx.dev/Document\\)" \
	"says the SBOM was skipped"
out_has "bundle.jsonl:3: skipped: an in-toto statement of another version" \
	"says the v0.1 statement was skipped"
expect 0 "--json says so" "$VERIFY" artifact --json -a bundle.jsonl \
	-k vendor.pub vendor/hello
out_has '"skipped": true' "json: skipped"
expect 1 "the SBOM alone counts for nothing" "$VERIFY" artifact \
	-a sbom.jsonl -k vendor.pub vendor/hello
expect 0 "verify source on the bundle" "$VERIFY" source -a bundle.jsonl \
	-k vendor.pub src.tar.gz
(cat bundle.jsonl && echo '{"payloadType": "x", "payload": "!!", "signatures": []}') >broken.jsonl
cat sbom.jsonl tree.jsonl >sbomfirst.jsonl
expect 0 "--recipe-from passes over an SBOM before the provenance" \
	"$ATTEST" build --tarball src.tar.gz --recipe-from sbomfirst.jsonl \
	--output-dir o7
err_has "sbomfirst.jsonl:1: a statement of another kind.*passed over" \
	"and says so"
expect 2 "a malformed line is still exit 2" "$VERIFY" artifact \
	-a broken.jsonl -k vendor.pub vendor/hello
printf '{"_type": "https://in-toto.io/Statement/v0.1", "_type": "x"}' >dupkey.json
sign_body dupkey.json dupkey.jsonl
cat tree.jsonl dupkey.jsonl >dupbundle.jsonl
expect 2 "a signed payload with duplicate keys is not skipped" "$VERIFY" \
	artifact -a dupbundle.jsonl -k vendor.pub vendor/hello
err_has "dupbundle.jsonl:2: .*duplicate" "names the line and the fault"
err_one_line "in one line"

done_testing
