#!/bin/bash
# One archive layer (docs/design.md, "One archive policy"): every libarchive
# reader is set up in lib/check/archive_policy.c and every writer in
# lib/build/archive_writer.c. No other object of the build may import a
# function that makes a libarchive reader or writer, chooses its formats or
# filters, or opens it: a second set-up would be a second policy.
. "$SRCDIR/tests/cli/lib.sh"

BUILD=${BUILDDIR:-$(cd "$(dirname "$ATTEST")/.." && pwd)}
command -v nm >/dev/null || { echo "1..0 # SKIP nm (binutils) missing"; exit 77; }

# check OBJECT...: one line in $T/bad per set-up function an object imports
# that its file may not.
check() {
	: >"$T/bad"
	for o in "$@"; do
		nm -A -u "$o" 2>/dev/null
	done | awk '{
		obj = $1
		sub(/:[^:]*$/, "", obj)
		sub(/.*\//, "", obj)
		s = $NF
		if (s !~ /^archive_(read_new|read_support_|read_append_filter|read_set_format|read_open|read_disk_|write_new|write_set_format|write_add_filter|write_set_filter_option|write_set_option|write_open|write_disk_)/)
			next
		reader = s ~ /^archive_(read_|write_disk_)/
		if (obj == "archive_policy.c.o" && reader)
			next
		if (obj == "archive_writer.c.o" && !reader)
			next
		print obj " imports " s
	}' >"$T/bad"
}

# The check can fail: a normaliser setting up a reader and a writer of its
# own, and a writer file making a reader.
mkdir badsrc
cat >badsrc/normalize.c <<'EOF'
#include <archive.h>
int cr_bad(void);
int cr_bad(void)
{
	struct archive *a = archive_read_new(), *w = archive_write_new();
	return archive_read_support_format_zip(a) +
	       archive_write_set_format_ar_svr4(w);
}
EOF
cat >badsrc/archive_writer.c <<'EOF'
#include <archive.h>
int cr_bad2(void);
int cr_bad2(void) { return archive_read_support_filter_all(archive_read_new()); }
EOF
if cc -c -o normalize.c.o badsrc/normalize.c &&
	cc -c -o archive_writer.c.o badsrc/archive_writer.c; then
	check normalize.c.o archive_writer.c.o
	same "$(sort "$T/bad" | tr '\n' ' ')" "archive_writer.c.o imports \
archive_read_new archive_writer.c.o imports archive_read_support_filter_all \
normalize.c.o imports archive_read_new normalize.c.o imports \
archive_read_support_format_zip normalize.c.o imports archive_write_new \
normalize.c.o imports archive_write_set_format_ar_svr4 " \
		"a set-up outside the layer is caught"
else
	not_ok "cc makes the test objects"
fi

mapfile -t objs < <(find "$BUILD/lib" "$BUILD/attest" "$BUILD/verify" \
	"$BUILD/common" -name '*.o' 2>/dev/null | sort)
if printf '%s\n' "${objs[@]}" | grep -q '/archive_policy\.c\.o$' &&
	printf '%s\n' "${objs[@]}" | grep -q '/archive_writer\.c\.o$'; then
	ok "the build made ${#objs[@]} objects, the two layer files among them"
else
	not_ok "archive_policy.c.o and archive_writer.c.o under $BUILD"
fi
check "${objs[@]}"
same "$(tr '\n' ' ' <"$T/bad")" "" \
	"libarchive readers and writers are set up in the layer alone"

# The layer's own imports, so the check above cannot pass by matching
# nothing: the policy makes readers, the writer file writers.
check_layer() {
	nm -u "$1" | grep -c "$2"
}
p=$(printf '%s\n' "${objs[@]}" | grep '/archive_policy\.c\.o$' | head -1)
w=$(printf '%s\n' "${objs[@]}" | grep '/archive_writer\.c\.o$' | head -1)
if [ -n "$p" ] && [ -n "$w" ] &&
	[ "$(check_layer "$p" ' archive_read_support_format_')" -ge 5 ] &&
	[ "$(check_layer "$w" ' archive_write_set_format_')" -ge 3 ]; then
	ok "the layer sets up readers (archive_policy) and writers (archive_writer)"
else
	not_ok "the layer sets up readers (archive_policy) and writers (archive_writer)"
fi

done_testing
