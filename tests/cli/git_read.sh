#!/bin/sh
# One reading of every repository: what attest reads of a git repository is
# what a reviewer's `git clone` checks out, or it is refused (exit 2) with a
# line naming the path and the reason. The oracle is git itself: each case
# is cloned and checked out, and the checkout hashed by a SHA-256 git.
. "$SRCDIR/tests/cli/lib.sh"

# raw_tree REPO 'MODE NAME OID'...: writes a tree object holding exactly these
# entries, modes as written and in the order given, and prints its id.
raw_tree() {
	r=$1
	shift
	python3 -c '
import sys
body = b""
for spec in sys.argv[1:]:
    mode, rest = spec.split(" ", 1)
    name, oid = rest.rsplit(" ", 1)
    name = name.encode().decode("unicode_escape").encode("latin-1")
    body += mode.encode() + b" " + name + b"\0" + bytes.fromhex(oid)
sys.stdout.buffer.write(body)
' "$@" | git -C "$r" hash-object -t tree --literally -w --stdin
}

# commit_tree REPO TREE: makes TREE the tree of a new commit on main.
commit_tree() {
	c=$(git -C "$1" commit-tree "$2" -m raw) &&
		git -C "$1" update-ref refs/heads/main "$c"
}

# checkout_tree REPO [GIT-OPTION]...: clones REPO through the pack protocol
# (what a reviewer gets), with the git options given, and prints the SHA-256
# tree id of the checkout; "clone-failed" when git cannot check it out.
checkout_tree() {
	r=$1
	shift
	rm -rf "$T/co"
	if git "$@" clone -q --no-local "$r" "$T/co" 2>"$T/clone.err"; then
		raw_sha256_tree "$T/co"
	else
		echo clone-failed
	fi
}

first() { cut -d' ' -f1 <"$T/out"; }

# raw_sha256_tree DIR: git_sha256_tree of DIR's bytes as they are: the
# reference repository's info/attributes (which outranks every
# .gitattributes) turns off the conversions git add would apply.
raw_sha256_tree() {
	rm -rf "$T/.raw"
	git init -q --bare --object-format=sha256 "$T/.raw" &&
		mkdir -p "$T/.raw/info" &&
		echo '* -text -ident -filter -working-tree-encoding -eol -crlf' \
			>"$T/.raw/info/attributes" &&
		git --git-dir="$T/.raw" --work-tree="$1" add -A &&
		git --git-dir="$T/.raw" --work-tree="$1" write-tree ||
		echo "git-could-not-compute-the-tree"
}

"$ATTEST" keygen -o vendor >/dev/null 2>&1
printf 'fw\n' >fw.bin

# Modes: git's checkout makes 160755, 0, 60000 and 140000 a gitlink (an
# empty directory), 120755 a symlink, 100664 and 100610 a 100644 file, 100700
# a 100755 file; libgit2 1.5 makes the first four a file, 120755 and 100610
# an executable. Only the four modes git writes are read.
printf 'ok\n' >ok.txt
printf 'payload\n' >payload.txt
for m in 160755 0 60000 140000 120755 100664 100700 100610 40755; do
	r=mode$m
	git init -q "$r"
	okb=$(git -C "$r" hash-object -w "$T/ok.txt")
	pb=$(git -C "$r" hash-object -w "$T/payload.txt")
	commit_tree "$r" "$(raw_tree "$r" "100644 ok $okb" "$m x $pb")"
	co=$(checkout_tree "$r")
	expect 2 "mode $m refused" "$ATTEST" hash --git "$r"
	err_has "'x': mode $m, which git checks out as" "mode $m: message"
	err_one_line "mode $m: one line"
	# What the reviewer's clone holds is not the file libgit2 1.5 reads.
	mkdir -p "asfile$m" && cp ok.txt "asfile$m/ok" &&
		cp payload.txt "asfile$m/x"
	case $m in 1006* | 1007* | 4*) continue ;; esac
	differ "$co" "$(git_sha256_tree "asfile$m")" \
		"mode $m: the checkout is not x as a file ($co)"
done
same "$(readlink "$T/co/x" 2>/dev/null || echo none)" none \
	"40755 over a blob: git cannot clone it either"
co=$(checkout_tree mode120755)
same "$(readlink "$T/co/x")" payload "120755: git checks out a symlink"
co=$(checkout_tree mode100610)
[ -f "$T/co/x" ] && [ ! -x "$T/co/x" ] && ok "100610: git checks out 100644" ||
	not_ok "100610: git checks out 100644"

# Zero-padded modes are what git checks out as the plain ones: read, and
# the hash is the checkout's.
git init -q padded
okb=$(git -C padded hash-object -w "$T/ok.txt")
sub=$(raw_tree padded "0100644 f $okb" "0100755 g $okb")
commit_tree padded "$(raw_tree padded "100644 ok $okb" "040000 sub $sub")"
expect 0 "zero-padded modes read" "$ATTEST" hash --git padded
same "$(first)" "$(checkout_tree padded)" "zero-padded: the checkout's hash"

# Every command shares the reader: the vendor signs what the old reader
# said of mode0 (x as a file); nothing reading the repository accepts it.
expect 0 "vendor signs x as a file" "$ATTEST" sign --source asfile0 \
	--key vendor.key -o fw.intoto.jsonl fw.bin
expect 2 "verify source --git refuses mode 0" "$VERIFY" source \
	-a fw.intoto.jsonl -k vendor.pub --git mode0
err_has "'x': mode 0," "verify source: names the entry"
checkout_tree mode0 >/dev/null
expect 1 "verify source on the reviewer's clone: differs" "$VERIFY" source \
	-a fw.intoto.jsonl -k vendor.pub "$T/co"
expect 2 "export refuses mode 0" "$ATTEST" export --git mode0 -o m0.tar
err_has "'x': mode 0," "export: names the entry"
[ -e m0.tar ] && not_ok "export wrote nothing" || ok "export wrote nothing"
expect 2 "disclose refuses mode 0" "$ATTEST" disclose --git mode0 \
	-o m0.bundle ok
expect 2 "sign --git refuses mode 0" "$ATTEST" sign --git mode0 \
	--key vendor.key -o m0.intoto.jsonl fw.bin
expect 2 "build --git refuses mode 0" "$ATTEST" build --git mode0 \
	--artifact ok --output-dir m0out -- true
err_has "'x': mode 0," "build: names the entry"

# Names git's checkout refuses (core.protectNTFS is on everywhere,
# core.protectHFS on macOS): the reviewer's clone has no checkout at all.
# name_case NAME MODE GIT-OPTION...: a tree holding ok and NAME (a blob, or
# with MODE 40000 a tree holding ok).
name_case() {
	rm -rf names
	git init -q names
	okb=$(git -C names hash-object -w "$T/ok.txt")
	oid=$okb
	[ "$2" = 40000 ] && oid=$(raw_tree names "100644 ok $okb")
	commit_tree names "$(raw_tree names "100644 ok $okb" "$2 $1 $oid")"
	shift 2
	same "$(checkout_tree names "$@")" clone-failed \
		"git cannot check out '$(cat "$T/clone.err" | head -1)'"
	expect 2 "refused" "$ATTEST" hash --git names
	err_has "a name git refuses to check out" "refused: named"
}
name_case 'GIT~1' 40000 -c core.x=1
name_case '.git.' 100644 -c core.x=1
name_case '.Git  ' 40000 -c core.x=1
name_case '.gitmodules' 120000 -c core.x=1
name_case '.g\xe2\x80\x8cit' 40000 -c core.protectHFS=true

# Entries out of git's order: git checks them all out, but git show
# HEAD:a finds nothing, git fsck says treeNotSorted and git diff walks the
# trees assuming the order: refused (git never writes such a tree).
git init -q unsorted
okb=$(git -C unsorted hash-object -w "$T/ok.txt")
pb=$(git -C unsorted hash-object -w "$T/payload.txt")
commit_tree unsorted "$(raw_tree unsorted "100644 z $okb" "100644 a $pb")"
expect 2 "unsorted tree refused" "$ATTEST" hash --git unsorted
err_has "'a': a tree whose entries are not in git's order" \
	"unsorted: names the entry"

# A plain repository to vary: f holds "good", bad.txt "evil".
git init -q base
printf 'good\n' >base/f && printf 'one\n' >base/g
git -C base add -A && git -C base commit -qm one
printf 'two\n' >base/g && git -C base commit -qam two
printf 'three\n' >base/g && git -C base commit -qam three
good=$(checkout_tree base)
expect 0 "plain repository" "$ATTEST" hash --git base
same "$(first)" "$good" "plain: the checkout's hash"

# Replace refs: git shows the replacement in the repository itself (a
# fresh clone does not fetch them); libgit2 shows the original.
cp -a base repl
evil=$(printf 'evil\n' | git -C repl hash-object -w --stdin)
git -C repl replace "$(git -C repl rev-parse HEAD:f)" "$evil"
same "$(git -C repl show HEAD:f)" evil "git shows the replaced blob"
expect 2 "replace ref refused" "$ATTEST" hash --git repl
err_has "replace ref 'refs/replace/[0-9a-f]+'" "replace: names the ref"
err_one_line "replace: one line"
git -C repl pack-refs --all
expect 2 "packed replace ref refused" "$ATTEST" hash --git repl
expect 2 "export refuses replace refs" "$ATTEST" export --git repl -o r.tar
expect 2 "verify source --git refuses replace refs" "$VERIFY" source \
	-a fw.intoto.jsonl -k vendor.pub --git repl
git -C repl replace -d "$(git -C repl rev-parse HEAD:f)" >/dev/null
expect 0 "replace ref deleted: read again" "$ATTEST" hash --git repl
same "$(first)" "$good" "replace deleted: the checkout's hash"
cp -a base repl2
git -C repl2 replace HEAD HEAD~2
expect 2 "a replaced commit" "$ATTEST" hash --git repl2
GIT_REPLACE_REF_BASE=refs/other/ git -C repl2 update-ref refs/other/x \
	"$(git -C repl2 rev-parse HEAD)"
git -C repl2 replace -d HEAD >/dev/null
expect 0 "refs/other/ is no replace ref by default" "$ATTEST" hash --git repl2
GIT_REPLACE_REF_BASE=refs/other/ expect 2 \
	"refs/other/ with GIT_REPLACE_REF_BASE=refs/other/" \
	"$ATTEST" hash --git repl2

# Grafts: git takes HEAD~1 to be the first commit, libgit2 the second.
cp -a base graft
root=$(git -C graft rev-parse HEAD~2)
printf '%s %s\n' "$(git -C graft rev-parse HEAD)" "$root" \
	>graft/.git/info/grafts
same "$(git -C graft rev-parse HEAD~1 2>/dev/null)" "$root" \
	"git honours the graft"
expect 2 "grafts refused" "$ATTEST" hash --git graft --rev HEAD~1
err_has "info/grafts" "grafts: named"
: >graft/.git/info/grafts
expect 0 "an empty grafts file changes nothing" "$ATTEST" hash --git graft
printf '%s\n' "$(git -C graft rev-parse HEAD)" >grafts
GIT_GRAFT_FILE=$T/grafts expect 2 "GIT_GRAFT_FILE refused" \
	"$ATTEST" hash --git graft
err_has "GIT_GRAFT_FILE" "GIT_GRAFT_FILE: named"

# Many .gitattributes holding one blob are read once: quick.
git init -q manyattrs
printf '* text\n' >manyattrs/.gitattributes
i=0
while [ $i -lt 200 ]; do
	mkdir manyattrs/d$i && cp manyattrs/.gitattributes manyattrs/d$i/
	i=$((i + 1))
done
printf '*.c ident\n' >manyattrs/d150/.gitattributes
git -C manyattrs add -A && git -C manyattrs commit -qm many
expect 2 "one bad .gitattributes among 201" "$ATTEST" hash --git manyattrs
err_has "'d150/.gitattributes' line 1 sets 'ident'" "the bad one is named"

# Shallow clones: the commit's tree is whole, what git checks out; history
# beyond the cut is missing for both.
git clone -q --depth 1 "file://$T/base" shallow 2>/dev/null
[ -f shallow/.git/shallow ] && ok "a shallow clone" || not_ok "a shallow clone"
expect 0 "shallow clone read" "$ATTEST" hash --git shallow
same "$(first)" "$good" "shallow: the checkout's hash"
expect 2 "shallow: HEAD~1 is not there" "$ATTEST" hash --git shallow --rev HEAD~1

# Alternates: libgit2 and git read the same borrowed objects.
git clone -q --shared base alt
[ -s alt/.git/objects/info/alternates ] && ok "alternates" ||
	not_ok "alternates"
expect 0 "repository with alternates read" "$ATTEST" hash --git alt
same "$(first)" "$good" "alternates: the checkout's hash"

# Attributes: each of these makes a checkout write other bytes than the
# committed blob; each is refused naming the file, line and attribute.
# blobs_tree REPO: the SHA-256 tree id of HEAD's blobs as committed (no
# attribute applied; git archive would apply them), all mode 100644.
blobs_tree() {
	rm -rf "$T/blobs"
	git -C "$1" ls-tree -r --name-only HEAD | while IFS= read -r p; do
		mkdir -p "$T/blobs/$(dirname "$p")"
		git -C "$1" cat-file blob "HEAD:$p" >"$T/blobs/$p"
	done
	raw_sha256_tree "$T/blobs"
}

# attr_case NAME ATTRIBUTES-LINE FILE CONTENT ATTRIBUTE [GIT-OPTION]...: a
# repository with sub/FILE and sub/.gitattributes; the checkout (with the
# reviewer's git options) differs from the blobs, and attest refuses it.
attr_case() {
	name=$1 line=$2 file=$3 content=$4 attr=$5
	shift 5
	git init -q "$name"
	mkdir -p "$name/sub"
	printf '%b' "$content" >"$name/sub/$file"
	printf '# comment: ident filter=x\n%s\n' "$line" \
		>"$name/sub/.gitattributes"
	git -C "$name" add -A
	git -C "$name" commit -qm "$name"
	co=$(checkout_tree "$name" "$@")
	differ "$co" "$(blobs_tree "$name")" \
		"$name: the checkout differs from the blobs"
	expect 2 "$name refused" "$ATTEST" hash --git "$name"
	err_has "'sub/.gitattributes' line 2 sets '$attr'" \
		"$name: names file, line, attribute"
	err_one_line "$name: one line"
}
attr_case ident '*.c ident' a.c 'char *id = "$Id$";\n' ident
attr_case eolcrlf '*.bat text eol=crlf' a.bat '@echo off\necho hi\n' eol=crlf
attr_case eolonly '*.bat eol=crlf' a.bat 'echo hi\n' eol=crlf
attr_case autocrlf '* text=auto eol=crlf' a.txt 'hi\n' eol=crlf
attr_case wte '*.txt working-tree-encoding=UTF-16' a.txt \
	'\0377\0376h\0000i\0000\n\0000' \
	working-tree-encoding
attr_case filter '*.dat filter=up' a.dat 'small\n' filter \
	-c filter.up.smudge='tr a-z A-Z'
attr_case quoted '"a b.c"ident' 'a b.c' '$Id$\n' ident

# A macro (defined at the top only) that sets ident, used in a subdirectory.
git init -q macro && mkdir macro/sub
printf '[attr]kw ident\n' >macro/.gitattributes
printf '*.c kw\n' >macro/sub/.gitattributes
printf '$Id$\n' >macro/sub/a.c
git -C macro add -A && git -C macro commit -qm macro
differ "$(checkout_tree macro)" "$(blobs_tree macro)" \
	"macro: the checkout differs from the blobs"
expect 2 "macro setting ident refused" "$ATTEST" hash --git macro
err_has "'.gitattributes' line 1 sets 'ident'" "macro: names the definition"

# Attributes that change nothing on a checkout with git's defaults are read,
# and the hash is the checkout's.
for line in '* text=auto' '*.c -ident' '*.dat !filter' '* text eol=lf' \
	'*.bin binary' '* crlf=input' '*.c diff=cpp export-ignore'; do
	rm -rf fine
	git init -q fine
	printf 'x $Id$ y\r\n' >fine/a.c
	printf '%s\n' "$line" >fine/.gitattributes
	git -C fine add -A && git -C fine commit -qm fine
	expect 0 "'$line' read" "$ATTEST" hash --git fine
	same "$(first)" "$(checkout_tree fine)" "'$line': the checkout's hash"
done

# .gitattributes as a symlink: git versions differ on following it.
git init -q attrlink
printf '* ident\n' >attrlink/attrs && ln -s attrs attrlink/.gitattributes
git -C attrlink add -A && git -C attrlink commit -qm l
expect 2 "symlinked .gitattributes refused" "$ATTEST" hash --git attrlink
err_has "'.gitattributes' is a symlink" "symlink .gitattributes: named"

# The repository's own info/attributes applies to checkouts made in it.
cp -a base infoattr
printf '* ident\n' >infoattr/.git/info/attributes
expect 2 "info/attributes with ident refused" "$ATTEST" hash --git infoattr
err_has "info/attributes line 1 sets 'ident'" "info/attributes: named"
printf '* text\n' >infoattr/.git/info/attributes
expect 0 "info/attributes with text read" "$ATTEST" hash --git infoattr

# The repository's own config applies to checkouts made in it too.
cp -a base localcfg
for kv in core.autocrlf=true core.autocrlf=1 core.eol=crlf \
	core.attributesFile=/dev/null; do
	git -C localcfg config "${kv%%=*}" "${kv#*=}"
	expect 2 "config $kv refused" "$ATTEST" hash --git localcfg
	err_has "config sets $(echo "${kv%%=*}" | tr A-Z a-z) \\(config\\)" \
		"config $kv: named"
	git -C localcfg config --unset "${kv%%=*}"
done
git -C localcfg config core.autocrlf input
git -C localcfg config core.eol lf
expect 0 "config autocrlf=input eol=lf read" "$ATTEST" hash --git localcfg
git -C localcfg config core.autocrlf false
git config --global core.autocrlf true
expect 0 "the caller's global config is not the repository's" \
	"$ATTEST" hash --git localcfg
git config --global --unset core.autocrlf

# A branch and a tag of one name: 'git clone --branch v1.2' and 'git checkout
# v1.2' give the reviewer the branch, git rev-parse and libgit2 the tag. The
# vendor signs the tag's tree; the reviewer reads the branch's.
git init -q amb
echo clean >amb/a.c && git -C amb add -A && git -C amb commit -qm clean
git -C amb branch v1.2
echo evil >amb/a.c && git -C amb commit -qam evil && git -C amb tag v1.2
git -C amb reset -q --hard HEAD~1
"$ATTEST" keygen -o ambkey >/dev/null 2>&1
"$ATTEST" sign --git amb --rev refs/tags/v1.2 --key ambkey.key -o amb.jsonl \
	amb/a.c >/dev/null 2>&1
git clone -q --branch v1.2 amb ambrev 2>/dev/null
grep -q clean ambrev/a.c && ok "git clone --branch v1.2 shows the branch" ||
	not_ok "git clone --branch v1.2 shows the branch"
expect 2 "verify source --rev naming a branch and a tag is refused" \
	"$VERIFY" source -a amb.jsonl -k ambkey.pub --git ambrev --rev v1.2
err_has "revision 'v1.2' is ambiguous: both refs/tags/v1.2 and refs/heads/v1.2" \
	"ambiguous revision: named"
err_one_line "ambiguous revision: one line"
expect 2 "attest hash --rev v1.2~0 too" "$ATTEST" hash --git amb --rev 'v1.2~0'
expect 1 "the branch the reviewer read is not the attested tree" \
	"$VERIFY" source -a amb.jsonl -k ambkey.pub --git ambrev \
	--rev refs/heads/v1.2
expect 0 "the full tag name is the attested tree" \
	"$VERIFY" source -a amb.jsonl -k ambkey.pub --git ambrev \
	--rev refs/tags/v1.2

# A branch named by a full commit id: 'git checkout ID' takes the branch,
# libgit2 and git rev-parse the commit.
E=$(git -C amb rev-parse refs/tags/v1.2)
git -C amb branch "$E" refs/heads/v1.2 2>/dev/null
git clone -q --branch "$E" amb ambhex 2>/dev/null &&
	git -C ambhex checkout -q "$E" 2>/dev/null
grep -q clean ambhex/a.c && ok "git checkout ID shows the branch named ID" ||
	not_ok "git checkout ID shows the branch named ID"
expect 2 "--rev ID with a branch named ID is refused" "$ATTEST" hash \
	--git ambhex --rev "$E"
err_has "both the object $E and refs/heads/$E" "object id and branch: named"
git -C amb branch -D "$E" >/dev/null 2>&1

# The vendor hands the reviewer its repository: the commit holds the
# backdoor, the files checked out hold a clean edit. git show and libgit2
# read the commit, the reviewer's editor reads the files.
git init -q dirty && echo 'int check(void) { return BACKDOOR; }' >dirty/a.c
git -C dirty add -A && git -C dirty commit -qm dirty
"$ATTEST" sign --git dirty --key ambkey.key -o dirty.jsonl dirty/a.c \
	>/dev/null 2>&1
echo 'int check(void) { return 0; }' >dirty/a.c
expect 2 "verify source --git on a working tree with uncommitted changes" \
	"$VERIFY" source -a dirty.jsonl -k ambkey.pub --git dirty
err_has "checked out at the hashed commit but 'a.c' differs from it" \
	"dirty working tree: named"
git -C dirty add a.c
expect 2 "staged changes too" "$VERIFY" source -a dirty.jsonl \
	-k ambkey.pub --git dirty
git -C dirty reset -q
# assume-unchanged and skip-worktree hide the edit from git status too.
for bit in assume-unchanged skip-worktree; do
	git -C dirty update-index --$bit a.c
	[ -z "$(git -C dirty status --porcelain)" ] &&
		ok "$bit: git status shows nothing" ||
		not_ok "$bit: git status shows nothing"
	expect 2 "an index entry marked $bit is refused" "$VERIFY" source \
		-a dirty.jsonl -k ambkey.pub --git dirty
	err_has "marks 'a.c' $bit" "$bit: named"
	git -C dirty update-index --no-$bit a.c
done
# core.worktree elsewhere: git status in dirty/ looks at a clean copy.
git clone -q dirty shadow
git -C dirty config core.worktree "$T/shadow"
echo 'int check(void) { return 0; }' >dirty/a.c
[ -z "$(git -C dirty status --porcelain)" ] &&
	ok "core.worktree: git status shows nothing" ||
	not_ok "core.worktree: git status shows nothing"
expect 2 "a working tree elsewhere (core.worktree) is refused" "$VERIFY" \
	source -a dirty.jsonl -k ambkey.pub --git dirty
err_has "config sets core.worktree \\(config\\): git checks the commit out into another directory" \
	"core.worktree: named"
git -C dirty config --unset core.worktree && git -C dirty checkout -q a.c
expect 0 "the .git directory given is the same repository" "$VERIFY" \
	source -a dirty.jsonl -k ambkey.pub --git dirty/.git
git -C dirty reset -q --hard && echo x >dirty/untracked.c
expect 0 "an untracked file is no part of the commit" "$VERIFY" source \
	-a dirty.jsonl -k ambkey.pub --git dirty
echo 'int check(void) { return 0; }' >dirty/a.c
expect 0 "attest hash still hashes the commit of a dirty tree" "$ATTEST" \
	hash --git dirty


# Settings git reads that libgit2 1.5 does not (config.worktree, includeIf
# hasconfig) or that run a command on checkout: the vendor hides its
# committed backdoor from every checkout made in its repository. git status
# is clean, the reviewer's files are clean, the hash is the backdoor's.
git init -q smudge
printf 'int main(void){return system("id");}\n' >smudge/main.c
git -C smudge add -A && git -C smudge commit -qm release
"$ATTEST" sign --git smudge --key ambkey.key -o smudge.jsonl smudge/main.c \
	>/dev/null 2>&1
git clone -q smudge smudgeclone
printf '*.c filter=hide\n' >"$T/attrs"
# hide GIT-CONFIG-COMMAND...: the smudge filter, with the config command given.
hide() {
	"$@" core.attributesFile "$T/attrs" &&
		"$@" filter.hide.smudge 'sed s/system\(\"id\"\)/0/' &&
		"$@" filter.hide.clean 'sed s/return\ 0\;/return\ system\(\"id\"\)\;/' &&
		rm smudge/main.c && git -C smudge checkout -q main.c
}
# hidden WHAT: git status is clean, the checkout is not the blob.
hidden() {
	same "$(git -C smudge status --porcelain)" "" "$1: git status is clean"
	differ "$(cat smudge/main.c)" "$(git -C smudge cat-file -p HEAD:main.c)" \
		"$1: git's checkout is not the committed blob"
}
git -C smudge config extensions.worktreeConfig true
hide git -C smudge config --worktree
hidden "config.worktree"
expect 2 "verify source --git: a smudge filter in config.worktree" \
	"$VERIFY" source -a smudge.jsonl -k ambkey.pub --git smudge
err_has "smudge: its config sets extensions.worktreeconfig \\(config\\): git reads config.worktree" \
	"config.worktree: named"
err_one_line "config.worktree: one line"
expect 2 "attest hash --git too" "$ATTEST" hash --git smudge
git -C smudge config --unset extensions.worktreeConfig
expect 2 "config.worktree without the extension: read anyway" \
	"$ATTEST" hash --git smudge
err_has "config sets core.attributesfile \\(config.worktree\\)" \
	"config.worktree: named"
rm smudge/.git/config.worktree && mkfifo smudge/.git/config.worktree
expect 2 "a FIFO config.worktree is refused, not waited on" \
	timeout 20 "$ATTEST" hash --git smudge
err_has "config.worktree: not a regular file" "FIFO config.worktree: named"
rm smudge/.git/config.worktree
git -C smudge remote add origin https://example.org/fw.git
git -C smudge config 'includeIf.hasconfig:remote.*.url:**.path' vendor.inc
hide git config --file smudge/.git/vendor.inc
hidden "includeIf hasconfig"
expect 2 "verify source --git: a smudge filter through includeIf" \
	"$VERIFY" source -a smudge.jsonl -k ambkey.pub --git smudge
err_has "smudge/.git/config: has an \\[include\\] or \\[includeIf\\] section" \
	"includeIf: named, before libgit2 follows it"
git -C smudge config --remove-section 'includeIf.hasconfig:remote.*.url:**'
git -C smudge config include.path vendor.inc
expect 2 "a plain include is refused too" "$ATTEST" hash --git smudge
err_has "smudge/.git/config: has an \\[include\\]" "include.path: named"
git -C smudge config --unset include.path
for k in filter.x.smudge filter.x.clean filter.X.process; do
	git -C smudge config "$k" cat
	expect 2 "$k refused" "$ATTEST" hash --git smudge
	err_has "config sets $k \\(config\\): a filter command" "$k: named"
	git -C smudge config --unset "$k"
done
# A linked worktree's own config.worktree.
git -C smudge worktree add -q "$T/wt" 2>/dev/null
git config --file smudge/.git/worktrees/wt/config.worktree filter.y.smudge cat
expect 2 "a linked worktree's config.worktree" "$ATTEST" hash --git wt
err_has "wt: its config sets filter.y.smudge \\(config.worktree\\)" \
	"linked worktree: named"
git -C smudge worktree remove --force "$T/wt"
# git's own reading is asked too (here a stand-in git that reads a setting
# the files do not show); without git the files alone are read.
rm smudge/main.c && git -C smudge checkout -q main.c
mkdir fakegit
printf '#!/bin/sh\nprintf "core.attributesfile\\n/x\\0"\n' >fakegit/git
chmod +x fakegit/git
PATH=$T/fakegit:$PATH expect 2 "what git reads is refused" \
	"$ATTEST" hash --git smudge
err_has "config sets core.attributesfile \\(as git reads it\\)" \
	"git's reading: named"
printf '#!/bin/sh\nexit 128\n' >fakegit/git
PATH=$T/fakegit:$PATH expect 2 "a config git cannot read is refused" \
	"$ATTEST" hash --git smudge
err_has "git cannot read its config" "git cannot read: named"
git -C smudge config core.trustctime false
git -C smudge config filter.lfs.required true
PATH=/nonexistent expect 0 "no git installed: a plain config is read" \
	"$ATTEST" hash --git smudge
git -C smudge config core.attributesFile "$T/attrs"
PATH=/nonexistent expect 2 "no git installed: the files are still read" \
	"$ATTEST" hash --git smudge
git -C smudge config --unset core.attributesFile
expect 0 "control: remote, user and core settings are read" \
	"$VERIFY" source -a smudge.jsonl -k ambkey.pub --git smudge
expect 0 "control: the reviewer's clone holds the hashed bytes" \
	"$VERIFY" source -a smudge.jsonl -k ambkey.pub --git smudgeclone
same "$(cat smudgeclone/main.c)" "$(git -C smudge cat-file -p HEAD:main.c)" \
	"control: git clone checks out the blob"

# The index's stat data: with core.trustctime false, a same-size rewrite
# with the old mtime is clean to git status; the working tree is read.
git init -q stat
git -C stat config core.trustctime false
printf 'int main(void){return system("id")   ;}\n' >stat/main.c
printf 'ok\n' >stat/b.txt && mkdir stat/sub && printf 's\n' >stat/sub/s
ln -s b.txt stat/link
touch -d '2024-01-01 00:00:00' stat/main.c
git -C stat add -A && git -C stat commit -qm release
"$ATTEST" sign --git stat --key ambkey.key -o stat.jsonl stat/main.c \
	>/dev/null 2>&1
sleep 1
printf 'int main(void){return 0 /* ok */     ;}\n' >stat/main.c
touch -d '2024-01-01 00:00:00' stat/main.c
same "$(git -C stat status --porcelain)" "" "stat cache: git status is clean"
expect 2 "verify source --git: the working tree's bytes differ" \
	"$VERIFY" source -a stat.jsonl -k ambkey.pub --git stat
err_has "stat: its working tree is checked out at the hashed commit but 'main.c' differs from it \\(other bytes\\)" \
	"stat cache: named"
err_one_line "stat cache: one line"
rm stat/main.c && git -C stat checkout -q main.c
touch stat/main.c stat/b.txt
expect 0 "control: same bytes, other mtimes" \
	"$VERIFY" source -a stat.jsonl -k ambkey.pub --git stat
git -C stat config core.fileMode false && chmod +x stat/b.txt
same "$(git -C stat status --porcelain)" "" "core.fileMode false: git status is clean"
expect 2 "an executable bit git status ignores" \
	"$VERIFY" source -a stat.jsonl -k ambkey.pub --git stat
err_has "'b.txt' differs from it \\(another executable bit\\)" "mode: named"
chmod -x stat/b.txt
rm stat/link && ln -s sub/s stat/link
expect 2 "a symlink with another target" \
	"$VERIFY" source -a stat.jsonl -k ambkey.pub --git stat
err_has "'link' differs from it \\(another symlink target\\)" "link: named"
rm stat/link && ln -s b.txt stat/link
mv stat/sub stat/sub2 && ln -s sub2 stat/sub
expect 2 "a tracked file reached through a symlinked directory" \
	"$VERIFY" source -a stat.jsonl -k ambkey.pub --git stat
err_has "'sub/s' differs from it \\(a directory on its path" "dir link: named"
rm stat/sub && mv stat/sub2 stat/sub && rm stat/b.txt
expect 2 "a deleted file" \
	"$VERIFY" source -a stat.jsonl -k ambkey.pub --git stat
err_has "'b.txt' differs from it \\(deleted\\)" "deleted: named"
git -C stat checkout -q b.txt
expect 0 "control: the restored checkout" \
	"$VERIFY" source -a stat.jsonl -k ambkey.pub --git stat
same "$(git -C stat status --porcelain)" "" "control: git status agrees"

# The git directory's files are checked before libgit2 opens any: a FIFO
# (git and libgit2 block opening it, with no timeout) or a device where git
# reads a file is refused, naming the file; so is an [include] section,
# before libgit2 follows it. Each case is bounded: 124 would be a hang.
git init -q gd
echo 'int main(void) { return 0; }' >gd/main.c
git -C gd add -A && git -C gd commit -qm v1 && git -C gd tag v1
"$ATTEST" sign -q --git gd --key ambkey.key -o gd.jsonl gd/main.c \
	>/dev/null 2>&1
mkfifo "$T/fifo"
# fifo_case FILE WHAT: FILE (in gd/.git) a FIFO is refused by attest hash
# --git and verify source --git, named.
fifo_case() {
	mkdir -p "$(dirname "gd/.git/$1")"
	cp -p "gd/.git/$1" "$T/saved" 2>/dev/null || rm -f "$T/saved"
	rm -f "gd/.git/$1" && mkfifo "gd/.git/$1"
	expect 2 "attest hash --git: $2" timeout 20 "$ATTEST" hash --git gd
	err_has "gd/.git/$1: not a regular file \\(a FIFO\\); refusing" \
		"$2: named"
	err_one_line "$2: one line"
	expect 2 "verify source --git: $2" timeout 20 "$VERIFY" source \
		-a gd.jsonl -k ambkey.pub --git gd
	rm -f "gd/.git/$1"
	if [ -f "$T/saved" ]; then cp -p "$T/saved" "gd/.git/$1"; fi
}
fifo_case config "config a FIFO"
fifo_case HEAD "HEAD a FIFO"
fifo_case info/attributes "info/attributes a FIFO"
fifo_case info/grafts "info/grafts a FIFO"
fifo_case objects/info/alternates "objects/info/alternates a FIFO"
fifo_case shallow "shallow a FIFO"
fifo_case FETCH_HEAD "FETCH_HEAD a FIFO"
fifo_case refs/tags/deep/x "a ref a FIFO"
git -C gd pack-refs --all
fifo_case packed-refs "packed-refs a FIFO"
git -C gd pack-refs --all
blob=$(git -C gd rev-parse HEAD:main.c)
fifo_case "objects/$(echo "$blob" | cut -c1-2)/x$(echo "$blob" | cut -c3-)" \
	"an object file a FIFO"
expect 0 "control: the restored repository hashes" "$ATTEST" hash --git gd
expect 0 "control: and verifies" "$VERIFY" source -a gd.jsonl -k ambkey.pub \
	--git gd
printf '[include]\n\tpath = %s\n' "$T/fifo" >>gd/.git/config
expect 2 "include.path naming a FIFO" timeout 20 "$ATTEST" hash --git gd
err_has "gd/.git/config: has an \\[include\\] or \\[includeIf\\] section" \
	"include of a FIFO: named"
err_one_line "include of a FIFO: one line"
sed -i '/^\[include\]/,$d' gd/.git/config
printf '[IncludeIf "gitdir:%s/"]\n\tpath = %s\n' "$T/gd/.git" "$T/fifo" \
	>>gd/.git/config
expect 2 "verify source --git: includeIf (any case) naming a FIFO" \
	timeout 20 "$VERIFY" source -a gd.jsonl -k ambkey.pub --git gd
err_has "gd/.git/config: has an \\[include\\]" "includeIf: named"
# A vendor's checkout checked as a directory: its .git is looked at for the
# commit time, and refused there without hanging; the files still verify.
"$ATTEST" sign -q --source gd --key ambkey.key -o gddir.jsonl gd/main.c \
	>/dev/null 2>&1
expect 0 "verify source DIR whose .git includes a FIFO: no hang" \
	timeout 20 "$VERIFY" source -a gddir.jsonl -k ambkey.pub gd
sed -i '/^\[IncludeIf/,$d' gd/.git/config
mv gd/.git "$T/gd.gitdir" && mkfifo gd/.git
expect 2 "a .git that is a FIFO" timeout 20 "$ATTEST" hash --git gd
err_has "gd/.git: not a regular file \\(a FIFO\\)" ".git FIFO: named"
rm gd/.git && mv "$T/gd.gitdir" gd/.git
expect 0 "control: restored again" "$ATTEST" hash --git gd

# The repository's own config must not make the reviewer's git show other
# bytes (a textconv driver: git log -p hides the backdoor) nor run commands
# as the reviewer working in it.
printf '*.c diff=cfmt\n' >gd/.gitattributes
git -C gd add -A && git -C gd commit -qm attrs && git -C gd tag v2a
echo 'int main(void) { system("id"); /* BACKDOOR */ return 0; }' >gd/main.c
git -C gd commit -qam v2 && git -C gd tag v2
git -C gd config diff.cfmt.textconv "sed 's/system(.*BACKDOOR \\*\\/ //'"
shown=$(git -C gd --no-pager log -p v2a..v2 -- main.c | grep -c BACKDOOR)
same "$shown" 0 "textconv: git log -p in the repository hides the change"
expect 2 "attest hash --git: diff.cfmt.textconv" "$ATTEST" hash --git gd
err_has "config sets diff.cfmt.textconv \\(config\\): a diff driver" \
	"textconv: named"
err_one_line "textconv: one line"
git -C gd config --unset diff.cfmt.textconv
mkdir -p "$T/elsewhere"
# Also (red team 5): commands git show, a merge or a fetch runs (a
# signature program, a merge driver, transport commands); what hides the
# tree from a checkout or a diff (a sparse checkout, another work tree,
# symlinks written as files, a diff driver marked binary); where git finds
# objects libgit2 does not (a partial clone, an ignored multi-pack-index).
for kv in diff.x.command=true diff.external=true core.pager=cat \
	pager.log=cat alias.st=log core.fsmonitor=true core.hooksPath=h \
	interactive.diffFilter=cat sequence.editor=true core.editor=true \
	gpg.program=x gpg.ssh.program=x merge.m.driver=x core.sshCommand=x \
	core.gitProxy=x credential.helper=x remote.origin.uploadpack=x \
	remote.origin.receivepack=x remote.origin.proxy=x diff.c.binary=true \
	core.sparseCheckout=true core.sparseCheckoutCone=true index.sparse=true \
	core.worktree="$T/elsewhere" core.symlinks=false \
	extensions.partialClone=origin remote.origin.promisor=true \
	core.multiPackIndex=false; do
	k=${kv%%=*}
	git -C gd config "$k" "${kv#*=}"
	expect 2 "$k refused" "$ATTEST" hash --git gd
	lk=$(echo "$k" | tr 'A-Z' 'a-z')
	err_has "config sets $lk \\(config\\)" "$k: named"
	git -C gd config --unset "$k"
done
git -C gd config core.fsmonitor false
git -C gd config diff.renames true
git -C gd config pull.rebase true
git -C gd config core.sparseCheckout false
git -C gd config core.symlinks true
git -C gd config commit.gpgSign true
git -C gd config gpg.format ssh
git -C gd config log.showSignature true
git -C gd config core.multiPackIndex true
expect 0 "control: core.fsmonitor false and harmless settings" \
	"$ATTEST" hash --git gd
# An executable hook (not git's *.sample ones, which git init writes).
ls gd/.git/hooks | grep -q '\.sample$' && ok "git init wrote sample hooks" ||
	not_ok "git init wrote sample hooks"
printf '#!/bin/sh\nexit 0\n' >gd/.git/hooks/post-checkout
expect 0 "control: a hook that is not executable" "$ATTEST" hash --git gd
chmod +x gd/.git/hooks/post-checkout
expect 2 "an executable hook" "$ATTEST" hash --git gd
err_has "gd/.git/hooks/post-checkout: an executable hook" "hook: named"
err_one_line "hook: one line"
rm gd/.git/hooks/post-checkout

done_testing
