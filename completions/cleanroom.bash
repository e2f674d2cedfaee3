# bash completion for attest and verify (cleanroom).
#
# Commands and options are read from the programs' own --help at the
# first completion and cached for the shell's life, so the completion
# can never offer an option the installed programs do not have.

# _cleanroom_help PROG [CMD [SUB]]: the help text, cached.
declare -gA _cleanroom_cache 2>/dev/null || true

_cleanroom_help()
{
	local key="$*"
	if [[ -z ${_cleanroom_cache[$key]+set} ]]; then
		_cleanroom_cache[$key]=$("$1" "${@:2}" --help 2>/dev/null)
	fi
	printf '%s\n' "${_cleanroom_cache[$key]}"
}

# The commands a help text lists: the first word of each indented line
# of its "Commands:" block.
_cleanroom_commands()
{
	_cleanroom_help "$@" | awk '
		/^Commands:/ { on = 1; next }
		on && /^$/ { exit }
		on && /^  [a-z]/ { print $1 }'
}

# The words after "usage: PROG CMD" (and "PROG CMD" on the usage
# lines that follow) that are sub-commands: attest log init, add...
_cleanroom_subcommands()
{
	local prog=$1 cmd=$2
	_cleanroom_help "$prog" "$cmd" | awk -v p="$prog" -v c="$cmd" '
		/^$/ { exit }
		{
			for (i = 1; i < NF; i++)
				if ($i == p && $(i + 1) == c && i + 2 <= NF &&
				    $(i + 2) ~ /^[a-z]+$/)
					print $(i + 2)
		}' | sort -u
}

# Every option named in the usage block, one per line; with -a, each
# followed by its argument's name when it takes one.  With a
# sub-command (attest log witness), only the usage lines of that one.
_cleanroom_options()
{
	local withargs=0
	if [[ $1 == -a ]]; then
		withargs=1
		shift
	fi
	_cleanroom_help "$1" "$2" | awk -v a=$withargs -v p="$1" -v c="$2" \
	    -v s="${3:-}" '
		/^$/ { exit }
		{
			if (s != "") {
				for (i = 1; i < NF; i++)
					if ($i == p && $(i + 1) == c)
						on = ($(i + 2) == s)
				if (!on)
					next
			}
			gsub(/[][()|]/, " ")
			for (i = 1; i <= NF; i++) {
				if ($i !~ /^--?[A-Za-z][A-Za-z0-9-]*$/ ||
				    $i == "--help" || $i == "--version")
					continue
				arg = ""
				if (i < NF && $(i + 1) ~ /^[A-Z][A-Z0-9._|=]*$/)
					arg = $(i + 1)
				print (a ? $i " " arg : $i)
			}
		}' | sort -u
}

_cleanroom_complete()
{
	local prog=$1 cur prev cmd="" sub="" i w
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()

	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		[[ $w == -* ]] && continue
		if [[ -z $cmd ]]; then
			cmd=$w
		elif [[ -z $sub ]] &&
			_cleanroom_subcommands "$prog" "$cmd" | grep -qx -- "$w"; then
			sub=$w
		fi
	done

	if [[ -z $cmd ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_cleanroom_commands "$prog")
			--help --version" -- "$cur")
		return
	fi
	if ! _cleanroom_commands "$prog" | grep -qx -- "$cmd"; then
		return
	fi

	local subs
	subs=$(_cleanroom_subcommands "$prog" "$cmd")
	if [[ -n $subs && -z $sub ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$subs --help" -- "$cur")
		return
	fi

	# The argument of the previous option: a directory, a file, or
	# nothing to offer (a number, a name).
	local argname
	argname=$(_cleanroom_options -a "$prog" "$cmd" $sub |
		awk -v o="$prev" '$1 == o { print $2; exit }')
	case $argname in
	"") ;;
	DIR | STATEDIR | REPO)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return
		;;
	N | I | SECONDS | NAME | REV | ORIGIN | SUITE | TIMESTAMP | URL | \
	ARCH | PKG | NAME=VALUE | SOURCE_DATE_EPOCH=N)
		return
		;;
	*)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_cleanroom_options \
			"$prog" "$cmd" $sub) --help" -- "$cur")
		return
	fi
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

_cleanroom_attest() { _cleanroom_complete "${COMP_WORDS[0]}"; }
_cleanroom_verify() { _cleanroom_complete "${COMP_WORDS[0]}"; }

complete -o filenames -F _cleanroom_attest attest
complete -o filenames -F _cleanroom_verify verify
