/* The recipe in the source: cleanroom.json, refused variables, the recipe a
 * statement records, and comparing them. */
#include "archive_policy.h"
#include "recipe.h"
#include "error.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/crypto.h>

/*
 * Variables that choose code to load or run without the command naming it:
 * the dynamic loader's and libc's (glibc's own list for setuid programs,
 * UNSECURE_ENVVARS, plus PATH), the shells', make's, git's, the compiler
 * driver's search paths, and the language runtimes' module paths and
 * startup options. Build parameters a build system reads by name (CC,
 * CFLAGS...) are not here: they are shown with the recipe and, in a tree's
 * cleanroom.json, reviewed with the source.
 */
static const char *const refused_names[] = {
	/* loader, libc */
	"PATH",
	"GCONV_PATH",
	"GETCONF_DIR",
	"GLIBC_TUNABLES",
	"HOSTALIASES",
	"LOCALDOMAIN",
	"LOCPATH",
	"MALLOC_TRACE",
	"NIS_PATH",
	"NLSPATH",
	"RES_OPTIONS",
	"RESOLV_HOST_CONF",
	"TMPDIR",
	"TZDIR",
	/* shells */
	"BASH_ENV",
	"ENV",
	"SHELL",
	"SHELLOPTS",
	"BASHOPTS",
	"PS4",
	"IFS",
	"CDPATH",
	"PROMPT_COMMAND",
	"EXECIGNORE",
	/* make */
	"MAKE",
	"MAKEFLAGS",
	"MFLAGS",
	"GNUMAKEFLAGS",
	"MAKEFILES",
	/* tools that take from the environment options that run a program */
	"TAR_OPTIONS",
	"ZIPOPT",
	"LESSOPEN",
	"LESSCLOSE",
	"PAGER",
	"EDITOR",
	"VISUAL",
	"AWKPATH",
	"AWKLIBPATH",
	"CONFIG_SITE",
	"CONFIG_SHELL",
	"M4PATH",
	"CMAKE_TOOLCHAIN_FILE",
	"CMAKE_PROJECT_INCLUDE",
	"CMAKE_PROJECT_INCLUDE_BEFORE",
	"PERL_MM_OPT",
	"PERL_MB_OPT",
	"PERL5SHELL",
	"EMACSLOADPATH",
	"GUILE_LOAD_PATH",
	"OCAMLPATH",
	"OCAMLRUNPARAM",
	"R_LIBS",
	"R_PROFILE",
	"QT_PLUGIN_PATH",
	/* configuration found through these */
	"XDG_CONFIG_HOME",
	"XDG_CONFIG_DIRS",
	"XDG_DATA_HOME",
	"XDG_DATA_DIRS",
	"OPENSSL_CONF",
	"OPENSSL_ENGINES",
	"OPENSSL_MODULES",
	/* the compiler driver's and pkg-config's search paths */
	"COMPILER_PATH",
	"GCC_EXEC_PREFIX",
	"LIBRARY_PATH",
	"CPATH",
	"C_INCLUDE_PATH",
	"CPLUS_INCLUDE_PATH",
	"OBJC_INCLUDE_PATH",
	"PKG_CONFIG_PATH",
	"PKG_CONFIG_LIBDIR",
	"PKG_CONFIG_SYSROOT_DIR",
	/* language runtimes */
	"PYTHONPATH",
	"PYTHONHOME",
	"PYTHONSTARTUP",
	"PYTHONUSERBASE",
	"PYTHONPLATLIBDIR",
	"PYTHONBREAKPOINT",
	"PYTHONWARNINGS",
	"PYTHONEXECUTABLE",
	"PYTHONINSPECT",
	"PERL5LIB",
	"PERLLIB",
	"PERL5OPT",
	"PERL5DB",
	"RUBYLIB",
	"RUBYOPT",
	"GEM_HOME",
	"GEM_PATH",
	"NODE_OPTIONS",
	"NODE_PATH",
	"TCLLIBPATH",
	"CLASSPATH",
	"JAVA_TOOL_OPTIONS",
	"_JAVA_OPTIONS",
	"JDK_JAVA_OPTIONS",
	"RUSTC",
	"RUSTC_WRAPPER",
	"RUSTC_WORKSPACE_WRAPPER",
	"RUSTDOC",
	"CARGO_HOME",
	"GOFLAGS",
	"GOROOT",
	"GOENV",
	"GOTOOLCHAIN",
};

static const char *const refused_prefixes[] = {
	"LD_",	       "DYLD_",	      "BASH_FUNC_",   "GIT_",
	"LUA_",	       "CCACHE_",     "CARGO_BUILD_", "CARGO_TARGET_",
	"npm_config_", "NPM_CONFIG_", "PIP_",	      "UV_",
};

const char *
cr_recipe_env_refused(const char *name, size_t len)
{
	size_t i, n;

	for (i = 0; i < CR_ARRAY_SIZE(refused_names); i++)
		if (strlen(refused_names[i]) == len &&
		    memcmp(refused_names[i], name, len) == 0)
			return "it changes which programs, libraries or "
			       "configuration the build runs";
	for (i = 0; i < CR_ARRAY_SIZE(refused_prefixes); i++) {
		n = strlen(refused_prefixes[i]);
		if (len >= n && memcmp(refused_prefixes[i], name, n) == 0)
			return "it changes which programs, libraries or "
			       "configuration the build runs";
	}
	return NULL;
}

int
cr_recipe_check_env(char *const *env, const char *what)
{
	const char *eq, *why;
	size_t i, len;

	for (i = 0; env != NULL && env[i] != NULL; i++) {
		eq = strchr(env[i], '=');
		len = eq ? (size_t)(eq - env[i]) : strlen(env[i]);
		if ((why = cr_recipe_env_refused(env[i], len)) != NULL)
			return cr_error_set("%s: env %.*s: refused in any "
					    "recipe: %s",
					    what, (int)(len > 64 ? 64 : len),
					    env[i], why);
	}
	return CR_OK;
}

/* ---- cleanroom.json -------------------------------------------------- */

static void
free_list(char **l)
{
	size_t i;

	for (i = 0; l && l[i]; i++)
		free(l[i]);
	free(l);
}

/* A string of at most CR_RECIPE_MAX_STRING bytes without NUL, or NULL. */
static const char *
plain_string(json_t *v)
{
	if (!json_is_string(v) ||
	    json_string_length(v) > CR_RECIPE_MAX_STRING ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static int
parse_list(char ***out, json_t *a, const char *name, const char *what)
{
	char **list;
	json_t *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > CR_RECIPE_MAX_LIST)
		return cr_error_set("%s: %s must be a list of 1 to %u strings",
				    name, what, CR_RECIPE_MAX_LIST);
	if ((list = calloc(json_array_size(a) + 1, sizeof(*list))) == NULL)
		return cr_error_set("out of memory");
	*out = list;
	json_array_foreach(a, i, v)
	{
		if (plain_string(v) == NULL)
			return cr_error_set("%s: %s[%zu] is not a string of at "
					    "most %u bytes",
					    name, what, i,
					    CR_RECIPE_MAX_STRING);
		if ((list[i] = strdup(json_string_value(v))) == NULL)
			return cr_error_set("out of memory");
	}
	return CR_OK;
}

static int
valid_name(const char *s)
{
	size_t i;

	if (s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return i <= 128;
}

static int
parse_env(char ***out, json_t *o, const char *name)
{
	const char *k;
	json_t *v;
	char **env;
	size_t i = 0;

	if (o == NULL)
		o = json_object();
	else
		json_incref(o);
	if (!json_is_object(o) || json_object_size(o) > CR_RECIPE_MAX_LIST) {
		json_decref(o);
		return cr_error_set("%s: env must be an object of at most %u "
				    "strings",
				    name, CR_RECIPE_MAX_LIST);
	}
	if ((env = calloc(json_object_size(o) + 1, sizeof(*env))) == NULL) {
		json_decref(o);
		return cr_error_set("out of memory");
	}
	*out = env;
	json_object_foreach(o, k, v)
	{
		if (!valid_name(k)) {
			json_decref(o);
			return cr_error_set("%s: env: '%.64s' is not a "
					    "variable name",
					    name, k);
		}
		if (plain_string(v) == NULL) {
			json_decref(o);
			return cr_error_set("%s: env %s is not a string of at "
					    "most %u bytes",
					    name, k, CR_RECIPE_MAX_STRING);
		}
		if (asprintf(&env[i], "%s=%s", k, json_string_value(v)) < 0) {
			env[i] = NULL;
			json_decref(o);
			return cr_error_set("out of memory");
		}
		i++;
	}
	json_decref(o);
	return cr_recipe_check_env(env, name);
}

/* "root": {"suite", "snapshot", "include"}, checked and kept as written. */
static int
parse_root(json_t *o, const char *name)
{
	const char *k;
	json_t *v, *p;
	size_t i;

	if (!json_is_object(o))
		return cr_error_set("%s: root must be an object", name);
	if (plain_string(json_object_get(o, "suite")) == NULL)
		return cr_error_set("%s: root names no suite", name);
	json_object_foreach(o, k, v)
	{
		if (strcmp(k, "suite") == 0)
			continue;
		if (strcmp(k, "snapshot") == 0) {
			if (plain_string(v) == NULL)
				return cr_error_set("%s: root.snapshot is not "
						    "a string",
						    name);
		} else if (strcmp(k, "include") == 0) {
			if (!json_is_array(v) ||
			    json_array_size(v) > CR_RECIPE_MAX_LIST)
				return cr_error_set("%s: root.include must be "
						    "a list of at most %u "
						    "packages",
						    name, CR_RECIPE_MAX_LIST);
			json_array_foreach(v, i, p) if (
				plain_string(p) ==
				NULL) return cr_error_set("%s: root.include[%zu] is "
							  "not a string",
							  name, i);
		} else {
			return cr_error_set("%s: root: unknown field '%.64s'",
					    name, k);
		}
	}
	return CR_OK;
}

int
cr_recipe_parse_file(struct cr_recipe **out, const void *buf, size_t len,
		     const char *name)
{
	static const char *const fields[] = {"command", "artifacts", "env",
					     "fakeClock", "root"};
	struct cr_recipe *r = NULL;
	json_error_t jerr;
	json_t *root = NULL, *v;
	const char *k;
	size_t i;
	int err;

	*out = NULL;
	if (len > CR_RECIPE_MAX_BYTES)
		return cr_error_set("%s: larger than %u bytes", name,
				    CR_RECIPE_MAX_BYTES);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return cr_error_set("%s: not valid JSON (line %d): %s", name,
				    jerr.line, jerr.text);
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	r->source_date_epoch = -1;
	r->normalize = 1;
	r->from_tree = 1;
	if (!json_is_object(root)) {
		err = cr_error_set("%s: not a JSON object", name);
		goto done;
	}
	/* A field we do not know could be one the author thinks is obeyed. */
	json_object_foreach(root, k, v)
	{
		for (i = 0; i < CR_ARRAY_SIZE(fields); i++)
			if (strcmp(k, fields[i]) == 0)
				break;
		if (i == CR_ARRAY_SIZE(fields)) {
			err = cr_error_set("%s: unknown field '%.64s' (known: "
					   "command, artifacts, env, "
					   "fakeClock, root)",
					   name, k);
			goto done;
		}
	}
	if ((err = parse_list(&r->command, json_object_get(root, "command"),
			      name, "command")) < 0 ||
	    (err = parse_list(&r->artifacts, json_object_get(root, "artifacts"),
			      name, "artifacts")) < 0 ||
	    (err = parse_env(&r->env, json_object_get(root, "env"), name)) < 0)
		goto done;
	if ((r->tools = calloc(1, sizeof(*r->tools))) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	v = json_object_get(root, "fakeClock");
	if (v != NULL && !json_is_boolean(v)) {
		err = cr_error_set("%s: fakeClock must be true or false", name);
		goto done;
	}
	r->fake_clock = json_is_true(v);
	if ((v = json_object_get(root, "root")) != NULL) {
		if ((err = parse_root(v, name)) < 0)
			goto done;
		r->root = json_incref(v);
	}
	if ((err = cr_sha256_buf(r->file_sha256, buf, len)) < 0)
		goto done;
	*out = r;
	r = NULL;
	err = CR_OK;
done:
	cr_recipe_free(r);
	json_decref(root);
	return err;
}

/* ---- reading it from the hashed source -------------------------------- */

/*
 * The member of an archive that is the tree's path, read through the one
 * archive policy the hash used, so both see the same member.
 */
static int
read_archive_member(char **out, size_t *len, const char *file,
		    unsigned int strip, const char *want)
{
	struct cr_archive *ca = NULL;
	struct cr_archive_member m;
	const char *p;
	char *buf = NULL;
	la_ssize_t n;
	unsigned int i;
	int err;

	*out = NULL;
	if ((err = cr_archive_open_file(&ca, file, CR_ARC_SOURCE)) < 0)
		goto done;
	for (;;) {
		if ((err = cr_archive_next(ca, &m)) < 0)
			goto done;
		if (m.e == NULL)
			break;
		if (m.type != AE_IFREG || m.hardlink != NULL)
			continue;
		p = m.path;
		for (i = 0; i < strip && p != NULL; i++)
			if ((p = strchr(p, '/')) != NULL)
				p++;
		if (p == NULL || strcmp(p, want) != 0)
			continue;
		if (m.size > (int64_t)CR_RECIPE_MAX_BYTES) {
			err = cr_error_set("%s: %s: larger than %u bytes", file,
					   want, CR_RECIPE_MAX_BYTES);
			goto done;
		}
		if ((buf = malloc(CR_RECIPE_MAX_BYTES + 1)) == NULL) {
			err = cr_error_set("out of memory");
			goto done;
		}
		*len = 0;
		while ((n = archive_read_data(cr_archive_handle(ca), buf + *len,
					      CR_RECIPE_MAX_BYTES + 1 - *len)) >
		       0)
			*len += (size_t)n;
		if (n < 0) {
			err = cr_error_set(
				"%s: %s: %s", file, want,
				archive_error_string(cr_archive_handle(ca)));
			goto done;
		}
		*out = buf;
		buf = NULL;
		err = CR_OK;
		goto done;
	}
	err = cr_error_set("%s: %s was hashed but cannot be read back "
			   "from the archive as a plain member",
			   file, want);
done:
	free(buf);
	cr_archive_free(ca);
	return err;
}

int
cr_recipe_from_tree(struct cr_recipe **out, const struct cr_build_source *src)
{
	const struct cr_tree_entry *te;
	struct cr_git_reader *git = NULL;
	unsigned char oid[CR_SHA256_LEN];
	const char *kind = src->kind;
	const void *data;
	char *buf = NULL, name[4200];
	size_t len = 0;
	int dirfd = -1, fd = -1, err;

	*out = NULL;
	snprintf(name, sizeof(name), "%s: %s", src->path, CR_RECIPE_FILE);
	if ((te = cr_tree_find(src->tree, CR_RECIPE_FILE)) == NULL)
		return CR_OK;
	if (te->mode == CR_MODE_LINK)
		return cr_error_set("%s: a symbolic link; the recipe must be "
				    "a regular file",
				    name);
	if (te->size > CR_RECIPE_MAX_BYTES)
		return cr_error_set("%s: larger than %u bytes", name,
				    CR_RECIPE_MAX_BYTES);
	if (strcmp(kind, "path") == 0 &&
	    (err = cr_source_kind(&kind, src->path)) < 0)
		return err;
	if (strcmp(kind, "git") == 0) {
		if ((err = cr_git_reader_open(&git, src->path,
					      src->info->commit)) < 0 ||
		    (err = cr_git_reader_blob(git, te, &data, &len)) < 0)
			goto done;
		if ((buf = malloc(len + 1)) == NULL) {
			err = cr_error_set("out of memory");
			goto done;
		}
		memcpy(buf, data, len);
	} else if (strcmp(kind, "directory") == 0) {
		dirfd = open(src->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0) {
			err = cr_error_errno("%s", src->path);
			goto done;
		}
		fd = openat(dirfd, CR_RECIPE_FILE,
			    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			err = cr_error_errno("%s", name);
			goto done;
		}
		if ((err = cr_read_fd(&buf, &len, fd, name,
				      CR_RECIPE_MAX_BYTES)) < 0)
			goto done;
	} else if ((err = read_archive_member(&buf, &len, src->path,
					      src->strip_components,
					      CR_RECIPE_FILE)) < 0) {
		goto done;
	}
	/* Only the bytes the tree hash covers are a recipe. */
	if ((err = cr_blob_id(oid, buf, len)) < 0)
		goto done;
	if (CRYPTO_memcmp(oid, te->oid, CR_SHA256_LEN) != 0) {
		err = cr_error_set("%s: changed since the source was hashed",
				   name);
		goto done;
	}
	err = cr_recipe_parse_file(out, buf, len, name);
done:
	if (fd >= 0)
		close(fd);
	if (dirfd >= 0)
		close(dirfd);
	free(buf);
	cr_git_reader_free(git);
	return err;
}

/* ---- comparing and replaying ------------------------------------------ */

int
cr_recipe_check_time(const struct cr_recipe *recorded,
		     const struct cr_source_info *info, const char *name)
{
	if (info == NULL || info->commit_time < 0 ||
	    recorded->source_date_epoch < 0 ||
	    recorded->source_date_epoch == info->commit_time)
		return CR_OK;
	return cr_error_fail("%s: the statement records SOURCE_DATE_EPOCH "
			     "%lld, but the reviewed commit's time is %lld: "
			     "the build time decides an artifact's bytes and "
			     "must be the source's own",
			     name, (long long)recorded->source_date_epoch,
			     (long long)info->commit_time);
}

static int
same_list(char *const *a, char *const *b)
{
	size_t i;

	for (i = 0; a && b && a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return (a == NULL || a[i] == NULL) && (b == NULL || b[i] == NULL);
}

/* The same NAME=VALUE pairs in any order (names are distinct in both). */
static int
same_set(char *const *a, char *const *b)
{
	size_t i, j, na = 0, nb = 0;

	for (na = 0; a && a[na]; na++)
		;
	for (nb = 0; b && b[nb]; nb++)
		;
	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && strcmp(a[i], b[j]) != 0; j++)
			;
		if (j == nb)
			return 0;
	}
	return 1;
}

/* One line of a list for a message: 'a' 'b' 'c', escaped, truncated. */
static void
quote_list(char *out, size_t size, char *const *l)
{
	size_t n = 0, i;
	const unsigned char *p;

	out[0] = '\0';
	for (i = 0; l && l[i] && n + 8 < size; i++) {
		if (i)
			out[n++] = ' ';
		out[n++] = '\'';
		for (p = (const unsigned char *)l[i]; *p && n + 8 < size; p++) {
			if (*p == '\'') {
				memcpy(out + n, "'\\''", 4);
				n += 4;
			} else if (*p < 0x20 || *p == 0x7f) {
				n += (size_t)snprintf(out + n, size - n,
						      "\\x%02x", *p);
			} else {
				out[n++] = (char)*p;
			}
		}
		out[n++] = '\'';
	}
	if (l && l[i] && n + 4 < size) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n < size ? n : size - 1] = '\0';
}

/* The whole list quoted as quote_list() does, allocated; NULL if no memory. */
static char *
quote_all(char *const *l)
{
	size_t i, size = 8;
	char *out;

	/* At most four bytes ("\\xNN", or '\\'' for a quote) per byte. */
	for (i = 0; l && l[i]; i++)
		size += 4 * strlen(l[i]) + 3;
	if ((out = malloc(size + 16)) != NULL)
		quote_list(out, size + 16, l);
	return out;
}

int
cr_recipe_compare(const struct cr_recipe *recorded,
		  const struct cr_recipe *tree, const char *name)
{
	char a[512], b[512];
	char *const *la, *const *lb;
	const char *what;

	if (!same_list(recorded->command, tree->command)) {
		what = "command";
		la = recorded->command;
		lb = tree->command;
	} else if (!same_list(recorded->artifacts, tree->artifacts)) {
		what = "artifacts";
		la = recorded->artifacts;
		lb = tree->artifacts;
	} else if (!same_set(recorded->env, tree->env)) {
		what = "env";
		la = recorded->env;
		lb = tree->env;
	} else if (recorded->fake_clock != tree->fake_clock) {
		return cr_error_fail(
			"%s: the statement records fakeClock %s, "
			"the tree's %s says %s",
			name, recorded->fake_clock ? "true" : "false",
			CR_RECIPE_FILE, tree->fake_clock ? "true" : "false");
	} else {
		return CR_OK;
	}
	quote_list(a, sizeof(a), la);
	quote_list(b, sizeof(b), lb);
	return cr_error_fail("%s: the statement's recorded %s differs from "
			     "the reviewed tree's %s: recorded %s; %s has %s",
			     name, what, CR_RECIPE_FILE, a, CR_RECIPE_FILE, b);
}

/* ---- showing it -------------------------------------------------------- */

char *
cr_recipe_describe(const struct cr_recipe *r)
{
	char hex[CR_SHA256_HEXLEN + 1];
	char *cmd = NULL, *arts = NULL, *env = NULL, *text = NULL;
	char when[64] = "", root[600] = "";

	/* In full: a long command must not hide its tail from the reader. */
	if ((cmd = quote_all(r->command)) == NULL ||
	    (arts = quote_all(r->artifacts)) == NULL ||
	    (env = quote_all(r->env)) == NULL)
		goto done;
	cr_hex_encode(hex, r->file_sha256, CR_SHA256_LEN);
	/* The build time is an input a build may test: shown with the rest. */
	if (r->source_date_epoch >= 0)
		snprintf(when, sizeof(when), "\n  SOURCE_DATE_EPOCH: %lld",
			 (long long)r->source_date_epoch);
	if (r->root != NULL) {
		json_t *inc = json_object_get(r->root, "include"), *v;
		const char *snap =
			json_string_value(json_object_get(r->root, "snapshot"));
		size_t i, n;

		n = (size_t)snprintf(
			root, sizeof(root), "\n  root: suite %s",
			json_string_value(json_object_get(r->root, "suite")));
		if (snap != NULL && n < sizeof(root))
			n += (size_t)snprintf(root + n, sizeof(root) - n,
					      ", snapshot %s", snap);
		json_array_foreach(inc, i, v) if (n < sizeof(root)) n +=
			(size_t)snprintf(root + n, sizeof(root) - n, "%s%s",
					 i ? "," : ", include ",
					 json_string_value(v));
	}
	if (asprintf(
		    &text,
		    "recipe: %s%s\n  command: %s\n  artifacts: %s\n"
		    "  env: %s\n  fakeClock: %s%s%s\n",
		    r->from_tree ? CR_RECIPE_FILE " of the source tree, sha256:"
				 : "from the command line, NOT part of the "
				   "reviewed source",
		    r->from_tree ? hex : "", cmd, arts, env[0] ? env : "(none)",
		    r->fake_clock ? "true" : "false", when, root) < 0)
		text = NULL;
done:
	free(cmd);
	free(arts);
	free(env);
	return text;
}

static json_t *
json_list(char *const *l)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && l && l[i]; i++)
		json_array_append_new(a, json_string(l[i]));
	return a;
}

json_t *
cr_recipe_json(const struct cr_recipe *r)
{
	char hex[CR_SHA256_HEXLEN + 1];
	json_t *o, *env = json_object();
	const char *eq;
	size_t i;

	for (i = 0; env && r->env && r->env[i]; i++)
		if ((eq = strchr(r->env[i], '=')) != NULL) {
			char *k = strndup(r->env[i], (size_t)(eq - r->env[i]));

			if (k != NULL)
				json_object_set_new(env, k,
						    json_string(eq + 1));
			free(k);
		}
	o = json_pack("{s:s, s:o, s:o, s:o, s:b}", "source",
		      r->from_tree ? CR_RECIPE_FILE : "command-line", "command",
		      json_list(r->command), "artifacts",
		      json_list(r->artifacts), "env", env, "fakeClock",
		      r->fake_clock);
	if (o != NULL && r->from_tree) {
		cr_hex_encode(hex, r->file_sha256, CR_SHA256_LEN);
		json_object_set_new(o, "sha256", json_string(hex));
	}
	if (o != NULL && r->root != NULL)
		json_object_set(o, "root", r->root);
	if (o != NULL && r->source_date_epoch >= 0)
		json_object_set_new(o, "SOURCE_DATE_EPOCH",
				    json_integer(r->source_date_epoch));
	return o;
}

/* ---- the recipe in statements ----------------------------------------- */

/* A copy of a NULL-terminated list (NULL: an empty one). */
static int
copy_list(char ***out, char *const *list)
{
	size_t i, n = 0;

	while (list != NULL && list[n] != NULL)
		n++;
	if ((*out = calloc(n + 1, sizeof(**out))) == NULL)
		return cr_error_set("out of memory");
	for (i = 0; i < n; i++)
		if (((*out)[i] = strdup(list[i])) == NULL)
			return cr_error_set("out of memory");
	return CR_OK;
}

int
cr_recipe_from_statement(struct cr_recipe **out, const struct cr_statement *st,
			 const char *name)
{
	const struct cr_external *e = &st->prov.external;
	struct cr_recipe *r;
	int err;

	*out = NULL;
	if (strcmp(st->build_type, CR_BUILDTYPE_SANDBOX) != 0)
		return cr_error_set("%s: not a statement of a sandboxed build "
				    "(buildType %s): it records no recipe",
				    name, st->build_type);
	if (st->recipe_problem != NULL)
		return cr_error_set("%s: %s", name, st->recipe_problem);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return cr_error_set("out of memory");
	if ((err = copy_list(&r->command, e->command)) < 0 ||
	    (err = copy_list(&r->artifacts, e->artifacts)) < 0 ||
	    (err = copy_list(&r->tools, e->tools)) < 0 ||
	    (err = copy_list(&r->env, e->env)) < 0)
		goto fail;
	r->source_date_epoch = e->source_date_epoch;
	if (e->recipe_source != NULL &&
	    strcmp(e->recipe_source, CR_RECIPE_FILE) == 0) {
		r->from_tree = 1;
		if (e->recipe_sha256 != NULL)
			memcpy(r->file_sha256, e->recipe_sha256, CR_SHA256_LEN);
	}
	if ((err = cr_recipe_check_env(r->env, name)) < 0)
		goto fail;
	r->fake_clock = e->fake_clock == 1;
	r->normalize = e->normalize != 0;
	*out = r;
	return CR_OK;
fail:
	cr_recipe_free(r);
	return err;
}

void
cr_recipe_free(struct cr_recipe *r)
{
	if (r == NULL)
		return;
	free_list(r->command);
	free_list(r->artifacts);
	free_list(r->env);
	free_list(r->tools);
	json_decref(r->root);
	free(r);
}
