# shellcheck shell=bash
# Sourced by the benchmarks that fetch a Debian source package.

# deb_src PKG: apt-get source needs deb-src lines; add them beside the deb
# ones if PKG's source cannot be found (deb822 .sources files and one-line
# sources.list alike). Runs apt as $sudo (empty, or sudo).
# shellcheck disable=SC2154
deb_src() {
	apt-get source --print-uris "$1" >/dev/null 2>&1 && return 0
	{
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			sed 's/^Types: deb$/Types: deb-src/' "$f"
			echo
		done
	} | $sudo tee /etc/apt/sources.list.d/cleanroom-bench-src.sources >/dev/null
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^deb /deb-src /p' "$f"
	done | $sudo tee /etc/apt/sources.list.d/cleanroom-bench-src.list >/dev/null
	$sudo apt-get update -qq
}
