#!/bin/sh
# attest build --check: a project that leaks one thing another machine
# differs in (the date, uname -r, the CPU count, directory order, the host
# name, the time of day) is caught and the variation named, exit 1, both
# builds' artifacts kept and explained; a clean project passes; what the
# sandbox pins (TZ, locale, umask, HOME, USER) never leaks.
. "$SRCDIR/tests/cli/lib.sh"

# project NAME SCRIPT: a git repository whose build.sh runs SCRIPT and
# whose artifact is out.txt; src/ holds a few files for the order cases.
project() {
	mkdir -p "$1/src"
	for f in alpha beta gamma delta epsilon; do
		echo "$f" >"$1/src/$f.c"
	done
	printf 'set -e\n%s\n' "$2" >"$1/build.sh"
	git -C "$1" init -q && git -C "$1" add -A &&
		git -C "$1" commit -qm "$1"
}

# check NAME [OPTION]...: attest build --check on project NAME.
check() {
	p=$1
	shift
	expect "$want" "$what" "$ATTEST" build --git "$p" --check \
		--output-dir "out-$p" "$@" --artifact out.txt -- sh build.sh
}

# caught NAME CAUSE: the last check named CAUSE, and only it.
caught() {
	out_has "^cause +$2" "$1: the cause is named on stdout"
	err_has "not reproducible: $2" "$1: and in the one-line verdict"
	same "$(grep -c '^cause ' "$T/out")" 1 "$1: no other variation blamed"
}

cpus=$(nproc)
has_faketime=0
for d in /usr/lib/*/faketime /usr/lib/faketime /usr/lib64/faketime; do
	[ -e "$d/libfaketime.so.1" ] && has_faketime=1
done

# --- a clean project, and what the sandbox pins ---------------------------
project clean 'for v in TZ LANG LC_ALL HOME USER LOGNAME; do eval "echo $v=\${$v-}"; done >out.txt
umask >>out.txt; id -u >>out.txt; pwd >>out.txt; ls src >>out.txt
cat src/*.c >>out.txt'
want=0 what="a clean project is reproducible" check clean
out_has "^reproducible: two builds gave identical artifacts" "clean: says so"
out_has "^varied +the caller's environment" "clean: says what was varied"
out_has "^varied +directory order" "clean: directory order was varied"
out_has "^varied +the kernel release" "clean: the kernel release was varied"
[ -e out-clean/check-build2 ] && not_ok "clean: build 2's directory removed" ||
	ok "clean: build 2's directory removed"
[ -f out-clean/out.txt ] && ok "clean: build 1's artifact kept" ||
	not_ok "clean: build 1's artifact kept"

# --- the date ---------------------------------------------------------------
project date 'date +%F >out.txt'
if [ "$has_faketime" = 1 ]; then
	want=1 what="a build that records the date" check date
	caught date "the date"
	out_has "^explain +out.txt" "date: the first differing artifact explained"
	out_has "leak: build date" "date: the diff engine names the leak"
	out_has "^kept +build 1: out-date +build 2: out-date/check-build2" \
		"date: says where both builds are"
	differ "$(cat out-date/out.txt)" "$(cat out-date/check-build2/out.txt)" \
		"date: both builds' artifacts kept, and they differ"
	same "$(cat out-date/out.txt)" "$(date -u +%F)" "date: build 1 ran today"
	same "$(cat out-date/check-build2/out.txt)" \
		"$(date -u -d '+373 days' +%F)" "date: build 2 ran 373 days later"
	[ -f out-date/check-build2/build.log ] && ok "date: build 2's log kept" ||
		not_ok "date: build 2's log kept"
	n=$(grep -c 'finding the cause' "$T/err")
	[ "$n" -le 7 ] && ok "date: at most one rebuild per variation ($n)" ||
		not_ok "date: at most one rebuild per variation ($n)"
	# --fake-clock pins the clock: another day is moot, and said so.
	want=0 what="--fake-clock: the date cannot leak" check date --fake-clock
	out_has "^not varied +the date: --fake-clock pins the clock" \
		"--fake-clock: the date variation is said to be moot"
	# Only what --check-vary names is varied.
	want=0 what="--check-vary without date does not vary it" check date \
		--check-vary order,cpus
	out_has "^varied +directory order" "--check-vary: order varied"
	if grep -q '^varied +the date' "$T/out"; then
		not_ok "--check-vary: the date not varied"
	else
		ok "--check-vary: the date not varied"
	fi
else
	echo "# libfaketime not installed: the date variation not tested"
fi

# --- the kernel release ---------------------------------------------------
project kernel 'uname -r >out.txt'
want=1 what="a build that records uname -r" check kernel
caught kernel "the kernel release"
case "$(cat out-kernel/check-build2/out.txt)" in
2.6.*) ok "kernel: build 2 saw a 2.6 release" ;;
*) not_ok "kernel: build 2 saw a 2.6 release ($(cat out-kernel/check-build2/out.txt))" ;;
esac
same "$(cat out-kernel/out.txt)" "$(uname -r)" "kernel: build 1 saw the real one"
project osrelease 'cat /proc/sys/kernel/osrelease >out.txt; cut -d" " -f3 /proc/version >>out.txt'
want=1 what="a build that reads /proc/sys/kernel/osrelease" check osrelease \
	--check-vary kernel,host
caught osrelease "the kernel release"
same "$(sed -n 1p out-osrelease/check-build2/out.txt)" \
	"$(sed -n 2p out-osrelease/check-build2/out.txt)" \
	"osrelease: /proc/version says the same release"

# --- the CPU count ---------------------------------------------------------
project cpus 'nproc >out.txt'
if [ "$cpus" -gt 1 ]; then
	want=1 what="a build that records nproc" check cpus
	caught cpus "the CPU count"
	same "$(cat out-cpus/check-build2/out.txt)" 1 "cpus: build 2 saw 1 CPU"
	same "$(cat out-cpus/out.txt)" "$cpus" "cpus: build 1 saw them all"
	# A build that fails on another machine is not reproducible either.
	project needs2 'test "$(nproc)" -gt 1; echo ok >out.txt'
	want=1 what="a build that fails on one CPU" check needs2 \
		--check-vary cpus,kernel
	out_has "^FAILED +build 2" "needs2: build 2's failure is said"
	out_has "^cause +the CPU count.*: the build fails" \
		"needs2: the CPU count named as what makes it fail"
	err_has "not reproducible: build 2 failed" "needs2: the verdict says so"
	# On one CPU the variation cannot be applied, and says so.
	if command -v taskset >/dev/null; then
		# taskset runs attest itself, and so the build, on one CPU.
		expect 0 "on one CPU: exit 0" taskset -c 0 "$ATTEST" build \
			--git cpus --check --check-vary cpus --output-dir one \
			--artifact out.txt -- sh build.sh
		out_has "^not varied +the CPU count: could not be applied: this machine gives the build 1 CPU" \
			"one CPU: the reason is given"
	fi
else
	echo "# one CPU: the CPU count variation not tested"
fi

# --- directory order -------------------------------------------------------
project order 'find src -mindepth 1 -maxdepth 1 >out.txt'
want=1 what="a build that records directory order" check order
caught order "directory order"
# GNU coreutils as the oracle: build 2 read every entry in reverse.
same "$(tac out-order/out.txt | tr '\n' ' ')" \
	"$(tr '\n' ' ' <out-order/check-build2/out.txt)" \
	"order: build 2 listed src/ in the opposite order"
same "$(sort out-order/out.txt | tr '\n' ' ')" \
	"$(find order/src -mindepth 1 | sed 's|^order/||' | sort | tr '\n' ' ')" \
	"order: the same entries"
project ordersub 'for f in $(ls -f src); do echo "$f" >>out.txt; done'
want=1 what="ls -f order is caught too" check ordersub --check-vary order
caught ordersub "directory order"
project sorted 'ls src >out.txt; for f in src/*.c; do echo "$f" >>out.txt; done'
want=0 what="a build that sorts what it lists is reproducible" check sorted \
	--check-vary order
out_has "^varied +directory order" "sorted: directory order was varied"

# --- the host name and the time of day --------------------------------------
project host 'uname -n >out.txt; domainname >>out.txt 2>/dev/null || true'
want=1 what="a build that records the host name" check host
caught host "the host name"
project clock 'date +%s%N >out.txt'
want=1 what="a build that records the time of day" check clock
caught clock "the time of the build"
same "$(grep -c 'finding the cause' "$T/err")" 1 \
	"clock: one rebuild, with nothing varied, is enough to tell"

# --- --check-dir and bad options ---------------------------------------------
want=1 what="--check-dir DIR keeps build 2 there" check kernel \
	--check-dir kept2 --check-vary kernel
out_has "build 2: kept2$" "--check-dir: said"
[ -f kept2/out.txt ] && ok "--check-dir: build 2's artifact there" ||
	not_ok "--check-dir: build 2's artifact there"
mkdir mine && echo precious >mine/file
expect 2 "--check-dir: a directory that is not empty is refused" \
	"$ATTEST" build --git clean --check --check-dir mine \
	--artifact out.txt -- sh build.sh
err_has "not empty" "--check-dir: says why"
same "$(cat mine/file)" precious "--check-dir: nothing of it removed"
ln -s out-kernel link-to-out
for bad in "--check-vary bogus" "--check-vary date,,nope" "--check-vary ," \
	"--check-vary date --check-vary order" "--check-dir x --check-dir y" \
	"--check-dir out-kernel" "--check-dir ./out-kernel" \
	"--check-dir out-kernel/" "--check-dir out-kernel/sub" \
	"--check-dir ." "--check-dir link-to-out"; do
	# shellcheck disable=SC2086
	expect 2 "bad option: $bad" "$ATTEST" build --git kernel --check \
		--output-dir out-kernel $bad --artifact out.txt -- sh build.sh
	err_has "^attest build: --check-(vary|dir)" "bad option: $bad: says which"
done
ls -a out-kernel/check-build2 | grep -q '^\.cleanroom-check-build2$' &&
	ok "default build 2's directory carries attest's marker" ||
	not_ok "default build 2's directory carries attest's marker"
want=1 what="a kept, marked check-build2 is replaced by the next run" \
	check kernel --check-vary kernel
[ -f out-kernel/out.txt ] && ok "--check-dir spelled otherwise: artifacts kept" ||
	not_ok "--check-dir spelled otherwise: artifacts kept"
mkdir -p out-user/check-build2 && echo precious >out-user/check-build2/p.txt
expect 2 "a check-build2 of the user's is refused, not removed" \
	"$ATTEST" build --git clean --check --output-dir out-user \
	--artifact out.txt -- sh build.sh
err_has "check-build2: exists and is not attest's" "check-build2: says why"
same "$(cat out-user/check-build2/p.txt)" precious \
	"check-build2: the user's file is still there"
ln -s out-user/check-build2 linked && mkdir out-link &&
	ln -s ../linked out-link/check-build2
expect 2 "a check-build2 that is a symbolic link is refused" \
	"$ATTEST" build --git clean --check --output-dir out-link \
	--artifact out.txt -- sh build.sh
same "$(cat out-user/check-build2/p.txt)" precious \
	"check-build2 link: the file behind it is still there"
expect 2 "--check-vary without --check" "$ATTEST" build --git kernel \
	--check-vary date --artifact out.txt -- sh build.sh
expect 2 "--check-dir without --check" "$ATTEST" build --git kernel \
	--check-dir x --artifact out.txt -- sh build.sh
"$ATTEST" build --help >help.txt
grep -q -- '--check-vary LIST' help.txt && ok "--help lists --check-vary" ||
	not_ok "--help lists --check-vary"

done_testing
