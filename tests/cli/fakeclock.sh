#!/bin/sh
# --fake-clock pins the build's wall clock and leaves file times alone
# (issue 11): libfaketime shifts what stat(2) returns by the clock's offset
# unless told not to, so "cp -p" and "tar -h" wrote the real clock into the
# files and archives a build makes. Checked from outside with python3's
# tarfile and GNU tar; the variables libfaketime reads cannot be set by a
# recipe.
. "$SRCDIR/tests/cli/lib.sh"

if [ -z "$(find /usr/lib /usr/lib64 -name libfaketime.so.1 2>/dev/null | head -1)" ]; then
	echo "# SKIP: libfaketime is not installed (scripts/deps.sh)"
	exit 77
fi

mkdir repo repo/sub
echo b >repo/b
echo a >repo/sub/a
cat >repo/build.sh <<'SH'
# What make dist does: copy with cp -p, then tar -h (which stat()s).
mkdir dd
cp -p b dd/b1
cp -fpR sub dd/
echo new >dd/new
tar chof dd.tar dd
date +%s >now.txt
SH
git -C repo init -q && git -C repo add -A && git -C repo commit -qm r
sde=$(git -C repo log -1 --format=%ct)

# tar_times TAR: "name mtime" per member, read by python3's tarfile.
tar_times() {
	python3 -c 'import sys, tarfile
for m in tarfile.open(sys.argv[1]):
    print(m.name, m.mtime)' "$1"
}

start=$(date +%s)
expect 0 "a --fake-clock build, not normalised" "$ATTEST" build --git repo \
	--fake-clock --no-normalize --output-dir raw --artifact dd.tar \
	--artifact now.txt -- sh build.sh
end=$(date +%s)
same "$(cat raw/now.txt)" "$sde" "the wall clock reads SOURCE_DATE_EPOCH"
tar_times raw/dd.tar >times || not_ok "python3 tarfile cannot read dd.tar"
same "$(awk '$1 == "dd/b1" { print $2 }' times)" "$sde" \
	"a file copied with cp -p keeps its source's mtime in the archive"
same "$(awk '$1 == "dd/sub/a" { print $2 }' times)" "$sde" \
	"so does one copied with cp -pR"
new=$(awk '$1 == "dd/new" { print $2 }' times)
if [ -n "$new" ] && [ "$new" -ge "$start" ] && [ "$new" -le "$end" ]; then
	ok "a file the build wrote has its real mtime ($new)"
else
	not_ok "a file the build wrote has its real mtime ('$new', not in $start..$end)"
fi
tar -tvf raw/dd.tar --full-time >gnu || not_ok "GNU tar cannot list dd.tar"
grep -q " $(date -u -d "@$sde" '+%Y-%m-%d %H:%M:%S') dd/b1\$" gnu &&
	ok "GNU tar shows the same time" || not_ok "GNU tar shows the same time"

# Two --fake-clock builds, seconds apart, give the same bytes.
"$ATTEST" keygen -o vendor >/dev/null 2>&1
expect 0 "a --fake-clock build" "$ATTEST" build --git repo --fake-clock \
	--key vendor.key -o n1.jsonl --output-dir n1 --artifact dd.tar -- sh build.sh
python3 -c 'import base64, json, sys
st = json.loads(base64.b64decode(json.loads(open(sys.argv[1]).readline())["payload"]))
bd = st["predicate"]["buildDefinition"]
sb = bd["internalParameters"]["sandbox"]
sys.exit(0 if bd["externalParameters"]["fakeClock"] is True and sb["fakeClockEnv"] ==
	{"FAKETIME_DONT_FAKE_MONOTONIC": "1", "NO_FAKE_STAT": "1"} else 1)' n1.jsonl &&
	ok "the statement records how libfaketime ran" ||
	not_ok "the statement records how libfaketime ran"
sleep 2
expect 0 "another, two seconds later" "$ATTEST" build --git repo --fake-clock \
	--output-dir n2 --artifact dd.tar -- sh build.sh
cmp -s n1/dd.tar n2/dd.tar && ok "the two archives are bit-identical" ||
	not_ok "the two archives differ"
# make dist writes V7 tars (tar -o): normalised as ustar, the same members.
python3 -c 'import sys; h = open(sys.argv[1], "rb").read(512); sys.exit(h[257:265] != bytes(8))' \
	raw/dd.tar && ok "the build's archive is a V7 tar" || not_ok "the build's archive is a V7 tar"
mkdir x1 x2
tar -xf raw/dd.tar -C x1 && tar -xf n1/dd.tar -C x2 &&
	diff -r x1 x2 >/dev/null && ok "GNU tar extracts the same files from both" ||
	not_ok "GNU tar extracts the same files from both"
tar -tvf raw/dd.tar | awk '{ print $1, $2, $3, $6 }' | sort >l1
tar -tvf n1/dd.tar | awk '{ print $1, $2, $3, $6 }' | sort >l2
cmp -s l1 l2 && ok "with the same types, modes, owners and sizes" ||
	not_ok "with the same types, modes, owners and sizes"
tar_times n1/dd.tar >times1
same "$(awk '$2 != '"$sde"'' times1)" "" \
	"every member's mtime is SOURCE_DATE_EPOCH after normalisation"

# A recipe cannot turn file-time faking back on, nor set what libfaketime
# reads; without --fake-clock these names mean nothing and pass.
for v in NO_FAKE_STAT= FAKE_UTIME=1 FAKETIME_DONT_RESET=1 FAKERANDOM_SEED=1 \
	DONT_FAKE_MONOTONIC=1; do
	expect 2 "--fake-clock --env $v is refused" "$ATTEST" build -q --git repo \
		--fake-clock --env "$v" --output-dir refused --artifact dd.tar \
		-- sh build.sh
	err_has "--env ${v%%=*}: fixed by the sandbox" "and named"
	err_one_line "in one line"
done
[ ! -e refused/dd.tar ] && [ ! -e refused/build.log ] && ok "nothing was built" ||
	not_ok "something was built"
expect 0 "--env NO_FAKE_STAT=1 without --fake-clock" "$ATTEST" build \
	--git repo --env NO_FAKE_STAT=1 --output-dir plain --artifact dd.tar \
	-- sh build.sh

done_testing
