#!/bin/sh
# Threat 12: the recipe is hostile code on the caller's machine. A committed
# build.sh tries what an attacker would (read the caller's files and keys by
# absolute path, its keyrings, connect to its UNIX sockets, change the mount
# table, make namespaces, load BPF, hang the caller with a FIFO or forever,
# paint the terminal) and each attempt is seen to fail from outside, as root
# and as an unprivileged user.
. "$SRCDIR/tests/cli/lib.sh"

if [ "$(uname -m)" != x86_64 ]; then
	echo "# system call numbers below are x86_64's: skipped"
	done_testing
	exit
fi

# Places outside /tmp and /run, standing in for the caller's /home and /var.
V=$(mktemp -d /var/tmp/cleanroom-sandbox.XXXXXX)
H=
if [ -d /home ] && [ -w /home ]; then
	H=$(mktemp -d /home/cleanroom-sandbox.XXXXXX)
fi
H=${H:-$V/home}
mkdir -p "$H"
trap 'kill $listener 2>/dev/null; rm -rf "$T" "$V" "$H"' EXIT
# Nothing of the caller's environment reaches the build.
CLEANROOM_CALLER_SECRET=caller-secret
export CLEANROOM_CALLER_SECRET
chmod 755 "$T" "$V" "$H"
printf 'vendor-private-key\n' >"$V/vendor.key"
printf 'home-secret\n' >"$H/secret"
chmod 644 "$V/vendor.key" "$H/secret"

# The vendor's checkout, with an untracked .env.local, outside /tmp.
mkdir "$V/checkout"
cat >"$V/checkout/attack.sh" <<'SH'
#!/bin/sh
# What a hostile recipe tries; every outcome goes to report.txt.
V=$1 H=$2
exec >report.txt 2>&1
for f in "$V/checkout/.env.local" "$V/vendor.key" "$H/secret" /etc/shadow \
	/etc/gshadow /etc/machine-id /root/.bashrc; do
	if [ -s "$f" ] && head -c 64 "$f" >/dev/null 2>&1; then
		echo "READ $f: $(head -c 64 "$f")"
	else
		echo "noread $f"
	fi
done
grep -q cleanroom-secret /proc/keys 2>/dev/null && echo "READ /proc/keys: the caller's key names"
for d in /home /root /srv /mnt /media /var/lib /var/run /etc/ssh /etc/ssl/private \
	/etc/pki/tls/private /etc/openvpn /etc/netplan /etc/kubernetes /etc/gitlab-runner; do
	[ -n "$(ls -A "$d" 2>/dev/null)" ] && echo "SEEN $d: $(ls -A "$d" | head -3)"
done
echo "sys: $(ls -A /sys | wc -l) entries"
# The caller's environment, argv and process (the init is a fork of it).
env | grep -q CLEANROOM_CALLER_SECRET && echo "LEAK the caller's environment"
for f in /proc/1/cmdline /proc/1/task/1/cmdline; do
	tr '\0' ' ' <"$f" 2>/dev/null | grep -q -e --artifact -e attest &&
		echo "LEAK $f: the caller's argv"
done
for f in /proc/1/environ /proc/1/mem /proc/1/maps; do
	head -c 1 "$f" >/dev/null 2>&1 && echo "LEAK $f"
done
for f in /proc/1/root/ /proc/1/cwd/; do
	ls "$f" >/dev/null 2>&1 && echo "LEAK $f"
done
[ -n "$(readlink /proc/1/fd/* 2>/dev/null)" ] && echo "LEAK /proc/1/fd links"
grep -q '^NoNewPrivs:.1$' /proc/self/status || echo "LEAK no no_new_privs"
grep -q '^CapEff:.0000000000000000$' /proc/self/status || echo "LEAK capabilities"
[ "$(su root -c 'echo su-ran' 2>/dev/null)" = su-ran ] && echo "LEAK su ran"
# A daemon that ignores every signal it can, in a new session.
tag=$(printf %s "$V" | cksum | cut -c1-6)
setsid sh -c "trap '' HUP INT TERM; exec sleep 27$tag" </dev/null >/dev/null 2>&1 &
echo "planted" >"$V/planted" 2>/dev/null && echo "WROTE $V/planted"
echo "planted" >"$H/planted" 2>/dev/null && echo "WROTE $H/planted"
python3 - "$V/sock" "$H/sock" "@cleanroom-${V##*/}" <<'PY'
import ctypes, os, socket, sys
for p in sys.argv[1:]:
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect("\0" + p[1:] if p[0] == "@" else p)
        s.sendall(b"from the build")
        print("CONNECTED", p)
    except OSError as e:
        print("noconnect", p, e.strerror)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
calls = [
    ("keyctl-get-session", 250, (0, -3, 0)),
    ("keyctl-search-session", 250, (10, -3, b"user", b"cleanroom-secret", 0)),
    ("request_key", 249, (b"user", b"cleanroom-secret", None, -3)),
    ("add_key-session", 248, (b"user", b"planted", b"x", 1, -3)),
    ("add_key-user", 248, (b"user", b"planted", b"x", 1, -4)),
    ("unshare-user", 272, (0x10000000,)),
    ("unshare-mount", 272, (0x00020000,)),
    ("clone-newuser", 56, (0x10000000 | 17, 0, 0, 0, 0)),
    ("setns", 308, (0, 0)),
    ("mount", 165, (b"none", b"/tmp", b"tmpfs", 0, None)),
    ("umount2", 166, (b"/proc", 2)),
    ("pivot_root", 155, (b"/tmp", b"/tmp")),
    ("open_tree", 428, (-100, b"/", 1)),
    ("fsopen", 430, (b"tmpfs", 0)),
    ("bpf", 321, (0, 0, 0)),
    ("perf_event_open", 298, (0, 0, -1, -1, 0)),
    ("init_module", 175, (0, 0, b"")),
    ("finit_module", 313, (0, b"", 0)),
    ("kexec_load", 246, (0, 0, 0, 0)),
    ("userfaultfd", 323, (0,)),
    ("io_uring_setup", 425, (1, 0)),
    ("acct", 163, (None,)),
    ("reboot", 169, (0, 0, 0, 0)),
    ("settimeofday", 164, (0, 0)),
    ("clock_settime", 227, (0, 0)),
    ("swapon", 167, (b"/x", 0)),
    ("ioctl-TIOCSTI", 16, (0, 0x5412, b"x")),
]
for name, nr, args in calls:
    r = libc.syscall(nr, *args)
    e = ctypes.get_errno()
    print("syscall", name, "EPERM" if r < 0 and e == 1 else "ALLOWED r=%d %s" % (r, os.strerror(e)))
r = libc.syscall(435, 0, 0)
print("syscall clone3", "ENOSYS" if r < 0 and ctypes.get_errno() == 38 else "OTHER")
print("unshare-files", libc.syscall(272, 0x400))
# ptrace is allowed, but not of the init (not dumpable, the host's).
r = libc.syscall(101, 16, 1, 0, 0)
print("ptrace-init", "denied" if r < 0 else "LEAK ptrace of the init attached")
PY
# The 32-bit and x32 entry points are filtered too.
cat >compat.c <<'C'
#include <stdio.h>
int main(void)
{
	long r;
	/* i386 keyctl (288): KEYCTL_GET_KEYRING_ID of the session keyring. */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(288L), "b"(0L), "c"(-3L), "d"(0L) : "memory");
	printf("compat i386 keyctl %s\n", r == -1 ? "EPERM" : r == -38 ? "ENOSYS" : "ALLOWED");
	/* x32 keyctl: 0x40000000 | 250. */
	__asm__ volatile("syscall" : "=a"(r) : "a"(0x40000000L | 250L), "D"(0L), "S"(-3L), "d"(0L) : "rcx", "r11", "memory");
	printf("compat x32 keyctl %s\n", r == -1 ? "EPERM" : r == -38 ? "ENOSYS" : "ALLOWED");
	return 0;
}
C
if cc -o compat compat.c 2>/dev/null; then ./compat; else echo "compat: no cc"; fi
# ptrace of its own processes stays possible (gdb/strace test suites).
if command -v strace >/dev/null; then
	strace -f -o /dev/null true && echo "strace works"
fi
exit 0
SH
(cd "$V/checkout" && git init -q && git add attack.sh && git commit -qm attack)
printf 'SECRET=checkout-secret\n' >"$V/checkout/.env.local"
chmod -R a+rX "$V/checkout"

# A listener on UNIX sockets under $V and $H that records every connection.
cat >listen.py <<'PY'
import os, select, socket, sys, time
log, paths = sys.argv[1], sys.argv[2:]
socks = []
for p in paths:
    s = socket.socket(socket.AF_UNIX)
    if p[0] == "@":
        s.bind("\0" + p[1:])  # abstract
    else:
        s.bind(p)
        os.chmod(p, 0o777)
    s.listen(8)
    socks.append(s)
open(log + ".ready", "w").close()
end = time.time() + 120
while time.time() < end:
    r, _, _ = select.select(socks, [], [], 0.5)
    for s in r:
        c, _ = s.accept()
        with open(log, "a") as f:
            f.write("connection on %s\n" % s.getsockname())
        c.close()
PY
python3 listen.py "$T/connections" "$V/sock" "$H/sock" "@cleanroom-${V##*/}" &
listener=$!
while [ ! -e "$T/connections.ready" ]; do sleep 0.1; done
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$V/sock"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect("\0" + sys.argv[1])' "cleanroom-${V##*/}"
sleep 0.5
[ "$(grep -c "connection" "$T/connections" 2>/dev/null)" = 2 ] &&
	ok "the host can reach its listeners (path and abstract)" ||
	not_ok "the host can reach its listeners (path and abstract)"
: >"$T/connections"

mkdir nobody && chmod 777 nobody
as_root() { "$@"; }
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env TMPDIR="$T/nobody" HOME="$T/nobody" "$@"
}
users=root # as root, or as whoever runs the tests
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	users="root nobody"
fi
# repo WHO DIR: DIR, or for nobody a copy it owns (libgit2 opens only those).
repo() {
	if [ "$1" = nobody ]; then
		[ -d "$2-nobody" ] || { cp -a "$2" "$2-nobody" &&
			chown -R 65534:65534 "$2-nobody"; }
		echo "$2-nobody"
	else
		echo "$2"
	fi
}

# keyring_run WHO CMD...: runs CMD in a new session keyring holding a secret,
# then writes to keys-WHO.txt whether a key "planted" appeared there or in the
# user keyring, and whether the secret is still there, unchanged.
keyring_run() {
	who=$1
	shift
	"as_$who" keyctl session - sh -c '
		out=$1; shift
		keyctl add user cleanroom-secret s3cret @s >/dev/null
		"$@"; rc=$?
		{ keyctl search @s user planted >/dev/null 2>&1 && echo "planted in @s"
		  keyctl search @u user planted >/dev/null 2>&1 && echo "planted in @u"
		  echo "secret: $(keyctl print "$(keyctl search @s user cleanroom-secret)")"
		} >"$out" 2>&1
		exit $rc' sh "$T/nobody/keys-$who.txt" "$@"
}

for who in $users; do
	o="$T/nobody/out-$who"
	: >"$T/connections"
	have_keyctl=
	command -v keyctl >/dev/null && "as_$who" keyctl session - true \
		>/dev/null 2>&1 && have_keyctl=1
	if [ -n "$have_keyctl" ]; then
		keyring_run "$who" "$ATTEST" build --git "$(repo "$who" "$V/checkout")" \
			--output-dir "$o" --artifact report.txt \
			-- sh attack.sh "$V" "$H" >"$T/out" 2>"$T/err"
	else
		"as_$who" "$ATTEST" build --git "$(repo "$who" "$V/checkout")" --output-dir "$o" \
			--artifact report.txt -- sh attack.sh "$V" "$H" \
			>"$T/out" 2>"$T/err"
	fi
	rc=$?
	same "$rc" 0 "$who: the hostile recipe's build ran"
	r="$o/report.txt"
	[ -s "$r" ] || { not_ok "$who: report written"; sed 's/^/#   /' "$T/err"; continue; }
	grep -q '^READ' "$r" && not_ok "$who: no host secret read ($(grep '^READ' "$r" | head -3))" ||
		ok "$who: no host secret read (checkout's .env.local, key, home, shadow, key names)"
	same "$(grep -c '^noread' "$r")" 7 "$who: each read was tried and failed"
	grep -q '^SEEN' "$r" && not_ok "$who: host directories hidden ($(grep '^SEEN' "$r" | head -3))" ||
		ok "$who: /home, /root, /srv, /mnt, /media, /var, /etc/ssh hidden"
	grep -q '^sys: 0 entries' "$r" && ok "$who: /sys is empty" || not_ok "$who: /sys is empty"
	[ -e "$V/planted" ] || [ -e "$H/planted" ] && not_ok "$who: nothing written outside" ||
		ok "$who: nothing written outside"
	grep -q '^LEAK' "$r" && not_ok "$who: nothing of the caller's process ($(grep '^LEAK' "$r" | head -3))" ||
		ok "$who: not the caller's environment, argv, init, privileges, su"
	grep -q '^ptrace-init denied' "$r" && ok "$who: ptrace of the init denied" ||
		not_ok "$who: ptrace of the init denied"
	tag=$(printf %s "$V" | cksum | cut -c1-6)
	if pgrep -fx "sleep 27$tag" >/dev/null; then
		not_ok "$who: a daemon in its own session does not outlive the build"
		pkill -fx "sleep 27$tag"
	else
		ok "$who: a daemon in its own session does not outlive the build"
	fi
	grep -q '^CONNECTED' "$r" && not_ok "$who: no host socket connected" ||
		ok "$who: no host socket connected (from inside)"
	[ -s "$T/connections" ] && not_ok "$who: the listener saw no connection" ||
		ok "$who: the listener saw no connection"
	allowed=$(grep '^syscall' "$r" | grep -v EPERM | grep -v 'clone3 ENOSYS')
	same "$allowed" "" "$who: every forbidden system call fails with EPERM"
	same "$(grep -c '^syscall .* EPERM' "$r")" 27 "$who: all 27 were tried"
	grep -q '^syscall clone3 ENOSYS' "$r" && ok "$who: clone3 fails with ENOSYS" ||
		not_ok "$who: clone3 fails with ENOSYS"
	grep -q '^unshare-files 0' "$r" && ok "$who: unshare without namespaces works" ||
		not_ok "$who: unshare without namespaces works"
	if grep -q '^compat: no cc' "$r"; then
		echo "# no cc: compat entry points not tested"
	else
		grep -q '^compat i386 keyctl \(EPERM\|ENOSYS\)' "$r" && ok "$who: i386 keyctl denied" ||
			not_ok "$who: i386 keyctl denied ($(grep compat "$r"))"
		grep -q '^compat x32 keyctl \(EPERM\|ENOSYS\)' "$r" &&
			ok "$who: x32 keyctl denied" || not_ok "$who: x32 keyctl denied"
	fi
	if command -v strace >/dev/null; then
		grep -q '^strace works' "$r" && ok "$who: ptrace inside the sandbox works" ||
			not_ok "$who: ptrace inside the sandbox works"
	fi
	if [ -n "$have_keyctl" ]; then
		k="$T/nobody/keys-$who.txt"
		grep -q planted "$k" && not_ok "$who: no key planted in the caller's keyrings" ||
			ok "$who: no key planted in the caller's keyrings"
		grep -q '^secret: s3cret$' "$k" && ok "$who: the caller's secret key untouched" ||
			not_ok "$who: the caller's secret key untouched ($(cat "$k"))"
	else
		echo "# keyctl (keyutils) missing or keyrings unavailable: seen from inside only"
	fi
done
rm -f "$V/planted" "$H/planted"

# The statement says what the build saw.
"$ATTEST" keygen -o vendor >/dev/null 2>&1
expect 0 "a signed build" "$ATTEST" build --git "$V/checkout" --key vendor.key \
	--output-dir signed --artifact report.txt -- sh attack.sh "$V" "$H"
python3 - signed/report.txt.intoto.jsonl >sb.txt <<'PY'
import base64, json, sys
st = json.loads(base64.b64decode(json.loads(open(sys.argv[1]).readline())["payload"]))
sb = st["predicate"]["buildDefinition"]["internalParameters"]["sandbox"]
print("dirs", " ".join(sb["rootDirs"]))
print("hidden", " ".join(sb["hidden"]))
print("deny", " ".join(sb["seccomp"]["deny"]))
print("sys", sb["sys"], "var", sb["var"], "keyring", sb["keyring"])
PY
grep -q '^dirs usr bin sbin lib lib32 lib64 libx32 etc opt$' sb.txt &&
	ok "the statement lists the bound directories" ||
	not_ok "the statement lists the bound directories ($(head -1 sb.txt))"
grep -q '^hidden .*/etc/shadow .*/etc/ssh .*/etc/kubernetes /etc/gitlab-runner' sb.txt && ok "and the hidden secrets" ||
	not_ok "and the hidden secrets"
grep -q "^deny .*keyctl .*bpf .*mount " sb.txt && ok "and the denied system calls" ||
	not_ok "and the denied system calls"
grep -q '^sys empty var tmpfs keyring new session keyring$' sb.txt &&
	ok "and /sys, /var and the keyring" || not_ok "and /sys, /var and the keyring"

# Hangs: a FIFO artifact, a recipe that never ends.
mkdir hang
printf 'mkfifo out.bin\n' >hang/fifo.sh
# Sleeps of a length no other process has (another run of this test, say).
sleep_n=$((200000 + $$ % 100000))
printf 'echo started; sleep %d & sleep %d\n' "$sleep_n" "$((sleep_n + 1))" >hang/forever.sh
git -C hang init -q && git -C hang add -A && git -C hang commit -qm hang
chmod -R a+rX hang
# no_sleepers: no process of the build is left.
no_sleepers() {
	if pgrep -fx "sleep ($sleep_n|$((sleep_n + 1)))" >/dev/null; then
		not_ok "$1 ($(pgrep -afx "sleep ($sleep_n|$((sleep_n + 1)))"))"
		pkill -fx "sleep ($sleep_n|$((sleep_n + 1)))"
	else
		ok "$1"
	fi
}
for who in $users; do
	start=$(date +%s)
	expect 2 "$who: a FIFO artifact is refused" "as_$who" timeout 60 \
		"$ATTEST" build --git "$(repo "$who" hang)" --output-dir "$T/nobody/fifo-$who" \
		--artifact out.bin -- sh fifo.sh
	err_has "artifact 'out.bin': a FIFO, not a regular file" "$who: names it"
	[ $(($(date +%s) - start)) -lt 20 ] && ok "$who: promptly" || not_ok "$who: promptly"
	start=$(date +%s)
	expect 2 "$who: --timeout 2 stops a recipe that never ends" "as_$who" \
		timeout 60 "$ATTEST" build --git "$(repo "$who" hang)" --timeout 2 \
		--output-dir "$T/nobody/slow-$who" --artifact x -- sh forever.sh
	took=$(($(date +%s) - start))
	[ "$took" -lt 10 ] && ok "$who: within seconds ($took s)" ||
		not_ok "$who: within seconds ($took s)"
	err_has "the build timed out after 2 s" "$who: says why"
	err_has "^started$" "$who: shows the log's end"
	[ -s "$T/nobody/slow-$who/build.log" ] && ok "$who: the log is kept" ||
		not_ok "$who: the log is kept"
	no_sleepers "$who: no process of the build is left"
done
expect 2 "--timeout 0 is a usage error" "$ATTEST" build --git hang \
	--timeout 0 --artifact x -- true

# The init cannot be stopped or killed from inside (signals to a pid
# namespace's init from within it are ignored), nor every process at once.
mkdir sig
printf 'kill -STOP 1; kill -TERM 1; kill -KILL 1; kill -9 -1\necho alive >alive.txt\n' \
	>sig/build.sh
git -C sig init -q && git -C sig add -A && git -C sig commit -qm sig
expect 0 "a recipe signalling the init" timeout 60 "$ATTEST" build --git sig \
	--output-dir sigout --artifact alive.txt -- sh build.sh
grep -q alive sigout/alive.txt && ok "the build went on" || not_ok "the build went on"

# Artifact patterns are matched inside the build directory, never through a
# link the build left ("ln -s / a" would walk the caller's whole tree, and
# whether a host path exists would decide the error): a pattern that crosses
# one is refused, in one line, at once.
mkdir globlink
printf 'ln -s / a\nmkdir -p d/real && echo x >d/real/x && ln -s / d/up\n' >globlink/build.sh
git -C globlink init -q && git -C globlink add -A && git -C globlink commit -qm g
start=$(date +%s)
expect 2 "a pattern through a link to / is refused" "$ATTEST" build -q \
	--git globlink --output-dir globout --artifact 'a/usr/*/*/*/*' -- sh build.sh
err_has "artifact 'a/usr/\\*/\\*/\\*/\\*': a is a symbolic link the build made; artifact patterns never cross links" \
	"and says why"
err_one_line "in one line"
[ $(($(date +%s) - start)) -lt 10 ] && ok "without walking the host's tree" ||
	not_ok "without walking the host's tree"
expect 2 "a literal path through the link too" "$ATTEST" build -q \
	--git globlink --output-dir globout --artifact 'a/etc/passwd' -- sh build.sh
err_has "a is a symbolic link" "names the link"
expect 2 "a wildcard that matches a link on the way" "$ATTEST" build -q \
	--git globlink --output-dir globout --artifact 'd/*/x' -- sh build.sh
err_has "d/up is a symbolic link" "names it"
expect 0 "a pattern through real directories still matches" "$ATTEST" build -q \
	--git globlink --output-dir globok --artifact 'd/r*/x' -- sh build.sh
[ -f globok/d/real/x ] && ok "and collects it" || not_ok "and collects it"
[ ! -e globout/a ] && ok "nothing of the host copied" || not_ok "nothing of the host copied"

# --timeout bounds collection too, and the bytes a build leaves are capped:
# a sparse file costs the vendor nothing, and before, it was read,
# normalised and copied whole past --timeout, as was a log truncated to any
# size through /proc/self/fd/2. Now the artifacts together may hold
# --max-size bytes (8 GiB by default: refused before a byte is read), holes
# are copied as holes, every loop runs under the deadline, and the log is a
# pipe the caller drains up to 256 MiB.
mkdir sparse
printf 'truncate -s 64G big.bin\n' >sparse/build.sh
printf 'truncate -s 64G /proc/self/fd/2; echo x >&2; echo x >big.bin\n' >sparse/log.sh
printf 'head -c 300000000 /dev/zero | tr "\\0" x; echo x >big.bin\n' >sparse/biglog.sh
git -C sparse init -q && git -C sparse add -A && git -C sparse commit -qm s
start=$(date +%s)
expect 2 "a 64 GiB sparse artifact is refused" env TMPDIR="$T" timeout 60 "$ATTEST" build -q \
	--git sparse --timeout 2 --output-dir spout --artifact big.bin -- sh build.sh
took=$(($(date +%s) - start))
[ "$took" -lt 10 ] && ok "at once ($took s)" || not_ok "at once ($took s)"
err_has "artifact 'big.bin': holds 68719476736 bytes, .* more than the 8589934592 all may hold together \(--max-size\); refusing" \
	"names it and the cap"
[ ! -e spout/big.bin ] && ok "nothing copied" || not_ok "nothing copied"
start=$(date +%s)
expect 2 "with --max-size 1T, --timeout 2 stops its collection" env TMPDIR="$T" timeout 60 \
	"$ATTEST" build -q --git sparse --timeout 2 --max-size 1T --output-dir spout \
	--artifact big.bin -- sh build.sh
took=$(($(date +%s) - start))
[ "$took" -lt 10 ] && ok "within seconds ($took s)" || not_ok "within seconds ($took s)"
err_has "the build timed out after 2 s, while its artifacts were collected" "says why"
[ -z "$(find spout -name '*big.bin*')" ] && ok "nothing of it left in the output" ||
	not_ok "nothing of it left in the output"
[ -z "$(find "$T" -maxdepth 1 -name 'cleanroom-build.*')" ] &&
	ok "the work directory is removed" || not_ok "the work directory is removed"
start=$(date +%s)
expect 0 "a log truncated to 64 GiB through /proc/self/fd/2" env TMPDIR="$T" timeout 60 \
	"$ATTEST" build -q --git sparse --timeout 2 --output-dir splog \
	--artifact big.bin -- sh log.sh
took=$(($(date +%s) - start))
[ "$took" -lt 10 ] && ok "quickly ($took s)" || not_ok "quickly ($took s)"
size=$(stat -c %s splog/build.log)
[ "$size" -lt 4096 ] && ok "the log is what was written ($size bytes)" ||
	not_ok "the log is what was written ($size bytes)"
grep -q "^x\$" splog/build.log && ok "its lines kept" || not_ok "its lines kept"
start=$(date +%s)
expect 0 "a build writing 300 MB of log" env TMPDIR="$T" timeout 120 "$ATTEST" build -q \
	--git sparse --output-dir spbig --artifact big.bin -- sh biglog.sh
took=$(($(date +%s) - start))
size=$(stat -c %s spbig/build.log)
[ "$size" -lt $((256 * 1048576 + 100)) ] && [ "$size" -gt $((256 * 1048576)) ] &&
	ok "the log is cut at 256 MiB ($size bytes, $took s)" ||
	not_ok "the log is cut at 256 MiB ($size bytes, $took s)"
tail -c 100 spbig/build.log | grep -q "the log was cut at 268435456 bytes" &&
	ok "and says so at its end" || not_ok "and says so at its end"
rm -rf spout splog spbig
expect 2 "--max-size without a unit it knows" "$ATTEST" build --git sparse \
	--max-size 8X --artifact big.bin -- sh build.sh
err_has "max-size" "says which option"
expect 2 "--max-size 0" "$ATTEST" build --git sparse --max-size 0 \
	--artifact big.bin -- sh build.sh

# Output: names and the log's tail cannot paint the terminal.
mkdir paint
cat >paint/build.sh <<'SH'
n=$(printf 'fake\r\033[2KOK')
echo data >"$n"
printf 'compiling %s\n' "$n"
printf 'c1 \302\233 bidi \342\200\256 bad \377 tab\tend\n'
exit "${1:-0}"
SH
git -C paint init -q && git -C paint add -A && git -C paint commit -qm paint
# raw FILE: whether FILE holds ESC, CR, C1 or the bidi override.
raw() { python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.exit(0 if any(b in d for b in (b"\x1b", b"\r", b"\xc2\x9b", b"\xe2\x80\xae", b"\xff")) else 1)' "$1"; }
# A name with control characters is no subject: refused (exit 2) before
# anything is signed, and the message does not carry the raw bytes.
expect 2 "a subject name with control characters" "$ATTEST" build \
	--git paint --key vendor.key -o paint.jsonl --output-dir pout \
	--artifact 'fake*' -- sh build.sh 0
raw "$T/out" && not_ok "stdout escaped" || ok "stdout escaped"
raw "$T/err" && not_ok "stderr escaped" || ok "stderr escaped"
[ -e paint.jsonl ] && not_ok "nothing signed for it" || ok "nothing signed for it"
expect 1 "its build failing" "$ATTEST" build --git paint --output-dir pfail \
	--artifact 'fake*' -- sh build.sh 3
raw "$T/err" && not_ok "stderr (the log's tail) escaped" ||
	ok "stderr (the log's tail) escaped"
err_has '^compiling fake\\x0d\\x1b\[2KOK$' "the log keeps its lines"
err_has '^c1 \\xc2\\x9b bidi \\xe2\\x80\\xae bad \\xff tab	end$' \
	"C1, bidi and bad UTF-8 escaped, tabs kept"
[ -f pfail/build.log ] && ok "the failed build's log is kept" ||
	not_ok "the failed build's log is kept"
err_has "the whole log: pfail/build.log" "and says where"

# The progress line on a terminal (script(1) makes a pty) is escaped too.
if command -v script >/dev/null; then
	mkdir tty
	# And /dev/tty is no way to the caller's terminal (no controlling tty).
	printf 'printf "p \\033]0;TITLE\\007 \\033[2J x\\n"; sleep 1\necho ok >o\n' \
		>tty/build.sh
	printf 'printf "\\033]0;TTY\\007\\033[2J" >/dev/tty && echo opened >>o || :\n' \
		>>tty/build.sh
	git -C tty init -q && git -C tty add -A && git -C tty commit -qm tty
	script -qc "'$ATTEST' build --git tty --output-dir ttyout --artifact o -- sh build.sh" \
		typescript >/dev/null 2>&1 </dev/null
	grep -q 'p \\x1b\]0;TITLE' typescript && ok "the progress line is shown" ||
		not_ok "the progress line is shown"
	python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.exit(0 if b"\x1b]" in d or b"\x1b[2J" in d else 1)' typescript &&
		not_ok "the progress line escaped on a tty" ||
		ok "the progress line escaped on a tty"
	grep -q ok ttyout/o && ! grep -q opened ttyout/o && ok "/dev/tty not opened" ||
		not_ok "/dev/tty not opened"
fi

# A long compiler error is shown whole (the one-line error once cut it).
mkdir long
cat >long/build.sh <<'SH'
i=0
while [ $i -lt 40 ]; do echo "src/file$i.c:1:1: error: something long enough to fill the buffer"; i=$((i + 1)); done >&2
echo "the last compiler error" >&2
exit 1
SH
git -C long init -q && git -C long add -A && git -C long commit -qm long
expect 1 "a failing build with a long log" "$ATTEST" build --git long \
	--output-dir lout --artifact x -- sh build.sh
err_has "^the last compiler error$" "the end of the log is shown"

# verify rebuild: the vendor signs a hostile recipe; the regulator survives it.
# resign ATT KEY OUT COMMAND...: the vendor's own statement with another
# recorded command, signed again with its own key (openssl, Ed25519).
resign() {
	python3 - "$@" <<'PY'
import base64, json, subprocess, sys
att, key, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
env = json.loads(open(att).readline())
st = json.loads(base64.b64decode(env["payload"]))
st["predicate"]["buildDefinition"]["externalParameters"]["command"] = cmd
body = json.dumps(st, separators=(",", ":")).encode()
t = env["payloadType"].encode()
pae = b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)
open(out + ".pae", "wb").write(pae)
sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key,
                      "-in", out + ".pae"], check=True, capture_output=True).stdout
env["payload"] = base64.b64encode(body).decode()
env["signatures"][0]["sig"] = base64.b64encode(sig).decode()
open(out, "w").write(json.dumps(env, separators=(",", ":")) + "\n")
PY
}
expect 0 "the vendor's honest build" "$ATTEST" build --git hang --key vendor.key \
	-o honest.jsonl --output-dir hb --artifact hang.txt \
	-- sh -c 'echo ok >hang.txt'
resign honest.jsonl vendor.key forever.jsonl sh forever.sh
resign honest.jsonl vendor.key fifo.jsonl sh -c 'mkfifo hang.txt'
resign honest.jsonl vendor.key painted.jsonl sh -c \
	"printf 'x\\033[2K\\rOK\\n' >&2; exit 4"
for who in $users; do
	start=$(date +%s)
	expect 2 "$who: rebuild --timeout 2 of a recipe that never ends" \
		"as_$who" timeout 60 "$VERIFY" rebuild --trust-recipe -a forever.jsonl \
		-k vendor.pub --timeout 2 --git "$(repo "$who" hang)"
	[ $(($(date +%s) - start)) -lt 10 ] && ok "$who: within seconds" ||
		not_ok "$who: within seconds"
	err_has "could not rebuild: the build timed out after 2 s" "$who: says why"
	no_sleepers "$who: no process of the rebuild is left"
	expect 2 "$who: rebuild of a FIFO artifact" "as_$who" timeout 60 \
		"$VERIFY" rebuild --trust-recipe -a fifo.jsonl -k vendor.pub --git "$(repo "$who" hang)"
	err_has "hang.txt': a FIFO" "$who: names it"
done
expect 2 "a failing recipe: could not rebuild" "$VERIFY" rebuild --trust-recipe \
	-a painted.jsonl -k vendor.pub --keep kept --git hang
raw "$T/err" && not_ok "the rebuild's log tail escaped" ||
	ok "the rebuild's log tail escaped"
err_has '^x\\x1b\[2K\\x0dOK$' "and shown"
[ -s kept/rebuild.log ] && ok "--keep keeps the failed rebuild's log" ||
	not_ok "--keep keeps the failed rebuild's log"
err_has "the whole log: kept/rebuild.log" "and says where"
expect 2 "without --keep" "$VERIFY" rebuild --trust-recipe -a painted.jsonl -k vendor.pub \
	--git hang
err_has "keep DIR keeps the whole log" "says how to keep it"
"$VERIFY" rebuild --help | grep -q "default" && ok "the default timeout is documented" ||
	not_ok "the default timeout is documented"

done_testing
