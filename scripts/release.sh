#!/bin/sh
# cleanroom attests its own release: the source exported from a commit, a
# Debian root pinned by package versions and .deb hashes, the package built
# twice in that root by 'attest build --check' from the tree's own
# cleanroom.json (scripts/build-deb.sh), signed, and rebuilt from the
# exported source by 'verify rebuild', which must say "reproduced".
#
#   scripts/release.sh [--rev REV] [--key KEY] [--root ROOT.tar]
#                      [--out DIR] [--cache DIR]
#
# Writes to DIR (build/release): cleanroom-VERSION.tar.gz (the source),
# root.tar and root.json (unless --root), cleanroom_VERSION_ARCH.deb,
# cleanroom.intoto.jsonl and, without --key, release.key/.pub (made once,
# never overwritten). Needs the programs built in build/ (ninja -C build).
# Exit status: 0 released and reproduced, 1 not reproducible, 2 error.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
rev=HEAD key= root= out="$here/build/release"
cache=${CR_ROOT_CACHE:-$here/build/root-cache}
while [ $# -gt 0 ]; do
	case $1 in
	--rev) rev=$2; shift 2 ;;
	--key) key=$2; shift 2 ;;
	--root) root=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--cache) cache=$2; shift 2 ;;
	-h | --help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "release.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

attest=${ATTEST:-$here/build/attest/attest}
verify=${VERIFY:-$here/build/verify/verify}
for p in "$attest" "$verify"; do
	[ -x "$p" ] || { echo "release.sh: $p: not built (ninja -C build)" >&2; exit 2; }
done
mkdir -p "$out" "$cache"
version=$(sed -n "s/^[[:space:]]*version : '\([^']*\)',\$/\1/p" "$here/meson.build")
say() { printf '\n== %s\n' "$*"; }

say "source: cleanroom $version at $rev, exported"
src="$out/cleanroom-$version.tar.gz"
"$attest" export --git "$here" --rev "$rev" -o "$src"

# The build's root: bookworm with what scripts/build-deb.sh needs, each
# package checked against the archive's signature and recorded in
# root.json with its version and .deb SHA-256.
if [ -z "$root" ]; then
	root="$out/root.tar"
	if [ ! -s "$root" ]; then
		say "root: Debian bookworm with the build's packages"
		"$attest" root create --suite bookworm --cache "$cache" \
			--include gcc,libc6-dev,pkgconf,meson,ninja-build,libssl-dev,libgit2-dev,libarchive-dev,libjansson-dev,zlib1g-dev,liblzma-dev,libelf-dev,libseccomp-dev,libp11-kit-dev \
			-o "$root"
	fi
fi

if [ -z "$key" ]; then
	key="$out/release.key"
	[ -s "$key" ] || "$attest" keygen -o "$out/release" >/dev/null
fi
pub=${key%.key}.pub

say "build: twice in the root (--check), signed"
rm -rf "$out/dist"
"$attest" build --git "$here" --rev "$rev" --root "$root" --check \
	--key "$key" --output-dir "$out" -o "$out/cleanroom.intoto.jsonl"
deb=$(ls "$out"/dist/cleanroom_"$version"_*.deb)
cp "$deb" "$out/"

say "rebuild: from the exported source, in the recorded root"
rc=0
"$verify" rebuild -a "$out/cleanroom.intoto.jsonl" -k "$pub" \
	--root "$root" "$src" "$out/$(basename "$deb")" || rc=$?
[ $rc -eq 0 ] && say "released: $out/$(basename "$deb")"
exit $rc
