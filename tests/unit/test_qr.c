/*
 * QR code SVG: well-formed standalone SVG, and the drawn modules are
 * exactly libqrencode's matrix (read back from the path) inside a light
 * quiet zone.
 */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include <tradeguard/error.h>

#include "crypto/qr.h"

/* Parse an unsigned decimal at *p; advance. */
static int
parse_uint(const char **p)
{
	int v = 0;

	if (**p < '0' || **p > '9')
		fail_msg("number expected at \"%.20s\"", *p);
	while (**p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

static void
expect_char(const char **p, char c)
{
	if (**p != c)
		fail_msg("'%c' expected at \"%.20s\"", c, *p);
	(*p)++;
}

/*
 * Read the SVG back: its side (viewBox) and a side x side matrix of the
 * modules its path paints (malloc'd, 1 = dark).  *nruns receives the
 * number of subpaths.
 */
static unsigned char *
svg_matrix(const char *svg, int *sidep, size_t *nruns)
{
	const char *p;
	unsigned char *m;
	int side, x, y, run, run2, i;
	char want[64];

	p = strstr(svg, "viewBox=\"0 0 ");
	assert_non_null(p);
	p += strlen("viewBox=\"0 0 ");
	side = parse_uint(&p);
	expect_char(&p, ' ');
	assert_int_equal(parse_uint(&p), side);
	expect_char(&p, '"');
	snprintf(want, sizeof(want), "<rect width=\"%d\" height=\"%d\" "
	    "fill=\"#fff\"/>", side, side);
	assert_non_null(strstr(svg, want));

	m = calloc((size_t)side * (size_t)side, 1);
	assert_non_null(m);
	*nruns = 0;
	p = strstr(svg, "<path fill=\"#000\" d=\"");
	assert_non_null(p);
	assert_null(strstr(p + 1, "<path"));	/* one path only */
	p += strlen("<path fill=\"#000\" d=\"");
	while (*p != '"') {
		expect_char(&p, 'M');
		x = parse_uint(&p);
		expect_char(&p, ' ');
		y = parse_uint(&p);
		expect_char(&p, 'h');
		run = parse_uint(&p);
		expect_char(&p, 'v');
		expect_char(&p, '1');
		expect_char(&p, 'h');
		expect_char(&p, '-');
		run2 = parse_uint(&p);
		expect_char(&p, 'z');
		assert_int_equal(run, run2);
		assert_true(run > 0);
		assert_true(x + run <= side && y < side);
		for (i = 0; i < run; i++) {
			assert_int_equal(m[(size_t)y * side + x + i], 0);
			m[(size_t)y * side + x + i] = 1;
		}
		(*nruns)++;
	}
	assert_string_equal(p, "\"/></svg>\n");
	*sidep = side;
	return m;
}

/* The SVG paints exactly libqrencode's matrix, with a 4-module quiet zone. */
static void
check_against_matrix(const char *text)
{
	QRcode *qr;
	unsigned char *m;
	char *svg = NULL;
	size_t nruns, runs = 0;
	int side, x, y, dark, q = TG_QR_QUIET;

	assert_int_equal(tg_qr_svg(text, &svg), 0);
	assert_non_null(svg);
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	assert_non_null(qr);
	m = svg_matrix(svg, &side, &nruns);
	assert_int_equal(side, qr->width + 2 * q);
	for (y = 0; y < side; y++) {
		for (x = 0; x < side; x++) {
			dark = 0;
			if (x >= q && y >= q && x < q + qr->width &&
			    y < q + qr->width)
				dark = qr->data[(y - q) * qr->width + x - q] & 1;
			if (m[(size_t)y * side + x] != dark)
				fail_msg("module (%d,%d) is %d in the SVG, %d "
				    "in the matrix", x - q, y - q,
				    m[(size_t)y * side + x], dark);
			if (dark && (x == 0 || !m[(size_t)y * side + x - 1]))
				runs++;
		}
	}
	/* one rectangle per maximal run: no split or merged runs */
	assert_int_equal(nruns, runs);
	/* finder pattern at the top left: 7 dark, then light */
	for (x = 0; x < 7; x++)
		assert_int_equal(m[(size_t)q * side + q + x], 1);
	assert_int_equal(m[(size_t)q * side + q + 7], 0);
	free(m);
	QRcode_free(qr);
	free(svg);
}

static void
test_shape(void **state)
{
	const char *uri = "otpauth://totp/TradeGuard:alice%40example.com"
	    "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=TradeGuard"
	    "&algorithm=SHA1&digits=6&period=30";
	char *svg = NULL;
	size_t len;

	(void)state;
	assert_int_equal(tg_qr_svg(uri, &svg), 0);
	assert_non_null(svg);
	len = strlen(svg);
	assert_int_equal(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"",
	    39), 0);
	assert_non_null(strstr(svg, " viewBox=\"0 0 "));
	assert_non_null(strstr(svg, " shape-rendering=\"crispEdges\""));
	assert_true(len > 10);
	assert_string_equal(svg + len - 7, "</svg>\n");
	assert_null(strchr(svg, '\t'));
	assert_int_equal(strstr(svg, "<svg") - svg, 0);
	assert_null(strstr(svg + 1, "<svg"));
	/* compact: a typical enrolment URI stays well under 16 KiB */
	assert_true(len < 16384);
	free(svg);
}

/* Parsed by a real XML parser, when one is installed. */
static void
test_well_formed_xml(void **state)
{
	char *dir, path[600], *svg = NULL;
	FILE *f;

	(void)state;
	if (system("xmllint --version >/dev/null 2>&1") != 0)
		skip();
	assert_int_equal(tg_qr_svg("otpauth://totp/A%26B:x%3Cy%3E?secret=MY"
	    "&issuer=A%26B", &svg), 0);
	dir = tgt_mkdtemp();
	snprintf(path, sizeof(path), "%s/qr.svg", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(svg, f);
	fclose(f);
	assert_int_equal(tgt_system("xmllint --noout '%s'", path), 0);
	assert_int_equal(tgt_system("xmllint --xpath 'count(//*[local-name()="
	    "\"path\"])' '%s' | grep -qx 1", path), 0);
	tgt_rmtree(dir);
	free(dir);
	free(svg);
}

static void
test_matches_matrix(void **state)
{
	char big[1200];
	size_t i;

	(void)state;
	check_against_matrix("a");
	check_against_matrix("0123456789");
	check_against_matrix("HELLO WORLD 12345");
	check_against_matrix("otpauth://totp/%E5%85%83%E5%A4%A7:"
	    "%E7%8E%8B?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	    "&issuer=%E5%85%83%E5%A4%A7&algorithm=SHA1&digits=6&period=30");
	check_against_matrix("\xe5\x85\x83\xe5\xa4\xa7 mixed Case 42");
	for (i = 0; i < sizeof(big) - 1; i++)
		big[i] = (char)('!' + (i * 7) % 90);
	big[sizeof(big) - 1] = '\0';
	check_against_matrix(big);
}

static void
test_grows_with_input(void **state)
{
	static const size_t lens[] = { 1, 20, 80, 200, 600, 1500 };
	char text[1600], *svg;
	size_t i, prev_len = 0;
	int prev_side = 0, side;
	const char *p;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(text, 'x', lens[i]);
		text[lens[i]] = '\0';
		svg = NULL;
		assert_int_equal(tg_qr_svg(text, &svg), 0);
		p = strstr(svg, "viewBox=\"0 0 ");
		assert_non_null(p);
		p += strlen("viewBox=\"0 0 ");
		side = parse_uint(&p);
		assert_true(side > prev_side);
		assert_true(strlen(svg) > prev_len);
		prev_side = side;
		prev_len = strlen(svg);
		free(svg);
	}
	/* version 1 is 21 modules, version 40 is 177 */
	assert_true(prev_side <= 177 + 2 * TG_QR_QUIET);
}

static void
test_rejects(void **state)
{
	char *svg = (char *)1, *big;

	(void)state;
	assert_int_equal(tg_qr_svg(NULL, &svg), TG_ERR_INVALID);
	assert_null(svg);
	svg = (char *)1;
	assert_int_equal(tg_qr_svg("", &svg), TG_ERR_INVALID);
	assert_null(svg);
	/* more than version 40-M holds in 8-bit mode (2331 bytes) */
	big = malloc(4001);
	assert_non_null(big);
	memset(big, 'z', 4000);
	big[4000] = '\0';
	svg = (char *)1;
	assert_int_equal(tg_qr_svg(big, &svg), TG_ERR_LIMIT);
	assert_null(svg);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_well_formed_xml),
		cmocka_unit_test(test_matches_matrix),
		cmocka_unit_test(test_grows_with_input),
		cmocka_unit_test(test_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
