/* The diff engine: opens the pair, compares bytes in chunks, sniffs formats and dispatches. */
#include "diff_int.h"
#include "sha256.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Leak windows looked at per node, and their reach around a difference. */
#define MAX_WINDOWS 256
#define WIN_BEFORE 64
#define WIN_AFTER 192
#define STR_REACH 32 /* bytes each side searched for context strings */
#define STR_MAX 160  /* characters of context strings kept */

const char *
cr_diff_fmt_name(enum cr_diff_fmt f)
{
	static const char *const names[] = {"data",  "ELF",  "tar",  "zip",
					    "ar",    "cpio", "gzip", "xz",
					    "bzip2", "zstd"};

	return names[f];
}

int
cr_diff_cmp_named(const char *an, size_t at, const char *bn, size_t bt)
{
	int c = strcmp(an, bn);

	if (c)
		return c;
	return at < bt ? -1 : at > bt;
}

int
cr_diff_spool_open(struct cr_diff_ctx *c, int *fd)
{
	if ((*fd = cr_spool_open(c->tmpdir)) < 0)
		return cr_error_errno("%s: cannot create a temporary file",
				      c->tmpdir);
	return CR_OK;
}

struct cr_diff_node *
cr_diff_node_new(struct cr_diff_ctx *c, const char *name, const char *format)
{
	struct cr_diff_node *n;

	(void)c;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	if ((n->name = strdup(name)) == NULL) {
		free(n);
		return NULL;
	}
	n->format = format;
	return n;
}

void
cr_diff_node_free(struct cr_diff_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nchildren; i++)
		cr_diff_node_free(n->children[i]);
	free(n->children);
	for (i = 0; i < n->nmeta; i++) {
		free(n->meta[i].a);
		free(n->meta[i].b);
	}
	free(n->meta);
	for (i = 0; i < n->nleaks; i++) {
		free(n->leaks[i].a);
		free(n->leaks[i].b);
	}
	free(n->leaks);
	for (i = 0; i < n->nsyms; i++) {
		free(n->syms[i].name);
		free(n->syms[i].version_a);
		free(n->syms[i].version_b);
	}
	free(n->syms);
	free(n->syms_note);
	free(n->first.str_a);
	free(n->first.str_b);
	free(n->note);
	free(n->name);
	free(n);
}

static size_t
count_nodes(const struct cr_diff_node *n)
{
	size_t i, k = 1;

	for (i = 0; i < n->nchildren; i++)
		k += count_nodes(n->children[i]);
	return k;
}

int
cr_diff_node_add_child(struct cr_diff_ctx *c, struct cr_diff_node *parent,
		       struct cr_diff_node *child)
{
	struct cr_diff_node **tmp;
	size_t k = count_nodes(child);

	if (c->nodes + k > CR_DIFF_MAX_NODES) {
		parent->omitted++;
		cr_diff_node_free(child);
		return CR_OK;
	}
	tmp = realloc(parent->children, (parent->nchildren + 1) * sizeof(*tmp));
	if (tmp == NULL) {
		cr_diff_node_free(child);
		return cr_error_set("diff: out of memory");
	}
	parent->children = tmp;
	parent->children[parent->nchildren++] = child;
	c->nodes += k;
	return CR_OK;
}

int
cr_diff_node_add_meta(struct cr_diff_node *n, const char *field, const char *a,
		      const char *b)
{
	struct cr_diff_meta *tmp;
	char *ca = NULL, *cb = NULL;

	if ((a && (ca = strdup(a)) == NULL) || (b && (cb = strdup(b)) == NULL))
		goto oom;
	if ((tmp = realloc(n->meta, (n->nmeta + 1) * sizeof(*tmp))) == NULL)
		goto oom;
	n->meta = tmp;
	n->meta[n->nmeta].field = field;
	n->meta[n->nmeta].a = ca;
	n->meta[n->nmeta].b = cb;
	n->nmeta++;
	return CR_OK;
oom:
	free(ca);
	free(cb);
	return cr_error_set("diff: out of memory");
}

int
cr_diff_node_note(struct cr_diff_node *n, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return cr_error_set("diff: out of memory");
	free(n->note);
	n->note = s;
	return CR_OK;
}

/* Reads virtual bytes [pos, pos+len) of a span list; returns bytes read. */
static ssize_t
vread(int fd, const struct cr_diff_span *s, size_t ns, uint64_t pos,
      unsigned char *buf, size_t len)
{
	size_t i, got = 0, want;
	uint64_t base = 0;
	ssize_t r;

	for (i = 0; i < ns && got < len; i++) {
		if (pos + got >= base + s[i].len) {
			base += s[i].len;
			continue;
		}
		want = (size_t)(base + s[i].len - (pos + got));
		if (want > len - got)
			want = len - got;
		r = cr_pread_full(fd, buf + got, want,
				  s[i].off + (pos + got - base));
		if (r < 0)
			return -1;
		got += (size_t)r;
		if ((size_t)r < want)
			break;
		base += s[i].len;
	}
	return (ssize_t)got;
}

/* The file offset of virtual position pos. */
static uint64_t
voffset(const struct cr_diff_span *s, size_t ns, uint64_t pos)
{
	size_t i;

	for (i = 0; i < ns; i++) {
		if (pos < s[i].len)
			return s[i].off + pos;
		pos -= s[i].len;
	}
	return ns ? s[ns - 1].off + s[ns - 1].len : 0;
}

static int
printable(unsigned char ch)
{
	return (ch >= 0x20 && ch < 0x7f) || ch == '\t';
}

/* Appends s[0..len) to out (cap STR_MAX) quoted, with C escapes. */
static void
quote_into(char *out, size_t cap, const unsigned char *s, size_t len)
{
	size_t o = strlen(out), i;

	if (o + 4 >= cap)
		return;
	if (o > 0)
		out[o++] = ' ';
	out[o++] = '"';
	for (i = 0; i < len && o + 4 < cap; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			out[o++] = '\\';
			out[o++] = (char)s[i];
		} else if (s[i] == '\t') {
			out[o++] = '\\';
			out[o++] = 't';
		} else {
			out[o++] = (char)s[i];
		}
	}
	out[o++] = '"';
	out[o] = '\0';
}

/*
 * The printable runs of w[0..len) that are at least 4 long or hold the
 * byte at index at, quoted; NULL when there are none or out of memory.
 */
static char *
strings_around(const unsigned char *w, size_t len, size_t at)
{
	char out[STR_MAX + 8] = "";
	size_t i = 0, s;

	while (i < len) {
		if (!printable(w[i])) {
			i++;
			continue;
		}
		for (s = i; i < len && printable(w[i]); i++)
			;
		if (i - s >= 4 || (i - s >= 3 && at >= s && at < i))
			quote_into(out, sizeof(out), w + s, i - s);
	}
	return out[0] ? strdup(out) : NULL;
}

static int
add_leak(struct cr_diff_node *n, enum cr_diff_leak_kind k, int side,
	 const unsigned char *s, size_t len)
{
	struct cr_diff_leak *tmp, *l = NULL;
	char buf[STR_MAX + 8] = "";
	size_t i;

	for (i = 0; i < n->nleaks; i++)
		if (n->leaks[i].kind == k)
			l = &n->leaks[i];
	if (l == NULL) {
		tmp = realloc(n->leaks, (n->nleaks + 1) * sizeof(*tmp));
		if (tmp == NULL)
			return cr_error_set("diff: out of memory");
		n->leaks = tmp;
		l = &n->leaks[n->nleaks++];
		memset(l, 0, sizeof(*l));
		l->kind = k;
	}
	if ((side == 0 ? l->a : l->b) != NULL)
		return CR_OK;
	quote_into(buf, sizeof(buf), s, len);
	/* The same path on both sides is no embedded build path. */
	if (k == CR_LEAK_PATH && (side == 0 ? l->b : l->a) != NULL &&
	    strcmp(side == 0 ? l->b : l->a, buf) == 0) {
		free(l->a);
		free(l->b);
		*l = n->leaks[--n->nleaks];
		return CR_OK;
	}
	if (side == 0 && (l->a = strdup(buf)) == NULL)
		return cr_error_set("diff: out of memory");
	if (side == 1 && (l->b = strdup(buf)) == NULL)
		return cr_error_set("diff: out of memory");
	return CR_OK;
}

/*
 * Looks for leaks in one side's window w (the other side's is o): a match
 * counts only when it covers a byte that differs, and a path only when the
 * other side's window does not hold the same path (moved by the layout).
 */
static int
scan_side(struct cr_diff_ctx *c, struct cr_diff_node *n, int side,
	  const unsigned char *w, size_t lw, const unsigned char *o, size_t lo)
{
	const struct cr_diff_opts *op = c->opts;
	enum cr_diff_leak_kind k;
	size_t i = 0, s, e, ms, me, j;
	int err;

	while (i < lw) {
		if (!printable(w[i])) {
			i++;
			continue;
		}
		for (s = i; i < lw && printable(w[i]); i++)
			;
		e = i;
		while (s < e) {
			k = cr_diff_leak_match((const char *)w + s, e - s, &ms,
					       &me, c->host, c->user,
					       op ? op->build_paths : NULL,
					       op ? op->nbuild_paths : 0);
			if (k == CR_LEAK_NONE)
				break;
			for (j = s + ms; j < s + me; j++)
				if (j >= lo || w[j] != o[j])
					break;
			/* A path the other side holds too, moved: no leak. */
			if (j < s + me && k == CR_LEAK_PATH &&
			    memmem(o, lo, w + s + ms, me - ms) != NULL)
				j = s + me;
			if (j < s + me &&
			    (err = add_leak(n, k, side, w + s + ms, me - ms)) <
				    0)
				return err;
			s += me;
		}
	}
	return CR_OK;
}

static int
scan_window(struct cr_diff_ctx *c, struct cr_diff_node *n, int fda,
	    const struct cr_diff_span *sa, size_t na, int fdb,
	    const struct cr_diff_span *sb, size_t nb, uint64_t pos)
{
	unsigned char wa[WIN_BEFORE + WIN_AFTER], wb[WIN_BEFORE + WIN_AFTER];
	uint64_t from = pos > WIN_BEFORE ? pos - WIN_BEFORE : 0;
	ssize_t la, lb;
	int err;

	la = vread(fda, sa, na, from, wa, sizeof(wa));
	lb = vread(fdb, sb, nb, from, wb, sizeof(wb));
	if (la < 0 || lb < 0)
		return cr_error_errno("diff: %s: read", n->name);
	if ((err = scan_side(c, n, 0, wa, (size_t)la, wb, (size_t)lb)) < 0)
		return err;
	return scan_side(c, n, 1, wb, (size_t)lb, wa, (size_t)la);
}

/* Hex and strings context of the first difference at virtual pos. */
static int
fill_first(struct cr_diff_node *n, int fda, const struct cr_diff_span *sa,
	   size_t na, int fdb, const struct cr_diff_span *sb, size_t nb,
	   uint64_t pos)
{
	unsigned char wa[2 * STR_REACH], wb[2 * STR_REACH];
	struct cr_diff_first *f = &n->first;
	uint64_t from;
	ssize_t la, lb;

	f->valid = 1;
	f->offset = pos;
	f->file_offset =
		pos < n->size_a ? voffset(sa, na, pos) : voffset(sb, nb, pos);
	f->start = pos > CR_DIFF_CTX ? pos - CR_DIFF_CTX : 0;
	la = vread(fda, sa, na, f->start, f->a, sizeof(f->a));
	lb = vread(fdb, sb, nb, f->start, f->b, sizeof(f->b));
	if (la < 0 || lb < 0)
		return cr_error_errno("diff: %s: read", n->name);
	f->alen = (size_t)la;
	f->blen = (size_t)lb;
	from = pos > STR_REACH ? pos - STR_REACH : 0;
	la = vread(fda, sa, na, from, wa, sizeof(wa));
	lb = vread(fdb, sb, nb, from, wb, sizeof(wb));
	if (la < 0 || lb < 0)
		return cr_error_errno("diff: %s: read", n->name);
	f->str_a = strings_around(wa, (size_t)la, (size_t)(pos - from));
	f->str_b = strings_around(wb, (size_t)lb, (size_t)(pos - from));
	return CR_OK;
}

/* The number of differing bytes in two 64-byte blocks. */
static uint64_t
count_diff(const unsigned char *a, const unsigned char *b)
{
	uint64_t x, y, k = 0;
	size_t i;

	for (i = 0; i < 64; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		x ^= y;
		/* One bit per non-zero byte, at the byte's low bit. */
		x |= x >> 4;
		x |= x >> 2;
		x |= x >> 1;
		x &= 0x0101010101010101ull;
		k += (uint64_t)__builtin_popcountll(x);
	}
	return k;
}

int
cr_diff_spans(struct cr_diff_ctx *c, struct cr_diff_node *n, int fda,
	      const struct cr_diff_span *sa, size_t na, int fdb,
	      const struct cr_diff_span *sb, size_t nb, int scan)
{
	unsigned char *ba = NULL, *bb = NULL;
	uint64_t ta = 0, tb = 0, common, pos = 0, next_win = 0, first = 0;
	size_t i, j, len, windows = 0;
	int have_first = 0, err = CR_ERROR;
	ssize_t ra, rb;

	for (i = 0; i < na; i++)
		ta += sa[i].len;
	for (i = 0; i < nb; i++)
		tb += sb[i].len;
	n->size_a = ta;
	n->size_b = tb;
	n->differing = 0;
	common = ta < tb ? ta : tb;
	if ((ba = malloc(CR_STREAM_CHUNK)) == NULL ||
	    (bb = malloc(CR_STREAM_CHUNK)) == NULL) {
		cr_error_set("diff: out of memory");
		goto done;
	}
	while (pos < common) {
		len = common - pos < CR_STREAM_CHUNK ? (size_t)(common - pos)
						     : CR_STREAM_CHUNK;
		ra = vread(fda, sa, na, pos, ba, len);
		rb = vread(fdb, sb, nb, pos, bb, len);
		if (ra < 0 || rb < 0) {
			cr_error_errno("diff: %s: read", n->name);
			goto done;
		}
		if ((size_t)ra < len || (size_t)rb < len) {
			cr_error_set("diff: %s: file shrank while read",
				     n->name);
			goto done;
		}
		for (i = 0; i < len; i += 64) {
			size_t blk = len - i < 64 ? len - i : 64;

			if (memcmp(ba + i, bb + i, blk) == 0)
				continue;
			/* Past the first difference and the leak windows,
			 * only the count matters: count a word at a time. */
			if (have_first && blk == 64 &&
			    !(scan && windows < MAX_WINDOWS &&
			      pos + i + blk > next_win)) {
				n->differing += count_diff(ba + i, bb + i);
				continue;
			}
			for (j = i; j < i + blk; j++) {
				if (ba[j] == bb[j])
					continue;
				n->differing++;
				if (!have_first) {
					have_first = 1;
					first = pos + j;
				}
				if (scan && pos + j >= next_win &&
				    windows < MAX_WINDOWS) {
					windows++;
					next_win = pos + j + WIN_AFTER;
					if ((err = scan_window(c, n, fda, sa,
							       na, fdb, sb, nb,
							       pos + j)) < 0)
						goto done;
				}
			}
		}
		pos += len;
	}
	if (ta != tb) {
		n->differing += ta > tb ? ta - tb : tb - ta;
		if (!have_first) {
			have_first = 1;
			first = common;
		}
		if (scan && common >= next_win && windows < MAX_WINDOWS &&
		    (err = scan_window(c, n, fda, sa, na, fdb, sb, nb,
				       common)) < 0)
			goto done;
	}
	n->status = n->differing ? CR_DIFF_CONTENT : CR_DIFF_SAME;
	if (have_first &&
	    (err = fill_first(n, fda, sa, na, fdb, sb, nb, first)) < 0)
		goto done;
	err = CR_OK;
done:
	free(ba);
	free(bb);
	return err;
}

static enum cr_diff_fmt
sniff(int fd)
{
	unsigned char h[512];
	ssize_t n;

	memset(h, 0, sizeof(h));
	if ((n = cr_pread_full(fd, h, sizeof(h), 0)) < 4)
		return CR_DIFF_FMT_DATA;
	if (memcmp(h, "\177ELF", 4) == 0)
		return CR_DIFF_FMT_ELF;
	if (n >= 8 && memcmp(h, "!<arch>\n", 8) == 0)
		return CR_DIFF_FMT_AR;
	if (memcmp(h, "PK\003\004", 4) == 0 || memcmp(h, "PK\005\006", 4) == 0)
		return CR_DIFF_FMT_ZIP;
	if (n >= 262 && memcmp(h + 257, "ustar", 5) == 0)
		return CR_DIFF_FMT_TAR;
	if (n >= 6 &&
	    (memcmp(h, "070707", 6) == 0 || memcmp(h, "070701", 6) == 0 ||
	     memcmp(h, "070702", 6) == 0))
		return CR_DIFF_FMT_CPIO;
	if (h[0] == 0x1f && h[1] == 0x8b)
		return CR_DIFF_FMT_GZIP;
	if (n >= 6 && memcmp(h, "\3757zXZ\0", 6) == 0)
		return CR_DIFF_FMT_XZ;
	if (memcmp(h, "BZh", 3) == 0 && h[3] >= '1' && h[3] <= '9')
		return CR_DIFF_FMT_BZIP2;
	if (memcmp(h, "\050\265\057\375", 4) == 0)
		return CR_DIFF_FMT_ZSTD;
	return CR_DIFF_FMT_DATA;
}

static void
drop_leaks(struct cr_diff_node *n)
{
	size_t i;

	for (i = 0; i < n->nleaks; i++) {
		free(n->leaks[i].a);
		free(n->leaks[i].b);
	}
	free(n->leaks);
	n->leaks = NULL;
	n->nleaks = 0;
}

static void
drop_children(struct cr_diff_ctx *c, struct cr_diff_node *n)
{
	size_t i;

	for (i = 0; i < n->nchildren; i++) {
		c->nodes -= count_nodes(n->children[i]);
		cr_diff_node_free(n->children[i]);
	}
	free(n->children);
	n->children = NULL;
	n->nchildren = 0;
	n->total = n->ncontent = n->nmetadata = n->nonly_a = n->nonly_b = 0;
	n->omitted = 0;
}

int
cr_diff_into(struct cr_diff_ctx *c, struct cr_diff_node *n, int fda, int fdb,
	     unsigned int depth)
{
	struct stat sta, stb;
	struct cr_diff_span spa, spb;
	enum cr_diff_fmt fa, fb;
	int err;

	if (fstat(fda, &sta) < 0 || fstat(fdb, &stb) < 0)
		return cr_error_errno("diff: %s: stat", n->name);
	spa.off = spb.off = 0;
	spa.len = (uint64_t)sta.st_size;
	spb.len = (uint64_t)stb.st_size;
	fa = sniff(fda);
	fb = sniff(fdb);
	n->format = cr_diff_fmt_name(fa);
	/* Leaks are looked for where bytes are the payload itself. */
	if ((err = cr_diff_spans(c, n, fda, &spa, 1, fdb, &spb, 1,
				 fa == CR_DIFF_FMT_DATA || fa != fb)) < 0)
		return err;
	if (n->status == CR_DIFF_SAME) {
		if (n->nmeta > 0)
			n->status = CR_DIFF_METADATA;
		return CR_OK;
	}
	if (fa != fb)
		return cr_diff_node_note(
			n, "A is %s, B is %s: compared bytewise",
			cr_diff_fmt_name(fa), cr_diff_fmt_name(fb));
	if (fa == CR_DIFF_FMT_DATA)
		return CR_OK;
	if (depth >= c->max_depth) {
		n->unexplained = 1;
		return cr_diff_node_note(
			n,
			"nested deeper than %u containers: compared "
			"bytewise only",
			c->max_depth);
	}
	switch (fa) {
	case CR_DIFF_FMT_ELF:
		err = cr_diff_elf(c, n, fda, fdb, spa.len, spb.len);
		break;
	case CR_DIFF_FMT_GZIP:
	case CR_DIFF_FMT_XZ:
	case CR_DIFF_FMT_BZIP2:
	case CR_DIFF_FMT_ZSTD:
		err = cr_diff_compressed(c, n, fa, fda, fdb, depth);
		break;
	default:
		err = cr_diff_archive(c, n, fda, fdb, depth);
		break;
	}
	if (err == CR_ERROR)
		return err;
	if (err == CR_EFAIL) {
		/* Could not parse it: the bytewise answer stands, flagged. */
		drop_children(c, n);
		n->status = CR_DIFF_CONTENT;
		n->unexplained = 1;
		return CR_OK;
	}
	/* A structured answer explains the bytes; the whole-file scan and
	 * its context would only repeat it. */
	drop_leaks(n);
	return CR_OK;
}

static void
tally(struct cr_diff_report *r, const struct cr_diff_node *n)
{
	size_t i;

	if (n->unexplained)
		r->unexplained++;
	for (i = 0; i < n->nleaks; i++)
		r->leaks |= n->leaks[i].kind;
	for (i = 0; i < n->nchildren; i++)
		tally(r, n->children[i]);
}

static void
ctx_init(struct cr_diff_ctx *c, const struct cr_diff_opts *opts)
{
	struct passwd pw, *res = NULL;
	char pwbuf[4096];
	const char *t;

	memset(c, 0, sizeof(*c));
	c->opts = opts;
	c->max_depth =
		opts && opts->max_depth ? opts->max_depth : CR_DIFF_MAX_DEPTH;
	c->max_spool =
		opts && opts->max_spool ? opts->max_spool : CR_DIFF_MAX_SPOOL;
	c->max_unpack = opts && opts->max_unpack ? opts->max_unpack
						 : CR_DIFF_MAX_UNPACK;
	t = opts && opts->tmpdir ? opts->tmpdir : getenv("TMPDIR");
	c->tmpdir = t && *t ? t : "/tmp";
	if (opts && opts->no_host)
		return;
	if (gethostname(c->host, sizeof(c->host) - 1) < 0)
		c->host[0] = '\0';
	c->host[sizeof(c->host) - 1] = '\0';
	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 &&
	    res != NULL && strlen(pw.pw_name) < sizeof(c->user))
		strcpy(c->user, pw.pw_name);
}

int
cr_diff_fds(struct cr_diff_report **out, int fda, const char *a, int fdb,
	    const char *b, const struct cr_diff_opts *opts)
{
	struct cr_diff_report *r = NULL;
	struct cr_diff_ctx c;
	struct stat st;
	int err = CR_ERROR;

	*out = NULL;
	ctx_init(&c, opts);
	if (fstat(fda, &st) < 0)
		return cr_error_errno("%s", a);
	if (!S_ISREG(st.st_mode))
		return cr_error_set("%s: not a regular file", a);
	if (fstat(fdb, &st) < 0)
		return cr_error_errno("%s", b);
	if (!S_ISREG(st.st_mode))
		return cr_error_set("%s: not a regular file", b);
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->a = strdup(a)) == NULL ||
	    (r->b = strdup(b)) == NULL ||
	    (r->root = cr_diff_node_new(&c, a, "data")) == NULL) {
		cr_error_set("diff: out of memory");
		goto done;
	}
	c.nodes = 1;
	if ((err = cr_diff_into(&c, r->root, fda, fdb, 0)) < 0)
		goto done;
	r->identical = r->root->status == CR_DIFF_SAME;
	tally(r, r->root);
	*out = r;
	r = NULL;
	err = (*out)->identical ? CR_OK : CR_EFAIL;
done:
	cr_diff_report_free(r);
	return err;
}

static int
open_input(int *fd, const char *path)
{
	struct stat st;

	if ((*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return cr_error_errno("%s", path);
	if (fstat(*fd, &st) < 0)
		return cr_error_errno("%s", path);
	if (!S_ISREG(st.st_mode))
		return cr_error_set("%s: not a regular file", path);
	return CR_OK;
}

int
cr_diff_files(struct cr_diff_report **out, const char *a, const char *b,
	      const struct cr_diff_opts *opts)
{
	int fda = -1, fdb = -1, err;

	*out = NULL;
	if ((err = open_input(&fda, a)) < 0 || (err = open_input(&fdb, b)) < 0)
		goto done;
	err = cr_diff_fds(out, fda, a, fdb, b, opts);
done:
	if (fda >= 0)
		close(fda);
	if (fdb >= 0)
		close(fdb);
	return err;
}

void
cr_diff_report_free(struct cr_diff_report *r)
{
	if (r == NULL)
		return;
	cr_diff_node_free(r->root);
	free(r->a);
	free(r->b);
	free(r);
}
