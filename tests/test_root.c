/* Unit tests for lib/root.c: ROOT.json, owners, the root tree hash, --debs layout. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "root.h"
#include "scratch.h"
#include "tree.h"
#include "util.h"
#include "write.h"

/* A statement of a build whose dependency after the source is dep. */
static struct cr_statement *
stmt_of(const struct cr_resource *dep)
{
	struct cr_subject s = {.name = "a"};
	struct cr_statement *st = NULL;
	struct cr_provenance p;
	size_t len;
	char *text;

	cr_provenance_init(&p);
	p.build_type = CR_BUILDTYPE_SANDBOX;
	p.subjects = &s;
	p.nsubjects = 1;
	p.external.source_kind = "git";
	p.deps = dep;
	p.ndeps = 1;
	assert_int_equal(cr_statement_encode(&text, &len, &p), CR_OK);
	assert_int_equal(
		cr_statement_parse(&st, (unsigned char *)text, len, "t"),
		CR_OK);
	free(text);
	return st;
}

/* The same with the dependency written as JSON (taken). */
static struct cr_statement *
stmt_of_json(json_t *dep)
{
	struct cr_statement *st = NULL;
	json_t *j;
	char *text;

	assert_non_null(dep);
	j = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:{s:{s:s, s:[o]}}}",
		      "_type", CR_STATEMENT_TYPE, "subject", "name", "a",
		      "digest", "sha256",
		      "00000000000000000000000000000000"
		      "00000000000000000000000000000000",
		      "predicateType", CR_SLSA_PROVENANCE_V1, "predicate",
		      "buildDefinition", "buildType", CR_BUILDTYPE_SANDBOX,
		      "resolvedDependencies", dep);
	assert_non_null(text = json_dumps(j, JSON_COMPACT));
	assert_int_equal(cr_statement_parse(&st, (unsigned char *)text,
					    strlen(text), "t"),
			 CR_OK);
	free(text);
	json_decref(j);
	return st;
}

static void
test_snapshot_time(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(cr_root_snapshot_time(&t, "20250520T000000Z"), CR_OK);
	assert_int_equal(t, 1747699200);
	assert_int_equal(cr_root_snapshot_time(&t, "20250520T000001"), CR_OK);
	assert_int_equal(t, 1747699201);
	assert_int_equal(cr_root_snapshot_time(&t, "2025-05-20"), CR_ERROR);
	assert_int_equal(cr_root_snapshot_time(&t, "20250520T000000ZZ"),
			 CR_ERROR);
	assert_int_equal(cr_root_snapshot_time(&t, "20250520T000000X"),
			 CR_ERROR);
}

static void
write_text(const char *name, const char *text)
{
	assert_int_equal(
		cr_write_atomic(path(name), text, strlen(text), 0644, 0),
		CR_OK);
}

static void
test_manifest_roundtrip(void **state)
{
	struct cr_root_manifest m = {0}, *back = NULL;
	struct cr_root_pkg pkgs[2] = {
		{"zlib1g",
		 "1:1.2.13.dfsg-1",
		 "amd64",
		 "pool/main/z/zlib/zlib1g_1.2.13.dfsg-1_amd64.deb",
		 {1},
		 10},
		{"base-files",
		 "12.4",
		 "amd64",
		 "pool/main/b/base-files/base-files_12.4_amd64.deb",
		 {2},
		 20},
	};
	char *include[] = {"build-essential"};
	json_t *j;
	char *text;

	(void)state;
	m.recipe.suite = "bookworm";
	m.recipe.mirror = "http://mirror.invalid/debian";
	m.recipe.variant = "minbase";
	m.recipe.arch = "amd64";
	m.recipe.include = include;
	m.recipe.ninclude = 1;
	m.recipe.source_date_epoch = 1747699200;
	memset(m.tree, 0xab, sizeof(m.tree));
	memset(m.tar, 0xcd, sizeof(m.tar));
	m.release_date = "Sat, 17 May 2025 09:10:11 UTC";
	m.pkgs = pkgs;
	m.npkgs = 2;
	assert_non_null(j = cr_root_manifest_json(&m));
	assert_non_null(text = json_dumps(j, 0));
	json_decref(j);
	write_text("ROOT.json", text);
	free(text);
	assert_int_equal(cr_root_manifest_load(&back, path("ROOT.json")),
			 CR_OK);
	assert_string_equal(back->recipe.suite, "bookworm");
	assert_null(back->recipe.snapshot);
	assert_int_equal(back->recipe.source_date_epoch, 1747699200);
	assert_int_equal(back->recipe.ninclude, 1);
	assert_string_equal(back->recipe.include[0], "build-essential");
	assert_memory_equal(back->tree, m.tree, CR_SHA256_LEN);
	assert_memory_equal(back->tar, m.tar, CR_SHA256_LEN);
	assert_int_equal(back->npkgs, 2);
	/* Sorted by name on reading. */
	assert_string_equal(back->pkgs[0].name, "base-files");
	assert_string_equal(back->pkgs[1].version, "1:1.2.13.dfsg-1");
	assert_int_equal(back->pkgs[1].size, 10);
	assert_memory_equal(back->pkgs[1].sha256, pkgs[0].sha256,
			    CR_SHA256_LEN);
	cr_root_manifest_free(back);
}

static const char good_head[] =
	"{\"_type\": \"urn:cleanroom:root:v1\", \"recipe\": {\"tool\": "
	"\"mmdebstrap\", \"suite\": \"bookworm\", \"snapshot\": null, "
	"\"mirror\": \"file:///m\", \"variant\": \"minbase\", "
	"\"architecture\": \"amd64\", \"include\": [], \"sourceDateEpoch\": "
	"1}, \"tree\": {\"gitTree\": "
	"\"0000000000000000000000000000000000000000000000000000000000000000\"}"
	", \"tar\": {\"sha256\": "
	"\"0000000000000000000000000000000000000000000000000000000000000000\"}"
	", \"archive\": {\"inRelease\": {\"digest\": {\"sha256\": "
	"\"0000000000000000000000000000000000000000000000000000000000000000\"}"
	", \"date\": \"\"}, \"packagesFile\": {\"path\": \"p\", \"digest\": "
	"{\"sha256\": "
	"\"0000000000000000000000000000000000000000000000000000000000000000\"}"
	"}}, \"packages\": [";

static int
load_with(const char *packages, const char *tail)
{
	struct cr_root_manifest *m = NULL;
	char buf[8192];
	int err;

	snprintf(buf, sizeof(buf), "%s%s]%s}", good_head, packages, tail);
	write_text("m.json", buf);
	err = cr_root_manifest_load(&m, path("m.json"));
	assert_true(err == CR_OK || m == NULL);
	if (err < 0)
		assert_non_null(strstr(cr_error_last(), "m.json"));
	cr_root_manifest_free(m);
	return err;
}

#define PKG(name, file)                                                    \
	"{\"name\": \"" name "\", \"version\": \"1\", \"architecture\": "  \
	"\"amd64\", \"filename\": \"" file "\", \"size\": 1, \"digest\": " \
	"{\"sha256\": "                                                    \
	"\"00000000000000000000000000000000000000000000000000000000000000" \
	"00\"}}"

static void
test_manifest_malformed(void **state)
{
	(void)state;
	assert_int_equal(load_with(PKG("a", "pool/a.deb"), ""), CR_OK);
	assert_int_equal(load_with("", ""), CR_OK);
	/* Duplicate key, a trailing field twice. */
	assert_int_equal(load_with("", ", \"_type\": \"x\""), CR_ERROR);
	/* Paths that leave the pool, odd names, a package twice. */
	assert_int_equal(load_with(PKG("a", "../a.deb"), ""), CR_ERROR);
	assert_int_equal(load_with(PKG("a", "/etc/passwd"), ""), CR_ERROR);
	assert_int_equal(load_with(PKG("a b", "pool/a.deb"), ""), CR_ERROR);
	assert_int_equal(
		load_with(PKG("a", "pool/a.deb") "," PKG("a", "pool/b.deb"),
			  ""),
		CR_ERROR);
	write_text("m.json", "[]");
	{
		struct cr_root_manifest *m = NULL;

		assert_int_equal(cr_root_manifest_load(&m, path("m.json")),
				 CR_ERROR);
		assert_null(m);
	}
}

static void
test_owners(void **state)
{
	struct cr_root_owners *o = NULL;
	const char *roots[] = {"r", "r.tar"};
	size_t i;

	(void)state;
	assert_int_equal(
		sh("mkdir -p r/var/lib/dpkg/info r/usr/bin && "
		   "printf '/.\\n/bin\\n/bin/ls\\n/usr/bin/cat\\n' "
		   ">r/var/lib/dpkg/info/coreutils.list && "
		   "printf '/.\\n/usr/lib/x86_64-linux-gnu/libc.so.6\\n' "
		   ">r/var/lib/dpkg/info/libc6:amd64.list && "
		   "printf 'x\\n' >r/var/lib/dpkg/info/libc6:amd64.md5sums && "
		   "tar -C r -cf r.tar ."),
		0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(cr_root_owners_load(&o, path(roots[i])),
				 CR_OK);
		assert_string_equal(cr_root_owner(o, "bin/ls"), "coreutils");
		/* merged /usr: dpkg says /bin/ls, the file is usr/bin/ls */
		assert_string_equal(cr_root_owner(o, "usr/bin/ls"),
				    "coreutils");
		assert_string_equal(cr_root_owner(o, "bin/cat"), "coreutils");
		assert_string_equal(
			cr_root_owner(o, "lib/x86_64-linux-gnu/libc.so.6"),
			"libc6");
		assert_null(cr_root_owner(o, "usr/local/bin/planted"));
		assert_null(cr_root_owner(o, "var/lib/dpkg/info"));
		cr_root_owners_free(o);
		o = NULL;
	}
	/* No dpkg database: nobody owns anything. */
	assert_int_equal(sh("mkdir -p empty"), 0);
	assert_int_equal(cr_root_owners_load(&o, path("empty")), CR_OK);
	assert_int_equal(o->count, 0);
	cr_root_owners_free(o);
}

static void
test_hash_leaves_devices_out(void **state)
{
	struct cr_tree *a = NULL, *b = NULL;

	(void)state;
	/* A tar with /dev nodes and a FIFO, written by python's tarfile. */
	assert_int_equal(
		sh("mkdir -p d/etc && printf 'x\\n' >d/etc/x && "
		   "tar -C d -cf plain.tar . && python3 -c '"
		   "import tarfile, io\n"
		   "t = tarfile.open(\"dev.tar\", \"w\")\n"
		   "t.add(\"d/etc/x\", arcname=\"./etc/x\")\n"
		   "for n, k in ((\"./dev/null\", tarfile.CHRTYPE), "
		   "(\"./dev/sda\", tarfile.BLKTYPE), "
		   "(\"./run/fifo\", tarfile.FIFOTYPE)):\n"
		   "    i = tarfile.TarInfo(n); i.type = k; t.addfile(i)\n"
		   "t.close()'"),
		0);
	assert_int_equal(cr_tree_from_archive(&a, NULL, path("dev.tar"), NULL),
			 CR_ERROR);
	assert_null(a);
	assert_int_equal(cr_root_hash(&a, path("dev.tar"), NULL), CR_OK);
	assert_int_equal(cr_root_hash(&b, path("d"), NULL), CR_OK);
	assert_int_equal(a->count, 1);
	assert_memory_equal(a->root, b->root, CR_SHA256_LEN);
	cr_tree_free(a);
	cr_tree_free(b);
}

static void
test_open(void **state)
{
	struct cr_root *r = NULL, *d = NULL;
	struct cr_tree *t = NULL;
	char unpacked[4096];

	(void)state;
	/* A root with a device, a hard link, a symlink and a 0700 file. */
	assert_int_equal(
		sh("mkdir -p o/usr/bin o/etc && printf 'a\\n' >o/usr/bin/a && "
		   "ln o/usr/bin/a o/usr/bin/b && ln -s usr/bin o/bin && "
		   "printf 's\\n' >o/etc/secret && chmod 700 o/etc/secret && "
		   "python3 -c '"
		   "import tarfile\n"
		   "t = tarfile.open(\"o.tar\", \"w\")\n"
		   "t.add(\"o\", arcname=\".\")\n"
		   "i = tarfile.TarInfo(\"./dev/null\"); "
		   "i.type = tarfile.CHRTYPE; t.addfile(i)\n"
		   "t.close()\n"
		   "t = tarfile.open(\"evil.tar\", \"w\")\n"
		   "i = tarfile.TarInfo(\"../evil\"); t.addfile(i)\n"
		   "t.close()'"),
		0);
	assert_int_equal(cr_root_open(&r, path("o.tar"), NULL), CR_OK);
	assert_non_null(r->unpacked);
	assert_int_equal(r->files, 4);
	assert_int_equal(cr_root_open(&d, path("o"), NULL), CR_OK);
	assert_null(d->unpacked);
	assert_string_equal(d->dir, path("o"));
	assert_memory_equal(r->tree, d->tree, CR_SHA256_LEN);
	assert_int_equal(cr_tree_from_dir(&t, r->dir, NULL), CR_OK);
	assert_memory_equal(t->root, r->tree, CR_SHA256_LEN);
	cr_tree_free(t);
	snprintf(unpacked, sizeof(unpacked), "%s", r->unpacked);
	cr_root_close(r);
	cr_root_close(d);
	assert_int_equal(access(unpacked, F_OK), -1);
	assert_int_equal(cr_root_open(&r, path("evil.tar"), NULL), CR_ERROR);
	assert_null(r);
	assert_int_equal(access(path("evil"), F_OK), -1);
	assert_int_equal(cr_root_open(&r, path("missing.tar"), NULL), CR_ERROR);
}

static void
test_debs_layout(void **state)
{
	struct cr_root_debs *d = NULL;

	(void)state;
	/* Not a --debs directory at all. */
	assert_int_equal(sh("mkdir -p nodists"), 0);
	assert_int_equal(cr_root_debs_check(&d, path("nodists"), NULL, NULL),
			 CR_ERROR);
	/* Two suites. */
	assert_int_equal(sh("mkdir -p two/dists/a two/dists/b"), 0);
	assert_int_equal(cr_root_debs_check(&d, path("two"), NULL, NULL),
			 CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "not one"));
	/* An InRelease nobody signed: gpgv refuses it (exit 1). */
	if (access(CR_ROOT_KEYRING, R_OK) == 0 && sh("command -v gpgv") == 0) {
		assert_int_equal(sh("mkdir -p uns/dists/bookworm && "
				    "printf 'Codename: bookworm\\n' "
				    ">uns/dists/bookworm/InRelease"),
				 0);
		assert_int_equal(
			cr_root_debs_check(&d, path("uns"), NULL, NULL),
			CR_EFAIL);
		assert_non_null(strstr(cr_error_last(), "not signed"));
	}
	assert_null(d);
	/* A keyring that is not there: no answer. */
	assert_int_equal(sh("mkdir -p k/dists/bookworm && : "
			    ">k/dists/bookworm/InRelease"),
			 0);
	assert_int_equal(
		cr_root_debs_check(&d, path("k"), path("no.gpg"), NULL),
		CR_ERROR);
}

/* dpkg status: only installed packages; drift by name and architecture. */
static void
test_installed_and_drift(void **state)
{
	struct cr_root_pkg *a = NULL, *b = NULL;
	struct cr_root_drift *d = NULL;
	size_t na = 0, nb = 0, nd = 0;
	struct cr_root *r = NULL;
	struct cr_resource *dep;
	struct cr_statement *stmt;
	struct cr_root_record rec;
	int found;

	(void)state;
	assert_int_equal(
		sh("mkdir -p s/var/lib/dpkg && printf '"
		   "Package: zlib1g\\nStatus: install ok installed\\n"
		   "Architecture: amd64\\nVersion: 1:1.2.13\\n"
		   "Description: x\\n more\\n\\n"
		   "Package: gone\\nStatus: deinstall ok config-files\\n"
		   "Architecture: amd64\\nVersion: 1\\n\\n"
		   "Package: bash\\nStatus: install ok installed\\n"
		   "Architecture: amd64\\nVersion: 5.2-2\\n' "
		   ">s/var/lib/dpkg/status"),
		0);
	assert_int_equal(cr_root_installed(&a, &na, path("s")), CR_OK);
	assert_int_equal(na, 2);
	assert_string_equal(a[0].name, "bash");
	assert_string_equal(a[1].version, "1:1.2.13");
	/* No dpkg database: no packages, no error. */
	assert_int_equal(sh("mkdir -p nodpkg"), 0);
	assert_int_equal(cr_root_installed(&b, &nb, path("nodpkg")), CR_OK);
	assert_int_equal(nb, 0);
	free(b);

	assert_int_equal(sh("mkdir -p t/var/lib/dpkg && printf '"
			    "Package: bash\\nStatus: install ok installed\\n"
			    "Architecture: amd64\\nVersion: 5.2-3\\n\\n"
			    "Package: dash\\nStatus: install ok installed\\n"
			    "Architecture: amd64\\nVersion: 0.5\\n' "
			    ">t/var/lib/dpkg/status"),
			 0);
	assert_int_equal(cr_root_installed(&b, &nb, path("t")), CR_OK);
	assert_int_equal(cr_root_drift_list(&d, &nd, a, na, b, nb), CR_OK);
	assert_int_equal(nd, 3);
	assert_string_equal(d[0].package, "bash");
	assert_string_equal(d[0].attested, "5.2-2");
	assert_string_equal(d[0].here, "5.2-3");
	assert_string_equal(d[1].package, "dash");
	assert_null(d[1].attested);
	assert_string_equal(d[2].package, "zlib1g");
	assert_null(d[2].here);
	cr_root_drift_free(d, nd);

	/* Recorded, then read back from a statement: no local path. */
	assert_int_equal(cr_root_open(&r, path("s"), NULL), CR_OK);
	assert_int_equal(cr_root_describe(r, path("s")), CR_OK);
	assert_null(r->manifest);
	assert_non_null(dep = cr_root_dependency(r));
	assert_null(dep->uri);
	stmt = stmt_of(dep);
	assert_int_equal(cr_root_record_get(&rec, &found, stmt), CR_OK);
	assert_int_equal(found, 1);
	assert_int_equal(rec.npkgs, 2);
	assert_memory_equal(rec.tree, r->tree, CR_SHA256_LEN);
	cr_root_record_clear(&rec);
	cr_statement_free(stmt);
	cr_resources_free(dep, 1);

	/* A malformed package list is refused. */
	stmt = stmt_of_json(json_pack(
		"{s:s, s:{s:s}, s:{s:[{s:s}]}}", "name", "rootfs", "digest",
		"gitTree",
		"0000000000000000000000000000000000000000000000000000000000000000",
		"annotations", "packages", "name", "bash"));
	assert_int_equal(cr_root_record_get(&rec, &found, stmt), CR_ERROR);
	cr_statement_free(stmt);

	/* A ROOT.json beside that is not this root's. */
	assert_int_equal(sh("printf '{}' >s.json"), 0);
	cr_root_pkgs_free(r->pkgs, r->npkgs);
	r->pkgs = NULL;
	r->npkgs = 0;
	assert_int_equal(cr_root_describe(r, path("s")), CR_ERROR);
	cr_root_close(r);
	cr_root_pkgs_free(a, na);
	cr_root_pkgs_free(b, nb);
}

/*
 * The host's package set in a statement: read back, its digest checked
 * (the SHA-256 sha256sum prints for the lines), an edited list refused;
 * a recipe's root against a ROOT.json's recipe, and its cache name.
 */
static void
test_host_record_and_recipe(void **state)
{
	struct cr_root_pkg *a = NULL;
	struct cr_root_manifest m;
	struct cr_root_record rec;
	size_t na = 0;
	struct cr_resource *dep;
	struct cr_statement *stmt;
	json_t *want;
	char hex[CR_SHA256_HEXLEN + 1], *name = NULL;
	char *inc[] = {"gcc", "libc6-dev"};
	FILE *f;
	int found;

	(void)state;
	assert_int_equal(sh("mkdir -p h/var/lib/dpkg && printf '"
			    "Package: zlib1g\\nStatus: install ok installed\\n"
			    "Architecture: amd64\\nVersion: 1:1.2.13\\n\\n"
			    "Package: bash\\nStatus: install ok installed\\n"
			    "Architecture: amd64\\nVersion: 5.2-2\\n' "
			    ">h/var/lib/dpkg/status && printf 'bash 5.2-2\\n"
			    "zlib1g 1:1.2.13\\n' | sha256sum | cut -c1-64 "
			    ">h.sum"),
			 0);
	assert_int_equal(cr_root_installed(&a, &na, path("h")), CR_OK);
	assert_non_null(dep = cr_root_host_dependency(a, na));
	assert_string_equal(dep->name, "hostfs");
	assert_non_null(f = fopen(path("h.sum"), "r"));
	assert_non_null(fgets(hex, sizeof(hex), f));
	fclose(f);
	assert_string_equal(cr_resource_digest(dep, "sha256"), hex);
	stmt = stmt_of(dep);
	assert_int_equal(cr_root_host_record_get(&rec, &found, stmt), CR_OK);
	assert_int_equal(found, 1);
	assert_int_equal(rec.npkgs, 2);
	assert_string_equal(rec.pkgs[1].name, "zlib1g");
	cr_root_record_clear(&rec);
	/* Not a root: cr_root_record_get finds none. */
	assert_int_equal(cr_root_record_get(&rec, &found, stmt), CR_OK);
	assert_int_equal(found, 0);
	/* A list that is not zlib+base64 (here plain base64) is refused. */
	cr_statement_free(stmt);
	assert_int_equal(
		cr_resource_set(&dep->ann.packages_text, "YmFzaCA1LjItOQo="),
		CR_OK);
	stmt = stmt_of(dep);
	assert_int_equal(cr_root_host_record_get(&rec, &found, stmt), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "zlib+base64"));
	cr_statement_free(stmt);
	cr_resources_free(dep, 1);
	cr_root_pkgs_free(a, na);

	/* A recipe's root against a manifest's recipe. */
	memset(&m, 0, sizeof(m));
	m.recipe.suite = "bookworm";
	m.recipe.include = inc;
	m.recipe.ninclude = 2;
	want = json_pack("{s:s, s:[s,s]}", "suite", "bookworm", "include",
			 "libc6-dev", "gcc");
	assert_int_equal(cr_root_recipe_check(&m, want, "t"), CR_OK);
	json_object_set_new(want, "snapshot", json_string("20250520T000000Z"));
	assert_int_equal(cr_root_recipe_check(&m, want, "t"), CR_EFAIL);
	assert_non_null(strstr(cr_error_last(), "snapshot"));
	json_object_del(want, "snapshot");
	m.recipe.ninclude = 1;
	assert_int_equal(cr_root_recipe_check(&m, want, "t"), CR_EFAIL);
	m.recipe.ninclude = 2;
	json_object_set_new(want, "suite", json_string("trixie"));
	assert_int_equal(cr_root_recipe_check(&m, want, "t"), CR_EFAIL);
	json_object_set_new(want, "suite", json_string("bookworm"));
	/* The cache name: the sorted includes, whatever their order. */
	assert_int_equal(cr_root_recipe_cache_name(&name, want, "c"), CR_OK);
	assert_int_equal(
		sh("printf 'bookworm\\n\\ngcc\\nlibc6-dev\\n' | sha256sum | "
		   "cut -c1-16 >key"),
		0);
	assert_non_null(f = fopen(path("key"), "r"));
	assert_non_null(fgets(hex, sizeof(hex), f));
	fclose(f);
	hex[16] = '\0';
	{
		char wanted[128];

		snprintf(wanted, sizeof(wanted), "c/root-bookworm-%s.tar", hex);
		assert_string_equal(name, wanted);
	}
	free(name);
	json_object_set_new(want, "suite", json_string("../x"));
	assert_int_equal(cr_root_recipe_cache_name(&name, want, "c"), CR_ERROR);
	json_decref(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_time),
		cmocka_unit_test(test_manifest_roundtrip),
		cmocka_unit_test(test_manifest_malformed),
		cmocka_unit_test(test_owners),
		cmocka_unit_test(test_hash_leaves_devices_out),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_debs_layout),
		cmocka_unit_test(test_installed_and_drift),
		cmocka_unit_test(test_host_record_and_recipe),
	};
	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
