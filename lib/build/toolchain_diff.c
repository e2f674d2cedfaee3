/* The toolchain in statements: recording it, and comparing a record with the local one. */
#include "toolchain_diff.h"
#include "error.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

json_t *
cr_toolchain_json(const struct cr_toolchain *tc)
{
	json_t *a = json_array(), *dep, *ann;
	size_t i;

	/*
	 * No uri: the digest is of one file, and a purl names a whole
	 * package, so the package goes in the annotations beside the path.
	 */
	for (i = 0; a != NULL && i < tc->count; i++) {
		const struct cr_tool *t = &tc->tools[i];

		if (t->file)
			ann = json_pack("{s:s, s:s}", "path", t->path, "kind",
					"file");
		else
			ann = json_pack("{s:s, s:s}", "path", t->path,
					"version",
					t->version ? t->version : "");
		if (ann != NULL && t->package != NULL)
			json_object_set_new(ann, "package",
					    json_string(t->package));
		if (ann != NULL && t->package_version != NULL)
			json_object_set_new(ann, "packageVersion",
					    json_string(t->package_version));
		if (ann != NULL && t->purl != NULL)
			json_object_set_new(ann, "purl", json_string(t->purl));
		dep = json_pack("{s:s, s:{s:s}, s:o*}", "name", t->name,
				"digest", "sha256", t->sha256, "annotations",
				ann);
		if (dep == NULL || json_array_append_new(a, dep) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int
add_change(struct cr_toolchain_diff *d, const char *tool, const char *package,
	   const char *field, const char *recorded, const char *local)
{
	struct cr_toolchain_change *c;

	c = realloc(d->changes, (d->count + 1) * sizeof(*c));
	if (c == NULL)
		return cr_error_set("out of memory");
	d->changes = c;
	c = &d->changes[d->count++];
	c->tool = strdup(tool);
	c->package = package ? strdup(package) : NULL;
	c->field = field;
	c->recorded = strdup(recorded ? recorded : "");
	c->local = strdup(local ? local : "");
	if (c->tool == NULL || c->recorded == NULL || c->local == NULL ||
	    (package != NULL && c->package == NULL))
		return cr_error_set("out of memory");
	return CR_OK;
}

static const char *
ann(json_t *dep, const char *key)
{
	return json_string_value(
		json_object_get(json_object_get(dep, "annotations"), key));
}

static int
is_file(json_t *dep)
{
	const char *k = ann(dep, "kind");

	return k != NULL && strcmp(k, "file") == 0;
}

/* "NAME VERSION" of a package, "" when unknown. */
static void
pkg_label(char *out, size_t n, const char *name, const char *version)
{
	snprintf(out, n, "%s%s%s", name ? name : "", name && version ? " " : "",
		 name && version ? version : "");
}

int
cr_toolchain_compare(struct cr_toolchain_diff **out, json_t *statement,
		     const char *root)
{
	struct cr_toolchain_diff *d;
	struct cr_toolchain *tc = NULL;
	struct cr_sandbox_opts so;
	const char **names = NULL, **files = NULL;
	char rec[600], loc[600];
	json_t *deps, *dep;
	size_t i, j, n = 0, nf = 0;
	int err;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return cr_error_set("out of memory");
	deps = json_object_get(
		json_object_get(json_object_get(statement, "predicate"),
				"buildDefinition"),
		"resolvedDependencies");
	if ((names = calloc(json_array_size(deps) + 1, sizeof(*names))) ==
		    NULL ||
	    (files = calloc(json_array_size(deps) + 1, sizeof(*files))) ==
		    NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	json_array_foreach(deps, i, dep)
	{
		const char *name =
			json_string_value(json_object_get(dep, "name"));

		if (name == NULL || ann(dep, "path") == NULL ||
		    n + nf >= CR_TOOLCHAIN_MAX_TOOLS)
			continue;
		if (!is_file(dep))
			names[n++] = name;
		else if (name[0] == '/')
			files[nf++] = name;
	}
	d->compared = n + nf;
	if (n + nf == 0) {
		*out = d;
		d = NULL;
		err = CR_OK;
		goto done;
	}
	cr_sandbox_opts_init(&so);
	so.root = root;
	/* Only the recorded tools, none of the defaults the record lacks. */
	if ((err = cr_toolchain_probe_files(&tc, &so, names, files, 0)) < 0)
		goto done;
	json_array_foreach(deps, i, dep)
	{
		const char *name =
			json_string_value(json_object_get(dep, "name"));
		const char *sha = json_string_value(json_object_get(
			json_object_get(dep, "digest"), "sha256"));
		const char *pkg = ann(dep, "package");
		const struct cr_tool *t = NULL;
		int file = is_file(dep);

		if (name == NULL || ann(dep, "path") == NULL)
			continue;
		for (j = 0; j < tc->count; j++)
			if (tc->tools[j].file == file &&
			    strcmp(tc->tools[j].name, name) == 0)
				t = &tc->tools[j];
		if (t == NULL) {
			if ((err = add_change(d, name, pkg, "missing",
					      ann(dep, "path"), "")) < 0)
				goto done;
			continue;
		}
		/* A package is its name and version: either may drift. */
		pkg_label(rec, sizeof(rec), pkg, ann(dep, "packageVersion"));
		pkg_label(loc, sizeof(loc), t->package, t->package_version);
		if ((strcmp(ann(dep, "path"), t->path) != 0 &&
		     (err = add_change(d, name, pkg, "path", ann(dep, "path"),
				       t->path)) < 0) ||
		    (!file && ann(dep, "version") &&
		     strcmp(ann(dep, "version"), t->version) != 0 &&
		     (err = add_change(d, name, pkg, "version",
				       ann(dep, "version"), t->version)) < 0) ||
		    (strcmp(rec, loc) != 0 &&
		     (err = add_change(d, name, pkg ? pkg : t->package,
				       "package", rec, loc)) < 0) ||
		    (sha && strcmp(sha, t->sha256) != 0 &&
		     (err = add_change(d, name, pkg, "sha256", sha,
				       t->sha256)) < 0))
			goto done;
	}
	*out = d;
	d = NULL;
	err = CR_OK;
done:
	cr_toolchain_free(tc);
	cr_toolchain_diff_free(d);
	free(names);
	free(files);
	return err;
}

size_t
cr_toolchain_diff_count(const struct cr_toolchain_diff *d)
{
	return d ? d->count : 0;
}

int
cr_toolchain_diff_text(char **out, const struct cr_toolchain_diff *d)
{
	struct cr_str t = {0};
	size_t i;

	if (d == NULL)
		return cr_str_take(out, &t);
	if (d->compared == 0) {
		cr_str_printf(&t, "toolchain: none recorded\n");
		return cr_str_take(out, &t);
	}
	if (d->count == 0) {
		cr_str_printf(&t,
			      "toolchain: the %zu recorded tools and files are "
			      "the same here\n",
			      d->compared);
		return cr_str_take(out, &t);
	}
	cr_str_printf(&t,
		      "toolchain: DIFFERS from the record (%zu change%s):\n",
		      d->count, d->count == 1 ? "" : "s");
	for (i = 0; i < d->count; i++)
		cr_str_printf(
			&t, "  %s%s%s%s %s: recorded '%s', here '%s'\n",
			d->changes[i].tool, d->changes[i].package ? " (" : "",
			d->changes[i].package ? d->changes[i].package : "",
			d->changes[i].package ? ")" : "", d->changes[i].field,
			d->changes[i].recorded, d->changes[i].local);
	return cr_str_take(out, &t);
}

json_t *
cr_toolchain_diff_json(const struct cr_toolchain_diff *d)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; d && a && i < d->count; i++)
		json_array_append_new(
			a, json_pack("{s:s, s:s?, s:s, s:s, s:s}", "tool",
				     d->changes[i].tool, "package",
				     d->changes[i].package, "field",
				     d->changes[i].field, "recorded",
				     d->changes[i].recorded, "local",
				     d->changes[i].local));
	return json_pack("{s:i, s:o}", "compared", d ? (int)d->compared : 0,
			 "changes", a);
}

void
cr_toolchain_diff_free(struct cr_toolchain_diff *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->count; i++) {
		free(d->changes[i].tool);
		free(d->changes[i].package);
		free(d->changes[i].recorded);
		free(d->changes[i].local);
	}
	free(d->changes);
	free(d);
}
