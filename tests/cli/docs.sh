#!/bin/sh
# The man pages' SYNOPSIS is exactly what each command's --help prints, and
# every command answers --help (exit 0, stdout) and misuse (exit 2).
. "$SRCDIR/tests/cli/lib.sh"

# synopsis PAGE: the SYNOPSIS block of a man page, de-roffed, one line each,
# leading blanks dropped.
synopsis() {
	sed -n '/^\.SH SYNOPSIS/,/^\.fi/p' "$1" | sed '1,2d;$d' |
		sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/^[[:space:]]*//'
}

# usage PROG CMD: the usage block of CMD's --help, the same way.
usage() {
	"$1" "$2" --help | awk '/^usage:/ { p = 1 } p && /^$/ { exit } p' |
		sed -e 's/^usage: //' -e 's/^[[:space:]]*//'
}

for prog in attest verify; do
	if [ $prog = attest ]; then
		bin=$ATTEST
		cmds="keygen hash sign build export disclose log root"
	else
		bin=$VERIFY
		cmds="artifact source rebuild diff log root"
	fi
	synopsis "$SRCDIR/docs/$prog.1" >"$T/syn.$prog"
	for c in $cmds; do
		expect 0 "$prog $c --help" "$bin" "$c" --help
		out_has "^usage: $prog $c" "$prog $c --help prints its usage"
		usage "$bin" "$c" >"$T/use"
		missing=$(grep -vxFf "$T/syn.$prog" "$T/use")
		if [ -z "$missing" ] && [ -s "$T/use" ]; then
			ok "$prog.1 SYNOPSIS has $prog $c's usage"
		else
			not_ok "$prog.1 SYNOPSIS has $prog $c's usage (missing: $missing)"
		fi
		expect 2 "$prog $c --no-such-option" "$bin" "$c" --no-such-option
	done
	expect 0 "$prog --help" "$bin" --help
	expect 0 "$prog --version" "$bin" --version
	out_has "^$prog \\(cleanroom\\) [0-9]" "$prog --version says the version"
	expect 2 "$prog with no command" "$bin"
	expect 2 "$prog unknown command" "$bin" frobnicate
	if command -v man >/dev/null && [ -n "$(man -l "$SRCDIR/docs/$prog.1" 2>&1 >/dev/null)" ]; then
		not_ok "man renders $prog.1 without warnings"
	else
		ok "man renders $prog.1 without warnings"
	fi
done

done_testing
