#!/bin/bash
# The bash completion offers exactly the commands and options the programs'
# own --help names, completes files and directories where an option takes
# one, and nothing where it takes a number or for an unknown command.
. "$SRCDIR/tests/cli/lib.sh"

mkdir bin
ln -s "$ATTEST" bin/attest
ln -s "$VERIFY" bin/verify
PATH="$T/bin:$PATH"
# shellcheck source=/dev/null
. "$SRCDIR/completions/cleanroom.bash"

# comp LINE: COMPREPLY for LINE (a trailing blank starts a new word), one
# per line in $T/out.
comp() {
	read -r -a COMP_WORDS <<<"$1"
	case $1 in *' ') COMP_WORDS+=("") ;; esac
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_cleanroom_complete "${COMP_WORDS[0]}"
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort >"$T/out"
}

# is LINE WORDS...: the completions of LINE are exactly WORDS.
is() {
	line=$1
	shift
	comp "$line"
	printf '%s\n' "$@" | sed '/^$/d' | sort >"$T/want"
	if cmp -s "$T/want" "$T/out"; then
		ok "'$line' completes to: $*"
	else
		not_ok "'$line' completes to: $* (got: $(tr '\n' ' ' <"$T/out"))"
	fi
}

is "attest bu" build
is "attest build --check-" --check-dir --check-vary
is "verify rebuild --js" --json
is "attest log w" witness
is "attest log " add attach init prove vkey witness --help
is "attest log init --" --json --key --origin --help
is "attest root " create --help
is "verify " artifact source rebuild diff root log --help --version
is "attest build --timeout " ""
is "verify artifact --threshold " ""
is "attest nosuch --" ""
is "verify nosuch " ""

# Files and directories where the option takes them.
mkdir -p keys/sub
: >keys/signing.pem
is "attest build --key keys/s" keys/signing.pem keys/sub
is "attest build --output-dir keys/" keys/sub

# Every option in each command's usage is offered after "--", and nothing
# else: the usage block parsed here independently with grep.
for prog in attest verify; do
	if [ $prog = attest ]; then
		cmds="keygen hash sign build export disclose root"
	else
		cmds="artifact source rebuild diff log root"
	fi
	for c in $cmds; do
		sub=
		[ "$prog $c" = "attest root" ] && sub=create
		"$prog" "$c" --help | sed '/^$/q' |
			grep -oE -- '(^|[][ (|])--[a-z][a-z0-9-]*' |
			sed 's/^[][ (|]//' | grep -vx -- '--help' |
			sort -u >"$T/want"
		echo --help >>"$T/want"
		sort -o "$T/want" "$T/want"
		comp "$prog $c $sub --"
		if [ -s "$T/out" ] && cmp -s "$T/want" "$T/out"; then
			ok "$prog $c: every long option of its usage, nothing else"
		else
			not_ok "$prog $c: long options ($(diff "$T/want" "$T/out" |
				grep '^[<>]' | tr '\n' ' '))"
		fi
	done
done

# The file installs where bash-completion looks for it, under both names.
grep -q "'bash-completion' / 'completions'" "$SRCDIR/meson.build" &&
	ok "meson installs the completion" ||
	not_ok "meson installs the completion"

echo "1..$((passed + failed))"
[ "$failed" -eq 0 ]
