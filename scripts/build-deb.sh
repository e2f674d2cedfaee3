#!/bin/sh
# Builds cleanroom's Debian package, dist/cleanroom_VERSION_ARCH.deb, from
# this tree. It is the command of the tree's own cleanroom.json: run it
# through 'attest build' (scripts/release.sh does), which gives it a sealed
# sandbox, a fixed build path and SOURCE_DATE_EPOCH. Needs meson, ninja, a
# C compiler, pkg-config, the -dev packages scripts/deps.sh names, and dpkg.
set -eu

version=$(sed -n "s/^[[:space:]]*version : '\([^']*\)',\$/\1/p" meson.build)
arch=$(dpkg --print-architecture)
[ -n "$version" ] || { echo "build-deb: no version in meson.build" >&2; exit 2; }

rm -rf _build _pkg dist
meson setup _build --prefix=/usr --buildtype=debugoptimized -Dtests=false \
	-Db_ndebug=false
ninja -C _build
DESTDIR="$PWD/_pkg" meson install -C _build --no-rebuild --strip >/dev/null

doc=_pkg/usr/share/doc/cleanroom
mkdir -p "$doc" _pkg/DEBIAN dist
cp LICENSE "$doc/copyright"
cp README.md "$doc/README.md"
gzip -9n "$doc/README.md"
gzip -9n _pkg/usr/share/man/man1/*.1

# Installed-Size as dpkg-gencontrol counts it: each file's size in KiB,
# rounded up, and 1 for each directory or link. Not du: that counts the
# file system's blocks, which differ between ext4 and tmpfs (attest build
# --check found it, varying the directory order on a tmpfs).
size=$(find _pkg/usr \( -type f -printf '%s\n' \) -o -printf '1024\n' |
	awk '{ s += int(($1 + 1023) / 1024) } END { print s }')

# The libraries of bookworm, the suite of the release root (cleanroom.json);
# dpkg-shlibdeps would need a debian/ directory for the same answer.
cat >_pkg/DEBIAN/control <<CONTROL
Package: cleanroom
Version: $version
Architecture: $arch
Maintainer: cleanroom authors <cleanroom@example.invalid>
Installed-Size: $size
Depends: libc6 (>= 2.36), libssl3 (>= 3.0), libgit2-1.5, libarchive13,
 libjansson4 (>= 2.14), zlib1g, liblzma5, libelf1, libseccomp2 (>= 2.5)
Recommends: mmdebstrap, gpgv, debian-archive-keyring, libfaketime
Suggests: libengine-pkcs11-openssl, softhsm2
Section: utils
Priority: optional
Homepage: https://example.invalid/cleanroom
Description: prove a shipped binary was built from reviewed source
 attest builds in a sealed sandbox and signs a statement binding the
 source tree hash to the artifacts, recipe and environment; verify checks
 shipped binaries, reviewed sources, rebuilds, other parties' statements
 and a transparency log, and explains exactly why when something differs.
CONTROL
(cd _pkg && find usr -type f | LC_ALL=C sort | xargs md5sum) \
	>_pkg/DEBIAN/md5sums
find _pkg -type d -exec chmod 0755 {} +
dpkg-deb --root-owner-group -Zxz --build _pkg \
	"dist/cleanroom_${version}_${arch}.deb" >/dev/null
