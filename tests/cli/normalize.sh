#!/bin/sh
# Normalisation end to end: attest build of a project that ships a root
# filesystem tarball, a .deb and an initramfs (cpio newc, gzip and xz), each
# made in a member order and with times that change from build to build.
# The signed artifacts must be the same bytes every time and mean what was
# built: GNU tar, dpkg-deb and GNU cpio show the modes, owners and targets
# the build wrote. Tars we write (normalised, attest export) make GNU tar
# print nothing on stderr.
. "$SRCDIR/tests/cli/lib.sh"

# --- attest export: GNU tar lists and extracts without a warning ----------
mkdir src && printf 'a\n' >src/a.txt && mkdir -p src/d &&
	printf 'b\n' >"src/d/caf$(printf '\303\251').txt" &&
	long=$(printf 'x%.0s' $(seq 120)) && printf 'c\n' >"src/d/$long"
git -C src init -q && git -C src add -A && git -C src commit -qm src
expect 0 "export a tree" "$ATTEST" export --git src -o src.tar
tar -tvf src.tar >list 2>err
same "$(cat err)" "" "tar -tvf of an export: nothing on stderr"
same "$(wc -l <list | tr -d ' ')" 4 "tar -tvf of an export: every member"
mkdir x && tar -xf src.tar -C x 2>err
same "$(cat err)" "" "tar -xf of an export: nothing on stderr"
diff -r -x .git x src >/dev/null && ok "the export extracts to the tree" ||
	not_ok "the export extracts to the tree"

# --- attest build of artifacts that vary from one build to the next --------
if ! "$ATTEST" build --source /nonexistent-probe --artifact x -- true 2>&1 |
	grep -q nonexistent-probe; then
	echo "# attest build unavailable: the build half is skipped"
	done_testing
	exit $?
fi
for p in dpkg-deb cpio xz; do
	command -v $p >/dev/null || {
		echo "# $p missing: the build half is skipped"
		done_testing
		exit $?
	}
done

mkdir repo && cp "$SRCDIR/tests/normalize/rootfs.py" repo/
cat >repo/build.sh <<'SH'
set -e
# What varies: the wall clock (order and times come from it).
now=$(date +%s%N)
order=fwd; [ $(( (now / 1000) % 2 )) -eq 0 ] || order=rev
python3 rootfs.py rootfs.tar $order $(( now / 1000000000 ))
mkdir -p pkg/DEBIAN pkg/usr/bin pkg/etc/demo
printf 'Package: demo\nVersion: 1.0\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: demo\n' >pkg/DEBIAN/control
printf su >pkg/usr/bin/su && chmod 4755 pkg/usr/bin/su
printf key >pkg/etc/demo/key && chmod 600 pkg/etc/demo/key
ln -s /usr/bin/su pkg/usr/bin/su2
touch -d "@$(( now / 1000000000 ))" pkg/usr/bin/su
SOURCE_DATE_EPOCH=$(( now / 1000000000 )) dpkg-deb --root-owner-group -Zxz -b pkg demo.deb >/dev/null
mkdir -p init/bin init/tmp && printf sh >init/bin/sh && chmod 755 init/bin/sh
chmod 1777 init/tmp && ln -s /bin/sh init/init && printf k >init/key && chmod 600 init/key
if [ $order = fwd ]; then sort=; else sort=-r; fi
(cd init && find . | LC_ALL=C sort $sort | cpio -o -H newc --quiet) >initrd.cpio
gzip -9 -c initrd.cpio >initrd.cpio.gz
xz --check=crc32 -c initrd.cpio >initrd.cpio.xz
SH
git -C repo init -q && git -C repo add -A && git -C repo commit -qm fs
"$ATTEST" keygen -o vendor >/dev/null 2>&1
arts="--artifact rootfs.tar --artifact demo.deb --artifact initrd.cpio.gz
	--artifact initrd.cpio.xz"
expect 0 "build one" "$ATTEST" build --git repo --key vendor.key \
	--output-dir one $arts -- sh build.sh
sleep 1
expect 0 "build two, a second later" "$ATTEST" build --git repo \
	--key vendor.key --output-dir two $arts -- sh build.sh
for a in rootfs.tar demo.deb initrd.cpio.gz initrd.cpio.xz; do
	cmp -s one/$a two/$a && ok "$a: bit-identical" ||
		not_ok "$a: bit-identical"
done
python3 - one/*.intoto.jsonl >stmt.txt <<'PY'
import base64, json, sys
env = json.loads(open(sys.argv[1]).readline())
st = json.loads(base64.b64decode(env["payload"]))
for n in st["predicate"]["buildDefinition"]["internalParameters"]["normalizations"]:
    print("norm", n["artifact"], n["format"], ",".join(n["steps"]))
PY
grep -q "^norm rootfs.tar tar entries-sorted,mtime-clamped,metadata-dropped$" \
	stmt.txt && ok "rootfs.tar: steps recorded" || not_ok "rootfs.tar: steps recorded"
grep -q "^norm initrd.cpio.xz cpio+xz .*recompressed-xz,inodes-renumbered" \
	stmt.txt && ok "initrd.cpio.xz: steps recorded" ||
	not_ok "initrd.cpio.xz: steps recorded"
grep -q "^norm demo.deb ar .*nested-normalized" stmt.txt &&
	ok "demo.deb: steps recorded" || not_ok "demo.deb: steps recorded"
expect 0 "the artifacts verify" "$VERIFY" artifact -a one/*.intoto.jsonl \
	-k vendor.pub one/rootfs.tar one/demo.deb one/initrd.cpio.gz \
	one/initrd.cpio.xz

# The root filesystem means what the build wrote.
tar -tvvf one/rootfs.tar >l 2>err
same "$(cat err)" "" "tar -tvvf of the normalised rootfs: nothing on stderr"
tr -s ' ' <l >list
for want in '^-rwsr-xr-x root/root 8 .* ./bin/a-su$' \
	'^-rwxr-sr-x root/shadow 12 .* ./bin/passwd$' \
	'^hrwsr-xr-x root/root 0 .* ./bin/su link to ./bin/a-su$' \
	'^-rw-r----- root/shadow 26 .* ./etc/shadow$' \
	'^-rw------- root/root 36 .*/ssh_host_ed25519_key$' \
	'^drwxrwxrwt root/root 0 .* ./tmp/$' \
	'^drwx------ user/user 0 .* ./home/user/$' \
	'^crw-rw-rw- root/root 1,3 .* ./dev/null$' \
	'^lrwxrwxrwx .* ./etc/localtime -> /usr/share/zoneinfo/UTC$'; do
	grep -q -- "$want" list && ok "rootfs: /$want/" || not_ok "rootfs: /$want/"
done
sde=$(git -C repo log -1 --format=%ct)
same "$(TZ=UTC tar -tvf one/rootfs.tar | tr -s ' ' | cut -d' ' -f4,5 | sort -u)" \
	"$(TZ=UTC date -d "@$sde" '+%Y-%m-%d %H:%M')" "rootfs: every time clamped"
tar --numeric-owner -tvf one/rootfs.tar | grep -q '^-rw-r----- 0/42 .* ./etc/shadow$' &&
	ok "rootfs: numeric owner 0:42 kept" || not_ok "rootfs: numeric owner 0:42 kept"

# The .deb: dpkg-deb still reads it; modes as built.
expect 0 "dpkg-deb --info of the normalised .deb" dpkg-deb --info one/demo.deb
out_has "Package: demo" "dpkg-deb --info: the control file"
expect 0 "dpkg-deb --contents of the normalised .deb" dpkg-deb --contents \
	one/demo.deb
out_has '^-rwsr-xr-x root/root .* \./usr/bin/su$' "deb: su 4755"
out_has '^-rw------- root/root .* \./etc/demo/key$' "deb: key 0600"
out_has '\./usr/bin/su2 -> /usr/bin/su$' "deb: absolute symlink kept"

# The initramfs: GNU cpio lists and extracts the modes the build made.
for z in gz xz; do
	if [ $z = gz ]; then gzip -dc one/initrd.cpio.gz >i.cpio; else
		xz -dc one/initrd.cpio.xz >i.cpio; fi
	cpio -tv <i.cpio 2>/dev/null | tr -s ' ' >list
	grep -q '^-rw------- 1 .* key$' list && grep -q '^drwxrwxrwt 2 .* tmp$' list &&
		grep -q ' init -> /bin/sh$' list && ok "initrd.cpio.$z: cpio -tv modes" ||
		not_ok "initrd.cpio.$z: cpio -tv modes"
done
xz --robot -l one/initrd.cpio.xz | grep -q CRC32 &&
	ok "initrd.cpio.xz: CRC32 kept (the kernel needs it)" ||
	not_ok "initrd.cpio.xz: CRC32 kept (the kernel needs it)"
rm -rf ix && mkdir ix && (cd ix && cpio -id --quiet <../i.cpio 2>/dev/null)
same "$(stat -c %a ix/tmp ix/key | tr '\n' ' ')" "1777 600 " \
	"initrd: extraction gives the modes built"

# A tamper: the normalised artifact changed by one mode bit fails (exit 1).
python3 - one/rootfs.tar tampered.tar <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.find(b"./etc/shadow\0")
b[i + 100:i + 108] = b"0000644\0"  # mode 0640 -> 0644, checksum fixed below
s = sum(b[i:i + 148]) + 8 * 32 + sum(b[i + 156:i + 512])
b[i + 148:i + 156] = b"%06o\0 " % s
open(sys.argv[2], "wb").write(b)
PY
tar -tvf tampered.tar | grep -q '^-rw-r--r-- .* ./etc/shadow$' &&
	ok "tampered.tar: /etc/shadow 0644 to GNU tar" ||
	not_ok "tampered.tar: /etc/shadow 0644 to GNU tar"
cp tampered.tar rootfs.tar
expect 1 "a rootfs with /etc/shadow made 0644 does not verify" "$VERIFY" \
	artifact -a one/*.intoto.jsonl -k vendor.pub rootfs.tar
expect 2 "a missing artifact cannot be checked" "$VERIFY" artifact \
	-a one/*.intoto.jsonl -k vendor.pub no-such.tar

# A build whose artifact hides a second archive after a cpio: refused.
cat >repo/build.sh <<'SH'
mkdir -p a && printf x >a/f && (cd a && find . | cpio -o -H newc --quiet) >one.cpio
cat one.cpio one.cpio >initrd.cpio
SH
git -C repo commit -qam two
expect 2 "a cpio with another archive after its trailer is refused" \
	"$ATTEST" build --git repo --output-dir three --artifact initrd.cpio \
	-- sh build.sh
err_has "initrd.cpio: data after the cpio trailer" "names the artifact and why"

# Extended attributes and file capabilities are meaning (ping's
# cap_net_raw is what lets it run unprivileged) that extractors apply or
# ignore each their own way: an artifact tar carrying them is refused, in
# one line naming the member and the key, never silently dropped. The tars
# are made outside (the build has no capability to set one): by GNU tar
# --xattrs from a file setcap marked when setcap works here, and by
# python3's tarfile with a user xattr and a name longer than ustar holds.
mkdir xa xa/bin
echo ping >xa/bin/ping && echo other >xa/bin/other
if command -v setcap >/dev/null && setcap cap_net_raw+ep xa/bin/ping 2>/dev/null &&
	tar --xattrs --xattrs-include='*' --format=posix -C xa -cf caps.tar bin 2>/dev/null &&
	python3 -c 'import sys, tarfile
sys.exit(0 if any("SCHILY.xattr.security.capability" in m.pax_headers
	for m in tarfile.open(sys.argv[1])) else 1)' caps.tar; then
	ok "GNU tar --xattrs stored ping's capability"
else
	echo "# setcap or tar --xattrs unusable here: the capability made by python3"
	python3 -c 'import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
i = tarfile.TarInfo("bin/ping"); i.size = 5; i.mode = 0o755
i.pax_headers = {"SCHILY.xattr.security.capability": "\x01\x00\x00\x02\x00 \x00\x00"}
t.addfile(i, io.BytesIO(b"ping\n")); t.close()' caps.tar
fi
python3 -c 'import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
i = tarfile.TarInfo("d/" + "n" * 120 + "/f"); i.size = 1
i.pax_headers = {"SCHILY.xattr.user.note": "hello"}
t.addfile(i, io.BytesIO(b"x")); t.close()' user.tar
mkdir xarepo && cp caps.tar user.tar xarepo/
printf 'cp caps.tar out-caps.tar && gzip -n <user.tar >out-user.tar.gz\n' >xarepo/build.sh
git -C xarepo init -q && git -C xarepo add -A && git -C xarepo commit -qm xa
expect 2 "an artifact tar with a file capability is refused" "$ATTEST" build -q \
	--git xarepo --output-dir xaout --artifact out-caps.tar -- sh build.sh
err_has "out-caps.tar: member 'bin/ping': extended attributes, ACLs or file flags \(pax key 'SCHILY.xattr.security.capability'\)" \
	"names the member and the key"
err_one_line "in one line"
[ ! -e xaout/out-caps.tar ] && ok "nothing copied" || not_ok "nothing copied"
expect 2 "a tar.gz with a user xattr on a long name is refused" "$ATTEST" build -q \
	--git xarepo --output-dir xaout --artifact out-user.tar.gz -- sh build.sh
err_has "member 'd/n{120}/f': .*'SCHILY.xattr.user.note'" "names the whole member"
expect 0 "--no-normalize copies it as built" "$ATTEST" build -q --no-normalize \
	--git xarepo --output-dir xaraw --artifact out-caps.tar -- sh build.sh
cmp -s xaraw/out-caps.tar caps.tar && ok "byte for byte" || not_ok "byte for byte"
expect 2 "attest hash of such a tar" "$ATTEST" hash caps.tar
err_has "member 'bin/ping'" "names the member too"

# A member that looks like a container but is not one is kept as built,
# and the statement counts it for the artifact.
mkdir keptrepo
python3 -c 'import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT)
for n, d in (("a.txt", b"a\n"), ("b.zip", b"PK\x03\x04" + b"\xff" * 60)):
    i = tarfile.TarInfo(n); i.size = len(d); t.addfile(i, io.BytesIO(d))
t.close()' keptrepo/in.tar
printf 'cp in.tar out.tar\n' >keptrepo/build.sh
git -C keptrepo init -q && git -C keptrepo add -A && git -C keptrepo commit -qm k
expect 0 "a tar holding a broken zip" "$ATTEST" build -q --git keptrepo \
	--key vendor.key -o kept.jsonl --output-dir keptout --artifact out.tar \
	--artifact build.sh -- sh build.sh
python3 -c 'import base64, json, sys
st = json.loads(base64.b64decode(json.loads(open(sys.argv[1]).readline())["payload"]))
n = {x["artifact"]: x for x in st["predicate"]["buildDefinition"]["internalParameters"]["normalizations"]}
sys.exit(0 if n["out.tar"].get("kept") == 1 and "kept" not in n["build.sh"] else 1)' kept.jsonl &&
	ok "the statement records one member kept for out.tar, none for build.sh" ||
	not_ok "the statement records one member kept for out.tar, none for build.sh"
mkdir kx && tar -xf keptout/out.tar -C kx &&
	python3 -c 'import sys; sys.exit(open(sys.argv[1], "rb").read() != b"PK\x03\x04" + b"\xff" * 60)' kx/b.zip &&
	ok "GNU tar extracts the kept member as built" || not_ok "GNU tar extracts the kept member as built"

# --- a .deb's md5sums still hold after normalisation ----------------------
# dpkg-deb packs man pages made by gzip -9n, a changelog gzip'd with its
# name and mtime, and a truncated .gz; DEBIAN/md5sums lists the first and
# the last (a gzip that stores a time varies with it, md5sums and all, so a
# package that means to be reproducible has none: dh_compress uses -n).
mkdir debrepo
cat >debrepo/build.sh <<'SH'
set -e
p=pkg/usr/share; mkdir -p pkg/DEBIAN $p/man/man1 $p/man/man8 $p/doc/mandemo
printf 'Package: mandemo\nVersion: 1.0\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: demo\n' >pkg/DEBIAN/control
# Text on which GNU gzip -9 and zlib level 9 write other deflate data.
awk 'BEGIN { s = 1; for (i = 0; i < 3000; i++) { s = (s * 69069 + 1) % 4294967296
	printf ".TP\n\\fB--opt%d\\fR %x\n", i % 97, s } }' >$p/man/man1/demo.1
gzip -9n $p/man/man1/demo.1
seq -f '.TH DEMO 8 line %g' 300 >$p/man/man8/demod.8 && gzip -9n $p/man/man8/demod.8
awk 'BEGIN { s = 7; for (i = 0; i < 3000; i++) { s = (s * 69069 + 1) % 4294967296
	printf "  * entry %d: %x\n", i, s } }' >$p/doc/mandemo/changelog
touch -d @1600000000 $p/doc/mandemo/changelog && gzip -9 $p/doc/mandemo/changelog
seq 2000 | gzip -9n | head -c 200 >$p/doc/mandemo/broken.gz
(cd pkg && find usr -type f ! -name changelog.gz | LC_ALL=C sort | xargs md5sum) >pkg/DEBIAN/md5sums
dpkg-deb --root-owner-group -Zxz -b pkg mandemo.deb >/dev/null
SH
git -C debrepo init -q && git -C debrepo add -A && git -C debrepo commit -qm deb
expect 0 "a .deb with gzip'd man pages, normalised" "$ATTEST" build -q \
	--git debrepo --key vendor.key -o deb.jsonl --output-dir debn \
	--artifact mandemo.deb -- sh build.sh
expect 0 "the same, as built (--no-normalize)" "$ATTEST" build -q --no-normalize \
	--git debrepo --output-dir debraw --artifact mandemo.deb -- sh build.sh
# The test can fail: recompressing them, as normalisation did, changes them.
python3 - debraw/mandemo.deb <<'PY' && ok "zlib -9 would write other bytes than gzip -9" ||
import subprocess, sys, zlib
for f in ("man/man1/demo.1.gz", "doc/mandemo/changelog.gz"):
    gz = subprocess.run(["sh", "-c", "dpkg-deb --fsys-tarfile %s | tar -xOf - ./usr/share/%s"
                         % (sys.argv[1], f)], capture_output=True, check=True).stdout
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    if gz.endswith(co.compress(zlib.decompress(gz, 31)) + co.flush() + gz[-8:]):
        sys.exit(1)
PY
	not_ok "zlib -9 would write other bytes than gzip -9"
cmp -s debn/mandemo.deb debraw/mandemo.deb &&
	not_ok "normalisation changed the .deb" || ok "normalisation changed the .deb"
dpkg-deb -x debn/mandemo.deb nx && dpkg-deb -e debn/mandemo.deb nc &&
	dpkg-deb -x debraw/mandemo.deb rx || not_ok "dpkg-deb -x, -e"
same "$(wc -l <nc/md5sums | tr -d ' ')" 3 "md5sums lists three files"
expect 0 "md5sum -c of the normalised package's md5sums" sh -c \
	'cd nx && md5sum -c ../nc/md5sums'
for f in man/man1/demo.1.gz man/man8/demod.8.gz doc/mandemo/broken.gz; do
	cmp -s nx/usr/share/$f rx/usr/share/$f && ok "$f: byte for byte" ||
		not_ok "$f: byte for byte"
done
c=usr/share/doc/mandemo/changelog.gz
python3 - rx/$c nx/$c <<'PY' && ok "changelog.gz: name and mtime cleared, deflate data kept" ||
import struct, sys
a, b = (open(f, "rb").read() for f in sys.argv[1:])
fa, ma = a[3], struct.unpack("<I", a[4:8])[0]
fb, mb = b[3], struct.unpack("<I", b[4:8])[0]
name = a.index(b"\0", 10) + 1  # FNAME ends the original header
sys.exit(0 if fa == 8 and ma == 1600000000 and fb == 0 and mb == 0 and
         b[8:10] == a[8:10] and b[10:] == a[name:] else 1)
PY
	not_ok "changelog.gz: name and mtime cleared, deflate data kept"
# gzip -lvN names the file by its stored name when it has one.
cp rx/$c r.gz && cp nx/$c n.gz
gzip -lvN r.gz | grep -q ' changelog$' && gzip -lvN n.gz | grep -q ' n$' &&
	ok "gzip -lvN: the name stored as built, none after" ||
	not_ok "gzip -lvN: the name stored as built, none after"
same "$(zcat nx/$c | sha256sum)" "$(zcat rx/$c | sha256sum)" \
	"zcat of changelog.gz: the content as built"
python3 -c 'import base64, json, sys
st = json.loads(base64.b64decode(json.loads(open(sys.argv[1]).readline())["payload"]))
n = st["predicate"]["buildDefinition"]["internalParameters"]["normalizations"][0]
sys.exit(0 if n.get("kept") == 1 and "gzip-header-cleared" in n["steps"] else 1)' deb.jsonl &&
	ok "the statement: broken.gz kept as built, a gzip header cleared" ||
	not_ok "the statement: broken.gz kept as built, a gzip header cleared"
# Normalising the normalised package changes nothing.
mkdir debrepo2 && cp debn/mandemo.deb debrepo2/in.deb
printf 'cp in.deb mandemo.deb\nhead -c 3000 in.deb >cut.deb\n' >debrepo2/build.sh
git -C debrepo2 init -q && git -C debrepo2 add -A && git -C debrepo2 commit -qm d2
expect 0 "the normalised .deb normalised again" "$ATTEST" build -q \
	--git debrepo2 --output-dir debnn --artifact mandemo.deb -- sh build.sh
same "$(sha256sum <debnn/mandemo.deb)" "$(sha256sum <debn/mandemo.deb)" \
	"idempotent: the same sha256"
# The package itself cut short is refused, in one line naming it.
expect 2 "a truncated .deb is refused" "$ATTEST" build -q \
	--git debrepo2 --output-dir debcut --artifact cut.deb -- sh build.sh
err_has "cut.deb" "names the artifact"
err_one_line "in one line"

done_testing
