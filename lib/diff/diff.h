/* Explains how two files differ: archives member by member, ELF section by section, leaks named. */
#ifndef CR_DIFF_H
#define CR_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Defaults for the caps in struct cr_diff_opts (0 there means these). */
#define CR_DIFF_MAX_DEPTH 4u		/* nested containers */
#define CR_DIFF_MAX_SPOOL (2ull << 30)	/* bytes spooled to temp */
#define CR_DIFF_MAX_UNPACK (8ull << 30) /* bytes decompressed */
#define CR_DIFF_MAX_ELF (1ull << 30)	/* larger: bytewise only */
#define CR_DIFF_MAX_ENTRIES (1u << 20)	/* members of one archive */
#define CR_DIFF_MAX_DETAIL 64u	/* differing members examined per archive */
#define CR_DIFF_MAX_NODES 4096u /* report nodes; past it, counted only */
#define CR_DIFF_MAX_SYMS 65536u /* symbols read per table; past it, noted */
#define CR_DIFF_MAX_SYMCHG 256u /* symbol changes stored per ELF file */

struct cr_diff_opts {
	/* Build paths to look for in differing bytes (--build-path). */
	const char *const *build_paths;
	size_t nbuild_paths;
	unsigned int max_depth; /* nested archives/compression looked into */
	uint64_t max_spool;	/* total bytes written to temporary files */
	uint64_t max_unpack;	/* total bytes decompressed or hashed */
	const char *tmpdir;	/* for spooled members; NULL: $TMPDIR, /tmp */
	int no_host;		/* don't look for this machine's host/user */
};

/* What one compared object (file, member, section) is. */
enum cr_diff_status {
	CR_DIFF_SAME = 0,
	CR_DIFF_CONTENT,  /* bytes differ */
	CR_DIFF_METADATA, /* same content; mtime, owner, mode, order... */
	CR_DIFF_ONLY_A,	  /* present in A only */
	CR_DIFF_ONLY_B,
};

/*
 * How much an ELF section matters. CODE: executable (SHF_EXECINSTR).
 * DATA: loaded at run time (SHF_ALLOC: .data, .rodata, .dynsym, .eh_frame,
 * .init_array...). HEADER: the ELF header, program and section header
 * tables (entry point, segment permissions). DERIVED: not loaded and
 * computed from the rest or describing it: .note.gnu.build-id (a hash of
 * the rest), .debug_*, .zdebug_*, .symtab, .strtab, .shstrtab, .comment,
 * .gnu_debuglink/.gnu_debugaltlink (but in a relocatable object, .symtab
 * and .strtab are DATA: the linker resolves calls through them). OTHER:
 * any other non-loaded section, or non-zero bytes outside every section
 * (zero padding that moved with the layout is not reported). A difference in CODE, DATA or HEADER is
 * what a swap or a backdoor needs; DERIVED ones follow from them or from
 * the build path and time.
 */
enum cr_diff_class {
	CR_DIFF_CLASS_NONE = 0, /* not an ELF section */
	CR_DIFF_CLASS_CODE,
	CR_DIFF_CLASS_DATA,
	CR_DIFF_CLASS_HEADER,
	CR_DIFF_CLASS_DERIVED,
	CR_DIFF_CLASS_OTHER,
};

/* Kinds of reproducibility leaks recognised in differing bytes. */
enum cr_diff_leak_kind {
	CR_LEAK_NONE = 0,
	CR_LEAK_TIME = 1 << 0, /* "hh:mm:ss" */
	CR_LEAK_DATE = 1 << 1, /* __DATE__ "Mmm dd yyyy", ISO "yyyy-mm-dd" */
	CR_LEAK_PATH = 1 << 2, /* /home/..., /tmp/..., a --build-path */
	CR_LEAK_HOST = 1 << 3, /* this machine's hostname */
	CR_LEAK_USER = 1 << 4, /* this machine's user name */
};

struct cr_diff_leak {
	enum cr_diff_leak_kind kind;
	char *a; /* the text found in A (escaped), or NULL */
	char *b;
};

/* One metadata field that differs: "mtime", "owner", "mode", "order"... */
struct cr_diff_meta {
	const char *field;
	char *a;
	char *b;
};

#define CR_DIFF_CTX 16 /* bytes of hex context each side of a difference */

/* The first difference of a node, with context. */
struct cr_diff_first {
	int valid;
	uint64_t offset;      /* in the node (section offset for sections) */
	uint64_t file_offset; /* in the file holding the node */
	uint64_t start;	      /* node offset of a[0] and b[0] */
	unsigned char a[2 * CR_DIFF_CTX], b[2 * CR_DIFF_CTX];
	size_t alen, blen;
	char *str_a; /* printable strings around it, quoted and escaped */
	char *str_b;
};

/*
 * What changed in an ELF file's symbols. Imports are the undefined symbols
 * of .dynsym (or of .symtab when there is no .dynsym), exports the defined
 * global and weak ones of .dynsym; versions come from .gnu.version with
 * .gnu.version_r/_d. Functions are the STT_FUNC symbols defined in .symtab
 * (in .dynsym when the file is stripped).
 */
enum cr_diff_sym_kind {
	CR_DIFF_SYM_IMPORT_ADDED = 0,
	CR_DIFF_SYM_IMPORT_REMOVED,
	CR_DIFF_SYM_IMPORT_VERSION, /* same name, another version */
	CR_DIFF_SYM_EXPORT_ADDED,
	CR_DIFF_SYM_EXPORT_REMOVED,
	CR_DIFF_SYM_EXPORT_VERSION,
	CR_DIFF_SYM_FUNC_ADDED,
	CR_DIFF_SYM_FUNC_REMOVED,
	CR_DIFF_SYM_FUNC_SIZE, /* size_a -> size_b */
};

struct cr_diff_sym {
	enum cr_diff_sym_kind kind;
	char *name;	 /* printable ASCII, '?' for other bytes */
	char *version_a; /* "GLIBC_2.2.5" or NULL */
	char *version_b;
	uint64_t size_a, size_b;
};

struct cr_diff_node {
	char *name;	    /* file, member path, section name */
	const char *format; /* "ELF", "tar", "zip", "ar", "gzip", "data"... */
	enum cr_diff_status status;
	enum cr_diff_class klass;
	uint64_t size_a, size_b;
	uint64_t differing; /* bytes differing at equal offsets + size change */
	struct cr_diff_first first;
	struct cr_diff_meta *meta;
	size_t nmeta;
	struct cr_diff_leak *leaks;
	size_t nleaks;
	int unexplained; /* it differs and this node cannot say how */
	char *note;	 /* why unexplained, or an aside; may be NULL */
	struct cr_diff_node **children; /* differing members or sections */
	size_t nchildren;
	/* For containers: what was compared and how it came out. */
	size_t total;	  /* members or sections compared */
	size_t ncontent;  /* of them: content differs */
	size_t nmetadata; /* metadata only */
	size_t nonly_a, nonly_b;
	size_t omitted; /* differing children not stored (caps) */
	/* For ELF files: symbol changes, imports first (see above). */
	struct cr_diff_sym *syms;
	size_t nsyms;
	size_t syms_omitted; /* past CR_DIFF_MAX_SYMCHG, counted only */
	int syms_read;	     /* the symbol tables were read and compared */
	char *syms_note;     /* why some symbols were not compared, or NULL */
	/* For ELF files: only derived sections differ (build id, .comment,
	 * debug info, symbol tables) and the loaded bytes are the same. */
	int derived_only;
};

struct cr_diff_report {
	char *a, *b; /* the names given */
	int identical;
	struct cr_diff_node *root;
	size_t unexplained; /* nodes in the tree that are unexplained */
	unsigned int leaks; /* enum cr_diff_leak_kind bits over the tree */
};

/*
 * Compares the files a and b and explains how they differ. Returns CR_OK
 * when they are byte-identical, CR_EFAIL when they differ, with *out filled
 * either way (the caller frees it with cr_diff_report_free), and CR_ERROR
 * with a message naming the file when one cannot be opened or read (then
 * *out is NULL). Malformed or hostile content is never an error: it is
 * compared bytewise and whatever cannot be explained is marked unexplained,
 * never identical. Memory is bounded (chunked reads, capped lists) and
 * time linear in the input, within opts' caps (opts may be NULL).
 */
int cr_diff_files(struct cr_diff_report **out, const char *a, const char *b,
		  const struct cr_diff_opts *opts);

/*
 * The same for open descriptors of regular files (CR_ERROR otherwise), read
 * with pread from offset 0 and left open; a and b name them in the report
 * and in messages.
 */
int cr_diff_fds(struct cr_diff_report **out, int fda, const char *a, int fdb,
		const char *b, const struct cr_diff_opts *opts);

/* Frees r and its node tree; r may be NULL. */
void cr_diff_report_free(struct cr_diff_report *r);

/*
 * Writes the one-line verdict ("DIFFER  a  b: ..." or "SAME  a  b", no
 * newline) into buf, truncated to fit len bytes and NUL-terminated when len
 * is not 0. Returns the length the whole verdict needs (without the NUL),
 * which may be len or more when it was truncated. Never fails.
 */
size_t cr_diff_verdict(char *buf, size_t len, const struct cr_diff_report *r);

/*
 * The report as text, as `verify diff` prints it: the verdict line, then,
 * when the files differ, one line per differing node (indented by depth)
 * with its symbol changes, metadata, notes, strings and leaks; the bytes
 * around each first difference in hex only when verbose. Every line ends
 * in a newline. *out is allocated and NUL-terminated (the text holds no
 * other NUL); the caller frees it with free(). CR_OK, or CR_ERROR with a
 * message and *out NULL when out of memory. Nothing is printed.
 */
int cr_diff_text(char **out, const struct cr_diff_report *r, int verbose);

/* "imported symbol added", "function size changed"...: a static string. */
const char *cr_diff_sym_kind_name(enum cr_diff_sym_kind k);

/*
 * The report as JSON ("a", "b", "identical", "verdict", "unexplained",
 * "leaks" and "root", the node tree); bytes of names that are
 * not UTF-8 become '?'. A new reference the caller decrefs; NULL (no message
 * set) when out of memory.
 */
json_t *cr_diff_json(const struct cr_diff_report *r);

/*
 * The class of an ELF section from its name, sh_type and sh_flags (see enum
 * cr_diff_class); in a relocatable object the caller makes .symtab and
 * .strtab DATA. Never fails.
 */
enum cr_diff_class cr_diff_section_class(const char *name, uint32_t type,
					 uint64_t flags);

/* "code", "data", "header", "derived", "other" or "" for NONE: static. */
const char *cr_diff_class_name(enum cr_diff_class c);

/*
 * "build time", "build date", "build path", "hostname", "user name" for one
 * kind (one bit), "" otherwise: a static string.
 */
const char *cr_diff_leak_name(enum cr_diff_leak_kind k);

/*
 * Looks for the first leak-looking text in s[0..len) (printable bytes):
 * a time, a date, an absolute build path or one of paths, host or user (as
 * whole words; NULL or "" to skip). Returns its kind and its span in
 * *start, *end, or CR_LEAK_NONE.
 */
enum cr_diff_leak_kind cr_diff_leak_match(const char *s, size_t len,
					  size_t *start, size_t *end,
					  const char *host, const char *user,
					  const char *const *paths,
					  size_t npaths);

#endif
