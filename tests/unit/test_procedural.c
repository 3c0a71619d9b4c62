/* test_procedural.c - procedural backend: determinism, steering words, remix, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "util.h"

#define SIDE 256

/* ---- helpers ---- */

static struct gen_params params(const char *prompt, uint64_t seed)
{
	struct gen_params p = {.prompt = prompt,
			       .negative_prompt = "",
			       .style = "",
			       .seed = seed,
			       .width = SIDE,
			       .height = SIDE};
	return p;
}

/* Generate, insist on success, return the encoded result. */
static struct gen_result make(const struct gen_params *p)
{
	struct gen_result r;
	int rc = gen_procedural(p, &r);
	if (rc != 0)
		print_message("# gen_procedural failed: %s\n", r.error);
	assert_int_equal(rc, 0);
	assert_non_null(r.data);
	assert_true(r.len > 100);
	assert_string_equal(r.model, "procedural-v1");
	return r;
}

static gdImagePtr decode(const struct gen_result *r)
{
	gdImagePtr im = gdImageCreateFromPngPtr((int)r->len, r->data);
	assert_non_null(im);
	return im;
}

static gdImagePtr picture(const struct gen_params *p)
{
	struct gen_result r = make(p);
	gdImagePtr im = decode(&r);
	gen_result_free(&r);
	return im;
}

static gdImagePtr draw(const char *prompt, const char *neg, const char *style, uint64_t seed)
{
	struct gen_params p = params(prompt, seed);
	p.negative_prompt = neg;
	p.style = style;
	return picture(&p);
}

static int px_r(gdImagePtr im, int x, int y)
{
	return gdTrueColorGetRed(gdImageGetTrueColorPixel(im, x, y));
}

static int px_g(gdImagePtr im, int x, int y)
{
	return gdTrueColorGetGreen(gdImageGetTrueColorPixel(im, x, y));
}

static int px_b(gdImagePtr im, int x, int y)
{
	return gdTrueColorGetBlue(gdImageGetTrueColorPixel(im, x, y));
}

static int px_l(gdImagePtr im, int x, int y)
{
	return (77 * px_r(im, x, y) + 150 * px_g(im, x, y) + 29 * px_b(im, x, y)) >> 8;
}

/* Mean colour of rows [y0, y1). */
struct mean {
	double r, g, b, l;
};

static struct mean mean_rows(gdImagePtr im, int y0, int y1)
{
	struct mean m = {0, 0, 0, 0};
	double n = 0;
	for (int y = y0; y < y1; y++)
		for (int x = 0; x < gdImageSX(im); x++, n++) {
			m.r += px_r(im, x, y);
			m.g += px_g(im, x, y);
			m.b += px_b(im, x, y);
			m.l += px_l(im, x, y);
		}
	m.r /= n;
	m.g /= n;
	m.b /= n;
	m.l /= n;
	return m;
}

static struct mean mean_all(gdImagePtr im)
{
	return mean_rows(im, 0, gdImageSY(im));
}

/* Mean absolute difference of luminance between horizontal neighbours in rows
 * [y0, y1): how busy that part of the picture is. */
static double busyness(gdImagePtr im, int y0, int y1)
{
	double s = 0, n = 0;
	for (int y = y0; y < y1; y++)
		for (int x = 1; x < gdImageSX(im); x++, n++)
			s += abs(px_l(im, x, y) - px_l(im, x - 1, y));
	return s / n;
}

/* Mean absolute difference per channel between two pictures of one size. */
static double distance(gdImagePtr a, gdImagePtr b)
{
	double s = 0;
	for (int y = 0; y < gdImageSY(a); y++)
		for (int x = 0; x < gdImageSX(a); x++)
			s += abs(px_r(a, x, y) - px_r(b, x, y)) +
			     abs(px_g(a, x, y) - px_g(b, x, y)) +
			     abs(px_b(a, x, y) - px_b(b, x, y));
	return s / (3.0 * gdImageSX(a) * gdImageSY(a));
}

/* Pixels in rows [y0, y1) brighter than every neighbour by more than 25: stars. */
static int bright_points(gdImagePtr im, int y0, int y1)
{
	int n = 0;
	for (int y = y0 < 1 ? 1 : y0; y < y1 && y < gdImageSY(im) - 1; y++)
		for (int x = 1; x < gdImageSX(im) - 1; x++) {
			int l = px_l(im, x, y), top = 0;
			for (int dy = -1; dy <= 1; dy++)
				for (int dx = -1; dx <= 1; dx++)
					if ((dx || dy) && px_l(im, x + dx, y + dy) > top)
						top = px_l(im, x + dx, y + dy);
			n += l > top + 25;
		}
	return n;
}

/* ---- determinism and format ---- */

static void same_input_same_bytes(void **state)
{
	struct gen_params p = params("a red sunset over the sea at night with mountains", 42);
	p.negative_prompt = "clouds";
	p.style = "watercolor";
	struct gen_result a = make(&p), b = make(&p);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	gen_result_free(&a);
	gen_result_free(&b);
	/* case, spacing and punctuation do not matter; the words do */
	p.prompt = "  A red   SUNSET over the sea, at night -- with mountains!";
	b = make(&p);
	p.prompt = "a red sunset over the sea at night with mountains";
	a = make(&p);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	gen_result_free(&a);
	gen_result_free(&b);
}

static void different_inputs_differ(void **state)
{
	struct gen_params p = params("a quiet lake", 1);
	gdImagePtr base = picture(&p);
	p.seed = 2;
	gdImagePtr seed2 = picture(&p);
	p.seed = 1;
	p.prompt = "a quiet lake with a boat";
	gdImagePtr other = picture(&p);
	p.prompt = "zorblax quimby";
	gdImagePtr nonsense = picture(&p);
	p.prompt = "zorblax quimbo";
	gdImagePtr nonsense2 = picture(&p);
	print_message("# distance seed %.1f prompt %.1f unknown words %.1f\n",
		      distance(base, seed2), distance(base, other), distance(nonsense, nonsense2));
	assert_true(distance(base, seed2) > 4);
	assert_true(distance(base, other) > 4);
	assert_true(distance(nonsense, nonsense2) > 4); /* unknown words still count */
	gdImageDestroy(base);
	gdImageDestroy(seed2);
	gdImageDestroy(other);
	gdImageDestroy(nonsense);
	gdImageDestroy(nonsense2);
}

static void decodes_at_requested_size(void **state)
{
	static const int sizes[][2] = {{256, 256}, {512, 384}, {264, 1536}, {1536, 256}};
	for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
		struct gen_params p = params("mountains by a lake, a cat and flowers", 9);
		p.width = sizes[i][0];
		p.height = sizes[i][1];
		struct gen_result r = make(&p);
		assert_memory_equal(r.data, "\x89PNG\r\n\x1a\n", 8);
		gdImagePtr im = decode(&r);
		assert_int_equal(gdImageSX(im), p.width);
		assert_int_equal(gdImageSY(im), p.height);
		gdImageDestroy(im);
		gen_result_free(&r);
	}
}

/* ---- words steer the picture ---- */

static void colour_words_move_the_mean(void **state)
{
	static const char *const scenes[] = {"the sea", "a forest", "mountains", "a city", "hello"};
	for (size_t i = 0; i < ARRAY_LEN(scenes); i++)
		for (uint64_t seed = 1; seed <= 3; seed++) {
			char red[64], blue[64], green[64];
			snprintf(red, sizeof(red), "red %s", scenes[i]);
			snprintf(blue, sizeof(blue), "blue %s", scenes[i]);
			snprintf(green, sizeof(green), "green %s", scenes[i]);
			gdImagePtr r = draw(red, "", "", seed), b = draw(blue, "", "", seed);
			gdImagePtr g = draw(green, "", "", seed);
			struct mean mr = mean_all(r), mb = mean_all(b), mg = mean_all(g);
			if (mr.r <= mr.b + 5 || mb.b <= mb.r + 5 || mg.g <= mg.r || mg.g <= mg.b)
				print_message(
				    "# %s seed %d: red R%.0f B%.0f, blue R%.0f B%.0f, green "
				    "R%.0f G%.0f B%.0f\n",
				    scenes[i], (int)seed, mr.r, mr.b, mb.r, mb.b, mg.r, mg.g, mg.b);
			assert_true(mr.r > mr.b + 5);
			assert_true(mb.b > mb.r + 5);
			assert_true(mg.g > mg.r && mg.g > mg.b);
			gdImageDestroy(r);
			gdImageDestroy(b);
			gdImageDestroy(g);
		}
}

static void night_is_darker_than_day(void **state)
{
	static const char *const scenes[] = {"a lake", "a forest", "mountains", "a city",
					     "a desert"};
	for (size_t i = 0; i < ARRAY_LEN(scenes); i++) {
		char night[64], day[64];
		snprintf(night, sizeof(night), "%s at night", scenes[i]);
		snprintf(day, sizeof(day), "%s at noon", scenes[i]);
		gdImagePtr n = draw(night, "", "", 5), d = draw(day, "", "", 5);
		double ln = mean_all(n).l, ld = mean_all(d).l;
		print_message("# %s: night %.0f day %.0f\n", scenes[i], ln, ld);
		assert_true(ln + 50 < ld);
		gdImageDestroy(n);
		gdImageDestroy(d);
	}
}

static void sea_and_forest_differ_in_composition(void **state)
{
	for (uint64_t seed = 1; seed <= 4; seed++) {
		gdImagePtr sea = draw("the sea at noon", "", "", seed);
		gdImagePtr forest = draw("a forest at noon", "", "", seed);
		struct mean ms = mean_rows(sea, SIDE * 3 / 4, SIDE),
			    mf = mean_rows(forest, SIDE / 2, SIDE);
		double bs = busyness(sea, SIDE * 3 / 4, SIDE),
		       bf = busyness(forest, SIDE / 2, SIDE);
		print_message("# seed %d: sea B-G %.0f busy %.1f, forest G-B %.0f busy %.1f\n",
			      (int)seed, ms.b - ms.g, bs, mf.g - mf.b, bf);
		assert_true(ms.b > ms.g && ms.b > ms.r + 30); /* the sea's bottom is blue */
		assert_true(mf.g > mf.b + 10);		      /* the forest's is green */
		assert_true(bf > bs);			      /* and busier (trunks, crowns) */
		gdImageDestroy(sea);
		gdImageDestroy(forest);
	}
}

static void negative_prompt_removes(void **state)
{
	/* an element: the stars */
	gdImagePtr with = draw("a starry night over the sea", "", "", 3);
	gdImagePtr without = draw("a starry night over the sea", "stars", "", 3);
	gdImagePtr said_no = draw("a starry night over the sea, no stars", "", "", 3);
	int sw = bright_points(with, 0, SIDE / 2), so = bright_points(without, 0, SIDE / 2);
	int sn = bright_points(said_no, 0, SIDE / 2);
	print_message("# stars: %d, negative %d, \"no stars\" %d\n", sw, so, sn);
	assert_true(sw > 20);
	assert_true(so * 5 < sw);
	assert_true(sn * 5 < sw);
	gdImageDestroy(with);
	gdImageDestroy(without);
	gdImageDestroy(said_no);
	/* a colour */
	gdImagePtr red = draw("a sunset over the desert", "", "", 4);
	gdImagePtr unred = draw("a sunset over the desert", "red, orange", "", 4);
	struct mean a = mean_all(red), b = mean_all(unred);
	print_message("# R-B sunset %.0f, without red and orange %.0f\n", a.r - a.b, b.r - b.b);
	assert_true(b.r - b.b < a.r - a.b - 10);
	gdImageDestroy(red);
	gdImageDestroy(unred);
	/* a scene: the city's lit windows */
	gdImagePtr city = draw("a city at night", "", "", 6);
	gdImagePtr nocity = draw("a city at night", "city", "", 6);
	double bc = busyness(city, SIDE * 4 / 10, SIDE * 9 / 10);
	double bn = busyness(nocity, SIDE * 4 / 10, SIDE * 9 / 10);
	print_message("# city busyness %.1f, negative city %.1f\n", bc, bn);
	assert_true(bn * 2 < bc);
	gdImageDestroy(city);
	gdImageDestroy(nocity);
}

static void styles_change_the_look(void **state)
{
	gdImagePtr plain = draw("a cat by the sea at sunset", "", "", 8);
	gdImagePtr sketch = draw("a cat by the sea at sunset", "", "pencil sketch", 8);
	gdImagePtr pixel = draw("a cat by the sea at sunset", "", "pixel art", 8);
	gdImagePtr water = draw("a cat by the sea at sunset, watercolor", "", "", 8);
	gdImagePtr oil = draw("a cat by the sea at sunset", "", "oil painting", 8);
	/* pencil: grey */
	double sat = 0;
	for (int y = 0; y < SIDE; y++)
		for (int x = 0; x < SIDE; x++)
			sat += abs(px_r(sketch, x, y) - px_b(sketch, x, y));
	assert_true(sat / (SIDE * SIDE) < 12);
	/* pixel art: blocks of one colour */
	for (int y = 0; y < 3; y++)
		for (int x = 0; x < 3; x++)
			assert_int_equal(gdImageGetTrueColorPixel(pixel, x, y),
					 gdImageGetTrueColorPixel(pixel, 0, 0));
	assert_true(distance(plain, water) > 3);
	assert_true(distance(plain, oil) > 3);
	gdImageDestroy(plain);
	gdImageDestroy(sketch);
	gdImageDestroy(pixel);
	gdImageDestroy(water);
	gdImageDestroy(oil);
}

/* ---- remix ---- */

static void remix_stays_close_to_its_parent(void **state)
{
	struct gen_params pp = params("a red sunset over the sea with mountains", 42);
	struct gen_result parent = make(&pp);
	gdImagePtr pim = decode(&parent);

	struct gen_params c = params("a blue sunset over the sea with mountains", 7);
	gdImagePtr unrelated = picture(&c);
	c.parent_prompt = pp.prompt;
	c.parent_seed = pp.seed;
	gdImagePtr layout_only = picture(&c);
	c.parent_image = parent.data;
	c.parent_len = parent.len;
	struct gen_result rr = make(&c), again = make(&c);
	assert_int_equal(rr.len, again.len); /* remixes are deterministic too */
	assert_memory_equal(rr.data, again.data, rr.len);
	gdImagePtr remix = decode(&rr);

	double du = distance(unrelated, pim), dl = distance(layout_only, pim),
	       dr = distance(remix, pim);
	print_message(
	    "# distance to parent: unrelated %.1f, remix by prompt %.1f, with image %.1f\n", du, dl,
	    dr);
	assert_true(dl < du);
	assert_true(dr < du);
	/* and the edit shows: bluer than the parent */
	struct mean mp = mean_all(pim), mr = mean_all(remix);
	assert_true(mr.b - mr.r > mp.b - mp.r + 10);

	gdImageDestroy(pim);
	gdImageDestroy(unrelated);
	gdImageDestroy(layout_only);
	gdImageDestroy(remix);
	gen_result_free(&parent);
	gen_result_free(&rr);
	gen_result_free(&again);
}

static void remix_survives_bad_parent_images(void **state)
{
	struct gen_params pp = params("mountains", 3);
	struct gen_result parent = make(&pp);
	static const unsigned char junk[] =
	    "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x10\0\0\0\x10\0garbage";
	unsigned char huge[33];
	memcpy(huge, parent.data, sizeof(huge));
	memcpy(huge + 16, "\x7f\xff\xff\xff\x7f\xff\xff\xff", 8); /* claims 2^31 x 2^31 */
	unsigned char jpeg[] = {0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x10, 0x00,
				0x10, 0x03, 0xff, 0xd9, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	struct {
		const unsigned char *d;
		size_t n;
	} cases[] = {{junk, sizeof(junk)},
		     {huge, sizeof(huge)},
		     {parent.data, parent.len / 2},
		     {jpeg, sizeof(jpeg)},
		     {(const unsigned char *)"RIFF\0\0\0\0WEBPVP8 ", 16},
		     {parent.data, 3}};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct gen_params c = params("mountains at night", 4);
		c.parent_prompt = "mountains";
		c.parent_seed = 3;
		c.parent_image = cases[i].d;
		c.parent_len = cases[i].n;
		struct gen_result r = make(&c);
		gen_result_free(&r);
	}
	gen_result_free(&parent);
}

/* ---- bad input ---- */

static void expect_refusal(const struct gen_params *p, const char *words)
{
	struct gen_result r;
	memset(&r, 0x5a, sizeof(r));
	assert_int_equal(gen_procedural(p, &r), -1);
	assert_null(r.data);
	assert_int_equal(r.len, 0);
	assert_int_equal(r.transient, 0);
	if (!strstr(r.error, words))
		print_message("# error was: %s\n", r.error);
	assert_non_null(strstr(r.error, words));
	gen_result_free(&r);
}

static void refuses_bad_sizes_and_prompts(void **state)
{
	static const int bad[][2] = {{255, 512}, {512, 255},  {1537, 512},  {512, 1537},
				     {0, 0},	 {-512, 512}, {512, 100000}};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct gen_params p = params("a lake", 1);
		p.width = bad[i][0];
		p.height = bad[i][1];
		expect_refusal(&p, "size must be between 256 and 1536 pixels");
	}
	static const char *const empty[] = {"", "   ", "!?. ,;"};
	for (size_t i = 0; i < ARRAY_LEN(empty); i++) {
		struct gen_params p = params(empty[i], 1);
		expect_refusal(&p, "prompt is empty");
	}
	struct gen_params p = params(NULL, 1);
	expect_refusal(&p, "prompt is empty");
	char *long_prompt = xmalloc(4 * GEN_MAX_PROMPT + 10);
	memset(long_prompt, 'a', 4 * GEN_MAX_PROMPT + 9);
	long_prompt[4 * GEN_MAX_PROMPT + 9] = 0;
	p = params(long_prompt, 1);
	expect_refusal(&p, "too long");
	free(long_prompt);
	assert_int_equal(gen_procedural(NULL, NULL), -1);
	struct gen_result r;
	assert_int_equal(gen_procedural(NULL, &r), -1);
	assert_int_equal(r.transient, 0);
}

static void odd_but_valid_input(void **state)
{
	/* NULL optional strings, UTF-8, endless negations, a long prompt of words */
	struct gen_params p = params("un chat 🐈 sur la plage — été", 1);
	p.negative_prompt = NULL;
	p.style = NULL;
	struct gen_result r = make(&p);
	gen_result_free(&r);
	size_t n = 0;
	char *s = xmalloc(GEN_MAX_PROMPT + 64);
	while (n + 30 < GEN_MAX_PROMPT) {
		static const char *const w[] = {"no ",	  "not ",    "without ",
						"red ",	  "sea ",    "snow-capped ",
						"8-bit ", "x-x-x- ", "-- "};
		size_t l = strlen(w[n % ARRAY_LEN(w)]);
		memcpy(s + n, w[n % ARRAY_LEN(w)], l);
		n += l;
	}
	s[n] = 0;
	p = params(s, 2);
	p.negative_prompt = "sea sky stars moon sun day night sunset clouds hills mountains desert "
			    "forest city abstract space flower cat people portrait";
	r = make(&p);
	gen_result_free(&r);
	free(s);
	gen_result_free(NULL);
	gen_result_free(&r); /* twice is fine */
	assert_null(r.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(same_input_same_bytes),
	    cmocka_unit_test(different_inputs_differ),
	    cmocka_unit_test(decodes_at_requested_size),
	    cmocka_unit_test(colour_words_move_the_mean),
	    cmocka_unit_test(night_is_darker_than_day),
	    cmocka_unit_test(sea_and_forest_differ_in_composition),
	    cmocka_unit_test(negative_prompt_removes),
	    cmocka_unit_test(styles_change_the_look),
	    cmocka_unit_test(remix_stays_close_to_its_parent),
	    cmocka_unit_test(remix_survives_bad_parent_images),
	    cmocka_unit_test(refuses_bad_sizes_and_prompts),
	    cmocka_unit_test(odd_but_valid_input),
	};
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
