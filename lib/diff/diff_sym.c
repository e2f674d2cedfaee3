/* ELF symbols compared: imports and exports added or removed, with versions, and functions resized. */
#include "diff_int.h"

#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYM_NAME_MAX 200
#define VER_MAX 0x8000u	 /* version indexes are 15 bits */
#define VER_WALK 4096u	 /* verneed/verdef entries followed per file */
#define VER_NAME_MAX 64u /* "GLIBC_2.2.5" */

enum symkind { K_IMPORT = 0, K_EXPORT, K_FUNC };

struct sym {
	enum symkind kind;
	char *name;
	const char *ver; /* into symside.vers, or NULL */
	uint64_t size;
};

struct symside {
	struct sym *v;
	size_t n, cap;
	char **vers; /* version index -> name; NULL when there are none */
	Elf_Scn *dyn, *tab; /* .dynsym, .symtab or NULL */
	GElf_Shdr dsh, tsh;
	Elf_Data *versym;
	int truncated;
	int bad; /* a symbol table could not be read */
};

static void
symside_free(struct symside *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	if (s->vers)
		for (i = 0; i < VER_MAX; i++)
			free(s->vers[i]);
	free(s->vers);
	memset(s, 0, sizeof(*s));
}

/* A copy of s, at most max bytes, printable ASCII ('?' for the rest). */
static char *
clean_copy(const char *s, size_t max)
{
	size_t i, n = strnlen(s, max);
	char *d;

	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		d[i] = (s[i] > ' ' && s[i] < 0x7f) ? s[i] : '?';
	d[n] = '\0';
	return d;
}

static int
add_sym(struct symside *s, enum symkind kind, const char *name, const char *ver,
	uint64_t size)
{
	struct sym *tmp;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		if ((tmp = realloc(s->v, s->cap * sizeof(*tmp))) == NULL)
			return cr_error_set("diff: out of memory");
		s->v = tmp;
	}
	if ((s->v[s->n].name = clean_copy(name, SYM_NAME_MAX)) == NULL)
		return cr_error_set("diff: out of memory");
	s->v[s->n].kind = kind;
	s->v[s->n].ver = ver;
	s->v[s->n].size = size;
	s->n++;
	return CR_OK;
}

static int
set_ver(struct symside *s, unsigned int idx, Elf *e, size_t strndx, size_t off)
{
	const char *name;

	idx &= 0x7fff;
	if (idx < 2 || s->vers[idx] != NULL)
		return CR_OK;
	if ((name = elf_strptr(e, strndx, off)) == NULL || *name == '\0')
		return CR_OK;
	if ((s->vers[idx] = clean_copy(name, VER_NAME_MAX)) == NULL)
		return cr_error_set("diff: out of memory");
	return CR_OK;
}

/*
 * Fills s->vers from the version needs (imports) and definitions
 * (exports) in scn; at most VER_WALK entries, offsets checked by gelf.
 */
static int
read_versions(struct symside *s, Elf *e, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	GElf_Verneed vn;
	GElf_Vernaux va;
	GElf_Verdef vd;
	GElf_Verdaux vda;
	size_t off = 0, aoff, walked = 0, i;
	int err;

	if (d == NULL)
		return CR_OK;
	if (s->vers == NULL &&
	    (s->vers = calloc(VER_MAX, sizeof(*s->vers))) == NULL)
		return cr_error_set("diff: out of memory");
	for (i = 0; i < sh->sh_info && walked < VER_WALK; i++) {
		if (sh->sh_type == SHT_GNU_verneed) {
			if (gelf_getverneed(d, (int)off, &vn) == NULL)
				break;
			walked++;
			aoff = off + vn.vn_aux;
			while (walked++ < VER_WALK && aoff < d->d_size &&
			       gelf_getvernaux(d, (int)aoff, &va) != NULL) {
				if ((err = set_ver(s, va.vna_other, e,
						   sh->sh_link, va.vna_name)) <
				    0)
					return err;
				if (va.vna_next == 0)
					break;
				aoff += va.vna_next;
			}
			if (vn.vn_next == 0)
				break;
			off += vn.vn_next;
		} else {
			if (gelf_getverdef(d, (int)off, &vd) == NULL)
				break;
			walked++;
			aoff = off + vd.vd_aux;
			if (!(vd.vd_flags & VER_FLG_BASE) && aoff < d->d_size &&
			    gelf_getverdaux(d, (int)aoff, &vda) != NULL &&
			    (err = set_ver(s, vd.vd_ndx, e, sh->sh_link,
					   vda.vda_name)) < 0)
				return err;
			if (vd.vd_next == 0)
				break;
			off += vd.vd_next;
		}
		if (off >= d->d_size || off > INT32_MAX)
			break;
	}
	return CR_OK;
}

/*
 * Reads one symbol table: with dyn, .dynsym (versions from versym when it
 * has one entry per symbol). Imports and exports are taken from it when
 * io; functions when fn.
 */
static int
read_table(struct symside *s, Elf *e, Elf_Scn *scn, const GElf_Shdr *sh,
	   Elf_Data *versym, int io, int fn)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t count, i, esz = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);
	GElf_Sym sym;
	GElf_Versym vs;
	const char *name, *ver;
	int type, bind, vis, err;

	if (d == NULL || esz == 0) {
		s->bad = 1;
		return CR_OK;
	}
	count = d->d_size / esz;
	if (count > CR_DIFF_MAX_SYMS) {
		count = CR_DIFF_MAX_SYMS;
		s->truncated = 1;
	}
	if (versym && versym->d_size / 2 != d->d_size / esz)
		versym = NULL;
	for (i = 1; i < count; i++) {
		if (gelf_getsym(d, (int)i, &sym) == NULL)
			break;
		type = GELF_ST_TYPE(sym.st_info);
		bind = GELF_ST_BIND(sym.st_info);
		vis = GELF_ST_VISIBILITY(sym.st_other);
		if (type == STT_SECTION || type == STT_FILE)
			continue;
		if ((name = elf_strptr(e, sh->sh_link, sym.st_name)) == NULL ||
		    *name == '\0')
			continue;
		ver = NULL;
		if (versym && s->vers && gelf_getversym(versym, (int)i, &vs) &&
		    (vs & 0x7fff) >= 2)
			ver = s->vers[vs & 0x7fff];
		/* A version definition's own symbol (VERS_1 = VERS_1). */
		if (sym.st_shndx == SHN_ABS && ver && strcmp(name, ver) == 0)
			continue;
		err = CR_OK;
		if (sym.st_shndx == SHN_UNDEF) {
			if (io && bind != STB_LOCAL)
				err = add_sym(s, K_IMPORT, name, ver, 0);
		} else {
			if (io && bind != STB_LOCAL &&
			    (vis == STV_DEFAULT || vis == STV_PROTECTED))
				err = add_sym(s, K_EXPORT, name, ver,
					      sym.st_size);
			if (err == CR_OK && fn && type == STT_FUNC)
				err = add_sym(s, K_FUNC, name, NULL,
					      sym.st_size);
		}
		if (err < 0)
			return err;
	}
	return CR_OK;
}

/* Finds the symbol tables of e and reads its version names. */
static int
side_find(struct symside *s, Elf *e)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t seen = 0;
	int err;

	while ((scn = elf_nextscn(e, scn)) != NULL && seen++ < 65536) {
		if (gelf_getshdr(scn, &sh) == NULL)
			continue;
		if (sh.sh_type == SHT_DYNSYM && s->dyn == NULL) {
			s->dyn = scn;
			s->dsh = sh;
		} else if (sh.sh_type == SHT_SYMTAB && s->tab == NULL) {
			s->tab = scn;
			s->tsh = sh;
		} else if (sh.sh_type == SHT_GNU_versym && s->versym == NULL) {
			s->versym = elf_getdata(scn, NULL);
		} else if (sh.sh_type == SHT_GNU_verneed ||
			   sh.sh_type == SHT_GNU_verdef) {
			if ((err = read_versions(s, e, scn, &sh)) < 0)
				return err;
		}
	}
	return CR_OK;
}

/*
 * Reads what both sides have: imports and exports from .dynsym, or from
 * .symtab when neither has a .dynsym (relocatable objects, static
 * executables); functions from .symtab, or from .dynsym when a side is
 * stripped. A table only one side has is said in note, not compared.
 */
static int
sides_read(struct symside *a, Elf *ea, struct symside *b, Elf *eb, char *note,
	   size_t len)
{
	int io_dyn, io_tab, fn_tab, fn_dyn, err;

	if ((err = side_find(a, ea)) < 0 || (err = side_find(b, eb)) < 0)
		return err;
	io_dyn = a->dyn && b->dyn;
	io_tab = !a->dyn && !b->dyn && a->tab && b->tab;
	fn_tab = a->tab && b->tab;
	fn_dyn = !fn_tab && io_dyn;
	if (!a->dyn != !b->dyn)
		snprintf(note, len,
			 "only %s has a dynamic symbol table (.dynsym): "
			 "imports and exports not compared",
			 a->dyn ? "A" : "B");
	else if (!a->tab != !b->tab)
		snprintf(note, len, "only %s has a symbol table (.symtab): %s",
			 a->tab ? "A" : "B",
			 fn_dyn ? "functions compared from .dynsym"
				: "functions not compared");
	if ((a->dyn && (io_dyn || fn_dyn) &&
	     (err = read_table(a, ea, a->dyn, &a->dsh, a->versym, io_dyn,
			       fn_dyn)) < 0) ||
	    (b->dyn && (io_dyn || fn_dyn) &&
	     (err = read_table(b, eb, b->dyn, &b->dsh, b->versym, io_dyn,
			       fn_dyn)) < 0) ||
	    (fn_tab &&
	     (err = read_table(a, ea, a->tab, &a->tsh, NULL, io_tab, 1)) < 0) ||
	    (fn_tab &&
	     (err = read_table(b, eb, b->tab, &b->tsh, NULL, io_tab, 1)) < 0))
		return err;
	return CR_OK;
}

static int
cmp_sym(const void *x, const void *y)
{
	const struct sym *a = x, *b = y;
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	return a->size < b->size ? -1 : a->size > b->size;
}

static int
same_ver(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
add_change(struct cr_diff_node *n, enum cr_diff_sym_kind k, const struct sym *a,
	   const struct sym *b)
{
	struct cr_diff_sym *tmp, *x;
	const struct sym *any = a ? a : b;

	if (n->nsyms == CR_DIFF_MAX_SYMCHG) {
		n->syms_omitted++;
		return CR_OK;
	}
	if ((tmp = realloc(n->syms, (n->nsyms + 1) * sizeof(*tmp))) == NULL)
		return cr_error_set("diff: out of memory");
	n->syms = tmp;
	x = &n->syms[n->nsyms];
	memset(x, 0, sizeof(*x));
	x->kind = k;
	if ((x->name = strdup(any->name)) == NULL ||
	    (a && a->ver && (x->version_a = strdup(a->ver)) == NULL) ||
	    (b && b->ver && (x->version_b = strdup(b->ver)) == NULL)) {
		free(x->name);
		free(x->version_a);
		return cr_error_set("diff: out of memory");
	}
	x->size_a = a ? a->size : 0;
	x->size_b = b ? b->size : 0;
	n->nsyms++;
	return CR_OK;
}

static int
cmp_change(const void *x, const void *y)
{
	const struct cr_diff_sym *a = x, *b = y;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* The run of equal kind and name from i: its end. */
static size_t
run_end(const struct symside *s, size_t i)
{
	size_t j = i + 1;

	while (j < s->n && s->v[j].kind == s->v[i].kind &&
	       strcmp(s->v[j].name, s->v[i].name) == 0)
		j++;
	return j;
}

/* Pairs two runs of one kind and name (either may be empty). */
static int
pair_runs(struct cr_diff_node *n, const struct sym *a, size_t na,
	  const struct sym *b, size_t nb)
{
	static const enum cr_diff_sym_kind added[] = {CR_DIFF_SYM_IMPORT_ADDED,
						      CR_DIFF_SYM_EXPORT_ADDED,
						      CR_DIFF_SYM_FUNC_ADDED};
	static const enum cr_diff_sym_kind removed[] = {
		CR_DIFF_SYM_IMPORT_REMOVED, CR_DIFF_SYM_EXPORT_REMOVED,
		CR_DIFF_SYM_FUNC_REMOVED};
	size_t i;
	int err = CR_OK;

	for (i = 0; err == CR_OK && i < na && i < nb; i++) {
		if (a[i].kind == K_FUNC && a[i].size != b[i].size)
			err = add_change(n, CR_DIFF_SYM_FUNC_SIZE, &a[i],
					 &b[i]);
		else if (a[i].kind != K_FUNC && !same_ver(a[i].ver, b[i].ver))
			err = add_change(n,
					 a[i].kind == K_IMPORT
						 ? CR_DIFF_SYM_IMPORT_VERSION
						 : CR_DIFF_SYM_EXPORT_VERSION,
					 &a[i], &b[i]);
	}
	for (; err == CR_OK && i < na; i++)
		err = add_change(n, removed[a[i].kind], &a[i], NULL);
	for (; err == CR_OK && i < nb; i++)
		err = add_change(n, added[b[i].kind], NULL, &b[i]);
	return err;
}

int
cr_diff_syms(struct cr_diff_ctx *c, struct cr_diff_node *n, Elf *ea, Elf *eb)
{
	struct symside A, B;
	size_t i = 0, j = 0, ie, je;
	char note[160];
	int err, cmp;

	(void)c;
	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	note[0] = '\0';
	if ((err = sides_read(&A, ea, &B, eb, note, sizeof(note))) < 0)
		goto done;
	n->syms_read = 1;
	if (A.bad || B.bad) {
		/* Every symbol would look added or removed: say why not. */
		snprintf(note, sizeof(note),
			 "%s: a symbol table could not be read: symbols not "
			 "compared",
			 A.bad ? "A" : "B");
		goto done;
	}
	if (A.n > 1)
		qsort(A.v, A.n, sizeof(*A.v), cmp_sym);
	if (B.n > 1)
		qsort(B.v, B.n, sizeof(*B.v), cmp_sym);
	while (i < A.n || j < B.n) {
		if (i == A.n)
			cmp = 1;
		else if (j == B.n)
			cmp = -1;
		else if (A.v[i].kind != B.v[j].kind)
			cmp = A.v[i].kind < B.v[j].kind ? -1 : 1;
		else
			cmp = strcmp(A.v[i].name, B.v[j].name);
		ie = cmp <= 0 ? run_end(&A, i) : i;
		je = cmp >= 0 ? run_end(&B, j) : j;
		if ((err = pair_runs(n, ie > i ? &A.v[i] : NULL, ie - i,
				     je > j ? &B.v[j] : NULL, je - j)) < 0)
			goto done;
		i = ie;
		j = je;
	}
	if (n->nsyms > 1)
		qsort(n->syms, n->nsyms, sizeof(*n->syms), cmp_change);
	if (A.truncated || B.truncated)
		snprintf(note, sizeof(note),
			 "more than %u symbols in a table: the rest not "
			 "compared",
			 CR_DIFF_MAX_SYMS);
done:
	if (err == CR_OK && note[0] && (n->syms_note = strdup(note)) == NULL)
		err = cr_error_set("diff: out of memory");
	symside_free(&A);
	symside_free(&B);
	return err;
}

const char *
cr_diff_sym_kind_name(enum cr_diff_sym_kind k)
{
	switch (k) {
	case CR_DIFF_SYM_IMPORT_ADDED:
		return "imported symbol added";
	case CR_DIFF_SYM_IMPORT_REMOVED:
		return "imported symbol removed";
	case CR_DIFF_SYM_IMPORT_VERSION:
		return "imported symbol version changed";
	case CR_DIFF_SYM_EXPORT_ADDED:
		return "exported symbol added";
	case CR_DIFF_SYM_EXPORT_REMOVED:
		return "exported symbol removed";
	case CR_DIFF_SYM_EXPORT_VERSION:
		return "exported symbol version changed";
	case CR_DIFF_SYM_FUNC_ADDED:
		return "function added";
	case CR_DIFF_SYM_FUNC_REMOVED:
		return "function removed";
	default:
		return "function size changed";
	}
}
