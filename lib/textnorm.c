/* textnorm.c - text folding and word-list matching for the moderation word filter. */
#include "textnorm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>

/* What one code point becomes. */
enum tn_kind {
	TN_IGN,	 /* vanishes without trace (zero-width, combining mark, bad byte) */
	TN_LET,	 /* one or two letters */
	TN_SYM,	 /* a symbol that is a letter only inside a word: @ $ | ! + */
	TN_JOIN, /* punctuation dropped inside a word: . - _ * ... */
	TN_SEP,	 /* a word boundary: spaces, controls, , ; : ? ( ) ... */
};

struct tn_unit {
	char c[2];    /* letters (TN_LET) or the ASCII symbol (TN_SYM) */
	uint8_t n;    /* letters in c */
	uint8_t kind; /* enum tn_kind */
};

/* Latin Extended-A U+0100..U+017F to base letters; 'I' is "ij", 'O' is "oe". */
static const char tn_ext_a[] = "aaaaaa"
			       "cccccccc"
			       "dddd"
			       "eeeeeeeeee"
			       "gggggggg"
			       "hhhh"
			       "iiiiiiiiii"
			       "II"
			       "jj"
			       "kkk"
			       "llllllllll"
			       "nnnnnnnnn"
			       "oooooo"
			       "OO"
			       "rrrrrr"
			       "ssssssss"
			       "tttttt"
			       "uuuuuuuuuuuu"
			       "ww"
			       "yyy"
			       "zzzzzz"
			       "s";
_Static_assert(sizeof(tn_ext_a) == 0x80 + 1, "Latin Extended-A table covers 128 code points");

/* Latin-1 Supplement U+00C0..U+00FF; 'A' is "ae", 'T' is "th", 'S' is "ss",
 * ' ' is a word boundary (multiplication and division signs). */
static const char tn_latin1[] = "aaaaaaAceeeeiiii"
				"dnooooo ouuuuyTS"
				"aaaaaaAceeeeiiii"
				"dnooooo ouuuuyTy";
_Static_assert(sizeof(tn_latin1) == 0x40 + 1, "Latin-1 table covers 64 code points");

/* Cyrillic and Greek letters that look like Latin ones. */
static const struct {
	uint16_t cp;
	char c;
} tn_lookalike[] = {
    {0x0386, 'a'}, {0x0388, 'e'}, {0x038A, 'i'}, {0x038C, 'o'}, {0x0391, 'a'}, {0x0392, 'b'},
    {0x0395, 'e'}, {0x0396, 'z'}, {0x0397, 'h'}, {0x0399, 'i'}, {0x039A, 'k'}, {0x039C, 'm'},
    {0x039D, 'n'}, {0x039F, 'o'}, {0x03A1, 'p'}, {0x03A4, 't'}, {0x03A5, 'y'}, {0x03A7, 'x'},
    {0x03AC, 'a'}, {0x03AD, 'e'}, {0x03AF, 'i'}, {0x03B1, 'a'}, {0x03B5, 'e'}, {0x03B9, 'i'},
    {0x03BA, 'k'}, {0x03BD, 'v'}, {0x03BF, 'o'}, {0x03C1, 'p'}, {0x03C4, 't'}, {0x03C5, 'u'},
    {0x03C7, 'x'}, {0x03CA, 'i'}, {0x03CB, 'u'}, {0x03CC, 'o'}, {0x03CD, 'u'}, {0x0405, 's'},
    {0x0406, 'i'}, {0x0407, 'i'}, {0x0408, 'j'}, {0x0410, 'a'}, {0x0412, 'b'}, {0x0415, 'e'},
    {0x041A, 'k'}, {0x041C, 'm'}, {0x041D, 'h'}, {0x041E, 'o'}, {0x0420, 'p'}, {0x0421, 'c'},
    {0x0422, 't'}, {0x0423, 'y'}, {0x0425, 'x'}, {0x0430, 'a'}, {0x0432, 'b'}, {0x0435, 'e'},
    {0x043A, 'k'}, {0x043C, 'm'}, {0x043D, 'h'}, {0x043E, 'o'}, {0x0440, 'p'}, {0x0441, 'c'},
    {0x0442, 't'}, {0x0443, 'y'}, {0x0445, 'x'}, {0x0450, 'e'}, {0x0451, 'e'}, {0x0455, 's'},
    {0x0456, 'i'}, {0x0457, 'i'}, {0x0458, 'j'}, {0x04BB, 'h'}, {0x0501, 'd'}, {0x051B, 'q'},
    {0x051D, 'w'},
};

/* ASCII look-alike digits 0..9. */
static const char tn_digit[] = "oizeasgtbg";

static void tn_set(struct tn_unit *u, enum tn_kind kind, char c0, char c1)
{
	u->kind = (uint8_t)kind;
	u->c[0] = c0;
	u->c[1] = c1;
	u->n = (uint8_t)(kind == TN_LET ? (c1 ? 2 : 1) : 0);
}

static void tn_ascii(unsigned c, struct tn_unit *u)
{
	if (c >= 'A' && c <= 'Z')
		tn_set(u, TN_LET, (char)(c - 'A' + 'a'), 0);
	else if (c >= 'a' && c <= 'z')
		tn_set(u, TN_LET, (char)c, 0);
	else if (c >= '0' && c <= '9')
		tn_set(u, TN_LET, tn_digit[c - '0'], 0);
	else if (c && strchr("@$|!+", (int)c))
		tn_set(u, TN_SYM, (char)c, 0);
	else if (c && strchr(".-_*'`~^", (int)c))
		tn_set(u, TN_JOIN, 0, 0);
	else
		tn_set(u, TN_SEP, 0, 0);
}

/* Expand the one-letter codes of the Latin tables. */
static void tn_table_letter(char t, struct tn_unit *u)
{
	switch (t) {
	case ' ':
		tn_set(u, TN_SEP, 0, 0);
		break;
	case 'A':
		tn_set(u, TN_LET, 'a', 'e');
		break;
	case 'I':
		tn_set(u, TN_LET, 'i', 'j');
		break;
	case 'O':
		tn_set(u, TN_LET, 'o', 'e');
		break;
	case 'S':
		tn_set(u, TN_LET, 's', 's');
		break;
	case 'T':
		tn_set(u, TN_LET, 't', 'h');
		break;
	default:
		tn_set(u, TN_LET, t, 0);
	}
}

static int tn_is_ignorable(uint32_t cp)
{
	return cp == 0x00AD || (cp >= 0x0300 && cp <= 0x036F) || cp == 0x034F || cp == 0x180E ||
	       (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2060 && cp <= 0x2064) ||
	       (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF;
}

static int tn_is_space(uint32_t cp)
{
	return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 ||
	       (cp >= 0x0080 && cp <= 0x009F);
}

/* Letters from styled alphabets: fullwidth, circled, mathematical. */
static int tn_styled(uint32_t cp, struct tn_unit *u)
{
	if (cp >= 0xFF01 && cp <= 0xFF5E) {
		tn_ascii(cp - 0xFEE0, u);
		return 1;
	}
	if (cp >= 0x24B6 && cp <= 0x24CF) {
		tn_set(u, TN_LET, (char)('a' + (cp - 0x24B6)), 0);
		return 1;
	}
	if (cp >= 0x24D0 && cp <= 0x24E9) {
		tn_set(u, TN_LET, (char)('a' + (cp - 0x24D0)), 0);
		return 1;
	}
	if (cp >= 0x1D400 && cp <= 0x1D6A3) {
		tn_set(u, TN_LET, (char)('a' + (cp - 0x1D400) % 52 % 26), 0);
		return 1;
	}
	if (cp >= 0x1D7CE && cp <= 0x1D7FF) {
		tn_set(u, TN_LET, tn_digit[(cp - 0x1D7CE) % 10], 0);
		return 1;
	}
	return 0;
}

static void tn_classify_one(uint32_t cp, struct tn_unit *u)
{
	if (cp < 0x80) {
		tn_ascii(cp, u);
	} else if (tn_is_ignorable(cp)) {
		tn_set(u, TN_IGN, 0, 0);
	} else if (tn_is_space(cp)) {
		tn_set(u, TN_SEP, 0, 0);
	} else if (cp >= 0xC0 && cp <= 0xFF) {
		tn_table_letter(tn_latin1[cp - 0xC0], u);
	} else if (cp >= 0x100 && cp <= 0x17F) {
		tn_table_letter(tn_ext_a[cp - 0x100], u);
	} else if (cp == 0xAA || cp == 0xBA || cp == 0xB5) {
		tn_set(u, TN_LET, cp == 0xAA ? 'a' : cp == 0xBA ? 'o' : 'u', 0);
	} else if (tn_styled(cp, u)) {
		return;
	} else {
		tn_set(u, TN_JOIN, 0, 0); /* other scripts and symbols vanish */
		for (size_t i = 0; i < sizeof(tn_lookalike) / sizeof(tn_lookalike[0]); i++)
			if (tn_lookalike[i].cp == cp)
				tn_set(u, TN_LET, tn_lookalike[i].c, 0);
	}
}

/* A code point the tables above do not know: its Unicode compatibility
 * form, case-folded (libunistring: u32_casefold with NFKD), classified unit
 * by unit, so styled and look-alike letters of any block read as the letters
 * they look like ("ⅽ" U+217D is "c", "ℌ" is "h", "ﬁ" is "fi", "ạ" is "a").
 * Symbols keep vanishing (a "™" after a word is no "tm"). Units cost their
 * letters (a separator or symbol one), `room` in all (room = the bytes of
 * the code point, so the output never outgrows the input). Returns the
 * units written to u. */
static size_t tn_compat(uint32_t cp, size_t room, struct tn_unit *u)
{
	if (uc_is_general_category(cp, UC_CATEGORY_S))
		return 0;
	uint32_t buf[32];
	size_t n = sizeof(buf) / sizeof(buf[0]);
	uint32_t *r = u32_casefold(&cp, 1, NULL, UNINORM_NFKD, buf, &n);
	if (!r)
		return 0;
	size_t k = 0, used = 0;
	for (size_t i = 0; i < n && used < room; i++) {
		struct tn_unit t;
		if (r[i] == cp) /* no other form: nothing to read */
			continue;
		tn_classify_one(r[i], &t);
		size_t cost = t.n ? t.n : 1;
		if (t.kind == TN_IGN || t.kind == TN_JOIN || used + cost > room)
			continue;
		used += cost;
		u[k++] = t;
	}
	if (r != buf)
		free(r);
	return k;
}

/* Classify code point cp of `bytes` bytes into u (room for `bytes` units);
 * returns the units that count (ignorable ones left out). */
static size_t tn_classify(uint32_t cp, size_t bytes, struct tn_unit *u)
{
	tn_classify_one(cp, u);
	if (u->kind == TN_JOIN && cp >= 0x80)
		return tn_compat(cp, bytes, u);
	return u->kind != TN_IGN;
}

/* Decode one UTF-8 sequence at s[0..n) (n >= 1). Returns the bytes used and
 * the code point in *cp, or 1 with *cp = UINT32_MAX for an invalid byte. */
static size_t tn_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	size_t need;
	uint32_t v, min;
	*cp = UINT32_MAX;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		need = 1, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3, v = c & 0x07, min = 0x10000;
	} else {
		return 1;
	}
	if (n <= need)
		return 1;
	for (size_t i = 1; i <= need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 1;
		v = v << 6 | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 1;
	*cp = v;
	return need + 1;
}

/* Decode and classify text into units (ignorable ones left out). */
static size_t tn_units(const char *text, size_t len, struct tn_unit *units)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n = 0;
	while (i < len) {
		uint32_t cp;
		size_t b = tn_utf8(s + i, len - i, &cp);
		i += b;
		if (cp == UINT32_MAX)
			continue;
		n += tn_classify(cp, b, &units[n]);
	}
	return n;
}

/* A word of the first pass: letters at out[start .. start+len). */
struct tn_word {
	size_t start, len;
};

/* Append the letters of one word (units u[0..n), no TN_SEP) to out at *pos,
 * collapsing repeated letters. Returns the number of letters written. */
static size_t tn_emit_word(const struct tn_unit *u, size_t n, char *out, size_t *pos)
{
	size_t has_let = 0, let_after = 0, money = 0, start = *pos;
	for (size_t i = 0; i < n; i++) {
		has_let += u[i].kind == TN_LET;
		money += u[i].kind == TN_SYM && (u[i].c[0] == '@' || u[i].c[0] == '$');
	}
	for (size_t i = 0; i < n; i++) {
		char c[2] = {u[i].c[0], u[i].c[1]};
		size_t k = u[i].n;
		if (u[i].kind == TN_LET)
			let_after++;
		if (u[i].kind == TN_SYM && (has_let || money >= 2)) {
			/* no letter after this symbol; a word of symbols only ("@$$")
			 * takes only its @ and $ as letters */
			int tail = let_after == has_let;
			static const char map[] = "@a$s|i!i+t";
			const char *m = strchr(map, c[0]);
			if (m && !((c[0] == '!' || c[0] == '+' || c[0] == '|') && tail))
				c[0] = m[1], k = 1;
		}
		for (size_t j = 0; j < k; j++)
			if (*pos == start || out[*pos - 1] != c[j])
				out[(*pos)++] = c[j];
	}
	return *pos - start;
}

/* First pass: the words of the text, letters only, in out (no spaces). */
static size_t tn_split(const struct tn_unit *u, size_t n, char *out, struct tn_word *words)
{
	size_t pos = 0, nw = 0, i = 0;
	while (i < n) {
		if (u[i].kind == TN_SEP) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && u[j].kind != TN_SEP)
			j++;
		size_t start = pos, wl = tn_emit_word(u + i, j - i, out, &pos);
		if (wl) {
			words[nw].start = start;
			words[nw++].len = wl;
		}
		i = j;
	}
	return nw;
}

/* Second pass: join words with single spaces, runs of single letters
 * concatenated (and collapsed again). */
static size_t tn_join(const char *letters, const struct tn_word *w, size_t nw, char *out)
{
	size_t pos = 0, i = 0;
	while (i < nw) {
		size_t j = i;
		while (j < nw && w[j].len == 1)
			j++;
		if (j - i < TEXTNORM_MIN_SPACED_RUN)
			j = i + 1;
		if (pos)
			out[pos++] = ' ';
		size_t start = pos;
		for (size_t k = i; k < j; k++)
			for (size_t m = 0; m < w[k].len; m++) {
				char c = letters[w[k].start + m];
				if (pos == start || out[pos - 1] != c)
					out[pos++] = c;
			}
		i = j;
	}
	out[pos] = '\0';
	return pos;
}

char *textnorm_fold(struct arena *a, const char *utf8, size_t len)
{
	if (!utf8)
		len = 0;
	if (len > TEXTNORM_MAX_INPUT)
		len = TEXTNORM_MAX_INPUT;
	struct tn_unit *units = arena_alloc(a, (len + 1) * sizeof(*units));
	size_t n = tn_units(utf8, len, units);
	/* Each unit yields at most two letters from at least two bytes (one
	 * letter per ASCII byte), so len bytes bound the letters. */
	char *letters = arena_alloc(a, len + 1);
	struct tn_word *words = arena_alloc(a, (len / 2 + 1) * sizeof(*words));
	size_t nw = tn_split(units, n, letters, words);
	char *out = arena_alloc(a, len + 1);
	tn_join(letters, words, nw, out);
	return out;
}

/* ---- word lists ---- */

struct tn_entry {
	const char *folded;
	size_t len;
	const char *orig;
	int listed; /* as written in the list, not one of its forms */
};

/* Forms added per entry by textnorm_list_parse_forms: +s, +es, y -> ies. */
#define TN_FORMS 3

#define TN_MAX_PHRASE_WORDS (TEXTNORM_ENTRY_MAX + 1)

struct textnorm_list {
	struct tn_entry *entries;
	size_t n;	 /* entries, forms included */
	size_t listed;	 /* entries as listed */
	uint32_t *slots; /* entry index + 1; 0 is empty */
	size_t mask;
	size_t max_words;
	unsigned char has_words[TN_MAX_PHRASE_WORDS + 1];
};

static uint64_t tn_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static const struct tn_entry *tn_lookup(const struct textnorm_list *l, const char *s, size_t n)
{
	for (size_t i = tn_hash(s, n) & l->mask;; i = (i + 1) & l->mask) {
		uint32_t e = l->slots[i];
		if (!e)
			return NULL;
		const struct tn_entry *x = &l->entries[e - 1];
		if (x->len == n && !memcmp(x->folded, s, n))
			return x;
	}
}

static void tn_insert(struct textnorm_list *l, const struct tn_entry *e)
{
	struct tn_entry *had = (struct tn_entry *)tn_lookup(l, e->folded, e->len);
	if (had) {
		/* a listed entry that was only a form so far counts from now */
		if (e->listed && !had->listed) {
			had->listed = 1;
			had->orig = e->orig;
			l->listed++;
		}
		return;
	}
	l->listed += e->listed != 0;
	size_t i = tn_hash(e->folded, e->len) & l->mask;
	while (l->slots[i])
		i = (i + 1) & l->mask;
	l->entries[l->n] = *e;
	l->slots[i] = (uint32_t)++l->n;
	size_t words = 1;
	for (size_t k = 0; k < e->len; k++)
		words += e->folded[k] == ' ';
	if (words > TN_MAX_PHRASE_WORDS) /* cannot happen: entries are short */
		words = TN_MAX_PHRASE_WORDS;
	l->has_words[words] = 1;
	if (words > l->max_words)
		l->max_words = words;
}

static size_t tn_count_lines(const char *text)
{
	size_t n = 1;
	for (const char *p = text; *p; p++)
		n += *p == '\n';
	return n;
}

static size_t tn_codepoints(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

static int tn_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Add the common inflections of entry e's last word as forms of it: the
 * plural or possessive ("casinos", "casino's" and "casinos'" all fold to
 * "casinos"), "+es" ("boxes") and "y" -> "ies" ("parties"). Each is folded
 * again, so repeated letters collapse as in any text ("bus" -> "buses"). */
static void tn_add_forms(struct arena *a, struct textnorm_list *l, const struct tn_entry *e)
{
	static const char *const ends[TN_FORMS] = {"s", "es", "ies"};
	for (size_t i = 0; i < TN_FORMS; i++) {
		size_t keep = e->len;
		if (i == 2 &&
		    (e->len < 2 || e->folded[e->len - 1] != 'y' || e->folded[e->len - 2] == ' '))
			continue;
		if (i == 2)
			keep--;
		char *w = arena_printf(a, "%.*s%s", (int)keep, e->folded, ends[i]);
		struct tn_entry f = {.orig = e->orig, .listed = 0};
		f.folded = textnorm_fold(a, w, strlen(w));
		f.len = strlen(f.folded);
		tn_insert(l, &f);
	}
}

/* Parse one trimmed line; returns an error message or NULL. */
static const char *tn_parse_line(struct arena *a, struct textnorm_list *l, const char *s, size_t n,
				 size_t lineno, int forms)
{
	if (n == 0 || s[0] == '#')
		return NULL;
	if (tn_codepoints(s, n) > TEXTNORM_ENTRY_MAX)
		return arena_printf(a, "line %zu: entry longer than %d characters", lineno,
				    TEXTNORM_ENTRY_MAX);
	struct tn_entry e;
	e.folded = textnorm_fold(a, s, n);
	e.len = strlen(e.folded);
	if (e.len == 0)
		return arena_printf(a, "line %zu: entry has no letters", lineno);
	const struct tn_entry *had = tn_lookup(l, e.folded, e.len);
	if (l->listed >= TEXTNORM_LIST_MAX && !(had && had->listed))
		return arena_printf(a, "line %zu: more than %d entries", lineno, TEXTNORM_LIST_MAX);
	e.orig = arena_strndup(a, s, n);
	e.listed = 1;
	tn_insert(l, &e);
	if (forms)
		tn_add_forms(a, l, &e);
	return NULL;
}

static struct textnorm_list *tn_list_parse(struct arena *a, const char *text, const char **reason,
					   int forms)
{
	const char *err = NULL;
	if (!text)
		text = "";
	size_t total = strnlen(text, TEXTNORM_LIST_MAX_TEXT + 1);
	if (total > TEXTNORM_LIST_MAX_TEXT) {
		err = arena_printf(a, "word list longer than %d bytes", TEXTNORM_LIST_MAX_TEXT);
		goto fail;
	}
	struct textnorm_list *l = arena_zalloc(a, sizeof(*l));
	size_t lines = tn_count_lines(text), cap = 16;
	if (lines > TEXTNORM_LIST_MAX)
		lines = TEXTNORM_LIST_MAX;
	size_t room = lines * (forms ? 1 + TN_FORMS : 1);
	while (cap < 2 * room)
		cap *= 2;
	l->entries = arena_alloc(a, room * sizeof(*l->entries));
	l->slots = arena_zalloc(a, cap * sizeof(*l->slots));
	l->mask = cap - 1;
	const char *p = text;
	for (size_t lineno = 1; *p; lineno++) {
		const char *end = strchr(p, '\n'), *s = p, *e;
		if (!end)
			end = p + strlen(p);
		e = end;
		while (s < e && tn_blank(*s))
			s++;
		while (e > s && tn_blank(e[-1]))
			e--;
		err = tn_parse_line(a, l, s, (size_t)(e - s), lineno, forms);
		if (err)
			goto fail;
		p = *end ? end + 1 : end;
	}
	return l;
fail:
	if (reason)
		*reason = err;
	return NULL;
}

struct textnorm_list *textnorm_list_parse(struct arena *a, const char *text, const char **reason)
{
	return tn_list_parse(a, text, reason, 0);
}

struct textnorm_list *textnorm_list_parse_forms(struct arena *a, const char *text,
						const char **reason)
{
	return tn_list_parse(a, text, reason, 1);
}

size_t textnorm_list_count(const struct textnorm_list *l)
{
	return l ? l->listed : 0;
}

const char *textnorm_match(const struct textnorm_list *l, const char *folded)
{
	if (!l || !folded || l->n == 0)
		return NULL;
	const char *p = folded;
	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			return NULL;
		const char *end = p;
		for (size_t k = 1; k <= l->max_words; k++) {
			while (*end && *end != ' ')
				end++;
			if (l->has_words[k]) {
				const struct tn_entry *e = tn_lookup(l, p, (size_t)(end - p));
				if (e)
					return e->orig;
			}
			if (!*end)
				break;
			end++;
		}
		while (*p && *p != ' ')
			p++;
	}
}
