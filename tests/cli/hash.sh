#!/bin/sh
# attest hash: the tree hash equals git's own SHA-256 tree id for a
# directory, a commit and archives of the same files; hostile or bad input
# is refused with one line and exit 2.
. "$SRCDIR/tests/cli/lib.sh"

first() { sed -n '1s/ .*//p' "$T/out"; }

# The tree: names that sort around a directory "a" (git compares it as
# "a/"), an executable, a symlink, nested and empty directories, an empty
# file, a non-ASCII name, a file over 64 MiB (sparse), and a .git to skip.
mkdir -p src/a/b/c src/empty/inner src/sub src/.git
for f in a.c a-b a0 a_ ab; do printf '%s\n' "$f" >"src/$f"; done
printf 'x\n' >src/a/x
printf 'deep\n' >src/a/b/c/deep
for f in a a.c a-b a0; do printf 'sub %s\n' "$f" >"src/sub/$f"; done
printf '#!/bin/sh\necho hi\n' >src/run.sh
chmod 755 src/run.sh
ln -s a.c src/link
ln -s ../nowhere src/sub/dangling
: >src/empty.txt
printf 'caf\303\251\n' >"src/caf$(printf '\303\251')"
truncate -s 70M src/big
printf 'the end\n' >>src/big
printf 'not part of the tree\n' >src/.git/HEAD
ref=$(git_sha256_tree src)
[ ${#ref} -eq 64 ] || { echo "Bail out! no SHA-256 git"; exit 2; }

expect 0 "directory" "$ATTEST" hash -q src
same "$(first)" "$ref" "directory hash is git's SHA-256 tree id"
out_has "^$ref  src\$" "first line is the hash, two spaces, the path"
expect 0 "one thread" "$ATTEST" hash --threads 1 src
same "$(first)" "$ref" "one thread gives the same hash"

expect 0 "json" "$ATTEST" hash --json src
out_has "\"tree\":\"$ref\"" "json has the tree"
out_has "\"id\":\"sha256tree:$ref\"" "json has the sha256tree id"
out_has '"kind":"directory"' "json says a directory"

# The same files without .git, for repositories and archives.
mkdir ref && cp -a src/. ref/ && rm -rf ref/.git

# --list in tree order is what git ls-tree -r says of the same tree.
git --git-dir="$T/.ref" -c core.quotepath=off ls-tree -r "$ref" |
	sed 's/ blob / /' >want.list
expect 0 "list" "$ATTEST" hash --list src
sed 1d "$T/out" >got.list
if cmp -s want.list got.list; then ok "--list is git ls-tree -r"; else
	not_ok "--list is git ls-tree -r"
	diff want.list got.list | sed 's/^/#   /' | head -20
fi
out_has "^100755 [0-9a-f]{64}	run.sh\$" "--list: the executable is 100755"
out_has "^120000 [0-9a-f]{64}	link\$" "--list: the symlink is 120000"

# Tamper: one changed byte changes the hash and exactly one --list line.
cp -a src changed
printf 'X\n' >changed/a0
expect 0 "changed tree" "$ATTEST" hash --list changed
differ "$(first)" "$ref" "a changed file changes the hash"
sed 1d "$T/out" >changed.list
n=$(diff got.list changed.list | grep -c '^[<>]')
same "$n" 2 "--list shows the changed file, and only it"
diff got.list changed.list | grep -q '	a0$' && ok "--list names a0" ||
	not_ok "--list names a0"
printf 'a0\n' >changed/a0
chmod 644 changed/run.sh
expect 0 "mode change" "$ATTEST" hash changed
differ "$(first)" "$ref" "losing the exec bit changes the hash"

# The same tree committed in an ordinary (SHA-1) repository.
cp -a ref repo
git -C repo init -q
git -C repo add -A
git -C repo commit -qm one
git -C repo tag -a -m v1 v1
printf 'later\n' >repo/later && git -C repo add later &&
	git -C repo commit -qm two
expect 0 "--git" "$ATTEST" hash --git repo --rev v1
same "$(first)" "$ref" "--git at v1 (an annotated tag) matches"
expect 0 "--git HEAD" "$ATTEST" hash --json --git repo
differ "$(sed 's/.*"tree":"\([0-9a-f]*\)".*/\1/' "$T/out")" "$ref" \
	"--git HEAD is the later commit"
out_has "\"commit\":\"$(git -C repo rev-parse HEAD)\"" "json has the commit"
out_has '"commitTime":1704067200' "json has the committer time"
git -C repo gc -q
expect 0 "--git packed" "$ATTEST" hash --git repo --rev HEAD~1
same "$(first)" "$ref" "--git from a packed repository matches"

# A blob larger than one read chunk (256 KiB) is streamed while loose and
# read whole once packed, a small one read whole: both ways give the tree
# id git itself computes for the same files in a SHA-256 repository.
git init -q --object-format=sha256 big256
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 2900)' \
	>big256/large
printf 'small\n' >big256/small
big_ref=$(git -C big256 add -A && git -C big256 write-tree)
git init -q bigrepo && cp big256/large big256/small bigrepo/
git -C bigrepo add -A && git -C bigrepo commit -qm big
[ -n "$(find bigrepo/.git/objects -type f -size +1k -path '*/objects/??/*')" ] &&
	ok "the large blob is loose" || not_ok "the large blob is loose"
expect 0 "--git, a large loose blob" "$ATTEST" hash --git bigrepo
same "$(first)" "$big_ref" "--git with a large loose blob matches git's id"
git -C bigrepo gc -q
expect 0 "--git, a large packed blob" "$ATTEST" hash --git bigrepo
same "$(first)" "$big_ref" "--git with a large packed blob matches git's id"

# One object under one id, packed with the bytes git shows and also loose
# with others (a vendor's shadow copy): git reads the pack first, and so
# must we, at every size; a loose copy that is the only one and does not
# hash to its id is refused. libgit2 streams only loose objects.
shadow() { # REPO PATH BYTE: a loose copy of REPO's HEAD:PATH, all BYTE
	python3 - "$1" "$(git -C "$1" rev-parse "HEAD:$2")" "$3" <<'PYEOF'
import os, sys, zlib
repo, oid, byte = sys.argv[1:]
size = int(os.popen("git -C %s cat-file -s %s" % (repo, oid)).read())
d = os.path.join(repo, ".git", "objects", oid[:2])
os.makedirs(d, exist_ok=True)
p = os.path.join(d, oid[2:])
if os.path.exists(p):
    os.chmod(p, 0o644)
with open(p, "wb") as f:
    f.write(zlib.compress(b"blob %d\0" % size + byte.encode() * size))
PYEOF
}
shadow bigrepo large E
shadow bigrepo small S
git -C bigrepo show HEAD:large | cmp -s - big256/large &&
	ok "git shows the packed bytes of a shadowed blob" ||
	not_ok "git shows the packed bytes of a shadowed blob"
expect 0 "--git, packed blobs shadowed by loose copies" "$ATTEST" hash --git bigrepo
same "$(first)" "$big_ref" "--git hashes the packed copy git shows, not the loose one"
# The vendor signs the tree of its loose bytes; the reviewer's repository
# shows the packed ones: verify source --git must not pass.
mkdir evil
python3 -c 'import sys; sys.stdout.buffer.write(b"E" * (256 * 2900))' >evil/large
python3 -c 'import sys; sys.stdout.buffer.write(b"S" * 6)' >evil/small
printf 'fw\n' >shadow.bin
"$ATTEST" keygen -o sk >/dev/null 2>&1 &&
	"$ATTEST" sign --source evil --key sk.key -o shadow.intoto.jsonl -q shadow.bin ||
	not_ok "sign the shadow tree"
expect 1 "verify source --git, the repository shows other bytes than signed" \
	"$VERIFY" source -a shadow.intoto.jsonl -k sk.pub --git bigrepo
# Alone and corrupt: the only copy's bytes are not its id's.
git init -q lone && cp big256/large lone/ && git -C lone add -A &&
	git -C lone commit -qm lone
shadow lone large E
expect 2 "--git, a corrupt loose blob larger than a chunk" "$ATTEST" hash --git lone
err_has "do not hash to its id" "names the corrupt object"
err_one_line "corrupt loose blob"

# Blobs are hashed while the tree walk goes on: 9000 files, each blob in
# two places, on 1, 2 and 4 threads give git's own tree id; a walk that
# fails late (a submodule after thousands of blobs were handed out) is
# refused with its reason, never hung.
mkdir -p many/a many/b
python3 - <<'PYEOF'
for i in range(4500):
    for d in ("a", "b"):
        with open("many/%s/f%04d" % (d, i), "w") as f:
            f.write("blob %d\n" % (i % 3000))
PYEOF
many_ref=$(git_sha256_tree many)
git init -q manyrepo && cp -r many/a many/b manyrepo/ &&
	git -C manyrepo add -A && git -C manyrepo commit -qm many
for n in 1 2 4; do
	expect 0 "--git, 9000 files on $n threads" \
		timeout 120 "$ATTEST" hash --threads "$n" --git manyrepo
	same "$(first)" "$many_ref" "--git on $n threads is git's tree id"
done
git -C manyrepo update-index --add \
	--cacheinfo "160000,$(git -C manyrepo rev-parse HEAD),zz/sub" &&
	git -C manyrepo commit -qm "a submodule last"
expect 2 "--git, a submodule after 9000 files" \
	timeout 120 "$ATTEST" hash --threads 2 --git manyrepo
err_has "submodule 'zz/sub'" "names the late submodule"

# git takes a commit's root tree from the commit-graph without checking
# it: a graph naming another tree makes git log and git show show the
# reviewer other changes than the commit holds. A true graph (plain or
# split) is read; a forged one is refused by every command.
git init -q cg && printf 'one\n' >cg/a && printf 'clean\n' >cg/b &&
	git -C cg add -A && git -C cg commit -qm one
printf 'backdoor\n' >cg/b && printf 'two\n' >cg/a &&
	git -C cg add -A && git -C cg commit -qm "a: wording"
expect 0 "--git, no commit-graph" "$ATTEST" hash --git cg
cg_ref=$(first)
git -C cg commit-graph write --reachable
expect 0 "--git, a true commit-graph" "$ATTEST" hash --git cg
same "$(first)" "$cg_ref" "a true commit-graph changes nothing"
"$ATTEST" keygen -o cgk >/dev/null 2>&1 && printf 'fw\n' >cg.bin &&
	"$ATTEST" sign --git cg --key cgk.key -o cg.intoto.jsonl -q cg.bin ||
	not_ok "sign the commit-graph repository"
# forge_graph FILE: HEAD's root tree in FILE becomes the tree of
# HEAD~1 with only a changed, checksum fixed.
forge_graph() {
	python3 - "$1" "$(git -C cg rev-parse 'HEAD^{tree}')" \
		"$(printf 'two\n' | git -C cg hash-object -w --stdin |
			xargs -I@ sh -c 'git -C cg read-tree HEAD~1 &&
				git -C cg update-index --cacheinfo 100644,@,a &&
				git -C cg write-tree && git -C cg read-tree HEAD')" <<'PYEOF'
import hashlib, os, sys
p, tb, tc = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
d = bytearray(open(p, "rb").read())
i = d.find(tb)
assert i > 0 and d.find(tb, i + 1) < 0
d[i:i + 20] = tc
d[-20:] = hashlib.sha1(bytes(d[:-20])).digest()
os.chmod(p, 0o644)
open(p, "wb").write(bytes(d))
PYEOF
}
forge_graph cg/.git/objects/info/commit-graph
[ "$(git -C cg show --stat --format= HEAD | grep -c '|')" = 1 ] &&
	ok "git show, reading the forged graph, hides the change to b" ||
	not_ok "git show, reading the forged graph, hides the change to b"
expect 2 "--git, a forged commit-graph" "$ATTEST" hash --git cg
err_has "the commit-graph does not match the commits" "names the graph"
err_one_line "forged commit-graph"
expect 2 "verify source --git, a forged commit-graph" \
	"$VERIFY" source -a cg.intoto.jsonl -k cgk.pub --git cg
rm -f cg/.git/objects/info/commit-graph
git -C cg commit-graph write --reachable --split
expect 0 "--git, a true split commit-graph" "$ATTEST" hash --git cg
same "$(first)" "$cg_ref" "a true split commit-graph changes nothing"
forge_graph "$(ls cg/.git/objects/info/commit-graphs/*.graph)"
expect 2 "--git, a forged split commit-graph" "$ATTEST" hash --git cg
err_has "the commit-graph does not match the commits" "names the split graph"
# One blob id in two packs: the genuine copy in one, in another a crafted
# copy of other text that does not hash to the id. git reads the copy of
# the pack it meets first (the newest), libgit2 the other: git shows a
# reviewer clean code while the tree of the backdoor would be hashed.
# Every copy of an object in two packs must hash to its id: refused,
# naming the object and both packs.
mkdir dupsrc
printf 'int main(void){ system("backdoor"); return 0; }\n' >dupsrc/main.c
printf '# attributes: none\n' >dupsrc/.gitattributes
printf 'int main(void){ puts("hello"); return 0; }\n' >clean.c
git init -q dup && cp dupsrc/main.c dupsrc/.gitattributes dup/ &&
	git -C dup add -A &&
	git -C dup commit -qm dup
dupblob=$(git -C dup rev-parse HEAD:main.c)
duppk=dup/.git/objects/pack
# libgit2 looks in the pack it last found an object in: the genuine copy's,
# which holds the .gitattributes too, read first.
dupg=$(git -C dup rev-parse HEAD:main.c HEAD:.gitattributes |
	git -C dup pack-objects -q .git/objects/pack/pack)
dupc=$(git -C dup rev-parse HEAD 'HEAD^{tree}' |
	git -C dup pack-objects -q .git/objects/pack/pack)
cat >dupx.py <<'PYEOF'
import hashlib, struct, sys, zlib
oid, src, out = bytes.fromhex(sys.argv[1]), sys.argv[2], sys.argv[3]
kind = int(sys.argv[4]) if len(sys.argv) > 4 else 3  # 3 blob, 4 tag
data = open(src, "rb").read()
size = len(data)
b, hdr = (kind << 4) | (size & 15), bytearray()
size >>= 4
while size:
    hdr.append(b | 0x80)
    b, size = size & 0x7F, size >> 7
hdr.append(b)
body = bytes(hdr) + zlib.compress(data)
pack = b"PACK" + struct.pack(">II", 2, 1) + body
pack += hashlib.sha1(pack).digest()
idx = b"\377tOc" + struct.pack(">I", 2)
idx += b"".join(struct.pack(">I", int(i >= oid[0])) for i in range(256))
idx += oid + struct.pack(">II", zlib.crc32(body) & 0xFFFFFFFF, 12)
idx += pack[-20:]
idx += hashlib.sha1(idx).digest()
name = pack[-20:].hex()
open("%s/pack-%s.pack" % (out, name), "wb").write(pack)
open("%s/pack-%s.idx" % (out, name), "wb").write(idx)
print(name)
PYEOF
dupx=$(python3 - "$dupblob" clean.c "$duppk" <dupx.py)
rm -rf dup/.git/objects/??
touch -d 2021-01-01 "$duppk/pack-$dupg".*
touch -d 2022-01-01 "$duppk/pack-$dupx".*
touch -d 2023-01-01 "$duppk/pack-$dupc".*
git -C dup show HEAD:main.c | cmp -s - clean.c &&
	ok "git shows the crafted copy of a blob in two packs" ||
	not_ok "git shows the crafted copy of a blob in two packs"
# One thread reads .gitattributes, then main.c: libgit2 the genuine copy.
expect 2 "--git, a blob in two packs" "$ATTEST" hash --threads 1 --git dup
err_has "pack-$dupx.idx: object $dupblob is stored here and in" \
	"names the crafted copy's pack and the object"
err_has "pack-$dupg.idx" "names the genuine copy's pack"
err_has "does not read as its id" "says the copy is not the object"
err_one_line "a blob in two packs"
# On more threads libgit2 may meet the crafted copy first: refused too.
expect 2 "--git, a blob in two packs, 4 threads" \
	"$ATTEST" hash --threads 4 --git dup
err_has "pack-$dupx.idx: object $dupblob is stored here|hash mismatch" \
	"refuses either copy on 4 threads"
printf 'fw\n' >dup.bin
"$ATTEST" sign --source dupsrc --key sk.key -o dup.intoto.jsonl -q dup.bin ||
	not_ok "sign the tree of the backdoor"
"$VERIFY" source -a dup.intoto.jsonl -k sk.pub --git dup >/dev/null 2>&1 &&
	not_ok "verify source --git, a blob in two packs, does not pass" ||
	ok "verify source --git, a blob in two packs, does not pass"

# The same through alternates: the clean copy in the clone's own pack with
# the commit and tree (git reads it), the backdoor in the alternate's pack
# (libgit2 read it). Every pack of the repository and its alternates is
# scanned: refused, naming both packs.
git init -q altsrc && cp dupsrc/main.c dupsrc/.gitattributes altsrc/ &&
	git -C altsrc add -A && git -C altsrc commit -qm alt &&
	git -C altsrc gc -q && git clone -q -s altsrc altclone
git -C altclone rev-parse HEAD 'HEAD^{tree}' |
	git -C altclone pack-objects -q .git/objects/pack/pack >/dev/null
python3 - "$dupblob" clean.c altclone/.git/objects/pack <dupx.py >/dev/null
git -C altclone show HEAD:main.c | cmp -s - clean.c &&
	ok "git shows the clone's clean copy over the alternate's" ||
	not_ok "git shows the clone's clean copy over the alternate's"
expect 2 "--git, a blob in a pack and in an alternate's pack" \
	"$ATTEST" hash --threads 1 --git altclone
err_has "altclone/\.git/objects/pack/pack-[0-9a-f]+\.idx: object $dupblob is stored here and in .*altsrc/\.git/objects/pack/" \
	"names the clone's pack and the alternate's"
err_one_line "a blob in a pack and in an alternate's pack"
# Loose copies with alternates: libgit2 reads an alternate's loose object
# before the repository's own, git the other way round. The clean copy
# loose in the repository (git shows it), the backdoor loose in its
# alternate (libgit2 read it): every loose copy is checked, refused.
git init -q loosealt && cp dupsrc/main.c loosealt/ &&
	git -C loosealt add main.c && git -C loosealt commit -qm l
lx=$(git -C loosealt rev-parse HEAD:main.c)
mkdir -p "lalt/objects/${lx%"${lx#??}"}" &&
	mv "loosealt/.git/objects/${lx%"${lx#??}"}/${lx#??}" \
		"lalt/objects/${lx%"${lx#??}"}/"
python3 - "loosealt/.git/objects/${lx%"${lx#??}"}/${lx#??}" clean.c <<'PYZ'
import sys, zlib
data = open(sys.argv[2], "rb").read()
open(sys.argv[1], "wb").write(zlib.compress(b"blob %d\0" % len(data) + data))
PYZ
printf '%s\n' "$PWD/lalt/objects" >loosealt/.git/objects/info/alternates
git -C loosealt show HEAD:main.c 2>/dev/null | cmp -s - clean.c &&
	ok "git shows the repository's loose copy over the alternate's" ||
	not_ok "git shows the repository's loose copy over the alternate's"
expect 2 "--git, a loose copy here and in the alternate" \
	"$ATTEST" hash --git loosealt
err_has "loosealt/\.git/objects \(loose\): object $lx is stored here and in .*lalt/objects \(loose\)" \
	"names both object directories"
err_one_line "a loose copy here and in the alternate"
# A tag read differently: the shared clone's own pack holds a crafted copy
# of tag v1 naming the clean commit (git reads it: git show v1:f is
# clean), the alternate the real tag naming the backdoor (libgit2 read
# it). git itself is asked which commit the revision names: refused.
git init -q tagsrc && printf 'clean\n' >tagsrc/f && git -C tagsrc add f &&
	git -C tagsrc commit -qm c1 && tagc1=$(git -C tagsrc rev-parse HEAD) &&
	printf 'system("backdoor")\n' >tagsrc/f &&
	git -C tagsrc commit -qam c2 && git -C tagsrc tag -a v1 -m v1 &&
	git -C tagsrc gc -q && git clone -q -s tagsrc tagclone
printf 'object %s\ntype commit\ntag v1\ntagger T <t@x> 0 +0000\n\nv1\n' \
	"$tagc1" >crafted.tag
python3 - "$(git -C tagclone rev-parse v1)" crafted.tag \
	tagclone/.git/objects/pack 4 <dupx.py >/dev/null
same "$(git -C tagclone show v1:f 2>/dev/null)" "clean" \
	"git show follows the clone's crafted tag to the clean commit"
expect 2 "--git --rev v1, a tag git reads differently" \
	"$ATTEST" hash --git tagclone --rev v1
err_has "tagclone: revision 'v1' is commit [0-9a-f]{40} for libgit2 but .* for git" \
	"says git names another commit"
err_one_line "a tag git reads differently"
# Alternates entries git and libgit2 resolve differently are refused.
cp -r altclone altq && printf '"%s"\n' "$PWD/altsrc/.git/objects" \
	>altq/.git/objects/info/alternates
expect 2 "a quoted alternates entry" "$ATTEST" hash --git altq
err_has "altq/\.git/objects/info/alternates: '.*': an entry git and libgit2 read differently" \
	"names the quoted entry"
printf 'altsrc/.git/objects\n' >altq/.git/objects/info/alternates
expect 2 "an alternates entry relative without a leading ." \
	"$ATTEST" hash --git altq
err_has "an entry git and libgit2 read differently" "names the relative entry"
# An alternate with alternates of its own (followed differently).
printf '%s\n' "$PWD/altclone/.git/objects" >altq/.git/objects/info/alternates
expect 2 "nested alternates" "$ATTEST" hash --git altq
err_has "altclone/\.git/objects/info/alternates: an alternate with alternates of its own" \
	"names the nested alternates file"
err_one_line "nested alternates"

# Two packs that share no object of the tree (a commit, gc, more commits,
# an incremental repack): hashed as git's own tree id.
mkdir -p twopk/d twopk/e
printf 'one\n' >twopk/d/one
printf 'two\n' >twopk/e/two
git init -q twopkrepo && cp -r twopk/d twopk/e twopkrepo/ &&
	git -C twopkrepo add -A && git -C twopkrepo commit -qm one &&
	git -C twopkrepo gc -q
printf 'three\n' >twopk/e/three
printf 'top\n' >twopk/top
cp twopk/e/three twopkrepo/e/ && cp twopk/top twopkrepo/ &&
	git -C twopkrepo add -A && git -C twopkrepo commit -qm two &&
	git -C twopkrepo repack -q -d
[ "$(ls twopkrepo/.git/objects/pack/*.idx | wc -l)" -eq 2 ] &&
	ok "an incremental repack leaves two packs" ||
	not_ok "an incremental repack leaves two packs"
expect 0 "--git, two packs sharing no object" "$ATTEST" hash --git twopkrepo
same "$(first)" "$(git_sha256_tree twopk)" "--git on two packs is git's tree id"
# A third pack holding every object again, as fetches into a clone and
# local clones of it leave: each copy hashes to its id, so it is hashed as
# git's tree id, on one thread and on four, and in a local clone.
git -C twopkrepo rev-list --objects --all |
	git -C twopkrepo pack-objects -q .git/objects/pack/pack >/dev/null
[ "$(ls twopkrepo/.git/objects/pack/*.idx | wc -l)" -eq 3 ] &&
	ok "a pack of every object again makes three packs" ||
	not_ok "a pack of every object again makes three packs"
for t in 1 4; do
	expect 0 "--git, every object in two packs, $t threads" \
		"$ATTEST" hash --threads $t --git twopkrepo
	same "$(first)" "$(git_sha256_tree twopk)" \
		"--git on objects in two packs is git's tree id, $t threads"
done
git clone -q twopkrepo twopkclone
expect 0 "--git, a local clone of packs sharing objects" \
	"$ATTEST" hash --git twopkclone
same "$(first)" "$(git_sha256_tree twopk)" \
	"--git on the local clone is git's tree id"
# A shared clone (alternates), one more commit, repacked with the
# alternate's objects copied in (git repack -a): objects in its packs and
# in the alternate's, each copy good: git's tree id.
git clone -q -s twopkrepo twopkshared &&
	printf 'shared\n' >twopkshared/top && git -C twopkshared commit -qam s &&
	git -C twopkshared repack -q -a
mkdir twopks && git -C twopkshared archive HEAD | tar -C twopks -xf -
expect 0 "--git, a shared clone repacked with its alternate's objects" \
	"$ATTEST" hash --git twopkshared
same "$(first)" "$(git_sha256_tree twopks)" \
	"--git on the shared clone is git's tree id"
# Packs git loads and libgit2 may not are refused: a pack named other
# than pack-<id>.idx (libgit2's prefix test skips ".idx"), a
# multi-pack-index naming a pack that is gone (git keeps using it, libgit2
# drops it). A multi-pack-index over the packs there is git's tree id.
git clone -q --no-local twopkrepo midx && git -C midx repack -q -a -d &&
	ls midx/.git/objects/pack/pack-*.pack >midx.before &&
	printf 'unrelated\n' | git -C midx hash-object -w --stdin |
	git -C midx pack-objects -q .git/objects/pack/pack >/dev/null &&
	git -C midx multi-pack-index write
[ "$(ls midx/.git/objects/pack/pack-*.pack | wc -l)" -eq 2 ] &&
	[ -f midx/.git/objects/pack/multi-pack-index ] &&
	ok "a multi-pack-index over two packs" ||
	not_ok "a multi-pack-index over two packs"
expect 0 "--git, a multi-pack-index over its packs" "$ATTEST" hash --git midx
same "$(first)" "$(git_sha256_tree twopk)" \
	"--git with a multi-pack-index is git's tree id"
rm -f $(ls midx/.git/objects/pack/pack-*.pack | grep -v -F -f midx.before)
expect 2 "--git, a multi-pack-index naming a missing pack" \
	"$ATTEST" hash --git midx
err_has "midx/\.git/objects/pack/multi-pack-index: names pack 'pack-[0-9a-f]{40}\.idx', which is missing" \
	"names the missing pack"
err_one_line "a multi-pack-index naming a missing pack"
git clone -q --no-local twopkrepo oddname &&
	git -C oddname repack -q -a -d &&
	for f in oddname/.git/objects/pack/pack-*; do
		mv "$f" "oddname/.git/objects/pack/${f##*.}.${f##*.}"
	done &&
	mv oddname/.git/objects/pack/idx.idx oddname/.git/objects/pack/.idx &&
	mv oddname/.git/objects/pack/pack.pack oddname/.git/objects/pack/.pack
git -C oddname cat-file -e HEAD:top 2>/dev/null &&
	ok "git loads a pack named .idx" || not_ok "git loads a pack named .idx"
expect 2 "--git, a pack named .idx" "$ATTEST" hash --git oddname
err_has "oddname/\.git/objects/pack/\.idx: a pack not named pack-<id>\.idx" \
	"names the misnamed pack"
# Where a copy may be stored twice (here three packs), git itself is
# asked for every object of the tree ('git cat-file --batch') and each
# must hash to its id: a catch-all for a way git picks a copy that the
# scan of packs does not know. A git that shows other bytes for one blob
# (e/two), or stops early, is refused; one pack and no loose object hold
# a single copy of each, and git is not asked.
# git runs with a bare environment: the wrapper reads its filter from a
# file.
mkdir fakegit
cat >fakegit/git <<EOF
#!/bin/sh
case " \$* " in
*" cat-file --batch "*)
	"$(command -v git)" "\$@" | python3 "$T/filter.py" ;;
*) exec "$(command -v git)" "\$@" ;;
esac
EOF
chmod +x fakegit/git
filter() { printf 'import sys\nd = sys.stdin.buffer.read()\n%s\n' "$1" >filter.py; }
filter 'sys.stdout.buffer.write(d)'
expect 0 "--git, git's reading asked: the same bytes" \
	env PATH="$T/fakegit:$PATH" "$ATTEST" hash --git twopkrepo
same "$(first)" "$(git_sha256_tree twopk)" \
	"--git with git's reading asked is git's tree id"
two=$(git -C twopkrepo rev-parse HEAD:e/two)
filter 'sys.stdout.buffer.write(d.replace(b" blob 4\ntwo\n", b" blob 4\nTWO\n"))'
expect 2 "--git, git reads other bytes for a blob" \
	env PATH="$T/fakegit:$PATH" "$ATTEST" hash --git twopkrepo
err_has "twopkrepo: object $two: git reads other bytes than libgit2" \
	"names the object git reads otherwise"
err_one_line "git reading other bytes"
filter 'sys.stdout.buffer.write(d[:300])'
expect 2 "--git, git's reading stops early" \
	env PATH="$T/fakegit:$PATH" "$ATTEST" hash --git twopkrepo
err_has "twopkrepo: .*'git cat-file --batch'" "names git's reading"
err_one_line "git's reading stopping early"
filter 'sys.stdout.buffer.write(d.replace(b" blob 4\ntwo\n", b" blob 4\nTWO\n"))'
git clone -q --no-local twopkrepo onepk && git -C onepk repack -q -a -d &&
	git -C onepk prune-packed
[ "$(ls onepk/.git/objects/pack/*.idx | wc -l)" -eq 1 ] &&
	[ -z "$(find onepk/.git/objects -path '*/objects/[0-9a-f][0-9a-f]/*')" ] &&
	ok "a clone in one pack, nothing loose" ||
	not_ok "a clone in one pack, nothing loose"
expect 0 "--git, one pack: git's reading is not asked" \
	env PATH="$T/fakegit:$PATH" "$ATTEST" hash --git onepk
same "$(first)" "$(git_sha256_tree twopk)" "--git on one pack is git's tree id"
"$ATTEST" sign --source twopk --key sk.key -o twopk.intoto.jsonl -q dup.bin ||
	not_ok "sign the tree of two packs"
expect 0 "verify source --git, objects in two packs" \
	"$VERIFY" source -a twopk.intoto.jsonl -k sk.pub --git twopkclone

# Red team 4 (on git's own reading): five more ways git shows a reviewer
# other bytes or history than libgit2 reads, each refused (exit 2, one
# line), each built as the vendor would.
# mkrepo DIR: a repository, a.txt with the backdoor at HEAD, its history.
mkrepo() {
	git init -q "$1" && printf 'benign();\n' >"$1/a.txt" &&
		printf 'benign(); // shown\n' >"$1/z.txt" &&
		git -C "$1" add -A && git -C "$1" commit -qm one &&
		printf 'backdoor();\n' >"$1/a.txt" && git -C "$1" rm -q z.txt &&
		git -C "$1" commit -qam two && git -C "$1" repack -adq &&
		git -C "$1" prune-packed
}
# 1. One pack and a multi-pack-index git writes with a RIDX chunk, which
# libgit2 1.5 drops: its offset for a.txt forged to z.txt's, so git shows
# the benign text and libgit2 reads the backdoor. A multi-pack-index makes
# git itself read every object: refused.
mkrepo midxr && git -C midxr multi-pack-index write --bitmap 2>/dev/null
python3 - midxr "$(git -C midxr rev-parse HEAD:a.txt)" \
	"$(git -C midxr show-index <"$(ls midxr/.git/objects/pack/pack-*.idx)" |
		awk -v e="$(git -C midxr rev-parse HEAD~1:z.txt)" '$2 == e {print $1}')" <<'PY'
import hashlib, os, struct, sys
p = sys.argv[1] + "/.git/objects/pack/multi-pack-index"
oid, off = bytes.fromhex(sys.argv[2]), int(sys.argv[3])
os.chmod(p, 0o644)
d = bytearray(open(p, "rb").read())
ch = {bytes(d[12 + 12 * i:16 + 12 * i]):
      struct.unpack(">Q", d[16 + 12 * i:24 + 12 * i])[0] for i in range(d[6] + 1)}
n = struct.unpack(">I", d[ch[b"OIDF"] + 1020:ch[b"OIDF"] + 1024])[0]
for i in range(n):
    if d[ch[b"OIDL"] + 20 * i:ch[b"OIDL"] + 20 * i + 20] == oid:
        d[ch[b"OOFF"] + 8 * i + 4:ch[b"OOFF"] + 8 * i + 8] = struct.pack(">I", off)
d[-20:] = hashlib.sha1(bytes(d[:-20])).digest()
open(p, "wb").write(d)
PY
[ "$(git -C midxr show HEAD:a.txt)" = "benign(); // shown" ] &&
	ok "git shows the forged multi-pack-index's object" ||
	not_ok "git shows the forged multi-pack-index's object"
expect 2 "--git, a multi-pack-index libgit2 drops, forged" \
	"$ATTEST" hash --git midxr
err_has "object $(git -C midxr rev-parse HEAD:a.txt): git reads other bytes than libgit2" \
	"git's reading catches the forged multi-pack-index"
err_one_line "a forged multi-pack-index"
# 2. core.multiPackIndex=false: git ignores a multi-pack-index libgit2
# reads.
mkrepo midxoff && git -C midxoff multi-pack-index write &&
	git -C midxoff config core.multiPackIndex false
expect 2 "--git, core.multiPackIndex=false" "$ATTEST" hash --git midxoff
err_has "sets core.multipackindex .*git may ignore the multi-pack-index" \
	"names core.multiPackIndex"
# A multi-pack-index claiming 2^32-1 packs is refused before libgit2 sizes
# its tables from it (an ASan build aborted, out of memory).
mkrepo midxbig && git -C midxbig multi-pack-index write &&
	chmod u+w midxbig/.git/objects/pack/multi-pack-index &&
	printf '\377\377\377\377' | dd of=midxbig/.git/objects/pack/multi-pack-index \
		bs=1 seek=8 conv=notrunc 2>/dev/null
expect 2 "--git, a multi-pack-index of 2^32-1 packs" "$ATTEST" hash --git midxbig
err_has "multi-pack-index: not a multi-pack-index git and libgit2 both read" \
	"refused before libgit2 reads it"
# 3. A partial clone: a commit-graph naming a commit that is not stored
# makes git fetch it from the "promisor" remote, running the repository's
# upload-pack command as the verifier. Refused before git is asked, and
# git never fetches (no transport in its environment).
mkrepo lazy && git -C lazy commit-graph write --reachable &&
	git -C lazy config extensions.partialClone origin &&
	git -C lazy config remote.origin.url "$T/midxr" &&
	git -C lazy config remote.origin.promisor true &&
	git -C lazy config remote.origin.uploadpack "touch $T/PWNED; git-upload-pack"
expect 2 "--git, a partial clone" "$ATTEST" hash --git lazy
err_has "sets extensions.partialclone .*fetches a missing object" \
	"names the partial clone"
[ ! -e PWNED ] && ok "the promisor's command never ran" ||
	not_ok "the promisor's command never ran"
# 4. A commit-graph in an alternate (git takes the first object directory
# with one) naming another root tree for HEAD: git log -p shows HEAD as
# changing nothing. git verifies every alternate's graph: refused.
mkrepo altg && git clone -q --bare altg altg.git &&
	echo "$T/altg.git/objects" >altg/.git/objects/info/alternates &&
	git -C altg commit-graph write --reachable \
		--object-dir "$T/altg.git/objects" 2>/dev/null
python3 - altg.git/objects/info/commit-graph \
	"$(git -C altg rev-parse HEAD^{tree})" "$(git -C altg rev-parse HEAD~1^{tree})" <<'PY'
import hashlib, os, sys
p = sys.argv[1]
os.chmod(p, 0o644)
d = bytearray(open(p, "rb").read())
i = d.find(bytes.fromhex(sys.argv[2]))
d[i:i + 20] = bytes.fromhex(sys.argv[3])
d[-20:] = hashlib.sha1(bytes(d[:-20])).digest()
open(p, "wb").write(d)
PY
[ "$(git -C altg log -1 --format=%T)" = "$(git -C altg rev-parse HEAD~1^{tree})" ] &&
	ok "git log takes HEAD's tree from the alternate's graph" ||
	not_ok "git log takes HEAD's tree from the alternate's graph"
expect 2 "--git, a forged commit-graph in an alternate" "$ATTEST" hash --git altg
err_has "the commit-graph of .*altg\.git/objects does not match the commits" \
	"names the alternate's graph"
# 5. Changed-path filters: 'git commit-graph verify' does not check them,
# and all-zero filters hide the backdoor's commit from git log -- a.txt.
mkrepo bloom && git -C bloom commit-graph write --reachable --changed-paths
expect 2 "--git, a commit-graph with changed-path filters" \
	"$ATTEST" hash --git bloom
err_has "bloom/\.git/objects/info/commit-graph: a commit-graph with changed-path filters" \
	"names the filters"
err_one_line "changed-path filters"

# 6. A tree whose entries are out of git's order (b.txt before a.txt):
# git show HEAD:a.txt finds nothing and git fsck says treeNotSorted, while
# a checkout writes both. Refused; in order, the same entries are read.
git init -q unsorted
ua=$(echo aaa | git -C unsorted hash-object -w --stdin)
ub=$(echo bbb | git -C unsorted hash-object -w --stdin)
tree_of() { # NAME ID NAME ID: a tree of two files, in the order given
	python3 -c "import sys
sys.stdout.buffer.write(b'100644 $1\0' + bytes.fromhex('$2') +
                        b'100644 $3\0' + bytes.fromhex('$4'))" |
		git -C unsorted hash-object -t tree -w --literally --stdin
}
ut=$(tree_of b.txt "$ub" a.txt "$ua")
git -C unsorted update-ref refs/heads/main "$(git -C unsorted commit-tree "$ut" -m x)"
git -C unsorted show HEAD:a.txt >/dev/null 2>&1 &&
	not_ok "git show cannot find a.txt in the unsorted tree" ||
	ok "git show cannot find a.txt in the unsorted tree"
expect 2 "--git, a tree out of git's order" "$ATTEST" hash --git unsorted
err_has "'a\.txt': a tree whose entries are not in git's order" \
	"names the entry out of order"
ut=$(tree_of a.txt "$ua" b.txt "$ub")
git -C unsorted update-ref refs/heads/main "$(git -C unsorted commit-tree "$ut" -m y)"
expect 0 "--git, the same tree in git's order" "$ATTEST" hash --git unsorted

# Archives of the same files.
tar -C ref -cf t.tar .
tar -C ref -czf t.tar.gz .
tar -C ref -cJf t.tar.xz .
(cd ref && zip -qry ../t.zip .)
# Python's zipfile flags non-ASCII names as UTF-8; Info-ZIP's zip does not.
python3 - <<'EOF'
import os, zipfile
with zipfile.ZipFile('u.zip', 'w') as z:
    for root, dirs, files in os.walk('ref'):
        dirs.sort()
        for f in sorted(files) + [d for d in dirs
                                  if os.path.islink(os.path.join(root, d))]:
            p = os.path.join(root, f)
            zi = zipfile.ZipInfo(os.path.relpath(p, 'ref'))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = (os.lstat(p).st_mode & 0xffff) << 16
            zi.create_system = 3
            data = (os.readlink(p).encode() if os.path.islink(p)
                    else open(p, 'rb').read())
            z.writestr(zi, data)
EOF
tar -cf prefixed.tar ref
git -C repo archive -o ../git.zip v1
git -C repo archive --prefix=p/ -o ../git.tar.gz v1
for a in t.tar t.tar.gz t.tar.xz u.zip; do
	expect 0 "archive $a" "$ATTEST" hash "$a"
	same "$(first)" "$ref" "$a matches"
done
# git writes zips as made on MS-DOS, where unzip maps non-ASCII names from
# an OEM code page depending on other fields: refused, with the reason.
expect 2 "git archive zip with a non-ASCII name" "$ATTEST" hash git.zip
err_has "git.zip: zip member 'caf.*non-Unix host" "git zip: says why"
expect 0 "strip" "$ATTEST" hash --strip-components 1 prefixed.tar
same "$(first)" "$ref" "a prefixed tarball with --strip-components 1"
expect 0 "strip git archive" "$ATTEST" hash --strip-components=1 git.tar.gz
same "$(first)" "$ref" "git archive --prefix with --strip-components 1"
expect 0 "no strip" "$ATTEST" hash prefixed.tar
differ "$(first)" "$ref" "without --strip-components the prefix counts"
expect 0 "archive json" "$ATTEST" hash --json t.tar
out_has '"kind":"archive"' "json says an archive"
out_has '"newestMtime":[0-9]+' "json has the newest mtime"

# A zip written to a pipe: sizes come after the data (spooled).
python3 - <<'EOF'
import io, zipfile
class Sink(io.RawIOBase):
    def __init__(self): self.b = bytearray()
    def writable(self): return True
    def write(self, d): self.b += d; return len(d)
s = Sink()
with zipfile.ZipFile(s, 'w', compression=zipfile.ZIP_DEFLATED) as z:
    with z.open('hello.txt', 'w') as f: f.write(b'hello\n')
b = bytes(s.b)
open('streamed.zip', 'wb').write(b[:b.find(b'PK\x05\x06')])
EOF
mkdir hello && printf 'hello\n' >hello/hello.txt
# unzip and Python's zipfile cannot read it: refused too.
expect 2 "streamed zip" "$ATTEST" hash streamed.zip
err_has "streamed.zip: not a directory nor an archive" "streamed zip: says so"

# Hostile archives, crafted with python's tarfile.
python3 - <<'EOF'
import io, tarfile
def tar(name, *members):
    with tarfile.open(name, 'w') as t:
        for m in members:
            ti = tarfile.TarInfo(m['name'])
            ti.type = m.get('type', tarfile.REGTYPE)
            ti.linkname = m.get('link', '')
            data = b'x' if ti.type == tarfile.REGTYPE else b''
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
tar('dotdot.tar', {'name': 'ok'}, {'name': 'a/../../evil'})
tar('absolute.tar', {'name': '/etc/evil'})
tar('device.tar', {'name': 'null', 'type': tarfile.CHRTYPE})
tar('fifo.tar', {'name': 'pipe', 'type': tarfile.FIFOTYPE})
tar('dup.tar', {'name': 'a'}, {'name': './a'})
tar('hardlink.tar', {'name': 'h', 'type': tarfile.LNKTYPE,
                     'link': '../../etc/passwd'})
tar('dotgit.tar', {'name': '.git/hooks/post-checkout'})
# Members claiming 100 GiB (a pax size record) are refused before reading.
for name, typ in (('huge.tar', tarfile.REGTYPE), ('hugedir.tar', tarfile.DIRTYPE)):
    with tarfile.open(name, 'w', format=tarfile.PAX_FORMAT) as t:
        ti = tarfile.TarInfo('big')
        ti.type = typ
        ti.pax_headers = {'size': str(100 << 30)}
        t.addfile(ti)
EOF
# bad PATTERN DESCRIPTION CMD...: exit 2, one line on stderr matching it.
bad() {
	bad_pattern=$1
	bad_desc=$2
	shift 2
	expect 2 "$bad_desc" "$@"
	err_one_line "$bad_desc: one line"
	err_has "$bad_pattern" "$bad_desc: names it"
}
bad "dotdot.tar: member 'a/../../evil'.*\.\." "../ member" \
	"$ATTEST" hash dotdot.tar
bad "absolute.tar: member '/etc/evil': an absolute name" \
	"absolute member" \
	"$ATTEST" hash absolute.tar
bad "device.tar: member 'null'.*device" "device member" \
	"$ATTEST" hash device.tar
bad "fifo.tar: member 'pipe'.*FIFO" "FIFO member" "$ATTEST" hash fifo.tar
bad "dup.tar: member './a'.*twice" "duplicate member" "$ATTEST" hash dup.tar
bad "hardlink.tar: member 'h': a hard link to '../../etc/passwd'" \
	"hard link outside" \
	"$ATTEST" hash hardlink.tar
bad "dotgit.tar: '.git/hooks/post-checkout'" ".git member" \
	"$ATTEST" hash dotgit.tar
bad "huge.tar: member 'big': more than 64 GiB" "a 100 GiB member" \
	"$ATTEST" hash huge.tar
bad "hugedir.tar: member 'big.*more than 64 GiB" "100 GiB of skipped data" \
	"$ATTEST" hash hugedir.tar
head -c 3000 t.tar.gz >truncated.tar.gz
bad "truncated.tar.gz" "truncated archive" "$ATTEST" hash truncated.tar.gz
printf 'just some text\n' >notes.txt
bad "notes.txt: not a directory nor an archive" "a non-archive file" \
	"$ATTEST" hash notes.txt
: >empty
bad "empty: an empty file" "an empty file" "$ATTEST" hash empty
bad "nowhere: No such file" "missing path" "$ATTEST" hash nowhere

cp -a ref withfifo && mkfifo withfifo/sub/pipe
bad "withfifo/sub/pipe: a FIFO" "FIFO in the tree" "$ATTEST" hash withfifo

# A file that holds other bytes than its size said when it was opened (it
# grew or shrank while read) is refused, never hashed as read: files of
# /proc (size 0, content longer) and /sys (size 4096, content shorter)
# bind-mounted over files of the tree in a user and mount namespace.
if unshare -rm true 2>/dev/null &&
	[ -r /sys/kernel/mm/transparent_hugepage/enabled ]; then
	for what in grew:/proc/version:more shrank:/sys/kernel/mm/transparent_hugepage/enabled:fewer; do
		name=${what%%:*}
		rest=${what#*:}
		from=${rest%:*}
		word=${rest##*:}
		cp -a ref "$name" && : >"$name/sub/$name"
		bad "$name/sub/$name: changed while reading \($word bytes" \
			"a file that $name while read" unshare -rm sh -c \
			'mount --bind "$1" "$2/sub/$2" && exec "$3" hash "$2"' \
			sh "$from" "$name" "$ATTEST"
		bad "$name/sub/$name: changed while reading \($word bytes" \
			"a file that $name while read, one thread" unshare -rm \
			sh -c 'mount --bind "$1" "$2/sub/$2" &&
				exec "$3" hash --threads 1 "$2"' \
			sh "$from" "$name" "$ATTEST"
	done
	# A file of 1 MiB or more whose file system maps only part of it
	# (sysfs's BTF: the first window maps, the next fails): the rest is
	# read, and the hash is the one of a copy.
	if [ -r /sys/kernel/btf/vmlinux ] &&
		[ "$(stat -c %s /sys/kernel/btf/vmlinux)" -gt 4194304 ]; then
		mkdir btf btfcopy && : >btf/v &&
			cp /sys/kernel/btf/vmlinux btfcopy/v
		"$ATTEST" hash -q btfcopy >btf.want
		for t in 1 2; do
			expect 0 "a file mapped only in part, $t threads" \
				unshare -rm sh -c 'mount --bind "$1" btf/v &&
					exec "$2" hash -q --threads "$3" btf' \
				sh /sys/kernel/btf/vmlinux "$ATTEST" "$t"
			same "$(first)" "$(cut -d' ' -f1 btf.want)" \
				"its hash is the copy's, $t threads"
		done
	else
		ok "# SKIP no /sys/kernel/btf/vmlinux over 4 MiB"
	fi
else
	ok "# SKIP no user namespaces or no /sys: growing and shrinking files"
fi

# A file of 1 MiB or more is hashed from mappings of it: cut short while
# hashed, the pages past its new end fault (SIGBUS). That is caught and
# refused as a file that shrank, never a crash: a 512 MiB file cut to
# 16 MiB while it is hashed, until a cut lands inside the hash (at most 8
# tries; a cut before the file is opened hashes the short file).
mkdir cut
caught=0 died=0
for i in 1 2 3 4 5 6 7 8; do
	truncate -s 0 cut/big && truncate -s 512M cut/big
	"$ATTEST" hash --threads $((i % 2 + 1)) cut >cut.out 2>cut.err &
	pid=$!
	sleep 0.1
	truncate -s 16M cut/big
	rc=0
	wait $pid || rc=$?
	[ $rc -le 2 ] || died=$rc
	if grep -q "^attest: cut/big: changed while reading (fewer bytes" \
		cut.err; then
		caught=$((caught + 1))
		break
	fi
done
same "$died" 0 "a file cut while mapped: no run killed by a signal"
[ "$caught" -eq 1 ] && ok "a file cut while mapped is refused as shrunk" ||
	not_ok "a file cut while mapped is refused as shrunk ($(cat cut.err))"
rm -f cut/big

# Submodules and SHA-256 repositories cannot be hashed through --git.
git init -q inner && printf 'i\n' >inner/f && git -C inner add f &&
	git -C inner commit -qm inner
git init -q outer && printf 'o\n' >outer/f && git -C outer add f &&
	git -C outer -c protocol.file.allow=always submodule add -q \
		../inner vendor/inner 2>/dev/null &&
	git -C outer commit -qm outer
bad "submodule 'vendor/inner'.*hash each repository" "submodule in --git" \
	"$ATTEST" hash --git outer
git init -q --object-format=sha256 s256 && printf 's\n' >s256/f &&
	git -C s256 add f && git -C s256 commit -qm s
bad "s256: a SHA-256 repository.*attest hash DIR" "SHA-256 repository" \
	"$ATTEST" hash --git s256
bad "revision 'nope'" "unknown revision" "$ATTEST" hash --git repo --rev nope
bad "src" "not a repository" "$ATTEST" hash --git src

# Only the directory's own .git is skipped. A .git deeper (a plain file a
# tarball can carry, an empty directory, a nested checkout) is no part of
# any tree git can track, yet a reviewer's tools and a build see it: it is
# refused, as the archive policy refuses a .git member.
mkdir -p nested/feature && cp -a ref/. nested/ &&
	printf 'echo feature\n' >nested/feature/run.sh
expect 0 "the tree the vendor signs" "$ATTEST" hash -q nested
clean_nested=$(first)
printf 'gitdir: none\n# DEVELOPMENT CHECKOUT\n' >nested/feature/.git
git init -q gitview && cp -a nested/. gitview/ && git -C gitview add -A
same "$(git -C gitview ls-files feature)" "feature/run.sh" \
	"git cannot track feature/.git: git add leaves it out"
bad "nested/feature/\.git: a '\.git' entry other than the checkout's own" \
	"a nested .git file" "$ATTEST" hash nested
tar -C nested -cf nested.tar .
bad "'\.git' component" "the same tree as a tar: refused too" \
	"$ATTEST" hash nested.tar
"$ATTEST" keygen -o nk >/dev/null 2>&1 && printf 'fw\n' >fw.bin
(mv nested/feature/.git nested.git &&
	"$ATTEST" sign --source nested --key nk.key -o n.intoto.jsonl \
		fw.bin >/dev/null 2>&1 && mv nested.git nested/feature/.git)
mkdir review && tar -C review -xf nested.tar
bad "review/feature/\.git: a '\.git' entry" \
	"verify source: the extracted tree with feature/.git" \
	"$VERIFY" source -a n.intoto.jsonl -k nk.pub review
rm review/feature/.git
expect 0 "verify source: the extracted tree without it" \
	"$VERIFY" source -a n.intoto.jsonl -k nk.pub review
rm nested/feature/.git && mkdir nested/feature/.git
bad "nested/feature/\.git: a '\.git' entry" "an empty nested .git directory" \
	"$ATTEST" hash nested
rmdir nested/feature/.git && : >nested/feature/.GIT
bad "nested/feature/\.GIT: a '\.git' entry" "a nested .GIT" \
	"$ATTEST" hash nested
rm nested/feature/.GIT && git init -q nested/feature/lib
bad "nested/feature/lib/\.git: a '\.git' entry" "a nested checkout" \
	"$ATTEST" hash nested
rm -rf nested/feature/lib && mkdir nested/.git && : >nested/.git/HEAD
expect 0 "the top-level .git is skipped" "$ATTEST" hash -q nested
same "$(first)" "$clean_nested" "top-level .git: the same tree"

# Usage.
expect 2 "no arguments" "$ATTEST" hash
expect 2 "--rev without --git" "$ATTEST" hash --rev v1 src
expect 2 "path and --git" "$ATTEST" hash --git repo src
expect 2 "bad --strip-components" "$ATTEST" hash --strip-components x t.tar
expect 2 "--strip-components on a directory" \
	"$ATTEST" hash --strip-components 1 src
expect 0 "--help" "$ATTEST" hash --help
out_has "^usage: attest hash" "--help prints the usage"

done_testing
