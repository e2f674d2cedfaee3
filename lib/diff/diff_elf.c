/* ELF files compared section by section (elfutils' libelf reads the headers; bytes are read here). */
#include "diff_int.h"

#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 200
#define MAX_LOADS 64 /* PT_LOAD segments looked at */

/* A named byte range of an ELF file: a section, or one of its headers. */
struct region {
	char *name;
	size_t index; /* position in the file's list, for the report order */
	unsigned int occ; /* how many earlier regions have the same name */
	int pseudo;	  /* a header table, not a section */
	int nobits;	  /* SHT_NOBITS: memory only */
	int clipped;	  /* claimed more bytes than the file has */
	enum cr_diff_class klass;
	GElf_Shdr sh;
	uint64_t off, len; /* file bytes, clipped to the file */
	int matched;
};

struct elfside {
	Elf *e;
	GElf_Ehdr eh;
	struct region *r;
	size_t n;
	uint64_t size;
};

static int
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/*
 * Flags before names: a name is chosen by whoever made the file, while
 * SHF_EXECINSTR and SHF_ALLOC say what is loaded and run. Only a section
 * that is not loaded may be debug information or otherwise derived; the one
 * loaded exception is the GNU build id, a read-only note. (A section that
 * claims not to be loaded but lies in a PT_LOAD segment is reclassified by
 * side_load.)
 */
enum cr_diff_class
cr_diff_section_class(const char *name, uint32_t type, uint64_t flags)
{
	static const char *const derived[] = {
		".symtab",	 ".strtab",	   ".shstrtab",
		".comment",	 ".gnu_debuglink", ".gnu_debugaltlink",
		".symtab_shndx", ".gdb_index",	   ".note.GNU-stack",
	};
	size_t i;

	if (flags & SHF_EXECINSTR)
		return CR_DIFF_CLASS_CODE;
	if (flags & SHF_ALLOC) {
		if (strcmp(name, ".note.gnu.build-id") == 0 &&
		    type == SHT_NOTE && !(flags & SHF_WRITE))
			return CR_DIFF_CLASS_DERIVED;
		return CR_DIFF_CLASS_DATA;
	}
	/* Relocations of debug sections only; side_load checks the target. */
	if (type == SHT_REL || type == SHT_RELA)
		return has_prefix(name, ".rela.debug") ||
				       has_prefix(name, ".rel.debug")
			       ? CR_DIFF_CLASS_DERIVED
			       : CR_DIFF_CLASS_DATA;
	for (i = 0; i < sizeof(derived) / sizeof(derived[0]); i++)
		if (strcmp(name, derived[i]) == 0)
			return CR_DIFF_CLASS_DERIVED;
	if (has_prefix(name, ".debug") || has_prefix(name, ".zdebug"))
		return CR_DIFF_CLASS_DERIVED;
	return CR_DIFF_CLASS_OTHER;
}

static void
side_free(struct elfside *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->r[i].name);
	free(s->r);
	if (s->e)
		elf_end(s->e);
	memset(s, 0, sizeof(*s));
}

static char *
clean_name(const char *s)
{
	char *d;
	size_t i, n = strlen(s);

	if (n > NAME_MAX_LEN)
		n = NAME_MAX_LEN;
	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		d[i] = (s[i] >= ' ' && s[i] < 0x7f) ? s[i] : '?';
	d[n] = '\0';
	return d;
}

static int
add_region(struct elfside *s, size_t *alloc, const char *name, uint64_t off,
	   uint64_t len, const GElf_Shdr *sh, int pseudo)
{
	struct region *tmp, *r;

	if (s->n == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 64;
		if ((tmp = realloc(s->r, *alloc * sizeof(*tmp))) == NULL)
			return cr_error_set("diff: out of memory");
		s->r = tmp;
	}
	r = &s->r[s->n];
	memset(r, 0, sizeof(*r));
	if ((r->name = clean_name(name)) == NULL)
		return cr_error_set("diff: out of memory");
	r->index = s->n++;
	r->pseudo = pseudo;
	if (sh)
		r->sh = *sh;
	r->nobits = sh && sh->sh_type == SHT_NOBITS;
	if (r->nobits)
		len = 0;
	if (off > s->size) {
		r->clipped = len > 0;
		off = s->size;
		len = 0;
	}
	if (len > s->size - off) {
		r->clipped = 1;
		len = s->size - off;
	}
	r->off = off;
	r->len = len;
	r->klass = pseudo ? CR_DIFF_CLASS_HEADER
			  : cr_diff_section_class(r->name, sh->sh_type,
						  sh->sh_flags);
	if (!pseudo && s->eh.e_type == ET_REL &&
	    r->klass == CR_DIFF_CLASS_DERIVED &&
	    (strcmp(r->name, ".symtab") == 0 ||
	     strcmp(r->name, ".strtab") == 0))
		r->klass = CR_DIFF_CLASS_DATA; /* what the linker resolves */
	return CR_OK;
}

static int
cmp_name(const void *x, const void *y)
{
	const struct region *a = *(const struct region *const *)x;
	const struct region *b = *(const struct region *const *)y;

	return cr_diff_cmp_named(a->name, a->index, b->name, b->index);
}

static int
cmp_occ(const void *x, const void *y)
{
	const struct region *a = *(const struct region *const *)x;
	const struct region *b = *(const struct region *const *)y;

	return cr_diff_cmp_named(a->name, a->occ, b->name, b->occ);
}

/*
 * Points sorted (room for s->n) at s's regions in name order and numbers
 * the regions of equal names (occ), so both sides can be matched.
 */
static void
sort_by_name(struct region **sorted, struct elfside *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		sorted[i] = &s->r[i];
	qsort(sorted, s->n, sizeof(*sorted), cmp_name);
	for (i = 0; i < s->n; i++)
		sorted[i]->occ = i > 0 && strcmp(sorted[i]->name,
						 sorted[i - 1]->name) == 0
					 ? sorted[i - 1]->occ + 1
					 : 0;
}

static int
cmp_off(const void *x, const void *y)
{
	const struct region *a = *(const struct region *const *)x;
	const struct region *b = *(const struct region *const *)y;

	return a->off < b->off ? -1 : a->off > b->off;
}

/*
 * What the section headers call derived but the loader would map (a file
 * range inside a PT_LOAD segment) is code or data, as that segment says;
 * relocations are derived only when they apply to a derived section.
 * Section k (from 1) is region first + k - 1.
 */
static void
loaded_not_derived(struct elfside *s, size_t phnum, size_t first)
{
	GElf_Phdr load[MAX_LOADS], ph;
	struct region *r;
	size_t i, j, k, nload = 0;
	int many = 0;

	for (j = 0; j < phnum && !many; j++)
		if (gelf_getphdr(s->e, (int)j, &ph) != NULL &&
		    ph.p_type == PT_LOAD) {
			if (nload == MAX_LOADS)
				many = 1;
			else
				load[nload++] = ph;
		}
	for (i = first; i < s->n; i++) {
		r = &s->r[i];
		if (r->klass != CR_DIFF_CLASS_DERIVED)
			continue;
		/* More segments than any linker writes: trust no name. */
		if (many) {
			r->klass = CR_DIFF_CLASS_DATA;
			continue;
		}
		for (j = 0; j < nload; j++) {
			if (r->len == 0 ||
			    r->off >= load[j].p_offset + load[j].p_filesz ||
			    r->off + r->len <= load[j].p_offset)
				continue;
			/*
			 * The build id note sits in a read-only segment,
			 * the text one in layouts without -z separate-code.
			 */
			if (strcmp(r->name, ".note.gnu.build-id") == 0 &&
			    !(load[j].p_flags & PF_W))
				continue;
			r->klass = (load[j].p_flags & PF_X)
					   ? CR_DIFF_CLASS_CODE
					   : CR_DIFF_CLASS_DATA;
			break;
		}
	}
	for (i = first; i < s->n; i++) {
		r = &s->r[i];
		if (r->klass != CR_DIFF_CLASS_DERIVED ||
		    (r->sh.sh_type != SHT_REL && r->sh.sh_type != SHT_RELA))
			continue;
		k = (size_t)r->sh.sh_info;
		if (k == 0 || first + k - 1 >= s->n ||
		    s->r[first + k - 1].klass != CR_DIFF_CLASS_DERIVED)
			r->klass = CR_DIFF_CLASS_DATA;
	}
}

/*
 * Reads fd's ELF headers into s. CR_EFAIL with why in msg when libelf
 * refuses it; CR_ERROR when out of memory.
 */
static int
side_load(struct elfside *s, int fd, uint64_t size, char *msg, size_t msglen)
{
	size_t shnum, shstrndx, phnum, i, alloc = 0;
	GElf_Shdr sh;
	Elf_Scn *scn;
	const char *name;
	char buf[32];
	int err;

	s->size = size;
	if ((s->e = elf_begin(fd, ELF_C_READ_MMAP, NULL)) == NULL ||
	    elf_kind(s->e) != ELF_K_ELF || gelf_getehdr(s->e, &s->eh) == NULL ||
	    elf_getshdrnum(s->e, &shnum) != 0 ||
	    elf_getshdrstrndx(s->e, &shstrndx) != 0 ||
	    elf_getphdrnum(s->e, &phnum) != 0) {
		snprintf(msg, msglen, "%s", elf_errmsg(-1));
		return CR_EFAIL;
	}
	if ((err = add_region(s, &alloc, "[ELF header]", 0, s->eh.e_ehsize,
			      NULL, 1)) < 0)
		return err;
	if (phnum > 0 &&
	    (err = add_region(s, &alloc, "[program headers]", s->eh.e_phoff,
			      (uint64_t)phnum * s->eh.e_phentsize, NULL, 1)) <
		    0)
		return err;
	if (shnum > 0 &&
	    (err = add_region(s, &alloc, "[section headers]", s->eh.e_shoff,
			      (uint64_t)shnum * s->eh.e_shentsize, NULL, 1)) <
		    0)
		return err;
	for (i = 1; i < shnum; i++) {
		if ((scn = elf_getscn(s->e, i)) == NULL ||
		    gelf_getshdr(scn, &sh) == NULL) {
			snprintf(msg, msglen, "section %zu: %s", i,
				 elf_errmsg(-1));
			return CR_EFAIL;
		}
		name = elf_strptr(s->e, shstrndx, sh.sh_name);
		if (name == NULL || *name == '\0') {
			snprintf(buf, sizeof(buf), "(section %zu)", i);
			name = buf;
		}
		if ((err = add_region(s, &alloc, name, sh.sh_offset, sh.sh_size,
				      &sh, 0)) < 0)
			return err;
	}
	loaded_not_derived(s, phnum, s->n - (shnum > 0 ? shnum - 1 : 0));
	return CR_OK;
}

static int
hexmeta(struct cr_diff_node *n, const char *field, uint64_t a, uint64_t b)
{
	char sa[32], sb[32];

	if (a == b)
		return CR_OK;
	snprintf(sa, sizeof(sa), "0x%llx", (unsigned long long)a);
	snprintf(sb, sizeof(sb), "0x%llx", (unsigned long long)b);
	return cr_diff_node_add_meta(n, field, sa, sb);
}

static int
header_meta(struct cr_diff_node *n, const GElf_Ehdr *a, const GElf_Ehdr *b)
{
	int err;

	if ((err = hexmeta(n, "entry point", a->e_entry, b->e_entry)) < 0 ||
	    (err = hexmeta(n, "type", a->e_type, b->e_type)) < 0 ||
	    (err = hexmeta(n, "machine", a->e_machine, b->e_machine)) < 0 ||
	    (err = hexmeta(n, "flags", a->e_flags, b->e_flags)) < 0 ||
	    (err = hexmeta(n, "program headers at", a->e_phoff, b->e_phoff)) <
		    0 ||
	    (err = hexmeta(n, "section headers at", a->e_shoff, b->e_shoff)) <
		    0 ||
	    (err = hexmeta(n, "program header count", a->e_phnum, b->e_phnum)) <
		    0 ||
	    (err = hexmeta(n, "section count", a->e_shnum, b->e_shnum)) < 0)
		return err;
	return CR_OK;
}

static int
section_meta(struct cr_diff_node *n, const GElf_Shdr *a, const GElf_Shdr *b)
{
	int err;

	if ((err = hexmeta(n, "type", a->sh_type, b->sh_type)) < 0 ||
	    (err = hexmeta(n, "flags", a->sh_flags, b->sh_flags)) < 0 ||
	    (err = hexmeta(n, "address", a->sh_addr, b->sh_addr)) < 0 ||
	    (err = hexmeta(n, "alignment", a->sh_addralign, b->sh_addralign)) <
		    0 ||
	    (err = hexmeta(n, "entsize", a->sh_entsize, b->sh_entsize)) < 0 ||
	    (err = hexmeta(n, "link", a->sh_link, b->sh_link)) < 0 ||
	    (err = hexmeta(n, "info", a->sh_info, b->sh_info)) < 0)
		return err;
	return CR_OK;
}

static enum cr_diff_class
worse_class(enum cr_diff_class a, enum cr_diff_class b)
{
	static const enum cr_diff_class order[] = {
		CR_DIFF_CLASS_CODE,
		CR_DIFF_CLASS_DATA,
		CR_DIFF_CLASS_OTHER,
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (a == order[i] || b == order[i])
			return order[i];
	return a;
}

/* Compares one matched pair (either may be NULL: only on one side). */
static int
diff_region(struct cr_diff_ctx *c, struct cr_diff_node *parent,
	    struct elfside *sa, struct region *ra, struct elfside *sb,
	    struct region *rb, int fda, int fdb)
{
	struct region *r = ra ? ra : rb;
	struct cr_diff_node *n;
	struct cr_diff_span pa = {0, 0}, pb = {0, 0};
	int err;

	if ((n = cr_diff_node_new(c, r->name,
				  r->pseudo ? "header" : "section")) == NULL)
		return cr_error_set("diff: out of memory");
	n->klass = r->klass;
	/* Sides may disagree on flags: a pair is derived only if both are. */
	if (ra != NULL && rb != NULL && ra->klass != rb->klass && !ra->pseudo &&
	    !rb->pseudo)
		n->klass = worse_class(ra->klass, rb->klass);
	if (ra == NULL || rb == NULL) {
		n->status = ra ? CR_DIFF_ONLY_A : CR_DIFF_ONLY_B;
		n->size_a = ra ? (ra->nobits ? ra->sh.sh_size : ra->len) : 0;
		n->size_b = rb ? (rb->nobits ? rb->sh.sh_size : rb->len) : 0;
		if (!r->pseudo && ra)
			parent->nonly_a++;
		else if (!r->pseudo)
			parent->nonly_b++;
		return cr_diff_node_add_child(c, parent, n);
	}
	pa.off = ra->off;
	pa.len = ra->len;
	pb.off = rb->off;
	pb.len = rb->len;
	if ((err = cr_diff_spans(c, n, fda, &pa, 1, fdb, &pb, 1, 1)) < 0)
		goto fail;
	if (ra->nobits && rb->nobits) {
		n->size_a = ra->sh.sh_size;
		n->size_b = rb->sh.sh_size;
		if (n->size_a != n->size_b) {
			n->status = CR_DIFF_CONTENT;
			n->differing = n->size_a > n->size_b
					       ? n->size_a - n->size_b
					       : n->size_b - n->size_a;
			if ((err = cr_diff_node_note(
				     n, "no bytes in the file "
					"(NOBITS): the memory size "
					"changes")) < 0)
				goto fail;
		}
	}
	if (ra->pseudo && strcmp(ra->name, "[ELF header]") == 0)
		err = header_meta(n, &sa->eh, &sb->eh);
	else if (!ra->pseudo)
		err = section_meta(n, &ra->sh, &rb->sh);
	if (err < 0)
		goto fail;
	if (n->status != CR_DIFF_SAME && (ra->clipped || rb->clipped)) {
		n->unexplained = 1;
		if ((err = cr_diff_node_note(
			     n, "the section claims more bytes than "
				"the file holds")) < 0)
			goto fail;
	}
	if (n->status == CR_DIFF_SAME && n->nmeta > 0)
		n->status = CR_DIFF_METADATA;
	if (n->status == CR_DIFF_SAME) {
		cr_diff_node_free(n);
		return CR_OK;
	}
	if (!r->pseudo) {
		if (n->status == CR_DIFF_CONTENT)
			parent->ncontent++;
		else
			parent->nmetadata++;
	}
	return cr_diff_node_add_child(c, parent, n);
fail:
	cr_diff_node_free(n);
	return err;
}

/* The spans of s's file that no region covers. */
static int
gaps(struct cr_diff_span **out, size_t *nout, const struct elfside *s)
{
	struct region **by = NULL;
	struct cr_diff_span *g = NULL;
	uint64_t at = 0, end;
	size_t i, n = 0;
	int err = CR_ERROR;

	*out = NULL;
	*nout = 0;
	if ((by = malloc((s->n + 1) * sizeof(*by))) == NULL ||
	    (g = malloc((s->n + 1) * sizeof(*g))) == NULL) {
		cr_error_set("diff: out of memory");
		goto done;
	}
	for (i = 0; i < s->n; i++)
		by[i] = &s->r[i];
	qsort(by, s->n, sizeof(*by), cmp_off);
	for (i = 0; i < s->n; i++) {
		if (by[i]->len == 0)
			continue;
		if (by[i]->off > at) {
			g[n].off = at;
			g[n].len = by[i]->off - at;
			n++;
		}
		end = by[i]->off + by[i]->len;
		if (end > at)
			at = end;
	}
	if (at < s->size) {
		g[n].off = at;
		g[n].len = s->size - at;
		n++;
	}
	*out = g;
	*nout = n;
	g = NULL;
	err = CR_OK;
done:
	free(by);
	free(g);
	return err;
}

/* Whether every byte of the spans is zero (alignment padding). */
static int
spans_zero(int *zero, int fd, const struct cr_diff_span *s, size_t n)
{
	unsigned char buf[65536];
	uint64_t done_len;
	size_t i, k, want;
	ssize_t r;

	*zero = 1;
	for (i = 0; i < n; i++) {
		for (done_len = 0; done_len < s[i].len; done_len += want) {
			want = s[i].len - done_len < sizeof(buf)
				       ? (size_t)(s[i].len - done_len)
				       : sizeof(buf);
			if ((r = cr_pread_full(fd, buf, want,
					       s[i].off + done_len)) < 0)
				return cr_error_errno("diff: read");
			for (k = 0; k < (size_t)r; k++)
				if (buf[k]) {
					*zero = 0;
					return CR_OK;
				}
			if ((size_t)r < want)
				return CR_OK;
		}
	}
	return CR_OK;
}

/* Bytes outside every section and header: padding unless not zero. */
static int
diff_gaps(struct cr_diff_ctx *c, struct cr_diff_node *parent,
	  const struct elfside *sa, const struct elfside *sb, int fda, int fdb)
{
	struct cr_diff_span *ga = NULL, *gb = NULL;
	struct cr_diff_node *n = NULL;
	size_t na, nb;
	int err, za, zb;

	if ((err = gaps(&ga, &na, sa)) < 0 || (err = gaps(&gb, &nb, sb)) < 0)
		goto done;
	if ((n = cr_diff_node_new(c, "[outside sections]", "padding")) ==
	    NULL) {
		err = cr_error_set("diff: out of memory");
		goto done;
	}
	n->klass = CR_DIFF_CLASS_OTHER;
	if ((err = cr_diff_spans(c, n, fda, ga, na, fdb, gb, nb, 1)) < 0)
		goto done;
	if (n->status == CR_DIFF_SAME)
		goto done;
	if ((err = spans_zero(&za, fda, ga, na)) < 0 ||
	    (err = spans_zero(&zb, fdb, gb, nb)) < 0)
		goto done;
	if (za && zb)
		goto done; /* only the padding moved with the layout */
	n->unexplained = 1;
	if ((err = cr_diff_node_note(
		     n, "bytes that belong to no section or header "
			"differ")) < 0)
		goto done;
	err = cr_diff_node_add_child(c, parent, n);
	n = NULL;
done:
	cr_diff_node_free(n);
	free(ga);
	free(gb);
	return err;
}

/*
 * Whether only derived sections differ: every differing section is
 * derived, the section header table may differ (offsets move after a
 * derived section grows) and so may the ELF header's e_shoff, e_shnum
 * and e_shstrndx (a derived section added or removed); the
 * program headers, padding and every loaded section are the same.
 */
static int
derived_only(const struct cr_diff_node *n, const struct elfside *sa,
	     const struct elfside *sb)
{
	GElf_Ehdr ea = sa->eh, eb = sb->eh;
	const struct cr_diff_node *x;
	size_t i;
	int any = 0;

	if (n->unexplained || n->omitted)
		return 0;
	ea.e_shoff = eb.e_shoff = 0;
	ea.e_shnum = eb.e_shnum = 0;
	ea.e_shstrndx = eb.e_shstrndx = 0;
	for (i = 0; i < n->nchildren; i++) {
		x = n->children[i];
		if (x->unexplained)
			return 0;
		if (strcmp(x->format, "section") == 0) {
			if (x->klass != CR_DIFF_CLASS_DERIVED)
				return 0;
			any = 1;
		} else if (strcmp(x->name, "[ELF header]") == 0) {
			/* Nothing but e_shoff, e_shnum and e_shstrndx. */
			if (x->differing > 12 ||
			    memcmp(&ea, &eb, sizeof(ea)) != 0 ||
			    x->size_a != x->size_b ||
			    x->size_a != gelf_fsize(sa->e, ELF_T_EHDR, 1,
						    EV_CURRENT))
				return 0;
		} else if (strcmp(x->name, "[section headers]") != 0) {
			return 0;
		}
	}
	return any;
}

/*
 * side_load() for the side called label ("A" or "B"): CR_EFAIL, with a note
 * on n, when it is not a readable ELF file.
 */
static int
side_open(struct cr_diff_node *n, struct elfside *s, int fd, uint64_t size,
	  const char *label)
{
	char msg[256] = "";
	int err;

	if ((err = side_load(s, fd, size, msg, sizeof(msg))) != CR_EFAIL)
		return err;
	err = cr_diff_node_note(
		n, "%s: not a readable ELF file (%s): compared bytewise", label,
		msg);
	return err == CR_OK ? CR_EFAIL : err;
}

int
cr_diff_elf(struct cr_diff_ctx *c, struct cr_diff_node *n, int fda, int fdb,
	    uint64_t sa, uint64_t sb)
{
	struct elfside A, B;
	struct region **sorted = NULL, **hit, *key;
	size_t i, sections = 0;
	uint64_t budget, used = 0;
	int err;

	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	if (sa > CR_DIFF_MAX_ELF || sb > CR_DIFF_MAX_ELF) {
		err = cr_diff_node_note(n,
					"ELF larger than %llu bytes: compared "
					"bytewise only",
					(unsigned long long)CR_DIFF_MAX_ELF);
		if (err == CR_OK)
			err = CR_EFAIL;
		goto done;
	}
	elf_version(EV_CURRENT);
	if ((err = side_open(n, &A, fda, sa, "A")) != CR_OK ||
	    (err = side_open(n, &B, fdb, sb, "B")) != CR_OK)
		goto done;
	if ((err = cr_diff_syms(c, n, A.e, B.e)) < 0)
		goto done;
	/* Overlapping sections could make the work quadratic. */
	budget = 4 * (sa + sb) + (1u << 20);
	if ((sorted = malloc((A.n > B.n ? A.n : B.n) * sizeof(*sorted) + 1)) ==
	    NULL) {
		err = cr_error_set("diff: out of memory");
		goto done;
	}
	sort_by_name(sorted, &A);
	sort_by_name(sorted, &B);
	for (i = 0; i < A.n; i++) {
		key = &A.r[i];
		hit = bsearch(&key, sorted, B.n, sizeof(*sorted), cmp_occ);
		if (hit)
			(*hit)->matched = 1;
		if (!key->pseudo)
			sections++;
		used += key->len + (hit ? (*hit)->len : 0);
		if (used > budget) {
			n->unexplained = 1;
			err = cr_diff_node_note(
				n,
				"sections overlap beyond reason: "
				"the comparison stopped at %s",
				key->name);
			goto done;
		}
		if ((err = diff_region(c, n, &A, key, &B, hit ? *hit : NULL,
				       fda, fdb)) < 0)
			goto done;
	}
	for (i = 0; i < B.n; i++) {
		if (B.r[i].matched)
			continue;
		if (!B.r[i].pseudo)
			sections++;
		if ((err = diff_region(c, n, &A, NULL, &B, &B.r[i], fda, fdb)) <
		    0)
			goto done;
	}
	n->total = sections;
	if ((err = diff_gaps(c, n, &A, &B, fda, fdb)) < 0)
		goto done;
	n->status = CR_DIFF_CONTENT;
	n->derived_only = derived_only(n, &A, &B);
	if (n->nchildren == 0 && n->omitted == 0) {
		n->unexplained = 1;
		err = cr_diff_node_note(
			n, "the files differ, yet no section, header "
			   "or padding does");
	}
done:
	free(sorted);
	side_free(&A);
	side_free(&B);
	return err;
}
