#!/bin/sh
# attest build end to end on examples/hello and small hostile projects: the
# sandbox makes a naive build bit-identical whatever the caller's conditions,
# seals it from the network and the working tree, and signs what it made.
. "$SRCDIR/tests/cli/lib.sh"

if ! "$ATTEST" build --source /nonexistent-probe --artifact x -- true 2>&1 |
	grep -q nonexistent-probe; then
	echo "# attest build unavailable"
fi

cp -r "$SRCDIR/examples/hello" repo
# These builds give their recipe on the command line (tests/cli/recipe.sh
# covers the tree's cleanroom.json).
rm repo/cleanroom.json
git -C repo init -q && git -C repo add -A && git -C repo commit -qm hello
printf 'not committed\n' >repo/untracked.txt
"$ATTEST" keygen -o vendor >/dev/null 2>&1
"$ATTEST" keygen -o regulator >/dev/null 2>&1
arts="--artifact hello --artifact libgreet.a --artifact hello.tar.gz"

# digests FILE: the subject lines a build printed, for comparison.
digests() { grep '^subject ' "$1" | cut -d' ' -f2,3 | sort; }

expect 0 "build and sign examples/hello" "$ATTEST" build --git repo \
	--key vendor.key $arts -- sh build.sh
cp "$T/out" one.txt
[ -s attest-out/hello.intoto.jsonl ] && ok "attestation written" ||
	not_ok "attestation written"
[ -f attest-out/build.log ] && ok "build log kept" || not_ok "build log kept"
same "$(grep -c '^subject ' one.txt)" 3 "three subjects"

# --json: one object; its subjects are the files' sha256sum and the
# statement's subjects, its source the tree git computes.
expect 0 "build --json" "$ATTEST" build --json --git repo --key vendor.key \
	--output-dir jout $arts -- sh build.sh
python3 - "$T/out" jout "$("$ATTEST" hash -q --git repo | cut -d' ' -f1)" <<'PY' &&
import base64, hashlib, json, sys
o = json.load(open(sys.argv[1]))
d = sys.argv[2]
assert o["source"].endswith(sys.argv[3]), (o["source"], sys.argv[3])
assert o["recipe"] == "command-line" and o["sourceDateEpoch"] > 0
env = json.loads(open(o["attestation"]).readline())
st = json.loads(base64.b64decode(env["payload"]))
want = sorted((s["name"], s["digest"]["sha256"]) for s in st["subject"])
got = sorted((s["name"], s["digest"]["sha256"]) for s in o["subjects"])
assert got == want, (got, want)
for name, h in got:
    assert hashlib.sha256(open(d + "/" + name, "rb").read()).hexdigest() == h
PY
	ok "build --json: source, subjects and attestation agree" ||
	not_ok "build --json: source, subjects and attestation agree"
expect 0 "sign --json" "$ATTEST" sign --json --git repo --key vendor.key \
	-o sj.jsonl jout/hello
python3 -c 'import json,sys,hashlib; o=json.load(open(sys.argv[1]))
assert o["subjects"][0]["digest"]["sha256"] == hashlib.sha256(open("jout/hello","rb").read()).hexdigest()
assert o["attestation"] == "sj.jsonl" and len(o["keyid"]) == 64' "$T/out" &&
	ok "sign --json: the subject's digest, the file written" ||
	not_ok "sign --json: the subject's digest, the file written"

# Again: elsewhere, later, with another environment and umask.
sleep 2
mkdir -p elsewhere/deeper
(cd elsewhere/deeper && env -i PATH="$PATH" TZ=Pacific/Kiritimati \
	LANG=fr_FR.UTF-8 LC_ALL=fr_FR.UTF-8 HOME=/nonexistent USER=someone \
	sh -c "umask 077; '$ATTEST' build --git ../../repo --output-dir out2 \
	$arts -- sh build.sh" >"$T/two.txt" 2>"$T/err")
same "$(digests two.txt)" "$(digests one.txt)" \
	"same digests from another directory, time, TZ, locale, umask, HOME, USER"
cmp -s attest-out/hello elsewhere/deeper/out2/hello &&
	ok "bit-identical binary" || not_ok "bit-identical binary"

# As an unprivileged user (from a tarball of the same commit).
"$ATTEST" export --git repo -o src.tar >/dev/null
chmod 755 "$T"
mkdir nobody && chmod 777 nobody && cp src.tar nobody/ && chmod 644 nobody/src.tar
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	expect 0 "build as an unprivileged user" setpriv --reuid=65534 \
		--regid=65534 --clear-groups env TMPDIR="$T/nobody" \
		"$ATTEST" build --tarball nobody/src.tar \
		--output-dir nobody/out $arts -- sh build.sh
else
	expect 0 "build as an unprivileged user" "$ATTEST" build \
		--tarball nobody/src.tar --output-dir nobody/out $arts \
		-- sh build.sh
fi
same "$(digests out)" "$(digests one.txt)" "same digests as another user"

# Without the sandbox the same build is not reproducible: the problem is real.
cp -r repo plain1 && (cd plain1 && sh build.sh >/dev/null 2>&1)
sleep 2
cp -r repo plain2 && (cd plain2 && sh build.sh >/dev/null 2>&1)
differ "$(sha256sum <plain1/hello)" "$(sha256sum <plain2/hello)" \
	"plain builds differ (build path, time)"
differ "$(sha256sum <plain1/hello.tar.gz)" "$(sha256sum <plain2/hello.tar.gz)" \
	"plain tarballs differ"

# The attestation verifies, and binds the committed tree.
expect 0 "the built artifacts verify" "$VERIFY" artifact \
	-a attest-out/hello.intoto.jsonl -k vendor.pub attest-out/hello \
	attest-out/libgreet.a attest-out/hello.tar.gz
expect 0 "the source verifies" "$VERIFY" source \
	-a attest-out/hello.intoto.jsonl -k vendor.pub --git repo
python3 - attest-out/hello.intoto.jsonl >stmt.txt <<'PY'
import base64, json, sys
env = json.loads(open(sys.argv[1]).readline())
st = json.loads(base64.b64decode(env["payload"]))
bd = st["predicate"]["buildDefinition"]
print("buildType", bd["buildType"])
print("command", " ".join(bd["externalParameters"]["command"]))
print("sde", bd["externalParameters"]["sourceDateEpoch"])
print("buildPath", bd["internalParameters"]["buildPath"])
print("dep0", bd["resolvedDependencies"][0]["digest"]["gitTree"])
for n in bd["internalParameters"]["normalizations"]:
    print("norm", n["artifact"], n["format"], ",".join(n["steps"]))
print("log", st["predicate"]["runDetails"]["byproducts"][0]["name"])
PY
grep -q "^command sh build.sh$" stmt.txt && ok "command recorded" || not_ok "command recorded"
grep -q "^sde $(git -C repo log -1 --format=%ct)$" stmt.txt &&
	ok "SOURCE_DATE_EPOCH is the commit time" || not_ok "SOURCE_DATE_EPOCH is the commit time"
grep -q "^buildPath /build/src$" stmt.txt && ok "build path recorded" || not_ok "build path recorded"
grep -q "^dep0 $("$ATTEST" hash -q --git repo | cut -c1-64)$" stmt.txt && ok "source tree first" ||
	not_ok "source tree first"
grep -q "^norm hello.tar.gz tar+gzip .*gzip-header-cleared" stmt.txt &&
	ok "normalisation recorded" || not_ok "normalisation recorded"

# Sealed: untracked files, the network.
cat >repo/probe.sh <<'SH'
#!/bin/sh
ls -a >files.txt
if python3 -c "import socket,sys; s=socket.create_connection(('127.0.0.1', int(sys.argv[1])), 2)" "$1" 2>/dev/null; then
	echo connected >net.txt
else
	echo refused >net.txt
fi
echo "$(hostname) $(id -u) $HOME $TZ $LANG $PWD" >env.txt
SH
git -C repo add probe.sh && git -C repo commit -qm probe
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open("port", "w").write(str(s.getsockname()[1]))
time.sleep(60)' &
listener=$!
while [ ! -s port ]; do sleep 0.1; done
port=$(cat port)
if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 2)"; then
	ok "the host can reach its listener"
else
	not_ok "the host can reach its listener"
fi
expect 0 "probe build" "$ATTEST" build --git repo --output-dir probe \
	--artifact files.txt --artifact net.txt --artifact env.txt \
	-- sh probe.sh "$port"
kill $listener 2>/dev/null
grep -q untracked probe/files.txt && not_ok "untracked file absent in the build" ||
	ok "untracked file absent in the build"
grep -q probe.sh probe/files.txt && ok "committed file present" || not_ok "committed file present"
same "$(cat probe/net.txt)" refused "the build cannot reach the host's loopback"
same "$(cat probe/env.txt)" "cleanroom 0 /build/home UTC C.UTF-8 /build/src" \
	"hostname, user, HOME, TZ, LANG and build path are fixed"

# --fake-clock: a build that writes the wall clock.
mkdir clock && printf 'date +%%s >stamp.txt\ndate >>stamp.txt\n' >clock/build.sh
git -C clock init -q && git -C clock add -A && git -C clock commit -qm c
expect 0 "clock build without --fake-clock" "$ATTEST" build --git clock \
	--output-dir c1 --artifact stamp.txt -- sh build.sh
sleep 2
expect 0 "again" "$ATTEST" build --git clock --output-dir c2 \
	--artifact stamp.txt -- sh build.sh
differ "$(cat c1/stamp.txt)" "$(cat c2/stamp.txt)" "wall clock leaks without it"
if [ -n "$(find /usr/lib -name 'libfaketime.so.1' 2>/dev/null | head -1)" ]; then
	expect 0 "clock build with --fake-clock" "$ATTEST" build --git clock \
		--fake-clock --output-dir c3 --artifact stamp.txt -- sh build.sh
	sleep 2
	expect 0 "again with --fake-clock" "$ATTEST" build --git clock \
		--fake-clock --output-dir c4 --artifact stamp.txt -- sh build.sh
	same "$(cat c3/stamp.txt)" "$(cat c4/stamp.txt)" \
		"--fake-clock pins the wall clock"
	same "$(head -1 c3/stamp.txt)" "$(git -C clock log -1 --format=%ct)" \
		"the clock reads SOURCE_DATE_EPOCH"
else
	echo "# libfaketime not installed: --fake-clock not tested"
fi

# --check catches what is not reproducible.
expect 1 "--check fails on a clock-dependent build" "$ATTEST" build \
	--git clock --check --output-dir c5 --artifact stamp.txt -- sh build.sh
out_has "^DIFFER +stamp.txt" "--check names the artifact"
expect 0 "--check passes on examples/hello" "$ATTEST" build --git repo \
	--check --output-dir c6 $arts -- sh build.sh
out_has "reproducible" "--check says so"

# A failing build: exit 1, the log's tail, no attestation.
expect 1 "a failing build" "$ATTEST" build --git repo --key vendor.key \
	--output-dir fail --artifact hello -- sh -c 'echo compiling; echo "error: boom" >&2; exit 3'
err_has "error: boom" "shows the tail of the log"
err_has "exit status 3" "says the status"
[ -e fail/hello.intoto.jsonl ] && not_ok "no attestation written" ||
	ok "no attestation written"
grep -q "error: boom" fail/build.log 2>/dev/null && ok "the failed build's log is kept" ||
	not_ok "the failed build's log is kept"
expect 1 "a missing artifact" "$ATTEST" build --git repo --output-dir miss \
	--artifact nothere.bin -- true
err_has "nothere.bin" "names the missing artifact"

# Hostile artifacts: never written outside the output directory.
mkdir hostile
cat >hostile/build.sh <<'SH'
#!/bin/sh
python3 - <<'PY'
import io, tarfile
t = tarfile.open("evil.tar", "w")
i = tarfile.TarInfo("../escape.txt"); d = b"x"; i.size = len(d)
t.addfile(i, io.BytesIO(d)); t.close()
PY
ln -s /etc/passwd passwd.link
SH
git -C hostile init -q && git -C hostile add -A && git -C hostile commit -qm h
expect 2 "an artifact archive with ../ members is refused" "$ATTEST" build \
	--git hostile --output-dir hout --artifact evil.tar -- sh build.sh
err_has "evil.tar" "names the artifact"
[ -e escape.txt ] || [ -e hout/../escape.txt ] && not_ok "nothing escaped" ||
	ok "nothing escaped"
expect 1 "a link out of the build is not an artifact" "$ATTEST" build \
	--git hostile --output-dir hout2 --artifact passwd.link -- sh build.sh
[ -e hout2/passwd.link ] && not_ok "no host file copied" || ok "no host file copied"

# A scratch directory on a noexec mount is refused with a way out.
mkdir nx
if unshare -rm true 2>/dev/null; then
	expect 2 "TMPDIR on a noexec mount" unshare -rm sh -c \
		"mount -t tmpfs -o noexec tmpfs '$T/nx' && TMPDIR='$T/nx' \
		'$ATTEST' build --git repo --output-dir nxo --artifact hello -- sh build.sh"
	err_has "noexec mount.*set TMPDIR" "says what to do"
fi

# --root: a root filesystem of our own (dash and its libraries), named in the
# statement by its tree hash.
mkdir -p R/bin mkroot
cp "$(readlink -f /bin/dash)" R/bin/sh
for lib in $(ldd /bin/dash | grep -o '/[^ ]*'); do
	mkdir -p "R$(dirname "$lib")" && cp "$(readlink -f "$lib")" "R$lib"
done
printf 'echo "built in a root of our own" >out.txt\n' >mkroot/build.sh
git -C mkroot init -q && git -C mkroot add -A && git -C mkroot commit -qm r
expect 0 "build with --root" "$ATTEST" build --git mkroot --root R \
	--key vendor.key --output-dir rootout -o root.jsonl --artifact out.txt \
	-- sh build.sh
same "$(cat rootout/out.txt 2>/dev/null)" "built in a root of our own" \
	"the build ran in the given root"
python3 - root.jsonl >rootdep.txt <<'PY'
import base64, json, sys
st = json.loads(base64.b64decode(json.loads(open(sys.argv[1]).readline())["payload"]))
for d in st["predicate"]["buildDefinition"]["resolvedDependencies"]:
    if d["name"] == "rootfs":
        print(d["digest"]["gitTree"])
PY
same "$(cat rootdep.txt)" "$("$ATTEST" hash -q R | cut -c1-64)" \
	"the root filesystem's tree hash is recorded"

# --recipe-from: the regulator replays the vendor's recipe, signs its own.
expect 0 "replay the vendor's recipe from the export" "$ATTEST" build \
	--tarball src.tar --recipe-from attest-out/hello.intoto.jsonl \
	--trust-recipe --key regulator.key --output-dir reg -o reg.intoto.jsonl
same "$(digests out)" "$(digests one.txt)" "the replay gives the same digests"
expect 0 "two parties agree" "$VERIFY" artifact \
	-a attest-out/hello.intoto.jsonl -a reg.intoto.jsonl -k vendor.pub \
	-k regulator.pub --threshold 2 attest-out/hello
expect 2 "--recipe-from with a command is a usage error" "$ATTEST" build \
	--git repo --recipe-from attest-out/hello.intoto.jsonl -- make
expect 2 "a source directory without SOURCE_DATE_EPOCH" "$ATTEST" build \
	--source repo --artifact hello -- sh build.sh
err_has "SOURCE_DATE_EPOCH" "says what is missing"
expect 0 "a source directory with SOURCE_DATE_EPOCH" "$ATTEST" build \
	--source plain1 --env SOURCE_DATE_EPOCH=1704067200 --output-dir d \
	--artifact hello -- sh build.sh
expect 2 "a bad --env" "$ATTEST" build --git repo --env 'BAD NAME=1' \
	--artifact hello -- sh build.sh
expect 2 "no command" "$ATTEST" build --git repo --artifact hello

done_testing
