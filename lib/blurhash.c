/* blurhash.c - the Blurhash placeholder encoding (woltapp/blurhash, C reference rules). */
#include "image.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char b83_digits[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

/* Append value as `digits` base-83 characters at out[*pos]. */
static void b83_put(char *out, size_t *pos, unsigned long value, int digits)
{
	for (int i = digits - 1; i >= 0; i--) {
		out[*pos + (size_t)i] = b83_digits[value % 83];
		value /= 83;
	}
	*pos += (size_t)digits;
}

static double srgb_to_linear(int v)
{
	double x = v / 255.0;
	return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4);
}

static unsigned long linear_to_srgb(double v)
{
	if (v < 0)
		v = 0;
	if (v > 1)
		v = 1;
	if (v <= 0.0031308)
		return (unsigned long)(v * 12.92 * 255 + 0.5);
	return (unsigned long)((1.055 * pow(v, 1 / 2.4) - 0.055) * 255 + 0.5);
}

static double sign_pow(double v, double e)
{
	return v < 0 ? -pow(-v, e) : pow(v, e);
}

/* factor[c] = (norm / (w*h)) * sum over pixels of basis(i, j) * linear(c). */
static void basis_factor(int i, int j, int width, int height, const uint8_t *rgb, size_t stride,
			 const double *lin, const double *cosx, const double *cosy, double f[3])
{
	double r = 0, g = 0, b = 0;
	for (int y = 0; y < height; y++) {
		const uint8_t *row = rgb + (size_t)y * stride;
		double cy = cosy[(size_t)j * (size_t)height + (size_t)y];
		for (int x = 0; x < width; x++) {
			double basis = cosx[(size_t)i * (size_t)width + (size_t)x] * cy;
			r += basis * lin[row[3 * x]];
			g += basis * lin[row[3 * x + 1]];
			b += basis * lin[row[3 * x + 2]];
		}
	}
	double scale = (i == 0 && j == 0 ? 1.0 : 2.0) / ((double)width * height);
	f[0] = r * scale;
	f[1] = g * scale;
	f[2] = b * scale;
}

static unsigned long quant_ac(double v, double max)
{
	double q = floor(sign_pow(v / max, 0.5) * 9 + 9.5);
	return (unsigned long)(q < 0 ? 0 : q > 18 ? 18 : q);
}

static void put_components(int n, double f[][3], char *out, size_t *pos)
{
	double maxv = 1;
	if (n > 1) {
		double actual = 0;
		for (int k = 1; k < n; k++)
			for (int c = 0; c < 3; c++)
				actual = fmax(actual, fabs(f[k][c]));
		double q = floor(actual * 166 - 0.5);
		unsigned long qmax = (unsigned long)(q < 0 ? 0 : q > 82 ? 82 : q);
		maxv = (double)(qmax + 1) / 166;
		b83_put(out, pos, qmax, 1);
	} else {
		b83_put(out, pos, 0, 1);
	}
	b83_put(out, pos,
		linear_to_srgb(f[0][0]) << 16 | linear_to_srgb(f[0][1]) << 8 |
		    linear_to_srgb(f[0][2]),
		4);
	for (int k = 1; k < n; k++)
		b83_put(out, pos,
			quant_ac(f[k][0], maxv) * 19 * 19 + quant_ac(f[k][1], maxv) * 19 +
			    quant_ac(f[k][2], maxv),
			2);
}

int blurhash_encode(int xc, int yc, int width, int height, const uint8_t *rgb, size_t stride,
		    char *out, size_t outlen)
{
	if (xc < 1 || xc > 9 || yc < 1 || yc > 9 || width < 1 || height < 1 || !rgb || !out ||
	    stride < 3 * (size_t)width || outlen < (size_t)(2 + 4 + 2 * (xc * yc - 1) + 1))
		return -1;

	double lin[256];
	for (int v = 0; v < 256; v++)
		lin[v] = srgb_to_linear(v);
	double *cosx = xmalloc(sizeof(double) * (size_t)xc * (size_t)width);
	double *cosy = xmalloc(sizeof(double) * (size_t)yc * (size_t)height);
	for (int i = 0; i < xc; i++)
		for (int x = 0; x < width; x++)
			cosx[(size_t)i * (size_t)width + (size_t)x] = cos(M_PI * i * x / width);
	for (int j = 0; j < yc; j++)
		for (int y = 0; y < height; y++)
			cosy[(size_t)j * (size_t)height + (size_t)y] = cos(M_PI * j * y / height);

	double f[81][3];
	for (int j = 0; j < yc; j++)
		for (int i = 0; i < xc; i++)
			basis_factor(i, j, width, height, rgb, stride, lin, cosx, cosy,
				     f[j * xc + i]);
	free(cosx);
	free(cosy);

	size_t pos = 0;
	b83_put(out, &pos, (unsigned long)((xc - 1) + (yc - 1) * 9), 1);
	put_components(xc * yc, f, out, &pos);
	out[pos] = '\0';
	return 0;
}
