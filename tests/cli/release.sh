#!/bin/sh
# cleanroom's own release (scripts/release.sh): the Debian package built twice
# in a pinned bookworm root from the tree's cleanroom.json, signed, and rebuilt
# from the exported source to the same bytes. The package is checked with
# dpkg itself; a shipped package changed by one byte is not reproduced.
# Minutes of building: left out of the sanitizer build, whose programs are
# the same code as the ones tested here.
. "$SRCDIR/tests/cli/lib.sh"

if [ "${CR_SANITIZE:-none}" != none ]; then
	echo "1..0 # SKIP the release build runs in the normal build only"
	exit 0
fi

# A clone of the repository at its HEAD: what release.sh reads is the
# committed tree, never this checkout's uncommitted files.
git clone -q "$SRCDIR" src
mkdir -p src/build/attest src/build/verify
ln -s "$ATTEST" src/build/attest/attest
ln -s "$VERIFY" src/build/verify/verify
expect 0 "scripts/release.sh: built, signed, reproduced" \
	sh src/scripts/release.sh --out "$T/rel"
out_has "^verdict: reproduced in the attested environment" \
	"verify rebuild says reproduced"
out_has "^reproducible: two builds gave identical artifacts" \
	"attest build --check built it twice alike"

version=$(sed -n "s/^[[:space:]]*version : '\([^']*\)',\$/\1/p" src/meson.build)
arch=$(dpkg --print-architecture)
deb="rel/cleanroom_${version}_${arch}.deb"
if dpkg-deb --info "$deb" >info 2>&1 && grep -q "^ Package: cleanroom" info &&
	grep -q "^ Version: $version" info; then
	ok "dpkg-deb reads the package: cleanroom $version"
else
	not_ok "dpkg-deb reads the package"
	sed 's/^/#   /' info | head
fi
mkdir inst
dpkg-deb -x "$deb" inst
mkdir ctl
dpkg-deb -e "$deb" ctl
if (cd inst && md5sum -c --quiet ../ctl/md5sums); then
	ok "every file matches the package's md5sums"
else
	not_ok "every file matches the package's md5sums"
fi
expect 0 "the packaged verify runs" inst/usr/bin/verify --version
out_has "^verify \(cleanroom\) $version\$" "and is this version"
# verify runs verify-build for rebuild, diff and root: the packaged one is
# in /usr/libexec/cleanroom, and an unpacked copy of verify looks there only.
printf 'a\n' >same.txt
expect 0 "the packaged verify-build runs" \
	inst/usr/libexec/cleanroom/verify-build diff same.txt same.txt
out_has "^SAME" "and it compares"
if [ ! -e /usr/libexec/cleanroom/verify-build ]; then
	expect 2 "the unpacked verify looks for verify-build where it is installed" \
		inst/usr/bin/verify diff same.txt same.txt
	err_has "needs verify-build: /usr/libexec/cleanroom/verify-build" \
		"naming /usr/libexec/cleanroom/verify-build"
fi

# The statement: the source is the exported tree, the root is recorded.
src_tree=$("$ATTEST" hash "rel/cleanroom-$version.tar.gz" | cut -d' ' -f1)
expect 0 "verify source on the export" "$VERIFY" source \
	-a rel/cleanroom.intoto.jsonl -k rel/release.pub \
	"rel/cleanroom-$version.tar.gz"
out_has "${src_tree#sha256tree:}" "the attested tree is the export's"
expect 0 "verify artifact on the package" "$VERIFY" artifact \
	-a rel/cleanroom.intoto.jsonl -k rel/release.pub "$deb"

# Tamper: one byte of the shipped package.
cp "$deb" bad.deb
printf 'X' | dd of=bad.deb bs=1 seek=200 conv=notrunc 2>/dev/null
expect 1 "a changed package is not the attested one" "$VERIFY" artifact \
	-a rel/cleanroom.intoto.jsonl -k rel/release.pub bad.deb
# Bad input: a revision that does not exist.
expect 2 "release.sh --rev nosuch" sh src/scripts/release.sh --rev nosuch \
	--out "$T/rel2"
[ -e rel2/cleanroom.intoto.jsonl ] && not_ok "nothing signed for a bad rev" ||
	ok "nothing signed for a bad rev"

echo "1..$((passed + failed))"
[ "$failed" -eq 0 ]
