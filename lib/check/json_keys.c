/* Refuses JSON objects whose keys collide under case folding. */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "error.h"
#include "json_keys.h"

struct folded {
	const char *key;
	uint32_t *cp; /* the folded code points */
	size_t n;
};

/* Decodes UTF-8 (jansson has checked it) and folds each code point the
 * way a case-insensitive reader could: lower(upper(c)), so that U+017F
 * (long s) meets 's' and U+212A (Kelvin) meets 'k'. */
static int
fold(struct folded *f, const char *key, locale_t loc)
{
	const unsigned char *s = (const unsigned char *)key;
	size_t len = strlen(key), i = 0;
	uint32_t c;

	f->key = key;
	f->n = 0;
	if ((f->cp = malloc((len + 1) * sizeof(*f->cp))) == NULL)
		return -1;
	while (i < len) {
		if (s[i] < 0x80) {
			c = s[i++];
		} else if ((s[i] & 0xe0) == 0xc0 && i + 1 < len) {
			c = (uint32_t)(s[i] & 0x1f) << 6 | (s[i + 1] & 0x3f);
			i += 2;
		} else if ((s[i] & 0xf0) == 0xe0 && i + 2 < len) {
			c = (uint32_t)(s[i] & 0x0f) << 12 |
			    (uint32_t)(s[i + 1] & 0x3f) << 6 |
			    (s[i + 2] & 0x3f);
			i += 3;
		} else if (i + 3 < len) {
			c = (uint32_t)(s[i] & 0x07) << 18 |
			    (uint32_t)(s[i + 1] & 0x3f) << 12 |
			    (uint32_t)(s[i + 2] & 0x3f) << 6 |
			    (s[i + 3] & 0x3f);
			i += 4;
		} else {
			c = s[i++];
		}
		if (c < 0x80)
			c = (c >= 'A' && c <= 'Z') ? c + 32 : c;
		else if (loc != (locale_t)0)
			c = (uint32_t)towlower_l(towupper_l((wint_t)c, loc),
						 loc);
		f->cp[f->n++] = c;
	}
	return 0;
}

static int
cmp_folded(const void *a, const void *b)
{
	const struct folded *x = a, *y = b;
	size_t i, n = x->n < y->n ? x->n : y->n;

	for (i = 0; i < n; i++)
		if (x->cp[i] != y->cp[i])
			return x->cp[i] < y->cp[i] ? -1 : 1;
	return x->n < y->n ? -1 : x->n > y->n;
}

static int
check(const json_t *j, const char *name, locale_t loc)
{
	struct folded *f = NULL;
	const char *key;
	json_t *v;
	size_t i, n = 0, count;
	int err = CR_OK;

	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
		{
			if ((err = check(v, name, loc)) < 0)
				return err;
		}
		return CR_OK;
	}
	if (!json_is_object(j))
		return CR_OK;
	count = json_object_size(j);
	if (count > 1 && (f = calloc(count, sizeof(*f))) == NULL)
		return cr_error_set("%s: out of memory", name);
	json_object_foreach((json_t *)j, key, v)
	{
		if (count > 1 && fold(&f[n++], key, loc) < 0) {
			err = cr_error_set("%s: out of memory", name);
			goto done;
		}
		if ((err = check(v, name, loc)) < 0)
			goto done;
	}
	if (n > 1) {
		qsort(f, n, sizeof(*f), cmp_folded);
		for (i = 1; i < n; i++)
			if (cmp_folded(&f[i - 1], &f[i]) == 0) {
				err = cr_error_set(
					"%s: keys \"%s\" and \"%s\" differ only "
					"in case; readers that ignore case take "
					"one for the other",
					name, f[i - 1].key, f[i].key);
				goto done;
			}
	}
done:
	for (i = 0; i < n; i++)
		free(f[i].cp);
	free(f);
	return err;
}

int
cr_json_keys_check(const json_t *root, const char *name)
{
	locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	int err = check(root, name, loc);

	if (loc != (locale_t)0)
		freelocale(loc);
	return err;
}
