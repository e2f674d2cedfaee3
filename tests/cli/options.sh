#!/bin/sh
# Every command's options come from one table: --help lists what the parser
# takes, and the parser takes every option --help lists. An unknown option,
# a missing value and a value given to a flag are usage errors (exit 2) of
# one shape: "prog CMD: reason" and a hint to --help.
. "$SRCDIR/tests/cli/lib.sh"

# each PROG: "BIN|ARGS-BEFORE-OPTIONS|NAME" lines for PROG's commands.
each() {
	if [ "$1" = attest ]; then
		for c in keygen hash sign build export disclose; do
			echo "$ATTEST|$c|$c"
		done
		echo "$ATTEST|log frob|log"
		echo "$ATTEST|root create|root create"
	else
		for c in artifact source rebuild diff log root; do
			echo "$VERIFY|$c|$c"
		done
	fi
}

# opts BIN ARGS: "NAME ARG" (ARG "-" for a flag) of each option line of
# --help, the ones whose left column is "  [-x, ]--name [ARG]".
opts() {
	# shellcheck disable=SC2086
	"$1" $2 --help | sed -n '/^$/,$p' |
		sed -nE 's/^  (-[a-zA-Z0-9], )?--([a-z0-9-]+)( ([^ ]+))?(  .*)?$/\2 \4/p' |
		while read -r name arg; do echo "$name ${arg:--}"; done
}

for prog in attest verify; do
	each $prog >"$T/cmds"
	while IFS='|' read -r bin args name; do
		# shellcheck disable=SC2086
		expect 2 "$prog $name: an unknown option" \
			"$bin" $args --no-such-option </dev/null
		same "$(head -n 1 "$T/err")" \
			"$prog $name: unknown option '--no-such-option'" \
			"$prog $name: it names the option"
		same "$(sed -n 2p "$T/err")" "Try '$prog $name --help'." \
			"$prog $name: and points to --help"
		# shellcheck disable=SC2086
		expect 2 "$prog $name: an unknown short option" \
			"$bin" $args -Z </dev/null
		err_has "^$prog $name: unknown option '-Z'$" "$prog $name: names -Z"

		opts "$bin" "$args" >"$T/opts"
		n=$(wc -l <"$T/opts")
		if [ "$n" -ge 3 ]; then
			ok "$prog $name --help lists $n options"
		else
			not_ok "$prog $name --help lists $n options"
		fi
		# The usage lines name only options the table lists.
		# shellcheck disable=SC2086
		"$bin" $args --help | sed '/^$/q' |
			grep -oE -- '--[a-z0-9-]+' | sort -u >"$T/syn"
		missing=$(cut -d' ' -f1 "$T/opts" | sed 's/^/--/' |
			sort -u | comm -23 "$T/syn" - |
			grep -vxE -- '--(source|git|rev|tarball)' | tr '\n' ' ')
		# build and rebuild describe the source options on one line.
		same "$missing" "" "$prog $name: each option of the usage is listed"

		while read -r opt arg; do
			[ "$opt" = help ] && continue
			rm -rf "$T/run" && mkdir "$T/run"
			if [ "$arg" = - ]; then
				# shellcheck disable=SC2086
				(cd "$T/run" && "$bin" $args "--$opt" </dev/null \
					>"$T/out" 2>"$T/err")
				# shellcheck disable=SC2086
				(cd "$T/run" && "$bin" $args "--$opt=1" </dev/null \
					>/dev/null 2>"$T/err2")
				if grep -q "option '--$opt' takes no value" "$T/err2"; then
					ok "$prog $name --$opt=1: a flag takes no value"
				else
					not_ok "$prog $name --$opt=1: a flag takes no value"
					sed 's/^/#   stderr: /' "$T/err2" | head -5
				fi
			else
				# shellcheck disable=SC2086
				(cd "$T/run" && "$bin" $args "--$opt" 1 </dev/null \
					>"$T/out" 2>"$T/err")
				# shellcheck disable=SC2086
				(cd "$T/run" && "$bin" $args "--$opt" </dev/null \
					>/dev/null 2>"$T/err2")
				rc=$?
				if [ $rc -eq 2 ] &&
					grep -q "option '--$opt' needs a value" "$T/err2"; then
					ok "$prog $name --$opt: its $arg is required"
				else
					not_ok "$prog $name --$opt: its $arg is required (exit $rc)"
					sed 's/^/#   stderr: /' "$T/err2" | head -5
				fi
			fi
			if grep -qE "unknown option|needs a value|takes no value" "$T/err"; then
				not_ok "$prog $name --$opt is accepted by the parser"
				sed 's/^/#   stderr: /' "$T/err" | head -5
			else
				ok "$prog $name --$opt is accepted by the parser"
			fi
		done <"$T/opts"
	done <"$T/cmds"
done

done_testing
