#!/bin/sh
# The one archive policy: every construct on which GNU tar, bsdtar, unzip
# and Python's tarfile/zipfile disagree is refused (exit 2) by attest hash
# and verify source; archives the usual tools write still hash as git does;
# and a differential test over generated archives (fixed seed) finds no
# archive whose hash differs from what an extractor writes to disk.
. "$SRCDIR/tests/cli/lib.sh"

G="$SRCDIR/tests/archive"
for tool in tar bsdtar unzip python3; do
	command -v $tool >/dev/null || { echo "Bail out! no $tool"; exit 2; }
done

# The differential test's own tree id is git's.
mkdir -p src/d/e && printf 'x\n' >src/a && printf '#!/bin/sh\n' >src/run &&
	chmod 755 src/run && ln -s a src/d/l && printf 'y\n' >src/d/e/f &&
	printf 'z\n' >"src/caf$(printf '\303\251')" && mkdir src/empty
same "$(python3 "$G/differ.py" --tree src)" "$(git_sha256_tree src)" \
	"differ.py computes git's tree id"

# What the usual tools write is accepted, and hashes as git does.
ref=$(git_sha256_tree src)
long=$(printf 'n%.0s' $(seq 1 150))
mkdir -p "src/$long" && printf 'long\n' >"src/$long/$long"
ref=$(git_sha256_tree src)
tar --format=gnu -C src -cf gnu.tar .
tar --format=posix -C src -cf posix.tar .
bsdtar --format=pax -C src -cf bsd.tar .
(cd src && bsdtar --format=zip -cf ../bsd.zip .)
for a in gnu.tar posix.tar bsd.tar bsd.zip; do
	expect 0 "$a accepted" "$ATTEST" hash -q "$a"
	same "$(sed -n '1s/ .*//p' "$T/out")" "$ref" "$a hashes as git"
done

# Each construct of the issue, crafted byte by byte by gen.py.
python3 "$G/gen.py" constructs c || exit 2
expect 0 "keygen" "$ATTEST" keygen -o vendor
printf 'firmware\n' >fw.bin
for f in c/*; do
	a=${f#c/}
	# An attestation naming what libarchive alone (bsdtar) shows: before
	# the policy, verify source answered 0 on it for pax-global-path,
	# gnu-long-then-pax, typeflag-A, non-utf8.tar, zip-cp437 and
	# zip-local-name.
	rm -rf view && mkdir view && bsdtar -xf "$f" -C view 2>/dev/null
	[ -n "$(ls -A view)" ] || printf 'keep\n' >view/.keep
	expect 0 "$a: sign what bsdtar shows" "$ATTEST" sign --source view \
		--key vendor.key -o "$a.jsonl" fw.bin
	expect 2 "$a: attest hash refuses" "$ATTEST" hash "$f"
	err_one_line "$a: one line"
	err_has "$a: .*refusing|$a: not a directory nor an archive" \
		"$a: names the archive and why"
	expect 2 "$a: verify source refuses" "$VERIFY" source -a "$a.jsonl" \
		-k vendor.pub "$f"
	err_has "$a: .*refusing|$a: not a directory nor an archive" \
		"$a: verify names the archive and why"
done
expect 2 "cpio" "$ATTEST" hash c/hardlink-data.cpio
err_has "not a directory nor an archive" "cpio is not a source format"
# Info-ZIP 3.0 as Debian builds it flags non-ASCII names UTF-8 (bit 11):
# accepted, and the tree is git's. The same zip without the flag (as older
# zippers write it) is read as CP437 by Python and unzip: refused.
expect 0 "zip made by Info-ZIP with a non-ASCII name" sh -c \
	"cd src && zip -qry ../info8.zip . && cd .. && \"\$0\" hash info8.zip" \
	"$ATTEST"
out_has "^$(git_sha256_tree src) " \
	"its tree hash is git's for the same files"
python3 - info8.zip info.zip <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
    i = b.find(sig)
    while i >= 0:
        flags, = struct.unpack_from("<H", b, i + off)
        struct.pack_into("<H", b, i + off, flags & ~0x800)
        i = b.find(sig, i + 4)
open(sys.argv[2], "wb").write(b)
PY
expect 2 "the same zip without the UTF-8 flag" "$ATTEST" hash info.zip
err_has "info.zip: zip member .*UTF-8 flag" "says why (CP437 in Python)"

# The differential test: a fixed seed, fewer archives under ASan.
n=${CR_ARCHIVE_DIFF_COUNT:-1000}
python3 "$G/gen.py" random r "$n" 20261128 || exit 2
python3 "$G/differ.py" "$ATTEST" r 2 >differ.out 2>&1
rc=$?
sed 's/^/# /' differ.out
if [ $rc -eq 0 ]; then ok "differential: $n archives, no disagreement"; else
	not_ok "differential: $n archives (see above)"
fi

done_testing
