#!/bin/sh
# Encrypted PKCS#8 keys made by openssl (genpkey -aes-256-cbc, pkcs8 -topk8):
# the passphrase from a file, a descriptor or the terminal (a real pty),
# never an argument; a wrong or missing one is exit 2 and writes nothing.
. "$SRCDIR/tests/cli/lib.sh"

git init -q repo
echo hello >repo/a
git -C repo add -A && git -C repo commit -qm one
printf fw >fw.bin
printf 'correct horse\n' >pass
chmod 600 pass
printf 'wrong\n' >bad

openssl genpkey -algorithm ed25519 -aes-256-cbc -pass file:pass -out ed.key 2>/dev/null
openssl pkey -in ed.key -passin file:pass -pubout -out ed.pub
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	-pkeyopt ec_param_enc:named_curve -out p256.plain 2>/dev/null
openssl pkcs8 -topk8 -v2 aes-256-cbc -in p256.plain -passout file:pass -out p256.key
openssl pkey -in p256.plain -pubout -out p256.pub
head -1 ed.key >first
same "$(cat first)" "-----BEGIN ENCRYPTED PRIVATE KEY-----" "openssl made an encrypted PKCS#8 key"

for k in ed p256; do
	expect 0 "$k: --passphrase-file" "$ATTEST" sign --git repo --key $k.key \
		--passphrase-file pass -o $k.jsonl fw.bin
	expect 0 "$k: verifies with openssl's public key" "$VERIFY" artifact \
		-a $k.jsonl -k $k.pub fw.bin
	expect 0 "$k: --passphrase-fd" "$ATTEST" sign --git repo --key $k.key \
		--passphrase-fd 3 -o $k-fd.jsonl fw.bin 3<pass
	expect 0 "$k: that one verifies too" "$VERIFY" artifact \
		-a $k-fd.jsonl -k $k.pub fw.bin
done

expect 2 "a wrong passphrase" "$ATTEST" sign --git repo --key ed.key \
	--passphrase-file bad -o wrong.jsonl fw.bin
err_has "wrong passphrase" "says so"
err_one_line "in one line"
[ ! -e wrong.jsonl ] && ok "and writes nothing" || not_ok "and writes nothing"
expect 2 "no terminal and no passphrase" setsid "$ATTEST" sign --git repo \
	--key ed.key -o none.jsonl fw.bin </dev/null
err_has "passphrase-file" "says how to give one"
expect 2 "an empty passphrase file" "$ATTEST" sign --git repo --key ed.key \
	--passphrase-file /dev/null -o none.jsonl fw.bin
expect 2 "both sources" "$ATTEST" sign --git repo --key ed.key \
	--passphrase-file pass --passphrase-fd 0 -o none.jsonl fw.bin
expect 2 "a descriptor that is not open" "$ATTEST" sign --git repo \
	--key ed.key --passphrase-fd 9 -o none.jsonl fw.bin
# The old OpenSSL encryption (Proc-Type) is named, with the way out.
openssl ec -in p256.plain -aes256 -passout file:pass -out old.key 2>/dev/null
expect 2 "a traditionally encrypted EC key" "$ATTEST" sign --git repo \
	--key old.key --passphrase-file pass -o none.jsonl fw.bin
err_has "pkcs8 -topk8" "says how to convert it"
[ ! -e none.jsonl ] && ok "nothing written by any of them" || not_ok "nothing written"

# attest build loads the key before and after the build: asked once.
expect 0 "attest build with --passphrase-fd (read once)" "$ATTEST" build \
	--git repo --key ed.key --passphrase-fd 3 --output-dir b \
	--artifact a -- true 3<pass
expect 0 "its statement verifies" "$VERIFY" artifact -a b/a.intoto.jsonl \
	-k ed.pub b/a

# A log signs checkpoints with an encrypted key too.
expect 0 "attest log init with an encrypted key" "$ATTEST" log init \
	--key ed.key --passphrase-file pass --origin example.org/log logdir

# On a terminal: asked on /dev/tty with echo off, the answer not shown.
python3 - "$ATTEST" >tty.out 2>&1 <<'PY'
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "sign", "--git", "repo", "--key", "ed.key",
                           "-o", "tty.jsonl", "fw.bin"])
buf = b""
deadline = time.time() + 20
while b"Passphrase for" not in buf and time.time() < deadline:
    buf += os.read(fd, 1024)
time.sleep(0.2)
os.write(fd, b"correct horse\n")
try:
    while time.time() < deadline:
        d = os.read(fd, 1024)
        if not d:
            break
        buf += d
except OSError:
    pass
_, st = os.waitpid(pid, 0)
sys.stdout.write(buf.decode(errors="replace"))
print("\nexit", os.waitstatus_to_exitcode(st))
PY
grep -q "^Passphrase for ed.key: " tty.out && ok "the terminal is asked" ||
	{ not_ok "the terminal is asked"; sed 's/^/#   /' tty.out; }
grep -q "^exit 0" tty.out && ok "and the key opens" || not_ok "and the key opens"
grep -q "correct horse" tty.out && not_ok "the passphrase is not echoed" ||
	ok "the passphrase is not echoed"
expect 0 "that statement verifies" "$VERIFY" artifact -a tty.jsonl -k ed.pub fw.bin

done_testing
