#!/bin/bash
# Two rules of lib/ that a reviewer should not have to check by eye: every
# global symbol a core static library defines starts with cr_ (a program or
# another library cannot clash with it), and nothing in them prints: no
# stdio output function, stdout or stderr is imported, and no write goes to
# descriptor 1 or 2, outside the allow-list below. The programs print.
. "$SRCDIR/tests/cli/lib.sh"

BUILD=${BUILDDIR:-$(cd "$(dirname "$ATTEST")/.." && pwd)}
command -v nm >/dev/null || { echo "1..0 # SKIP nm (binutils) missing"; exit 77; }

# What printing looks like to the linker (glibc names, fortified ones too).
PRINTS='printf fprintf vprintf vfprintf dprintf vdprintf puts fputs putchar
putc fputc fwrite putchar_unlocked putc_unlocked fputc_unlocked
fwrite_unlocked fputs_unlocked perror psignal psiginfo warn warnx vwarn
vwarnx err errx verr verrx error error_at_line syslog vsyslog stdout stderr
__printf_chk __fprintf_chk __vprintf_chk __vfprintf_chk __dprintf_chk
__vdprintf_chk __syslog_chk __vsyslog_chk'

# OBJECT SYMBOL: imports allowed, each with its reason.
# - root.c.o dprintf: run()'s child, between fork and exec, writes why exec
#   failed to its descriptor 2, a pipe the parent reads into its message.
ALLOW='root.c.o dprintf'

# check ARCHIVE...: one line in $T/bad per symbol breaking a rule.
check() {
	: >"$T/bad"
	for a in "$@"; do
		# ASan names a global's ODR indicator __odr_asan.NAME.
		nm -A -g --defined-only "$a" | awk '{
			name = $NF
			sub(/^__odr_asan\./, "", name)
			if (name !~ /^cr_/)
				print "defines " $NF " (" $1 ")"
		}' >>"$T/bad"
		nm -A -u "$a" | awk -v prints="$PRINTS" -v allow="$ALLOW" '
			BEGIN {
				n = split(prints, p, /[ \n]+/)
				for (i = 1; i <= n; i++)
					bad[p[i]] = 1
				n = split(allow, p, /\n/)
				for (i = 1; i <= n; i++)
					ok[p[i]] = 1
			}
			{
				obj = $1
				sub(/:[^:]*$/, "", obj)
				sub(/.*[:\/]/, "", obj)
				if (($NF in bad) && !((obj " " $NF) in ok))
					print obj " imports " $NF
			}' >>"$T/bad"
	done
}

# fdcheck DIR: one line in $T/bad per write to descriptor 1 or 2 in DIR's
# C files, which nm cannot see.
fdcheck() {
	grep -rnE '\b(write|send|dprintf|vdprintf)\s*\(\s*(1|2|STDOUT_FILENO|STDERR_FILENO)\s*,' \
		--include='*.c' --include='*.h' "$1" |
		grep -v '/root\.c:[0-9]*:.*dprintf(2, "%s: %s\\n", argv\[0\]' >"$T/bad"
}

# The checks can fail: an archive breaking both rules (its object named as
# the allowed one, printing in another way), and a file writing to fd 2.
mkdir badlib
cat >badlib/root.c <<'EOF'
#include <stdio.h>
#include <unistd.h>
int leaked(void);
int cr_says(int fd);
int cr_writes(void);
int leaked(void) { return 1; }
int cr_says(int fd) { return fprintf(stderr, "%d", fd) + dprintf(fd, "x"); }
int cr_writes(void) { return (int)write(STDERR_FILENO, "x", 1); }
EOF
if cc -c -o root.c.o badlib/root.c && ar rcs libbad.a root.c.o; then
	check "$T/libbad.a"
	if grep -q '^defines leaked ' "$T/bad" &&
		grep -q '^root.c.o imports fprintf$' "$T/bad" &&
		grep -q '^root.c.o imports stderr$' "$T/bad" &&
		! grep -q 'dprintf\|cr_says\|cr_writes' "$T/bad"; then
		ok "a library defining leaked and printing to stderr is caught"
	else
		not_ok "a library defining leaked and printing to stderr is caught"
		sed 's/^/#   /' "$T/bad"
	fi
else
	not_ok "cc and ar make a test library"
fi
fdcheck badlib
if grep -q 'write(STDERR_FILENO' "$T/bad"; then
	ok "a write to STDERR_FILENO is caught"
else
	not_ok "a write to STDERR_FILENO is caught"
fi

mapfile -t libs < <(find "$BUILD/lib" -name 'lib*.a' | sort)
if [ "${#libs[@]}" -gt 0 ]; then
	ok "the build made ${#libs[@]} core libraries"
else
	not_ok "no lib*.a under $BUILD/lib"
fi
check "${libs[@]}"
if [ -s "$T/bad" ]; then
	not_ok "every core global symbol starts with cr_, nothing prints"
	sed 's/^/#   /' "$T/bad"
else
	ok "every core global symbol starts with cr_, nothing prints"
fi

fdcheck "$SRCDIR/lib"
if [ -s "$T/bad" ]; then
	not_ok "nothing in lib/ writes to descriptor 1 or 2"
	sed 's/^/#   /' "$T/bad"
else
	ok "nothing in lib/ writes to descriptor 1 or 2"
fi

done_testing
