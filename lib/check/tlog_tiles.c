/*
 * Transparency logs as static files: reading the tiles of a log directory
 * and auditing a whole log against its checkpoint.
 */
#include "tlog.h"
#include "error.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#define HASH CR_MERKLE_HASH_LEN
#define TILE_BYTES (CR_TLOG_TILE_WIDTH * HASH)
#define BUNDLE_MAX (CR_TLOG_TILE_WIDTH * (2 + CR_TLOG_ENTRY_MAX))
#define CACHE_SLOTS 64u

int
cr_tlog_tile_path(char *out, size_t outlen, int level, uint64_t n,
		  unsigned width)
{
	char digits[32], *p;
	uint64_t groups[8];
	size_t ng = 0, i, used;
	int k;

	do {
		groups[ng++] = n % 1000;
		n /= 1000;
	} while (n > 0);
	if (level < 0)
		k = snprintf(out, outlen, "tile/entries/");
	else
		k = snprintf(out, outlen, "tile/%d/", level);
	if (k < 0 || (size_t)k >= outlen)
		return cr_error_set("tile path too long");
	used = (size_t)k;
	p = digits;
	for (i = ng; i-- > 0;)
		p += sprintf(p, "%s%03u%s", i > 0 ? "x" : "",
			     (unsigned)groups[i], i > 0 ? "/" : "");
	if (width > 0 && width < CR_TLOG_TILE_WIDTH)
		k = snprintf(out + used, outlen - used, "%s.p/%u", digits,
			     width);
	else
		k = snprintf(out + used, outlen - used, "%s", digits);
	if (k < 0 || (size_t)k >= outlen - used)
		return cr_error_set("tile path too long");
	return CR_OK;
}

struct slot {
	int used;
	int level;
	uint64_t n;
	unsigned width;
	unsigned char *data;
	size_t len;
};

/* Interior nodes computed from tiles, remembered across proofs. */
#define MEMO_SLOTS 8192u

struct memo {
	uint64_t index;
	unsigned height; /* 0: empty (height-0 nodes are read, not memoised) */
	unsigned char hash[CR_MERKLE_HASH_LEN];
};

struct cr_tlog_tiles {
	char *dir;
	uint64_t size;
	struct slot cache[CACHE_SLOTS];
	struct memo *memo;
};

int
cr_tlog_tiles_open(struct cr_tlog_tiles **out, const char *dir, uint64_t size)
{
	struct cr_tlog_tiles *t;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->memo = calloc(MEMO_SLOTS, sizeof(*t->memo))) == NULL ||
	    (t->dir = strdup(dir)) == NULL) {
		if (t != NULL)
			free(t->memo);
		free(t);
		return cr_error_set("%s: out of memory", dir);
	}
	t->size = size;
	*out = t;
	return CR_OK;
}

void
cr_tlog_tiles_free(struct cr_tlog_tiles *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < CACHE_SLOTS; i++)
		free(t->cache[i].data);
	free(t->memo);
	free(t->dir);
	free(t);
}

/* Length of the first `count` entries of a bundle, or 0 if malformed. */
static size_t
bundle_prefix(const unsigned char *b, size_t len, unsigned count)
{
	size_t off = 0, el;
	unsigned i;

	for (i = 0; i < count; i++) {
		if (len - off < 2)
			return 0;
		el = (size_t)b[off] << 8 | b[off + 1];
		if (len - off - 2 < el)
			return 0;
		off += 2 + el;
	}
	return off == 0 ? 0 : off;
}

/* Reads the file of tile n at level with the given width into slot s. */
static int
load_tile(struct cr_tlog_tiles *t, struct slot *s, int level, uint64_t n,
	  unsigned width)
{
	char rel[128], *path = NULL;
	char *buf = NULL;
	size_t len = 0, want;
	struct stat st;
	int full = width == CR_TLOG_TILE_WIDTH, err = CR_ERROR;

	if ((err = cr_tlog_tile_path(rel, sizeof(rel), level, n, width)) < 0)
		return err;
	if (asprintf(&path, "%s/%s", t->dir, rel) < 0)
		return cr_error_set("%s: out of memory", t->dir);
	/* A partial tile may be gone once the full one exists. */
	if (!full && stat(path, &st) < 0 && errno == ENOENT) {
		free(path);
		if ((err = cr_tlog_tile_path(rel, sizeof(rel), level, n,
					     CR_TLOG_TILE_WIDTH)) < 0)
			return err;
		if (asprintf(&path, "%s/%s", t->dir, rel) < 0)
			return cr_error_set("%s: out of memory", t->dir);
		full = 1;
	}
	err = cr_read_file(&buf, &len, path,
			   level < 0 ? BUNDLE_MAX : TILE_BYTES);
	if (err < 0)
		goto done;
	if (level >= 0) {
		want = (size_t)width * HASH;
		if (full ? len != TILE_BYTES : len != want) {
			err = cr_error_set(
				"%s: a tile of %u hashes must hold "
				"%zu bytes, not %zu",
				path, full ? CR_TLOG_TILE_WIDTH : width,
				full ? (size_t)TILE_BYTES : want, len);
			goto done;
		}
	} else {
		want = bundle_prefix((unsigned char *)buf, len, width);
		if (want == 0 || (!full && want != len) ||
		    (full && bundle_prefix((unsigned char *)buf, len,
					   CR_TLOG_TILE_WIDTH) != len)) {
			err = cr_error_set("%s: malformed entry bundle (want "
					   "%u entries)",
					   path,
					   full ? CR_TLOG_TILE_WIDTH : width);
			goto done;
		}
	}
	free(s->data);
	s->used = 1;
	s->level = level;
	s->n = n;
	s->width = width;
	s->data = (unsigned char *)buf;
	s->len = want;
	buf = NULL;
	err = CR_OK;
done:
	free(buf);
	free(path);
	return err;
}

int
cr_tlog_tiles_read(struct cr_tlog_tiles *t, const unsigned char **buf,
		   size_t *buflen, unsigned *width, int level, uint64_t n)
{
	uint64_t count;
	unsigned w;
	struct slot *s;
	int err;

	if (level >= (int)CR_TLOG_MAX_LEVELS)
		return cr_error_set("%s: tile level %d out of range", t->dir,
				    level);
	count = level < 0 ? t->size : t->size >> (8 * level);
	if (n >= (count + CR_TLOG_TILE_WIDTH - 1) / CR_TLOG_TILE_WIDTH)
		return cr_error_set("%s: tile %d/%llu is beyond tree size "
				    "%llu",
				    t->dir, level, (unsigned long long)n,
				    (unsigned long long)t->size);
	w = (n + 1) * CR_TLOG_TILE_WIDTH <= count
		    ? CR_TLOG_TILE_WIDTH
		    : (unsigned)(count - n * CR_TLOG_TILE_WIDTH);
	s = &t->cache[((uint64_t)(level + 1) * 7919 + n) % CACHE_SLOTS];
	if (!s->used || s->level != level || s->n != n || s->width != w)
		if ((err = load_tile(t, s, level, n, w)) < 0)
			return err;
	*buf = s->data;
	*buflen = s->len;
	*width = w;
	return CR_OK;
}

int
cr_tlog_tiles_node(void *ctx, unsigned height, uint64_t index,
		   unsigned char out[CR_MERKLE_HASH_LEN])
{
	struct cr_tlog_tiles *t = ctx;
	const unsigned char *buf;
	unsigned char l[HASH], r[HASH];
	size_t len;
	unsigned level = height / CR_TLOG_TILE_HEIGHT, w;
	uint64_t start;
	struct memo *m;
	int err;

	if (level >= CR_TLOG_MAX_LEVELS || (index + 1) > t->size >> height)
		return cr_error_set("%s: node %u/%llu is beyond tree size "
				    "%llu",
				    t->dir, height, (unsigned long long)index,
				    (unsigned long long)t->size);
	if (height % CR_TLOG_TILE_HEIGHT == 0) {
		/* Stored: one hash of a tile. */
		start = index;
		if ((err = cr_tlog_tiles_read(t, &buf, &len, &w, (int)level,
					      start / CR_TLOG_TILE_WIDTH)) < 0)
			return err;
		if (start % CR_TLOG_TILE_WIDTH >= w)
			return cr_error_set("%s: tile too narrow", t->dir);
		memcpy(out, buf + (start % CR_TLOG_TILE_WIDTH) * HASH, HASH);
		return CR_OK;
	}
	/* Between stored levels: hash the two children, remembering it. */
	m = &t->memo[(index * 64 + height) % MEMO_SLOTS];
	if (m->height == height && m->index == index) {
		memcpy(out, m->hash, HASH);
		return CR_OK;
	}
	if ((err = cr_tlog_tiles_node(t, height - 1, 2 * index, l)) < 0 ||
	    (err = cr_tlog_tiles_node(t, height - 1, 2 * index + 1, r)) < 0 ||
	    (err = cr_merkle_node_hash(out, l, r)) < 0)
		return err;
	m->height = height;
	m->index = index;
	memcpy(m->hash, out, HASH);
	return CR_OK;
}

int
cr_tlog_audit(const char *dir, const struct cr_checkpoint *cp)
{
	struct cr_tlog_tiles *t = NULL;
	const unsigned char *b, *up;
	unsigned char *tile = NULL, h[HASH];
	size_t blen, uplen, off;
	uint64_t n, ntiles, count;
	unsigned w, uw, i, level;
	int err;

	if (cp->size == 0) {
		if ((err = cr_sha256_buf(h, "", 0)) < 0)
			return err;
		goto root;
	}
	if ((err = cr_tlog_tiles_open(&t, dir, cp->size)) < 0)
		return err;
	if ((tile = malloc(TILE_BYTES)) == NULL) {
		err = cr_error_set("%s: out of memory", dir);
		goto done;
	}
	ntiles = (cp->size + CR_TLOG_TILE_WIDTH - 1) / CR_TLOG_TILE_WIDTH;
	for (n = 0; n < ntiles; n++) {
		if ((err = cr_tlog_tiles_read(t, &b, &blen, &w, 0, n)) < 0)
			goto done;
		memcpy(tile, b, (size_t)w * HASH);
		if ((err = cr_tlog_tiles_read(t, &b, &blen, &w, -1, n)) < 0)
			goto done;
		for (i = 0, off = 0; i < w; i++) {
			size_t el = (size_t)b[off] << 8 | b[off + 1];

			if ((err = cr_merkle_leaf_hash(h, b + off + 2, el)) < 0)
				goto done;
			if (CRYPTO_memcmp(h, tile + (size_t)i * HASH, HASH)) {
				err = cr_error_fail(
					"%s: entry %llu does not "
					"hash to its tile",
					dir, (unsigned long long)(n * 256 + i));
				goto done;
			}
			off += 2 + el;
		}
	}
	for (level = 0; level + 1 < CR_TLOG_MAX_LEVELS; level++) {
		count = cp->size >> (8 * level);
		if (count < CR_TLOG_TILE_WIDTH)
			break;
		for (n = 0; n < count / CR_TLOG_TILE_WIDTH; n++) {
			if ((err = cr_tlog_tiles_read(t, &b, &blen, &w,
						      (int)level, n)) < 0 ||
			    (err = cr_merkle_root_of(h, b, w)) < 0 ||
			    (err = cr_tlog_tiles_read(t, &up, &uplen, &uw,
						      (int)level + 1,
						      n / 256)) < 0)
				goto done;
			if (CRYPTO_memcmp(h, up + (n % 256) * HASH, HASH)) {
				err = cr_error_fail("%s: tile %u/%llu does "
						    "not hash to its place one "
						    "level up",
						    dir, level,
						    (unsigned long long)n);
				goto done;
			}
		}
	}
	if ((err = cr_merkle_subtree(h, 0, cp->size, cr_tlog_tiles_node, t)) <
	    0)
		goto done;
root:
	err = CRYPTO_memcmp(h, cp->root, HASH) == 0
		      ? CR_OK
		      : cr_error_fail("%s: the tiles' root hash is not the "
				      "checkpoint's",
				      dir);
done:
	free(tile);
	cr_tlog_tiles_free(t);
	return err;
}
