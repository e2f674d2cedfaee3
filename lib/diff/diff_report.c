/* A diff report as people read it (verdict line, details) and as scripts do (JSON). */
#include "diff.h"
#include "error.h"
#include "util.h"
#include "text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAX 4 /* names listed in the verdict per kind */

/* A fixed buffer appended to with printf; silently truncated. */
struct sbuf {
	char *p;
	size_t len, cap, need;
};

static void sb_printf(struct sbuf *s, const char *fmt, ...) CR_PRINTF(2, 3);

static void
sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	size_t room = s->len < s->cap ? s->cap - s->len : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? s->p + s->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	s->need += (size_t)n;
	s->len += (size_t)n;
	if (s->len >= s->cap && s->cap > 0)
		s->len = s->cap - 1;
}

static const char *
status_name(enum cr_diff_status s)
{
	switch (s) {
	case CR_DIFF_SAME:
		return "same";
	case CR_DIFF_CONTENT:
		return "content";
	case CR_DIFF_METADATA:
		return "metadata";
	case CR_DIFF_ONLY_A:
		return "only-a";
	default:
		return "only-b";
	}
}

static int
is_archive(const struct cr_diff_node *n)
{
	return strcmp(n->format, "tar") == 0 || strcmp(n->format, "zip") == 0 ||
	       strcmp(n->format, "ar") == 0 || strcmp(n->format, "cpio") == 0;
}

static int
is_stream(const struct cr_diff_node *n)
{
	return strcmp(n->format, "gzip") == 0 || strcmp(n->format, "xz") == 0 ||
	       strcmp(n->format, "bzip2") == 0 ||
	       strcmp(n->format, "zstd") == 0;
}

static int
is_elf(const struct cr_diff_node *n)
{
	return strcmp(n->format, "ELF") == 0 && n->total > 0;
}

/*
 * Distinct metadata field names of n (or, with children, of its children
 * that differ in metadata only), those starting with prefix if not NULL.
 */
static void
meta_fields(struct sbuf *s, const struct cr_diff_node *n, int children,
	    const char *prefix)
{
	const char *seen[8];
	size_t k = 0, i, j, m;
	const struct cr_diff_node *x;

	for (i = children ? 1 : 0; i <= (children ? n->nchildren : 0); i++) {
		x = i == 0 ? n : n->children[i - 1];
		if (i > 0 && x->status != CR_DIFF_METADATA)
			continue;
		for (m = 0; m < x->nmeta; m++) {
			if (prefix && strncmp(x->meta[m].field, prefix,
					      strlen(prefix)) != 0)
				continue;
			for (j = 0; j < k; j++)
				if (strcmp(seen[j], x->meta[m].field) == 0)
					break;
			if (j < k || k == 8)
				continue;
			seen[k] = x->meta[m].field;
			sb_printf(s, "%s%s", k ? ", " : "", seen[k]);
			k++;
		}
	}
}

static void summary(struct sbuf *s, const struct cr_diff_node *n);

static void
bytes_summary(struct sbuf *s, const struct cr_diff_node *n)
{
	if (n->size_a != n->size_b)
		sb_printf(s,
			  "%" PRIu64 " bytes differ (sizes %" PRIu64
			  " and %" PRIu64 ")",
			  n->differing, n->size_a, n->size_b);
	else
		sb_printf(s, "%" PRIu64 " of %" PRIu64 " bytes differ",
			  n->differing, n->size_a);
	if (n->first.valid)
		sb_printf(s, ", first at offset 0x%" PRIx64,
			  n->first.file_offset);
}

/* Sections that matter most first: code, data, other, then derived. */
static int
class_rank(enum cr_diff_class c)
{
	switch (c) {
	case CR_DIFF_CLASS_CODE:
		return 0;
	case CR_DIFF_CLASS_DATA:
		return 1;
	case CR_DIFF_CLASS_DERIVED:
		return 3;
	default:
		return 2;
	}
}

/* "imported symbol added: system; function size changed: main 35 -> 61; " */
static void
sym_summary(struct sbuf *s, const struct cr_diff_node *n)
{
	const struct cr_diff_sym *x;
	size_t i, k = 0;

	for (i = 0; i < n->nsyms; i++) {
		x = &n->syms[i];
		if (i == 0 || x->kind != n->syms[i - 1].kind) {
			if (i > 0)
				sb_printf(s, "; ");
			sb_printf(s, "%s: ", cr_diff_sym_kind_name(x->kind));
			k = 0;
		}
		if (k == LIST_MAX) {
			sb_printf(s, ", ...");
			k++;
		}
		if (k++ >= LIST_MAX)
			continue;
		sb_printf(s, "%s%s", k > 1 ? ", " : "", x->name);
		if (x->kind == CR_DIFF_SYM_FUNC_SIZE)
			sb_printf(s, " %" PRIu64 " -> %" PRIu64, x->size_a,
				  x->size_b);
		else if (x->kind == CR_DIFF_SYM_IMPORT_VERSION ||
			 x->kind == CR_DIFF_SYM_EXPORT_VERSION)
			sb_printf(s, " %s -> %s",
				  x->version_a ? x->version_a : "-",
				  x->version_b ? x->version_b : "-");
	}
	if (n->syms_omitted)
		sb_printf(s, "; %zu more symbol changes", n->syms_omitted);
	if (n->nsyms || n->syms_omitted)
		sb_printf(s, "; ");
}

/*
 * Whether every differing section of a derived-only ELF is toolchain
 * identification: the compiler's .comment and the build id.
 */
static int
toolchain_id_only(const struct cr_diff_node *n)
{
	const struct cr_diff_node *x;
	size_t i;

	for (i = 0; i < n->nchildren; i++) {
		x = n->children[i];
		if (strcmp(x->format, "section") == 0 &&
		    strcmp(x->name, ".comment") != 0 &&
		    strcmp(x->name, ".note.gnu.build-id") != 0)
			return 0;
	}
	return 1;
}

static void
elf_summary(struct sbuf *s, const struct cr_diff_node *n)
{
	const struct cr_diff_node *x;
	size_t i, k = 0, headers = 0, pass;

	sym_summary(s, n);
	if (n->derived_only)
		sb_printf(s, "%s; the loaded code and data are identical; ",
			  toolchain_id_only(n)
				  ? "toolchain identification only (compiler "
				    "version, build id)"
				  : "derived sections only (debug info, symbol "
				    "tables, build id, compiler version)");
	sb_printf(s, "%zu of %zu ELF sections differ",
		  n->ncontent + n->nonly_a + n->nonly_b, n->total);
	for (pass = 0; pass < 4 * n->nchildren; pass++) {
		i = pass % n->nchildren;
		x = n->children[i];
		if (class_rank(x->klass) != (int)(pass / n->nchildren) ||
		    strcmp(x->format, "section") != 0 ||
		    x->status == CR_DIFF_METADATA)
			continue;
		if (k == LIST_MAX) {
			sb_printf(s, "; ...");
			k++;
			continue;
		}
		if (k > LIST_MAX)
			continue;
		sb_printf(s, "%s%s: ", k ? "; " : " (", x->name);
		if (x->status == CR_DIFF_ONLY_A || x->status == CR_DIFF_ONLY_B)
			sb_printf(s, "only in %s",
				  x->status == CR_DIFF_ONLY_A ? "A" : "B");
		else
			sb_printf(s, "%" PRIu64 " bytes", x->differing);
		if (x->klass == CR_DIFF_CLASS_DERIVED)
			sb_printf(s, ", derived");
		k++;
	}
	if (k)
		sb_printf(s, ")");
	if (n->nmetadata)
		sb_printf(s, ", %zu in layout only", n->nmetadata);
	for (i = 0; i < n->nchildren; i++) {
		x = n->children[i];
		if (strcmp(x->format, "section") == 0)
			continue;
		sb_printf(s, "%s%s", headers++ ? ", " : "; ", x->name);
	}
	if (headers)
		sb_printf(s, " differ%s", headers == 1 ? "s" : "");
}

static void
name_list(struct sbuf *s, const struct cr_diff_node *n, enum cr_diff_status st,
	  size_t count)
{
	const struct cr_diff_node *x = NULL, *last = NULL;
	size_t i, k = 0;

	for (i = 0; i < n->nchildren; i++) {
		if (n->children[i]->status != st)
			continue;
		x = n->children[i];
		if (k < LIST_MAX)
			sb_printf(s, "%s%s", k ? ", " : " (", x->name);
		last = x;
		k++;
	}
	if (k > LIST_MAX)
		sb_printf(s, ", ...");
	if (k == 1 && count == 1 && st == CR_DIFF_CONTENT &&
	    (last->nchildren > 0 || strcmp(last->format, "data") == 0)) {
		sb_printf(s, ": ");
		summary(s, last);
	}
	if (k)
		sb_printf(s, ")");
}

static void
archive_summary(struct sbuf *s, const struct cr_diff_node *n)
{
	const char *sep = ": ";
	size_t i;

	sb_printf(s, "%s", n->format);
	if (n->status == CR_DIFF_METADATA) {
		sb_printf(s, ": metadata only");
		sep = ", ";
	}
	if (n->ncontent) {
		sb_printf(s, "%s%zu of %zu members differ%s in content", sep,
			  n->ncontent, n->total, n->ncontent == 1 ? "s" : "");
		name_list(s, n, CR_DIFF_CONTENT, n->ncontent);
		sep = ", ";
	}
	if (n->nonly_a) {
		sb_printf(s, "%s%zu only in A", sep, n->nonly_a);
		name_list(s, n, CR_DIFF_ONLY_A, n->nonly_a);
		sep = ", ";
	}
	if (n->nonly_b) {
		sb_printf(s, "%s%zu only in B", sep, n->nonly_b);
		name_list(s, n, CR_DIFF_ONLY_B, n->nonly_b);
		sep = ", ";
	}
	if (n->nmetadata) {
		sb_printf(s, "%s%zu of %zu differ%s in metadata only (", sep,
			  n->nmetadata, n->total, n->nmetadata == 1 ? "s" : "");
		meta_fields(s, n, 1, NULL);
		sb_printf(s, ")");
		sep = ", ";
	}
	for (i = 0; i < n->nmeta; i++)
		if (strcmp(n->meta[i].field, "order") == 0 ||
		    strcmp(n->meta[i].field, "format") == 0) {
			sb_printf(s, "%smember %s differs", sep,
				  n->meta[i].field);
			sep = ", ";
		}
}

static void
summary(struct sbuf *s, const struct cr_diff_node *n)
{
	if (n->status == CR_DIFF_ONLY_A || n->status == CR_DIFF_ONLY_B) {
		sb_printf(s, "only in %s",
			  n->status == CR_DIFF_ONLY_A ? "A" : "B");
		return;
	}
	if (is_elf(n)) {
		elf_summary(s, n);
	} else if (is_archive(n) && (n->total > 0 || n->nchildren > 0)) {
		archive_summary(s, n);
	} else if (is_stream(n) && n->total > 0) {
		if (n->nchildren > 0) {
			summary(s, n->children[0]);
			if (n->nmeta) {
				sb_printf(s, "; %s header differs (",
					  n->format);
				meta_fields(s, n, 0, n->format);
				sb_printf(s, ")");
			}
		} else {
			sb_printf(s, "%s: same content; ", n->format);
			meta_fields(s, n, 0, NULL);
			sb_printf(s, " differ%s", n->nmeta == 1 ? "s" : "");
		}
	} else if (n->status == CR_DIFF_METADATA) {
		sb_printf(s, "metadata only (");
		meta_fields(s, n, 0, NULL);
		sb_printf(s, ")");
	} else {
		if (strcmp(n->format, "data") != 0)
			sb_printf(s, "%s, ", n->format);
		bytes_summary(s, n);
	}
}

static void
leak_phrase(struct sbuf *s, unsigned int leaks)
{
	if (leaks & CR_LEAK_TIME)
		sb_printf(s, ", likely embedded build time");
	else if (leaks & CR_LEAK_DATE)
		sb_printf(s, ", likely embedded build date");
	if (leaks & CR_LEAK_PATH)
		sb_printf(s, ", embedded build path");
	if (leaks & CR_LEAK_HOST)
		sb_printf(s, ", embedded hostname");
	if (leaks & CR_LEAK_USER)
		sb_printf(s, ", embedded user name");
}

size_t
cr_diff_verdict(char *buf, size_t len, const struct cr_diff_report *r)
{
	struct sbuf s = {buf, 0, len, 0};

	if (len)
		buf[0] = '\0';
	if (r->identical) {
		sb_printf(&s, "SAME  %s  %s", r->a, r->b);
		return s.need;
	}
	sb_printf(&s, "DIFFER  %s  %s: ", r->a, r->b);
	summary(&s, r->root);
	leak_phrase(&s, r->leaks);
	if (r->unexplained)
		sb_printf(&s, ", %zu difference%s unexplained", r->unexplained,
			  r->unexplained == 1 ? "" : "s");
	return s.need;
}

static void
hex_rows(struct cr_str *t, int indent, const char *side, uint64_t start,
	 const unsigned char *p, size_t len)
{
	size_t i, row;

	for (row = 0; row < len; row += 16) {
		cr_str_printf(t, "%*s%s %08" PRIx64 ": ", indent, "", side,
			      start + row);
		for (i = row; i < row + 16; i++) {
			if (i < len)
				cr_str_printf(t, "%02x ", p[i]);
			else
				cr_str_printf(t, "   ");
		}
		cr_str_printf(t, "|");
		for (i = row; i < row + 16 && i < len; i++)
			cr_str_printf(t, "%c",
				      p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
		cr_str_printf(t, "|\n");
	}
}

/*
 * Function lines per kind without verbose: every function resizes under a
 * new compiler. Imports and exports are always listed, they are the news.
 */
#define SYM_LINES 16

/* One line per symbol change, before the sections. */
static void
syms_text(struct cr_str *t, int indent, const struct cr_diff_node *n,
	  int verbose)
{
	const struct cr_diff_sym *x;
	size_t i, k = 0, more = 0;

	for (i = 0; i < n->nsyms; i++) {
		x = &n->syms[i];
		k = i > 0 && x->kind == n->syms[i - 1].kind ? k + 1 : 0;
		if (!verbose && k >= SYM_LINES &&
		    x->kind >= CR_DIFF_SYM_FUNC_ADDED) {
			more++;
			if (i + 1 == n->nsyms || n->syms[i + 1].kind != x->kind)
				cr_str_printf(
					t,
					"%*s... %zu more (%s; -v or --json "
					"lists them)\n",
					indent, "", more,
					cr_diff_sym_kind_name(x->kind));
			if (i + 1 == n->nsyms || n->syms[i + 1].kind != x->kind)
				more = 0;
			continue;
		}
		cr_str_printf(t, "%*s%s: %s", indent, "",
			      cr_diff_sym_kind_name(x->kind), x->name);
		switch (x->kind) {
		case CR_DIFF_SYM_FUNC_SIZE:
			cr_str_printf(t, ": %" PRIu64 " -> %" PRIu64 " bytes",
				      x->size_a, x->size_b);
			break;
		case CR_DIFF_SYM_IMPORT_VERSION:
		case CR_DIFF_SYM_EXPORT_VERSION:
			cr_str_printf(t, ": %s -> %s",
				      x->version_a ? x->version_a : "-",
				      x->version_b ? x->version_b : "-");
			break;
		case CR_DIFF_SYM_FUNC_ADDED:
		case CR_DIFF_SYM_FUNC_REMOVED:
			cr_str_printf(t, " (%" PRIu64 " bytes)",
				      x->kind == CR_DIFF_SYM_FUNC_ADDED
					      ? x->size_b
					      : x->size_a);
			break;
		default:
			if (x->version_a || x->version_b)
				cr_str_printf(t, "@%s",
					      x->version_b ? x->version_b
							   : x->version_a);
			break;
		}
		cr_str_printf(t, "\n");
	}
	if (n->syms_omitted)
		cr_str_printf(t, "%*s... %zu more symbol changes not shown\n",
			      indent, "", n->syms_omitted);
	if (n->syms_note)
		cr_str_printf(t, "%*snote: %s\n", indent, "", n->syms_note);
}

static void
node_text(struct cr_str *t, const struct cr_diff_node *n, int depth, int root,
	  const struct cr_diff_report *r, int verbose)
{
	int in = 2 * depth, sub = 2 * depth + 4;
	struct cr_diff_leak *l;
	char line[2048];
	struct sbuf s = {line, 0, sizeof(line), 0};
	size_t i;

	if (root)
		cr_str_printf(t, "%*s%s vs %s [%s]: ", in, "", r->a, r->b,
			      n->format);
	else if (n->klass != CR_DIFF_CLASS_NONE)
		cr_str_printf(t, "%*s%s [%s]: ", in, "", n->name,
			      cr_diff_class_name(n->klass));
	else
		cr_str_printf(t, "%*s%s [%s]: ", in, "", n->name, n->format);
	switch (n->status) {
	case CR_DIFF_SAME:
		sb_printf(&s, "identical");
		break;
	case CR_DIFF_ONLY_A:
	case CR_DIFF_ONLY_B:
		sb_printf(&s, "only in %s (%" PRIu64 " bytes)",
			  n->status == CR_DIFF_ONLY_A ? "A" : "B",
			  n->status == CR_DIFF_ONLY_A ? n->size_a : n->size_b);
		break;
	case CR_DIFF_METADATA:
		if (n->nchildren > 0 && !is_stream(n))
			summary(&s, n);
		else
			sb_printf(&s, "metadata only");
		break;
	case CR_DIFF_CONTENT:
		if (is_stream(n) && n->nchildren > 0) {
			sb_printf(&s, "the decompressed content differs");
		} else if (n->nchildren > 0 || is_elf(n) ||
			   (is_archive(n) && n->total > 0)) {
			summary(&s, n);
		} else if (n->differing == 0 && !n->first.valid) {
			sb_printf(&s, "content differs");
		} else {
			bytes_summary(&s, n);
			if (n->first.valid &&
			    n->first.offset != n->first.file_offset)
				sb_printf(&s,
					  " (offset 0x%" PRIx64 " in the %s)",
					  n->first.offset,
					  strcmp(n->format, "section") == 0
						  ? "section"
						  : "region");
		}
		break;
	}
	cr_str_printf(t, "%s\n", line);
	syms_text(t, sub, n, verbose);
	for (i = 0; i < n->nmeta; i++)
		cr_str_printf(t, "%*s%s: %s -> %s\n", sub, "", n->meta[i].field,
			      n->meta[i].a ? n->meta[i].a : "-",
			      n->meta[i].b ? n->meta[i].b : "-");
	if (n->note)
		cr_str_printf(t, "%*s%s: %s\n", sub, "",
			      n->unexplained ? "unexplained" : "note", n->note);
	else if (n->unexplained)
		cr_str_printf(t, "%*sunexplained\n", sub, "");
	if (n->first.valid && n->nchildren == 0 && !is_archive(n) &&
	    !is_stream(n) && !is_elf(n)) {
		if (verbose) {
			hex_rows(t, sub, "A", n->first.start, n->first.a,
				 n->first.alen);
			hex_rows(t, sub, "B", n->first.start, n->first.b,
				 n->first.blen);
		}
		if (n->first.str_a || n->first.str_b)
			cr_str_printf(
				t, "%*sstrings: A %s\n%*s         B %s\n", sub,
				"", n->first.str_a ? n->first.str_a : "-", sub,
				"", n->first.str_b ? n->first.str_b : "-");
	}
	for (i = 0; i < n->nleaks; i++) {
		l = &n->leaks[i];
		cr_str_printf(t, "%*sleak: %s: A %s, B %s\n", sub, "",
			      cr_diff_leak_name(l->kind), l->a ? l->a : "-",
			      l->b ? l->b : "-");
	}
	for (i = 0; i < n->nchildren; i++)
		node_text(t, n->children[i], depth + 1, 0, r, verbose);
	if (n->omitted)
		cr_str_printf(t, "%*s... %zu more differences not shown\n",
			      in + 2, "", n->omitted);
}

int
cr_diff_text(char **out, const struct cr_diff_report *r, int verbose)
{
	struct cr_str t = {0};
	char line[4096];

	cr_diff_verdict(line, sizeof(line), r);
	cr_str_printf(&t, "%s\n", line);
	if (!r->identical)
		node_text(&t, r->root, 0, 1, r, verbose);
	return cr_str_take(out, &t);
}

static int
jset(json_t *o, const char *k, json_t *v)
{
	return v == NULL || json_object_set_new(o, k, v) != 0 ? -1 : 0;
}

/* A JSON string even from bytes that are not UTF-8 ('?' for those). */
static json_t *
jstr(const char *s)
{
	json_t *j = json_string(s);
	char *c;
	size_t i;

	if (j != NULL || s == NULL || (c = strdup(s)) == NULL)
		return j;
	for (i = 0; c[i]; i++)
		if ((unsigned char)c[i] >= 0x80)
			c[i] = '?';
	j = json_string(c);
	free(c);
	return j;
}

static json_t *
jsize(uint64_t v)
{
	return json_integer(v > INT64_MAX ? -1 : (json_int_t)v);
}

static const char *
sym_kind_key(enum cr_diff_sym_kind k)
{
	static const char *const keys[] = {
		"import-added",	  "import-removed",   "import-version",
		"export-added",	  "export-removed",   "export-version",
		"function-added", "function-removed", "function-size",
	};

	return (size_t)k < sizeof(keys) / sizeof(keys[0]) ? keys[k] : "?";
}

/* {"changes": [{"kind", "name", "versionA", "versionB", "sizeA", "sizeB"}], "omitted", "note"} */
static json_t *
syms_json(const struct cr_diff_node *n)
{
	json_t *o = json_object(), *a = json_array(), *x;
	const struct cr_diff_sym *y;
	size_t i;
	int bad = o == NULL || a == NULL;

	if (bad) {
		json_decref(o);
		json_decref(a);
		return NULL;
	}
	bad |= jset(o, "changes", a);
	for (i = 0; !bad && i < n->nsyms; i++) {
		y = &n->syms[i];
		x = json_object();
		if (x == NULL || json_array_append_new(a, x) != 0) {
			bad = 1;
			break;
		}
		bad |= jset(x, "kind", jstr(sym_kind_key(y->kind)));
		bad |= jset(x, "name", jstr(y->name));
		if (y->version_a)
			bad |= jset(x, "versionA", jstr(y->version_a));
		if (y->version_b)
			bad |= jset(x, "versionB", jstr(y->version_b));
		if (y->kind == CR_DIFF_SYM_FUNC_SIZE ||
		    y->kind == CR_DIFF_SYM_FUNC_REMOVED)
			bad |= jset(x, "sizeA", jsize(y->size_a));
		if (y->kind == CR_DIFF_SYM_FUNC_SIZE ||
		    y->kind == CR_DIFF_SYM_FUNC_ADDED)
			bad |= jset(x, "sizeB", jsize(y->size_b));
	}
	bad |= jset(o, "omitted", jsize(n->syms_omitted));
	if (n->syms_note)
		bad |= jset(o, "note", jstr(n->syms_note));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
node_json(const struct cr_diff_node *n)
{
	json_t *o = json_object(), *a, *x;
	char hex[4 * CR_DIFF_CTX + 1];
	size_t i;
	int bad = o == NULL;

	if (bad)
		return NULL;
	bad |= jset(o, "name", jstr(n->name));
	bad |= jset(o, "format", jstr(n->format));
	bad |= jset(o, "status", jstr(status_name(n->status)));
	if (n->klass != CR_DIFF_CLASS_NONE)
		bad |= jset(o, "class", jstr(cr_diff_class_name(n->klass)));
	bad |= jset(o, "sizeA", jsize(n->size_a));
	bad |= jset(o, "sizeB", jsize(n->size_b));
	bad |= jset(o, "differingBytes", jsize(n->differing));
	bad |= jset(o, "unexplained", json_boolean(n->unexplained));
	if (n->note)
		bad |= jset(o, "note", jstr(n->note));
	if (n->first.valid) {
		x = json_object();
		bad |= jset(o, "firstDifference", x);
		if (x) {
			bad |= jset(x, "offset", jsize(n->first.offset));
			bad |= jset(x, "fileOffset",
				    jsize(n->first.file_offset));
			bad |= jset(x, "contextOffset", jsize(n->first.start));
			cr_hex_encode(hex, n->first.a, n->first.alen);
			bad |= jset(x, "hexA", jstr(hex));
			cr_hex_encode(hex, n->first.b, n->first.blen);
			bad |= jset(x, "hexB", jstr(hex));
			if (n->first.str_a)
				bad |= jset(x, "stringsA",
					    jstr(n->first.str_a));
			if (n->first.str_b)
				bad |= jset(x, "stringsB",
					    jstr(n->first.str_b));
		}
	}
	if (n->nmeta) {
		a = json_array();
		bad |= jset(o, "metadata", a);
		for (i = 0; a && i < n->nmeta; i++) {
			x = json_object();
			if (x == NULL || json_array_append_new(a, x) != 0) {
				bad = 1;
				break;
			}
			bad |= jset(x, "field", jstr(n->meta[i].field));
			bad |= jset(x, "a",
				    n->meta[i].a ? jstr(n->meta[i].a)
						 : json_null());
			bad |= jset(x, "b",
				    n->meta[i].b ? jstr(n->meta[i].b)
						 : json_null());
		}
	}
	if (n->nleaks) {
		a = json_array();
		bad |= jset(o, "leaks", a);
		for (i = 0; a && i < n->nleaks; i++) {
			x = json_object();
			if (x == NULL || json_array_append_new(a, x) != 0) {
				bad = 1;
				break;
			}
			bad |= jset(x, "kind",
				    jstr(cr_diff_leak_name(n->leaks[i].kind)));
			bad |= jset(x, "a",
				    n->leaks[i].a ? jstr(n->leaks[i].a)
						  : json_null());
			bad |= jset(x, "b",
				    n->leaks[i].b ? jstr(n->leaks[i].b)
						  : json_null());
		}
	}
	if (n->syms_read) {
		bad |= jset(o, "symbols", syms_json(n));
		bad |= jset(o, "derivedOnly", json_boolean(n->derived_only));
	}
	if (n->total || n->nchildren) {
		x = json_object();
		bad |= jset(o, "counts", x);
		if (x) {
			bad |= jset(x, "compared", jsize(n->total));
			bad |= jset(x, "content", jsize(n->ncontent));
			bad |= jset(x, "metadata", jsize(n->nmetadata));
			bad |= jset(x, "onlyA", jsize(n->nonly_a));
			bad |= jset(x, "onlyB", jsize(n->nonly_b));
			bad |= jset(x, "omitted", jsize(n->omitted));
		}
		a = json_array();
		bad |= jset(o, "children", a);
		for (i = 0; a && i < n->nchildren; i++) {
			x = node_json(n->children[i]);
			if (x == NULL || json_array_append_new(a, x) != 0) {
				bad = 1;
				break;
			}
		}
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
cr_diff_json(const struct cr_diff_report *r)
{
	json_t *o = json_object(), *a;
	char line[4096];
	int bad = o == NULL;
	unsigned int k;

	if (bad)
		return NULL;
	cr_diff_verdict(line, sizeof(line), r);
	bad |= jset(o, "a", jstr(r->a));
	bad |= jset(o, "b", jstr(r->b));
	bad |= jset(o, "identical", json_boolean(r->identical));
	bad |= jset(o, "verdict", jstr(line));
	bad |= jset(o, "unexplained", jsize(r->unexplained));
	a = json_array();
	bad |= jset(o, "leaks", a);
	for (k = 1; a && k <= CR_LEAK_USER; k <<= 1)
		if (r->leaks & k)
			bad |= json_array_append_new(
				       a, jstr(cr_diff_leak_name((
						  enum cr_diff_leak_kind)k))) !=
			       0;
	bad |= jset(o, "root", node_json(r->root));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
