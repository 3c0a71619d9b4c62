/* procedural.c - the offline backend: the words of a prompt steer a painted, deterministic PNG. */
#include "gen.h"
#include "procedural_int.h"

#include <gd.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define PROC_MODEL "procedural-v1"
#define MAX_STEER  96 /* words of a prompt that steer; all of them are hashed */
#define MAX_WORD   32

/* ---- words ---- */

enum { W_ELEM, W_COLOUR, W_MOD, W_STYLE, W_ANIMAL, W_NOT, W_SKIP };

#define E(x) PE_BIT(PE_##x)

/* One steering word: what it adds, and what it takes away when negated. */
struct word {
	const char *w;
	uint8_t kind;
	uint32_t add, core;
};

static const struct word words[] = {
    {"sea", W_ELEM, E(SEA), E(SEA)},
    {"ocean", W_ELEM, E(SEA), E(SEA)},
    {"wave", W_ELEM, E(SEA), E(SEA)},
    {"seascape", W_ELEM, E(SEA), E(SEA)},
    {"coast", W_ELEM, E(SEA), E(SEA)},
    {"shore", W_ELEM, E(SEA) | E(BEACH), E(SEA)},
    {"harbor", W_ELEM, E(SEA) | E(CITY), E(SEA)},
    {"harbour", W_ELEM, E(SEA) | E(CITY), E(SEA)},
    {"bay", W_ELEM, E(SEA), E(SEA)},
    {"lake", W_ELEM, E(SEA), E(SEA)},
    {"river", W_ELEM, E(SEA), E(SEA)},
    {"water", W_ELEM, E(SEA), E(SEA)},
    {"island", W_ELEM, E(SEA) | E(BEACH), E(SEA)},
    {"beach", W_ELEM, E(SEA) | E(BEACH), E(BEACH)},
    {"sand", W_ELEM, E(SEA) | E(BEACH), E(BEACH)},
    {"tropical", W_ELEM, E(SEA) | E(BEACH), E(BEACH)},
    {"mountain", W_ELEM, E(MOUNTAIN), E(MOUNTAIN)},
    {"alps", W_ELEM, E(MOUNTAIN) | E(SNOW), E(MOUNTAIN)},
    {"alpine", W_ELEM, E(MOUNTAIN), E(MOUNTAIN)},
    {"peak", W_ELEM, E(MOUNTAIN), E(MOUNTAIN)},
    {"ridge", W_ELEM, E(MOUNTAIN), E(MOUNTAIN)},
    {"volcano", W_ELEM, E(MOUNTAIN), E(MOUNTAIN)},
    {"hill", W_ELEM, E(HILLS), E(HILLS)},
    {"meadow", W_ELEM, E(HILLS), E(HILLS)},
    {"field", W_ELEM, E(HILLS), E(HILLS)},
    {"countryside", W_ELEM, E(HILLS), E(HILLS)},
    {"valley", W_ELEM, E(HILLS) | E(MOUNTAIN), E(HILLS)},
    {"grass", W_ELEM, E(HILLS), E(HILLS)},
    {"landscape", W_ELEM, E(HILLS), E(HILLS)},
    {"forest", W_ELEM, E(FOREST), E(FOREST)},
    {"wood", W_ELEM, E(FOREST), E(FOREST)},
    {"woodland", W_ELEM, E(FOREST), E(FOREST)},
    {"tree", W_ELEM, E(FOREST), E(FOREST)},
    {"pine", W_ELEM, E(FOREST), E(FOREST)},
    {"jungle", W_ELEM, E(FOREST), E(FOREST)},
    {"city", W_ELEM, E(CITY), E(CITY)},
    {"cities", W_ELEM, E(CITY), E(CITY)},
    {"skyline", W_ELEM, E(CITY), E(CITY)},
    {"town", W_ELEM, E(CITY), E(CITY)},
    {"street", W_ELEM, E(CITY), E(CITY)},
    {"building", W_ELEM, E(CITY), E(CITY)},
    {"skyscraper", W_ELEM, E(CITY), E(CITY)},
    {"urban", W_ELEM, E(CITY), E(CITY)},
    {"metropolis", W_ELEM, E(CITY), E(CITY)},
    {"cyberpunk", W_ELEM, E(CITY) | E(NIGHT), E(CITY)},
    {"desert", W_ELEM, E(DESERT), E(DESERT)},
    {"dune", W_ELEM, E(DESERT), E(DESERT)},
    {"sahara", W_ELEM, E(DESERT), E(DESERT)},
    {"snow", W_ELEM, E(SNOW), E(SNOW)},
    {"snowy", W_ELEM, E(SNOW), E(SNOW)},
    {"winter", W_ELEM, E(SNOW), E(SNOW)},
    {"ice", W_ELEM, E(SNOW), E(SNOW)},
    {"frozen", W_ELEM, E(SNOW), E(SNOW)},
    {"blizzard", W_ELEM, E(SNOW) | E(CLOUDS), E(SNOW)},
    {"abstract", W_ELEM, E(ABSTRACT), E(ABSTRACT)},
    {"geometric", W_ELEM, E(ABSTRACT), E(ABSTRACT)},
    {"geometry", W_ELEM, E(ABSTRACT), E(ABSTRACT)},
    {"shape", W_ELEM, E(ABSTRACT), E(ABSTRACT)},
    {"circle", W_ELEM, E(ABSTRACT), E(ABSTRACT)},
    {"triangle", W_ELEM, E(ABSTRACT), E(ABSTRACT)},
    {"bauhaus", W_ELEM, E(ABSTRACT), E(ABSTRACT)},
    {"pattern", W_ELEM, E(ABSTRACT), E(ABSTRACT)},
    {"space", W_ELEM, E(SPACE) | E(STARS), E(SPACE)},
    {"galaxy", W_ELEM, E(SPACE) | E(STARS), E(SPACE)},
    {"galaxies", W_ELEM, E(SPACE) | E(STARS), E(SPACE)},
    {"nebula", W_ELEM, E(SPACE) | E(STARS), E(SPACE)},
    {"cosmos", W_ELEM, E(SPACE) | E(STARS), E(SPACE)},
    {"cosmic", W_ELEM, E(SPACE) | E(STARS), E(SPACE)},
    {"universe", W_ELEM, E(SPACE) | E(STARS), E(SPACE)},
    {"planet", W_ELEM, E(SPACE) | E(STARS) | E(PLANET), E(PLANET)},
    {"saturn", W_ELEM, E(SPACE) | E(STARS) | E(PLANET), E(PLANET)},
    {"jupiter", W_ELEM, E(SPACE) | E(STARS) | E(PLANET), E(PLANET)},
    {"astronaut", W_ELEM, E(SPACE) | E(STARS) | E(PEOPLE), E(SPACE)},
    {"flower", W_ELEM, E(FLOWER), E(FLOWER)},
    {"rose", W_ELEM, E(FLOWER), E(FLOWER)},
    {"tulip", W_ELEM, E(FLOWER), E(FLOWER)},
    {"daisy", W_ELEM, E(FLOWER), E(FLOWER)},
    {"daisies", W_ELEM, E(FLOWER), E(FLOWER)},
    {"sunflower", W_ELEM, E(FLOWER), E(FLOWER)},
    {"lotus", W_ELEM, E(FLOWER), E(FLOWER)},
    {"bloom", W_ELEM, E(FLOWER), E(FLOWER)},
    {"blossom", W_ELEM, E(FLOWER), E(FLOWER)},
    {"garden", W_ELEM, E(FLOWER), E(FLOWER)},
    {"floral", W_ELEM, E(FLOWER), E(FLOWER)},
    {"petal", W_ELEM, E(FLOWER), E(FLOWER)},
    {"portrait", W_ELEM, E(PORTRAIT), E(PORTRAIT)},
    {"face", W_ELEM, E(PORTRAIT), E(PORTRAIT)},
    {"selfie", W_ELEM, E(PORTRAIT), E(PORTRAIT)},
    {"headshot", W_ELEM, E(PORTRAIT), E(PORTRAIT)},
    {"people", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"person", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"human", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"man", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"men", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"woman", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"women", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"girl", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"boy", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"child", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"children", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"couple", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"crowd", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"figure", W_ELEM, E(PEOPLE), E(PEOPLE) | E(PORTRAIT)},
    {"stars", W_ELEM, E(STARS) | E(NIGHT), E(STARS)},
    {"star", W_ELEM, E(STARS) | E(NIGHT), E(STARS)},
    {"starry", W_ELEM, E(STARS) | E(NIGHT), E(STARS)},
    {"starlight", W_ELEM, E(STARS) | E(NIGHT), E(STARS)},
    {"moon", W_ELEM, E(MOON) | E(NIGHT), E(MOON)},
    {"moonlight", W_ELEM, E(MOON) | E(NIGHT), E(MOON)},
    {"moonlit", W_ELEM, E(MOON) | E(NIGHT), E(MOON)},
    {"lunar", W_ELEM, E(MOON) | E(NIGHT), E(MOON)},
    {"sun", W_ELEM, E(SUN) | E(DAY), E(SUN)},
    {"sunny", W_ELEM, E(SUN) | E(DAY), E(SUN)},
    {"sunshine", W_ELEM, E(SUN) | E(DAY), E(SUN)},
    {"sunlight", W_ELEM, E(SUN) | E(DAY), E(SUN)},
    {"day", W_ELEM, E(DAY), E(DAY)},
    {"daytime", W_ELEM, E(DAY), E(DAY)},
    {"noon", W_ELEM, E(DAY), E(DAY)},
    {"midday", W_ELEM, E(DAY), E(DAY)},
    {"morning", W_ELEM, E(DAY), E(DAY)},
    {"afternoon", W_ELEM, E(DAY), E(DAY)},
    {"summer", W_ELEM, E(DAY) | E(SUN), E(DAY)},
    {"cloud", W_ELEM, E(CLOUDS), E(CLOUDS)},
    {"cloudy", W_ELEM, E(CLOUDS), E(CLOUDS)},
    {"overcast", W_ELEM, E(CLOUDS), E(CLOUDS)},
    {"rain", W_ELEM, E(RAIN) | E(CLOUDS), E(RAIN)},
    {"rainy", W_ELEM, E(RAIN) | E(CLOUDS), E(RAIN)},
    {"storm", W_ELEM, E(RAIN) | E(CLOUDS), E(RAIN)},
    {"stormy", W_ELEM, E(RAIN) | E(CLOUDS), E(RAIN)},
    {"night", W_ELEM, E(NIGHT), E(NIGHT)},
    {"midnight", W_ELEM, E(NIGHT), E(NIGHT)},
    {"nighttime", W_ELEM, E(NIGHT), E(NIGHT)},
    {"sunset", W_ELEM, E(SUNSET) | E(SUN), E(SUNSET)},
    {"sunrise", W_ELEM, E(SUNSET) | E(SUN), E(SUNSET)},
    {"dusk", W_ELEM, E(SUNSET) | E(SUN), E(SUNSET)},
    {"dawn", W_ELEM, E(SUNSET) | E(SUN), E(SUNSET)},
    {"twilight", W_ELEM, E(SUNSET) | E(NIGHT), E(SUNSET)},
    {"evening", W_ELEM, E(SUNSET) | E(SUN), E(SUNSET)},
    {"red", W_COLOUR, PC_RED, 0},
    {"crimson", W_COLOUR, PC_RED, 0},
    {"scarlet", W_COLOUR, PC_RED, 0},
    {"ruby", W_COLOUR, PC_RED, 0},
    {"orange", W_COLOUR, PC_ORANGE, 0},
    {"amber", W_COLOUR, PC_ORANGE, 0},
    {"autumn", W_COLOUR, PC_ORANGE, 0},
    {"gold", W_COLOUR, PC_GOLD, 0},
    {"golden", W_COLOUR, PC_GOLD, 0},
    {"yellow", W_COLOUR, PC_YELLOW, 0},
    {"lemon", W_COLOUR, PC_YELLOW, 0},
    {"green", W_COLOUR, PC_GREEN, 0},
    {"emerald", W_COLOUR, PC_GREEN, 0},
    {"lime", W_COLOUR, PC_GREEN, 0},
    {"olive", W_COLOUR, PC_GREEN, 0},
    {"teal", W_COLOUR, PC_TEAL, 0},
    {"turquoise", W_COLOUR, PC_TEAL, 0},
    {"cyan", W_COLOUR, PC_CYAN, 0},
    {"aqua", W_COLOUR, PC_CYAN, 0},
    {"blue", W_COLOUR, PC_BLUE, 0},
    {"azure", W_COLOUR, PC_BLUE, 0},
    {"sapphire", W_COLOUR, PC_BLUE, 0},
    {"navy", W_COLOUR, PC_NAVY, 0},
    {"indigo", W_COLOUR, PC_NAVY, 0},
    {"purple", W_COLOUR, PC_PURPLE, 0},
    {"violet", W_COLOUR, PC_PURPLE, 0},
    {"lavender", W_COLOUR, PC_LAVENDER, 0},
    {"lilac", W_COLOUR, PC_LAVENDER, 0},
    {"pink", W_COLOUR, PC_PINK, 0},
    {"magenta", W_COLOUR, PC_MAGENTA, 0},
    {"fuchsia", W_COLOUR, PC_MAGENTA, 0},
    {"brown", W_COLOUR, PC_BROWN, 0},
    {"black", W_COLOUR, PC_BLACK, 0},
    {"white", W_COLOUR, PC_WHITE, 0},
    {"grey", W_COLOUR, PC_GREY, 0},
    {"gray", W_COLOUR, PC_GREY, 0},
    {"silver", W_COLOUR, PC_GREY, 0},
    {"pastel", W_MOD, PM_PASTEL, 0},
    {"neon", W_MOD, PM_NEON, 0},
    {"sepia", W_MOD, PM_SEPIA, 0},
    {"vintage", W_MOD, PM_SEPIA, 0},
    {"monochrome", W_MOD, PM_MONO, 0},
    {"grayscale", W_MOD, PM_MONO, 0},
    {"greyscale", W_MOD, PM_MONO, 0},
    {"noir", W_MOD, PM_MONO | PM_DARK, 0},
    {"warm", W_MOD, PM_WARM, 0},
    {"cozy", W_MOD, PM_WARM, 0},
    {"cool", W_MOD, PM_COOL, 0},
    {"cold", W_MOD, PM_COOL, 0},
    {"icy", W_MOD, PM_COOL, 0},
    {"dark", W_MOD, PM_DARK, 0},
    {"moody", W_MOD, PM_DARK, 0},
    {"gloomy", W_MOD, PM_DARK | PM_MUTED, 0},
    {"bright", W_MOD, PM_BRIGHT, 0},
    {"vivid", W_MOD, PM_BRIGHT, 0},
    {"vibrant", W_MOD, PM_BRIGHT, 0},
    {"colorful", W_MOD, PM_BRIGHT, 0},
    {"colourful", W_MOD, PM_BRIGHT, 0},
    {"muted", W_MOD, PM_MUTED, 0},
    {"faded", W_MOD, PM_MUTED, 0},
    {"watercolor", W_STYLE, PS_WATERCOLOR, 0},
    {"watercolour", W_STYLE, PS_WATERCOLOR, 0},
    {"aquarelle", W_STYLE, PS_WATERCOLOR, 0},
    {"pixel", W_STYLE, PS_PIXEL, 0},
    {"pixelated", W_STYLE, PS_PIXEL, 0},
    {"pixelart", W_STYLE, PS_PIXEL, 0},
    {"8-bit", W_STYLE, PS_PIXEL, 0},
    {"8bit", W_STYLE, PS_PIXEL, 0},
    {"16-bit", W_STYLE, PS_PIXEL, 0},
    {"oil", W_STYLE, PS_OIL, 0},
    {"painting", W_STYLE, PS_OIL, 0},
    {"painted", W_STYLE, PS_OIL, 0},
    {"impasto", W_STYLE, PS_OIL, 0},
    {"acrylic", W_STYLE, PS_OIL, 0},
    {"minimal", W_STYLE, PS_MINIMAL, 0},
    {"minimalist", W_STYLE, PS_MINIMAL, 0},
    {"minimalism", W_STYLE, PS_MINIMAL, 0},
    {"flat", W_STYLE, PS_MINIMAL, 0},
    {"vaporwave", W_STYLE, PS_VAPOR, 0},
    {"synthwave", W_STYLE, PS_VAPOR, 0},
    {"retrowave", W_STYLE, PS_VAPOR, 0},
    {"outrun", W_STYLE, PS_VAPOR, 0},
    {"sketch", W_STYLE, PS_SKETCH, 0},
    {"pencil", W_STYLE, PS_SKETCH, 0},
    {"drawing", W_STYLE, PS_SKETCH, 0},
    {"charcoal", W_STYLE, PS_SKETCH, 0},
    {"graphite", W_STYLE, PS_SKETCH, 0},
    {"cat", W_ANIMAL, PA_CAT, 0},
    {"kitten", W_ANIMAL, PA_CAT, 0},
    {"kitty", W_ANIMAL, PA_CAT, 0},
    {"animal", W_ANIMAL, PA_CAT, 0},
    {"pet", W_ANIMAL, PA_CAT, 0},
    {"dog", W_ANIMAL, PA_DOG, 0},
    {"puppy", W_ANIMAL, PA_DOG, 0},
    {"puppies", W_ANIMAL, PA_DOG, 0},
    {"wolf", W_ANIMAL, PA_DOG, 0},
    {"wolves", W_ANIMAL, PA_DOG, 0},
    {"fox", W_ANIMAL, PA_DOG, 0},
    {"foxes", W_ANIMAL, PA_DOG, 0},
    {"bird", W_ANIMAL, PA_BIRD, 0},
    {"owl", W_ANIMAL, PA_BIRD, 0},
    {"crow", W_ANIMAL, PA_BIRD, 0},
    {"raven", W_ANIMAL, PA_BIRD, 0},
    {"parrot", W_ANIMAL, PA_BIRD, 0},
    {"sparrow", W_ANIMAL, PA_BIRD, 0},
    {"no", W_NOT, 0, 0},
    {"not", W_NOT, 0, 0},
    {"without", W_NOT, 0, 0},
    {"never", W_NOT, 0, 0},
    {"except", W_NOT, 0, 0},
    {"a", W_SKIP, 0, 0},
    {"an", W_SKIP, 0, 0},
    {"the", W_SKIP, 0, 0},
    {"any", W_SKIP, 0, 0},
    {"more", W_SKIP, 0, 0},
};

/* What a text asks for. */
struct wants {
	uint32_t elems;	  /* added elements */
	uint32_t core;	  /* elements named (for negation) */
	uint32_t colours; /* bit per colour, for negation */
	uint8_t order[4]; /* colours in the order they were named */
	int ncolours;
	int mods, styles, animal; /* animal -1 when none */
};

static const struct word *lookup(const char *w, size_t n)
{
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (strlen(words[i].w) == n && memcmp(words[i].w, w, n) == 0)
			return &words[i];
	return NULL;
}

/* Exact word, else without a plural "s"/"es". */
static const struct word *find(const char *w, size_t n)
{
	const struct word *k = lookup(w, n);
	if (!k && n > 3 && w[n - 1] == 's')
		k = lookup(w, n - 1);
	if (!k && n > 4 && w[n - 1] == 's' && w[n - 2] == 'e')
		k = lookup(w, n - 2);
	return k;
}

static void want(struct wants *t, const struct word *k)
{
	switch (k->kind) {
	case W_ELEM:
		t->elems |= k->add;
		t->core |= k->core;
		break;
	case W_COLOUR:
		if (!(t->colours & (1u << k->add)) && t->ncolours < 4)
			t->order[t->ncolours++] = (uint8_t)k->add;
		t->colours |= 1u << k->add;
		break;
	case W_MOD:
		t->mods |= (int)k->add;
		break;
	case W_STYLE:
		t->styles |= (int)k->add;
		break;
	case W_ANIMAL:
		t->elems |= E(ANIMAL);
		t->core |= E(ANIMAL);
		if (t->animal < 0)
			t->animal = (int)k->add;
		break;
	}
}

static int word_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '\'' || ch >= 0x80;
}

/* Read the words of s into pos (and "no X" into neg). When norm is given, the
 * lower-cased words are appended to it, one space apart (norm has room for
 * strlen(s) + 1 more bytes). */
static void parse(const char *s, struct wants *pos, struct wants *neg, char *norm)
{
	int steer = 0, negate = 0;
	while (s && *s) {
		while (*s && !word_char((unsigned char)*s))
			s++;
		const char *b = s;
		while (*s && word_char((unsigned char)*s))
			s++;
		if (b == s)
			break;
		while (b < s && (*b == '-' || *b == '\''))
			b++;
		const char *e = s;
		while (e > b && (e[-1] == '-' || e[-1] == '\''))
			e--;
		size_t n = (size_t)(e - b);
		if (n == 0)
			continue;
		char w[MAX_WORD];
		size_t m = n < sizeof(w) ? n : sizeof(w) - 1;
		for (size_t i = 0; i < m; i++)
			w[i] = (b[i] >= 'A' && b[i] <= 'Z') ? (char)(b[i] - 'A' + 'a') : b[i];
		if (norm) {
			size_t l = strlen(norm);
			if (l)
				norm[l++] = ' ';
			for (size_t i = 0; i < n; i++)
				norm[l + i] =
				    (b[i] >= 'A' && b[i] <= 'Z') ? (char)(b[i] - 'A' + 'a') : b[i];
			norm[l + n] = 0;
		}
		if (++steer > MAX_STEER || n >= sizeof(w))
			continue;
		const struct word *k = find(w, m);
		if (!k && memchr(w, '-', m)) { /* "snow-capped": try the parts */
			for (size_t i = 0, j = 0; j <= m; j++)
				if (j == m || w[j] == '-') {
					const struct word *part = j > i ? find(w + i, j - i) : NULL;
					if (part && part->kind < W_NOT)
						want(negate ? neg : pos, part);
					i = j + 1;
				}
			negate = 0;
			continue;
		}
		if (!k) {
			negate = negate > 0 ? negate - 1 : 0;
			continue;
		}
		if (k->kind == W_NOT) {
			negate = 3;
			continue;
		}
		if (k->kind == W_SKIP)
			continue;
		want(negate ? neg : pos, k);
		negate = 0;
	}
}

/* ---- keys ---- */

static uint64_t key_of(const char *tag, const char *norm, uint64_t seed)
{
	unsigned char out[8], le[8];
	crypto_generichash_state st;
	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(seed >> (8 * i));
	crypto_generichash_init(&st, NULL, 0, sizeof(out));
	crypto_generichash_update(&st, (const unsigned char *)tag, strlen(tag) + 1);
	crypto_generichash_update(&st, (const unsigned char *)norm, strlen(norm) + 1);
	crypto_generichash_update(&st, le, sizeof(le));
	crypto_generichash_final(&st, out, sizeof(out));
	uint64_t k = 0;
	for (int i = 0; i < 8; i++)
		k |= (uint64_t)out[i] << (8 * i);
	return k;
}

/* ---- from words to a scene ---- */

#define TIME (E(NIGHT) | E(SUNSET) | E(DAY))
#define LAND                                                                                       \
	(E(SEA) | E(BEACH) | E(MOUNTAIN) | E(HILLS) | E(FOREST) | E(CITY) | E(DESERT) | E(SNOW) |  \
	 E(SPACE) | E(ABSTRACT))

/* Elements nobody asked for: time of day, a composition, the sun, stars, clouds. The
 * random choices come from the layout key only, so a remix makes the same ones. */
static uint32_t defaults(uint32_t e, uint32_t neg, int mods, uint64_t layout)
{
	static const uint32_t pick[] = {E(HILLS),
					E(MOUNTAIN),
					E(SEA),
					E(ABSTRACT),
					E(DESERT),
					E(MOUNTAIN) | E(SEA),
					E(HILLS) | E(FOREST),
					E(MOUNTAIN) | E(FOREST)};
	struct proc_rng r;
	proc_rng_seed(&r, layout, 2);
	int k_time = proc_rng_range(&r, 0, 99), k_pick = proc_rng_range(&r, 0, 7);
	int k_moon = proc_rng_range(&r, 0, 99), k_cloud = proc_rng_range(&r, 0, 99);
	int k_snow = proc_rng_range(&r, 0, 99);
	if (!(e & TIME)) {
		if ((e & E(SPACE)) || (mods & PM_NEON))
			e |= E(NIGHT);
		else
			e |= k_time < 55 ? E(DAY) : (k_time < 85 ? E(SUNSET) : E(NIGHT));
		e &= ~neg;
		if (!(e & TIME))
			e |= !(neg & E(DAY)) ? E(DAY) : (!(neg & E(SUNSET)) ? E(SUNSET) : E(NIGHT));
	}
	if ((e & E(DAY)) && (e & (E(NIGHT) | E(SUNSET))))
		e &= ~E(DAY);
	if (!(e & LAND) && !(e & E(PORTRAIT)) &&
	    !((e & E(FLOWER)) && !(e & (E(ANIMAL) | E(PEOPLE))))) {
		for (int i = 0; i < (int)ARRAY_LEN(pick); i++) {
			uint32_t c = pick[(k_pick + i) % ARRAY_LEN(pick)];
			if ((e & (E(ANIMAL) | E(PEOPLE))) && (c & E(ABSTRACT)))
				continue;
			if (!(c & neg)) {
				e |= c;
				break;
			}
		}
	}
	if ((e & E(SNOW)) && !(e & LAND & ~E(SNOW)))
		e |= E(HILLS) | (k_snow < 50 ? E(MOUNTAIN) : 0);
	if (e & E(PORTRAIT))
		e &= ~E(PEOPLE); /* "a portrait of a woman" is one figure */
	if ((e & (E(ANIMAL) | E(PEOPLE))) && (e & E(SEA)))
		e |= E(BEACH); /* somewhere to stand */
	if (e & E(NIGHT))
		e |= E(STARS) | (k_moon < 75 && !(e & E(SPACE)) ? E(MOON) : 0);
	if ((e & E(SPACE)) && k_moon < 55)
		e |= E(PLANET);
	if (e & (E(DAY) | E(SUNSET)))
		e |= E(SUN);
	if ((e & E(DAY)) && k_cloud < 65 && (e & LAND & ~E(ABSTRACT)))
		e |= E(CLOUDS);
	if ((e & E(SUNSET)) && k_cloud < 40 && (e & LAND & ~E(ABSTRACT)))
		e |= E(CLOUDS);
	e &= ~neg;
	if ((e & E(BEACH)) && !(e & E(SEA)))
		e &= ~E(BEACH);
	return e;
}

static void scene_build(struct proc_scene *sc, const struct wants *cur, const struct wants *par,
			const struct wants *neg)
{
	uint32_t e = cur->elems;
	const struct wants *look = cur;
	sc->styles = cur->styles;
	sc->animal = cur->animal;
	if (par) { /* a remix keeps the parent's scene and takes the new prompt's changes */
		e |= par->elems &
		     ((cur->elems & TIME) ? ~(TIME | E(SUN) | E(MOON) | E(STARS)) : ~0u);
		if (!cur->ncolours && !cur->mods)
			look = par;
		if (!cur->styles)
			sc->styles = par->styles;
		if (sc->animal < 0)
			sc->animal = par->animal;
	}
	int mods = look->mods & ~neg->mods;
	sc->styles &= ~neg->styles;
	sc->animal = sc->animal < 0 ? PA_CAT : sc->animal;
	sc->elems = defaults(e & ~neg->core, neg->core, mods, sc->layout);
	sc->finish = ((mods & PM_SEPIA) ? PF_SEPIA : 0) | ((mods & PM_MONO) ? PF_MONO : 0);
	uint8_t order[4];
	int n = 0;
	for (int i = 0; i < look->ncolours; i++)
		if (!(neg->colours & (1u << look->order[i])))
			order[n++] = look->order[i];
	if ((look->colours & (1u << PC_BLACK)) && (look->colours & (1u << PC_WHITE)))
		sc->finish |= PF_MONO;
	proc_palette(sc, order, n, mods, neg->colours);
}

/* ---- the backend ---- */

static int fail(struct gen_result *res, const char *why, int transient)
{
	str_copy(res->error, why, sizeof(res->error));
	res->transient = transient;
	return -1;
}

static int encode(const struct proc_canvas *c, struct gen_result *res)
{
	gdImagePtr im = gdImageCreateTrueColor(c->w, c->h);
	if (!im)
		return fail(res, "out of memory while making the image", 1);
	for (int y = 0; y < c->h; y++) {
		const uint8_t *p = c->px + (size_t)y * c->w * 3;
		for (int x = 0; x < c->w; x++, p += 3)
			im->tpixels[y][x] = gdTrueColor(p[0], p[1], p[2]);
	}
	int size = 0;
	/* Level 1: the PNG only carries pixels to image_store(), which re-encodes
	 * them at once; level 6 spent two thirds of the time in zlib. */
	void *png = gdImagePngPtrEx(im, &size, 1);
	gdImageDestroy(im);
	if (!png || size <= 0) {
		if (png)
			gdFree(png);
		return fail(res, "could not encode the image as PNG", 1);
	}
	res->data = xmalloc((size_t)size);
	memcpy(res->data, png, (size_t)size);
	res->len = (size_t)size;
	gdFree(png);
	return 0;
}

static int blank(const char *s)
{
	for (; s && *s; s++)
		if (word_char((unsigned char)*s))
			return 0;
	return 1;
}

int gen_procedural(const struct gen_params *p, struct gen_result *res)
{
	if (!res)
		return -1;
	memset(res, 0, sizeof(*res));
	str_copy(res->model, PROC_MODEL, sizeof(res->model));
	if (!p || !p->prompt || blank(p->prompt))
		return fail(res, "the prompt is empty: say what the picture should show", 0);
	size_t plen = strnlen(p->prompt, 4 * GEN_MAX_PROMPT + 1);
	if (plen > 4 * GEN_MAX_PROMPT)
		return fail(res, "the prompt is too long (at most 2000 characters)", 0);
	if (p->width < GEN_MIN_SIDE || p->width > GEN_MAX_SIDE || p->height < GEN_MIN_SIDE ||
	    p->height > GEN_MAX_SIDE)
		return fail(res, "size must be between 256 and 1536 pixels", 0);
	if (sodium_init() < 0)
		return fail(res, "the hash library could not start", 1);

	struct wants cur = {.animal = -1}, neg = {.animal = -1}, par = {.animal = -1};
	char *norm = xcalloc(plen + 2, 1);
	parse(p->prompt, &cur, &neg, norm);
	parse(p->style, &cur, &neg, NULL);
	struct wants unused = {.animal = -1};
	parse(p->negative_prompt, &neg, &unused, NULL);
	struct proc_scene sc = {0};
	sc.detail = key_of("detail", norm, p->seed);
	sc.layout = key_of("layout", norm, p->seed);
	const int remix = p->parent_prompt && !blank(p->parent_prompt);
	if (remix) {
		size_t qlen = strnlen(p->parent_prompt, 4 * GEN_MAX_PROMPT);
		char *pnorm = xcalloc(qlen + 2, 1);
		char *pp = xmalloc(qlen + 1);
		memcpy(pp, p->parent_prompt, qlen);
		pp[qlen] = 0;
		struct wants pneg = {.animal = -1};
		parse(pp, &par, &pneg, pnorm);
		neg.core |= pneg.core & ~cur.core; /* what the parent left out stays out */
		sc.layout = key_of("layout", pnorm, p->parent_seed);
		free(pp);
		free(pnorm);
	}
	free(norm);
	scene_build(&sc, &cur, remix ? &par : NULL, &neg);

	struct proc_canvas c = {.w = p->width, .h = p->height};
	c.px = xmalloc((size_t)c.w * c.h * 3);
	c.cov = xcalloc((size_t)c.w + 2, sizeof(int32_t));
	proc_scene_paint(&sc, &c);
	if (p->parent_image && p->parent_len)
		proc_blend_parent(&c, p->parent_image, p->parent_len);
	proc_finish(&c, &sc);
	int rc = encode(&c, res);
	free(c.px);
	free(c.cov);
	return rc;
}
