#!/bin/sh
# verify diff on real binaries and archives: the bundled example built twice,
# patched binaries, tarballs, zip and ar archives, broken ELF, missing files.
. "$SRCDIR/tests/cli/lib.sh"

# first_line: the verdict line of the last command.
first_line() {
	head -n 1 "$T/out"
}

out_lacks() {
	if grep -Eq -- "$1" "$T/out"; then
		not_ok "$2 (stdout has /$1/)"
		sed 's/^/#   stdout: /' "$T/out" | head -20
	else ok "$2"; fi
}

verdict_has() {
	if first_line | grep -Eq -- "$1"; then ok "$2"; else
		not_ok "$2 (verdict lacks /$1/)"
		first_line | sed 's/^/#   verdict: /'
	fi
}

json_valid() {
	if command -v python3 >/dev/null 2>&1; then
		if python3 -m json.tool "$T/out" >/dev/null 2>&1; then
			ok "$1"
		else not_ok "$1 (not JSON)"; fi
	else ok "$1 # skip: no python3"; fi
}

# --- identical files, and the one-line failures --------------------------
cp /bin/true a.bin
cp /bin/true b.bin
expect 0 "identical files: exit 0" "$VERIFY" diff a.bin b.bin
verdict_has "^SAME  a.bin  b.bin$" "identical files: SAME verdict"

expect 2 "missing file: exit 2" "$VERIFY" diff a.bin nonexistent.bin
err_has "nonexistent.bin" "missing file: named"
err_one_line "missing file: one line"
expect 2 "directory: exit 2" "$VERIFY" diff a.bin "$T"
err_one_line "directory: one line"
expect 2 "one operand: usage, exit 2" "$VERIFY" diff a.bin
expect 0 "--help: exit 0" "$VERIFY" diff --help
out_has "usage: verify diff" "--help: usage on stdout"

# --- a one-byte patch --------------------------------------------------------
# Patch the byte at 0x1234 of a copy of /bin/true: exit 1, offset named.
cp /bin/true patched.bin
printf '\314' | dd of=patched.bin bs=1 seek=4660 conv=notrunc 2>/dev/null
expect 1 "one-byte patch: exit 1" "$VERIFY" diff a.bin patched.bin
out_has "first at offset 0x1234" "one-byte patch: offset of the difference"
verdict_has "1 of [0-9]+ ELF sections differ \(\.[a-z_.]+: 1 bytes" \
	"one-byte patch: the section and one byte"
# The same on plain data: no format to explain, bytewise with the offset.
seq 1 20000 >data.a
cp data.a data.b
printf 'X' | dd of=data.b bs=1 seek=70000 conv=notrunc 2>/dev/null
expect 1 "data patch: exit 1" "$VERIFY" diff data.a data.b
verdict_has "1 of [0-9]+ bytes differ, first at offset 0x11170" \
	"data patch: offset 70000 (0x11170)"
out_has 'strings: A .*"' "data patch: strings around the difference"

# --- the bundled example, built twice at least 2 s apart ---------------------
mkdir ex
cp "$SRCDIR"/examples/hello/*.c "$SRCDIR"/examples/hello/*.h ex/
(cd ex && cc -g -O1 "$PWD/greet.c" "$PWD/hello.c" -o hello) || exit 2
mv ex/hello hello.1
sleep 2
(cd ex && cc -g -O1 "$PWD/greet.c" "$PWD/hello.c" -o hello) || exit 2
mv ex/hello hello.2
expect 1 "example built twice: exit 1" "$VERIFY" diff hello.1 hello.2
verdict_has "ELF sections differ \(\.rodata: [0-9]+ bytes" \
	"example: .rodata named in the verdict"
verdict_has "likely embedded build time" "example: a time string named"
verdict_has "build-id: [0-9]+ bytes, derived" "example: build id flagged derived"
out_has '^  \.rodata \[data\]' "example: .rodata flagged as data"
out_has 'leak: build time: A "[0-9]{2}:[0-9]{2}:[0-9]{2}"' \
	"example: the __TIME__ strings shown"
out_lacks '\.text' "example: code does not differ"
expect 1 "example: --json exit 1" "$VERIFY" diff --json hello.1 hello.2
json_valid "example: --json is JSON"
out_has '"identical": false' "example: json says not identical"
out_has '"kind": "build time"' "example: json names the leak"

# Built in another directory: the build path is named too.
mkdir ex2
cp ex/*.c ex/*.h ex2/
(cd ex2 && cc -g -O1 "$PWD/greet.c" "$PWD/hello.c" -o hello) || exit 2
expect 1 "other build dir: exit 1" "$VERIFY" diff hello.2 ex2/hello
verdict_has "embedded build path" "other build dir: build path named"
out_has "leak: build path: A \"$T/ex" "other build dir: the path shown"
expect 1 "--build-path hint: exit 1" "$VERIFY" diff --build-path "$T/ex2" \
	hello.2 ex2/hello
verdict_has "embedded build path" "--build-path hint: build path named"
expect 2 "--build-path relative: usage" "$VERIFY" diff --build-path rel \
	hello.2 ex2/hello

# A swapped code path: .text differs and is flagged as code, not derived.
sed 's/hello from/HELLO FROM/; s/printf/puts("x"); printf/' ex/greet.c \
	>ex2/greet.c
(cd ex2 && cc -g -O1 "$T/ex/greet.c" -c -o /dev/null) || exit 2
(cd ex && cp ../ex2/greet.c evil.c &&
	cc -g -O1 "$PWD/evil.c" "$PWD/hello.c" -o hello.evil) || exit 2
expect 1 "changed code: exit 1" "$VERIFY" diff hello.2 ex/hello.evil
out_has '^  \.text \[code\]' "changed code: .text flagged as code"

# Only the build id differs: flagged derived, nothing else.
# (__DATE__ and __TIME__ pinned, so two compilations a second apart agree.)
SOURCE_DATE_EPOCH=1700000000 cc -O1 \
	-Wl,--build-id=0x0102030405060708090a0b0c0d0e0f1011121314 \
	ex/greet.c ex/hello.c -o bid.1 || exit 2
SOURCE_DATE_EPOCH=1700000000 cc -O1 \
	-Wl,--build-id=0xf102030405060708090a0b0c0d0e0f10111213ff \
	ex/greet.c ex/hello.c -o bid.2 || exit 2
expect 1 "build id only: exit 1" "$VERIFY" diff bid.1 bid.2
verdict_has "1 of [0-9]+ ELF sections differ \(\.note\.gnu\.build-id: 2 bytes, derived\)$" \
	"build id only: one derived section"
out_has "\.note\.gnu\.build-id \[derived\]" "build id only: flagged derived"

# A section's name is the file maker's choice; its flags and the segment
# that loads it say what it is. Code renamed .debug_x is code, not derived:
# kept flags, flags cleared (still in an executable PT_LOAD), and a one-byte
# patch in it on both sides.
cc -O1 ex/greet.c ex/hello.c -o named || exit 2
objcopy --rename-section .text=.debug_x named named.dbg || exit 2
expect 1 ".text renamed .debug_x: exit 1" "$VERIFY" diff named named.dbg
out_has '^  \.debug_x \[code\]: only in B' ".debug_x with code flags is code"
verdict_has "\.debug_x: only in B;" "the verdict does not call it derived"
out_lacks '\.debug_x \[derived\]' "never derived"
python3 - named.dbg named.noflags .debug_x <<'PY'
import struct, sys
# Clears sh_flags of the named section (ELF64 little-endian); the bytes stay
# where the executable PT_LOAD maps them.
b = bytearray(open(sys.argv[1], "rb").read())
shoff, = struct.unpack_from("<Q", b, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from("<HHH", b, 0x3a)
stroff, = struct.unpack_from("<Q", b, shoff + shstrndx * shentsize + 0x18)
for i in range(shnum):
    h = shoff + i * shentsize
    name, = struct.unpack_from("<I", b, h)
    if b[stroff + name:b.index(b"\0", stroff + name)] == sys.argv[3].encode():
        struct.pack_into("<Q", b, h + 8, 0)
open(sys.argv[2], "wb").write(b)
PY
chmod +x named.noflags
expect 0 "the flagless copy still runs" ./named.noflags
expect 1 "flags cleared, still loaded: exit 1" "$VERIFY" diff named \
	named.noflags
out_has '^  \.debug_x \[code\]: only in B' "loaded by PF_X: code"
cp named.dbg named.dbg2
off=$(readelf -SW named.dbg | awk '$2 == ".debug_x" { print $5 }')
printf '\314' | dd of=named.dbg2 bs=1 seek=$((0x$off + 8)) conv=notrunc \
	2>/dev/null
expect 1 "a byte patched in .debug_x: exit 1" "$VERIFY" diff named.dbg \
	named.dbg2
verdict_has "\(\.debug_x: 1 bytes\)" "the patched section, not derived"
out_has '^  \.debug_x \[code\]: 1 of' "the patch is in code"
# The build id in the text segment (no -z separate-code) is still derived.
SOURCE_DATE_EPOCH=1700000000 cc -O1 -Wl,-z,noseparate-code \
	-Wl,--build-id=0x01020304 ex/greet.c ex/hello.c -o nosep.1 || exit 2
SOURCE_DATE_EPOCH=1700000000 cc -O1 -Wl,-z,noseparate-code \
	-Wl,--build-id=0x01020305 ex/greet.c ex/hello.c -o nosep.2 || exit 2
expect 1 "build id in an R+X segment: exit 1" "$VERIFY" diff nosep.1 nosep.2
verdict_has "\(\.note\.gnu\.build-id: 1 bytes, derived\)$" \
	"build id in the text segment: derived"
# Real debug information stays derived: -g against no -g, same code.
cc -g -O1 ex/greet.c ex/hello.c -o named.g || exit 2
expect 1 "-g only: exit 1" "$VERIFY" diff named named.g
out_has '\.debug_info \[derived\]' ".debug_info is still derived"

# --- symbols first: what survives toolchain drift ---------------------------
# Two builds of one program, B with a one-line backdoor (a system() call):
# the imported symbol is named at the top, before any section.
cat >sym.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
__attribute__((noinline)) int helper(int x) { return x * 3; }
int main(int argc, char **argv)
{
	int v = 0;
	if (argc > 1 && fscanf(stdin, "%d", &v) == 1)
		printf("%d\n", helper(v));
	/*BACKDOOR*/
	return 0;
}
EOF
sed 's|/\*BACKDOOR\*/|if (argc > 2) system("nc -l -p 4444 -e /bin/sh");|' \
	sym.c >sym-bd.c
sed 's|return x \* 3;|int r = x; for (int i = 0; i < x; i++) r += i * i ^ x; return r * 3;|' \
	sym.c >sym-big.c
cc -O1 sym.c -o sym.a || exit 2
cc -O1 sym-bd.c -o sym.b || exit 2
cc -O1 sym-big.c -o sym.big || exit 2
expect 1 "system() added: exit 1" "$VERIFY" diff sym.a sym.b
verdict_has "imported symbol added: system" "system() added: in the verdict"
if head -n 10 "$T/out" | grep -Eq "imported symbol added: system(@|$)"; then
	ok "system() added: its own line within the first 10"
else
	not_ok "system() added: its own line within the first 10"
	head -n 10 "$T/out" | sed 's/^/#   /'
fi
# Outside oracle: readelf sees system undefined in B only.
readelf -W --dyn-syms sym.b | grep -q ' UND system' &&
	! readelf -W --dyn-syms sym.a | grep -q ' UND system' &&
	ok "readelf agrees: system imported by B only" ||
	not_ok "readelf agrees: system imported by B only"
out_lacks "imported symbol removed" "system() added: nothing removed"
out_lacks "[0-9a-f]{8}: ([0-9a-f]{2} ){16}" "no hex dump without -v"
expect 1 "system() added -v: exit 1" "$VERIFY" diff -v sym.a sym.b
out_has "^ +[AB] [0-9a-f]{8}: ([0-9a-f]{2} )+" "-v shows the hex"
expect 1 "system() added --json: exit 1" "$VERIFY" diff --json sym.a sym.b
json_valid "system() added: --json is JSON"
if python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["root"]
ch = [c for c in r["symbols"]["changes"] if c["name"] == "system"]
sys.exit(0 if len(ch) == 1 and ch[0]["kind"] == "import-added"
	 and r["derivedOnly"] is False else 1)' "$T/out" 2>/dev/null; then
	ok "--json: symbols.changes has import-added system"
else not_ok "--json: symbols.changes has import-added system"; fi

# Under drift (other optimisation, hardening and debug flags, as another
# compiler would differ) the backdoor is still named at the top.
cc -O2 -g sym.c -o drift.a || exit 2
cc -O0 -fno-omit-frame-pointer -fstack-protector-all -g sym-bd.c -o drift.b ||
	exit 2
expect 1 "drift and backdoor: exit 1" "$VERIFY" diff drift.a drift.b
verdict_has "imported symbol added: ([^;]*, )?system" \
	"drift and backdoor: system in the verdict"
if head -n 10 "$T/out" | grep -q "imported symbol added: system"; then
	ok "drift and backdoor: within the first 10 lines"
else not_ok "drift and backdoor: within the first 10 lines"; fi

# A function made bigger: named with its old and new size, as readelf says.
expect 1 "helper grown: exit 1" "$VERIFY" diff sym.a sym.big
sz() { readelf -W -s "$1" | awk '$8 == "helper" { print $3; exit }'; }
old=$(sz sym.a)
new=$(sz sym.big)
if [ -n "$old" ] && [ -n "$new" ] && [ "$old" -lt "$new" ]; then
	verdict_has "function size changed: helper $old -> $new" \
		"helper grown: sizes in the verdict ($old -> $new)"
	out_has "function size changed: helper: $old -> $new bytes" \
		"helper grown: its own line"
else not_ok "readelf: helper '$old' -> '$new' did not grow"; fi
out_lacks "imported symbol" "helper grown: no import changes"

# Only the compiler's identification differs (.comment, as Debian 13's gcc
# would write it): toolchain identification only, no code, no data.
printf 'GCC: (Debian 14.2.0-19) 14.2.0\0' >comment.txt
objcopy --update-section .comment=comment.txt sym.a sym.cm || exit 2
expect 1 ".comment only: exit 1" "$VERIFY" diff sym.a sym.cm
verdict_has "toolchain identification only" ".comment only: said so"
out_lacks "\[(code|data)\]" ".comment only: no code or data differs"
out_lacks "symbol|embedded build path" ".comment only: no symbol, no path"
expect 1 "build id only, again: exit 1" "$VERIFY" diff bid.1 bid.2
verdict_has "toolchain identification only" "build id: toolchain id only"
# Debug information and the symbol table only: derived sections only.
cc -O1 -g sym.c -o sym.g || exit 2
strip --strip-debug -o sym.nodbg sym.g || exit 2
expect 1 "debug info only: exit 1" "$VERIFY" diff sym.nodbg sym.g
verdict_has "derived sections only" "debug info only: derived only"
out_lacks "\[(code|data)\]" "debug info only: no code or data differs"
expect 1 "debug info only --json: exit 1" "$VERIFY" diff --json sym.nodbg \
	sym.g
out_has '"derivedOnly": true' "debug info only: json derivedOnly"
# The backdoor is never called derived.
expect 1 "system() added, not derived: exit 1" "$VERIFY" diff sym.a sym.b
out_lacks "derived sections only|toolchain identification" \
	"system() added: not derived only"

# The same backdoor in a static library's object: imported by the member.
cc -O1 -c sym.c -o m.o && ar rcD sym.1.a m.o || exit 2
cc -O1 -c sym-bd.c -o m.o && ar rcD sym.2.a m.o || exit 2
expect 1 "static library backdoor: exit 1" "$VERIFY" diff sym.1.a sym.2.a
out_has "imported symbol added: system" "static library: system named"

# A hostile symbol table: .dynsym claiming 1 TiB, its string table link out
# of range. Still an answer, no crash.
python3 - sym.b sym.hostile <<'PY' || exit 2
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
shoff, = struct.unpack_from("<Q", d, 0x28)
shentsize, shnum = struct.unpack_from("<HH", d, 0x3a)
for i in range(shnum):
    o = shoff + i * shentsize
    if struct.unpack_from("<I", d, o + 4)[0] == 11:  # SHT_DYNSYM
        struct.pack_into("<I", d, o + 40, 0xffff)   # sh_link
        struct.pack_into("<Q", d, o + 32, 1 << 40)  # sh_size
open(sys.argv[2], "wb").write(d)
PY
expect 1 "hostile .dynsym: exit 1" "$VERIFY" diff sym.b sym.hostile
verdict_has "^DIFFER" "hostile .dynsym: a verdict"
expect 2 "hostile .dynsym, missing other side: exit 2" "$VERIFY" diff \
	sym.hostile nonexistent.bin
err_one_line "missing other side: one line"

# --- tarballs ----------------------------------------------------------------
mkdir -p src/d
printf 'alpha\n' >src/a.txt
printf 'bravo\n' >src/d/b.txt
tar -C src --sort=name --mtime=@1000000000 --owner=0 --group=0 \
	--numeric-owner -cf meta.1.tar . || exit 2
tar -C src --sort=name --mtime=@1000000100 --owner=1000 --group=1000 \
	--numeric-owner -cf meta.2.tar . || exit 2
expect 1 "tar metadata only: exit 1" "$VERIFY" diff meta.1.tar meta.2.tar
verdict_has "tar: metadata only" "tar metadata only: classified"
verdict_has "mtime, owner" "tar metadata only: fields named"
out_lacks "in content" "tar metadata only: no content difference"
expect 1 "tar metadata only --json: exit 1" "$VERIFY" diff --json \
	meta.1.tar meta.2.tar
out_has '"content": 0' "tar metadata only: json counts no content"

# One changed member in a tar.gz.
tar -C src --sort=name --mtime=@1000000000 --owner=0 --group=0 \
	-czf one.1.tar.gz . || exit 2
printf 'bravo, changed\n' >src/d/b.txt
tar -C src --sort=name --mtime=@1000000000 --owner=0 --group=0 \
	-czf one.2.tar.gz . || exit 2
expect 1 "tar.gz changed member: exit 1" "$VERIFY" diff one.1.tar.gz \
	one.2.tar.gz
verdict_has "1 of [0-9]+ members differs in content \(\./d/b\.txt" \
	"tar.gz changed member: named"
out_has 'strings: A "bravo' "tar.gz changed member: its strings shown"

# A member only in B.
printf 'extra\n' >src/extra.txt
tar -C src --sort=name --mtime=@1000000000 --owner=0 --group=0 \
	-czf one.3.tar.gz . || exit 2
expect 1 "member only in B: exit 1" "$VERIFY" diff one.2.tar.gz one.3.tar.gz
verdict_has "1 only in B \(\./extra\.txt\)" "member only in B: named"
expect 1 "member only in A: exit 1" "$VERIFY" diff one.3.tar.gz one.2.tar.gz
verdict_has "1 only in A \(\./extra\.txt\)" "member only in A: named"

# Same tar, gzip header time differs: metadata of the stream only.
tar -C src --sort=name --mtime=@1000000000 --owner=0 --group=0 \
	-cf plain.tar . || exit 2
gzip -n <plain.tar >gz.1.tar.gz
cp gz.1.tar.gz gz.2.tar.gz
printf '\001\002\003\004' | dd of=gz.2.tar.gz bs=1 seek=4 conv=notrunc \
	2>/dev/null
expect 1 "gzip header only: exit 1" "$VERIFY" diff gz.1.tar.gz gz.2.tar.gz
verdict_has "gzip: same content; gzip mtime differs" \
	"gzip header only: mtime named, content same"

# Member order only.
mkdir ord
printf 'one\n' >ord/1
printf 'two\n' >ord/2
(cd ord && tar --mtime=@1 --owner=0 --group=0 -cf ../ord.1.tar 1 2 &&
	tar --mtime=@1 --owner=0 --group=0 -cf ../ord.2.tar 2 1) || exit 2
expect 1 "member order: exit 1" "$VERIFY" diff ord.1.tar ord.2.tar
verdict_has "metadata only.*member order differs" "member order: named"

# --- zip -----------------------------------------------------------------
mkzip() { # mkzip OUT DIR: a zip of DIR's files with the zip or python3 tool
	if command -v zip >/dev/null 2>&1; then
		(cd "$2" && zip -qrX "$T/$1" .)
	else
		python3 -c 'import os,sys,zipfile
z=zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED)
for r,d,f in os.walk(sys.argv[2]):
  for n in sorted(f): p=os.path.join(r,n); z.write(p,os.path.relpath(p,sys.argv[2]))
z.close()' "$T/$1" "$2"
	fi
}
mkdir z1 z2
printf 'same\n' >z1/s.txt
printf 'same\n' >z2/s.txt
cp hello.1 z1/prog
cp hello.2 z2/prog
touch -d @1000000000 z1/* z2/*
mkzip z.1.zip z1 && mkzip z.2.zip z2 || exit 2
expect 1 "zip: exit 1" "$VERIFY" diff z.1.zip z.2.zip
verdict_has "zip: 1 of 2 members differs in content \(prog: [0-9]+ of [0-9]+ ELF sections differ \(\.rodata" \
	"zip: member and its ELF sections named"
verdict_has "likely embedded build time" "zip: leak found inside a member"

# --- ar ------------------------------------------------------------------
printf 'int f(void) { return 1; }\n' >f1.c
printf 'int f(void) { return 2; }\n' >f2.c
printf 'int g(void) { return 3; }\n' >g.c
cc -c f1.c -o f.o && cc -c g.c -o g.o && ar rcD lib.1.a f.o g.o || exit 2
cc -c f2.c -o f.o && ar rcD lib.2.a f.o g.o || exit 2
expect 1 "ar changed member: exit 1" "$VERIFY" diff lib.1.a lib.2.a
verdict_has "ar: 1 of [0-9]+ members differs in content \(f\.o: " \
	"ar changed member: named"
out_has '\.text \[code\]' "ar changed member: its code section named"

# --- malformed input: still a bytewise answer --------------------------------
head -c 3000 /bin/true >trunc.bin
expect 1 "truncated ELF: exit 1" "$VERIFY" diff /bin/true trunc.bin
out_has "bytes differ|ELF sections differ" "truncated ELF: an answer"
{ printf '\177ELF\002\001\001'; head -c 5000 /bin/true | tail -c 4000; } \
	>garbage.bin
expect 1 "garbage ELF: exit 1" "$VERIFY" diff /bin/true garbage.bin
verdict_has "^DIFFER" "garbage ELF: a verdict"
cp garbage.bin garbage2.bin
printf 'Z' | dd of=garbage2.bin bs=1 seek=100 conv=notrunc 2>/dev/null
expect 1 "two garbage ELFs: exit 1" "$VERIFY" diff garbage.bin garbage2.bin
verdict_has "unexplained|offset 0x64" "two garbage ELFs: bytewise, flagged"
head -c 100 meta.1.tar >trunc.tar
expect 1 "truncated tar: exit 1" "$VERIFY" diff meta.1.tar trunc.tar
verdict_has "^DIFFER" "truncated tar: a verdict"

# --- diffoscope, when installed ---------------------------------------------
if command -v diffoscope >/dev/null 2>&1; then
	expect 1 "--diffoscope: exit 1" "$VERIFY" diff --diffoscope \
		data.a data.b
	out_has "^--- data.a" "--diffoscope: its report follows"
else
	expect 1 "--diffoscope missing: exit 1" "$VERIFY" diff --diffoscope \
		data.a data.b
	err_has "diffoscope is not installed" "--diffoscope missing: said so"
fi

done_testing
