#!/usr/bin/env bash
# Installs the Debian packages cleanroom needs to build, test and demo, when
# any is missing (apt-get, through sudo when not root). Safe to run again.
set -euo pipefail

packages=(
	build-essential pkg-config meson ninja-build git openssl
	libssl-dev libgit2-dev libarchive-dev libjansson-dev libcmocka-dev
	zlib1g-dev liblzma-dev libelf-dev libseccomp-dev cpio dpkg
	clang libclang-rt-14-dev clang-format
	python3 curl xz-utils zip unzip binutils faketime time keyutils procps
	libarchive-tools mmdebstrap gpgv debian-archive-keyring libcap2-bin nodejs
	softhsm2 opensc libengine-pkcs11-openssl libp11-kit-dev
)
# npm for the Sigstore interoperability test: Debian's package, unless a
# node from elsewhere brought its own (the two conflict).
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "deps.sh: missing packages (${missing[*]}) and no sudo" >&2
		exit 2
	}
	sudo=sudo
fi
echo "deps.sh: installing ${missing[*]}" >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends "${missing[@]}" >/dev/null
