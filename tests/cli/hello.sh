#!/bin/sh
# Issue 11, on the real thing: GNU hello 2.10's "./configure && make && make
# dist", built twice with --fake-clock seconds apart, gives a bit-identical
# hello-2.10.tar.gz. The upstream tarball comes from Debian 12's source
# package (apt-get source; deb-src lines are added beside the deb ones when
# missing) or from ftp.gnu.org, checked against its SHA-256, and is cached
# in the build directory. Minutes of build: left out under the sanitizers.
. "$SRCDIR/tests/cli/lib.sh"

if [ "${CR_SANITIZE:-none}" != none ]; then
	echo "# SKIP: two builds of GNU hello are left out under the sanitizers (CI time)"
	exit 77
fi
if [ -z "$(find /usr/lib /usr/lib64 -name libfaketime.so.1 2>/dev/null | head -1)" ]; then
	echo "# SKIP: libfaketime is not installed (scripts/deps.sh)"
	exit 77
fi

cache=${CR_SRC_CACHE:-${SRC_CACHE:-$T/cache}}
mkdir -p "$cache"
orig=$cache/hello_2.10.orig.tar.gz
sum=31e066137a962676e89f69d1b65382de95a7ef7d914b8cb956f41ea72e0f516b

good() { [ -f "$1" ] && [ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$sum" ]; }

# add_deb_src: deb-src lines beside the deb ones (deb822 and one-line).
add_deb_src() {
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
	{
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			sed 's/^Types: deb$/Types: deb-src/' "$f"
			echo
		done
	} | $sudo tee /etc/apt/sources.list.d/cleanroom-test-src.sources >/dev/null &&
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			sed -n 's/^deb /deb-src /p' "$f"
		done | $sudo tee /etc/apt/sources.list.d/cleanroom-test-src.list >/dev/null &&
		$sudo apt-get update -qq >/dev/null 2>&1
}

if ! good "$orig"; then
	rm -f "$orig"
	if ! apt-get source --print-uris hello >/dev/null 2>&1; then
		add_deb_src || echo "# could not add deb-src lines"
	fi
	(cd "$cache" && timeout 300 apt-get source -qq --download-only hello=2.10-3 \
		>/dev/null 2>&1)
	if ! good "$orig"; then
		rm -f "$orig"
		command -v curl >/dev/null && timeout 300 curl -fsSL -o "$orig.part" \
			https://ftp.gnu.org/gnu/hello/hello-2.10.tar.gz 2>/dev/null &&
			mv "$orig.part" "$orig"
	fi
	if ! good "$orig"; then
		rm -f "$orig" "$orig.part"
		echo "# SKIP: GNU hello 2.10 could not be fetched (apt-get source hello, ftp.gnu.org): no network?"
		exit 77
	fi
fi

# The upstream tarball is V7 (make dist): read by GNU tar, then committed.
mkdir src
tar -xzf "$orig" -C src --strip-components 1 || not_ok "GNU tar cannot extract $orig"
git -C src init -q && git -C src add -A && git -C src commit -qm hello-2.10
sde=$(git -C src log -1 --format=%ct)

recipe='./configure >/dev/null && make >/dev/null && make dist >/dev/null'
start=$(date +%s)
expect 0 "GNU hello 2.10 make dist with --fake-clock" "$ATTEST" build -q \
	--git src --fake-clock --output-dir d1 --artifact hello-2.10.tar.gz \
	-- sh -c "$recipe"
sleep 2
expect 0 "again, seconds later" "$ATTEST" build -q --git src --fake-clock \
	--output-dir d2 --artifact hello-2.10.tar.gz -- sh -c "$recipe"
echo "# two builds: $(($(date +%s) - start)) s"
if cmp -s d1/hello-2.10.tar.gz d2/hello-2.10.tar.gz; then
	ok "the two hello-2.10.tar.gz are bit-identical"
else
	not_ok "the two hello-2.10.tar.gz differ"
	tar -tvzf d1/hello-2.10.tar.gz --full-time >l1
	tar -tvzf d2/hello-2.10.tar.gz --full-time >l2
	diff l1 l2 | head -10 | sed 's/^/#   /'
fi
# Read by outside tools: every member is dated SOURCE_DATE_EPOCH (the
# sources are, what the build wrote is clamped to it; none is shifted back
# by the real clock, as libfaketime's stat did), and the dist holds what
# the upstream tarball holds.
python3 -c 'import sys, tarfile
sde = int(sys.argv[2])
ms = tarfile.open(sys.argv[1]).getmembers()
bad = [m.name for m in ms if m.mtime != sde]
print("# not dated SOURCE_DATE_EPOCH:", bad[:5]) if bad else None
sys.exit(1 if bad or len(ms) < 200 else 0)' d1/hello-2.10.tar.gz "$sde" &&
	ok "python3 tarfile: every member is dated SOURCE_DATE_EPOCH" ||
	not_ok "python3 tarfile: every member is dated SOURCE_DATE_EPOCH"
tar -tzf "$orig" | sort >upstream
tar -tzf d1/hello-2.10.tar.gz | sort >ours
cmp -s upstream ours && ok "GNU tar lists the upstream tarball's members" ||
	not_ok "GNU tar lists other members than the upstream tarball's"

done_testing
