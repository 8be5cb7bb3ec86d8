/* AUTH-15, DATA-03: notification texts, zh-TW and English, personal data masked. */
#include "helpers.h"

#include <string.h>

#include <tradeguard/error.h>

#include "core/util.h"
#include "notify/templates.h"

#define PHONE "0912345678"
#define EMAIL "alice@example.com"
#define LOGIN "alice_0042"

static struct tg_tpl_vars
vars(void)
{
	struct tg_tpl_vars v;

	memset(&v, 0, sizeof(v));
	v.login = LOGIN;
	v.phone = PHONE;
	v.email = EMAIL;
	v.src = "203.0.113.7";
	v.code = "908172";
	v.purpose = "login";
	v.reason = "consecutive_failures";
	v.name = "My phone";
	v.time_ms = TGT_T0;		/* 2026-01-01T00:00:00Z = 08:00 in Taipei */
	return v;
}

static void
assert_utf8(const char *s)
{
	size_t i, n = strlen(s), u;

	for (i = 0; i < n; i += u) {
		u = tg_utf8_seq((const unsigned char *)s + i, n - i);
		assert_true(u > 0);
	}
}

/* Nothing personal appears unmasked in any part of the message. */
static void
assert_no_personal_data(const struct tg_tpl_msg *m)
{
	const char *parts[] = { m->subject, m->body, m->text };
	size_t i;

	for (i = 0; i < 3; i++) {
		assert_null(strstr(parts[i], PHONE));
		assert_null(strstr(parts[i], "345"));
		assert_null(strstr(parts[i], EMAIL));
		assert_null(strstr(parts[i], "alice@"));
		assert_null(strstr(parts[i], LOGIN));
		assert_null(strchr(parts[i], '{'));	/* every placeholder filled */
		assert_utf8(parts[i]);
	}
	assert_null(strchr(m->subject, '\n'));
	assert_null(strchr(m->text, '\n'));
}

static void
test_table_is_complete(void **state)
{
	char err[256] = "";

	(void)state;
	if (tg_tpl_check(err, sizeof(err)) != 0)
		fail_msg("template table: %s", err);
}

static void
test_every_event_renders_masked(void **state)
{
	static const char *const locales[] = { "zh-TW", "en" };
	struct tg_tpl_vars v = vars();
	struct tg_tpl_msg m;
	size_t i, j;

	(void)state;
	for (i = 0; tg_tpl_events[i] != NULL; i++)
		for (j = 0; j < 2; j++) {
			assert_int_equal(tg_tpl_render(tg_tpl_events[i],
			    locales[j], &v, &m), 0);
			assert_string_equal(m.locale, locales[j]);
			assert_int_equal(m.generic, 0);
			assert_true(m.subject[0] != '\0' && m.body[0] != '\0' &&
			    m.text[0] != '\0');
			assert_no_personal_data(&m);
			/* The masked login is shown (not with a code), with the local time. */
			if (strcmp(tg_tpl_events[i], "otp.code") != 0)
				assert_non_null(strstr(m.body, "al******42"));
			assert_non_null(strstr(m.body, "2026-01-01 08:00"));
		}
}

static void
test_account_locked_zh(void **state)
{
	struct tg_tpl_vars v = vars();
	struct tg_tpl_msg m;

	(void)state;
	assert_int_equal(tg_tpl_render("account.locked", "zh-TW", &v, &m), 0);
	assert_non_null(strstr(m.subject, "帳戶已鎖定"));
	assert_non_null(strstr(m.body, "連續多次密碼錯誤"));
	assert_non_null(strstr(m.body, "0912***678"));
	assert_non_null(strstr(m.body, "台北時間"));
	assert_non_null(strstr(m.text, "鎖定"));
}

static void
test_account_locked_en(void **state)
{
	struct tg_tpl_vars v = vars();
	struct tg_tpl_msg m;

	(void)state;
	assert_int_equal(tg_tpl_render("account.locked", "en", &v, &m), 0);
	assert_string_equal(m.subject, "[TradeGuard] Your account has been locked");
	assert_non_null(strstr(m.body, "too many wrong passwords in a row"));
	assert_non_null(strstr(m.body, "0912***678"));
	assert_non_null(strstr(m.body, "2026-01-01 08:00 (Taipei time)"));
	/* Unknown reasons read as a generic one. */
	v.reason = "\"}\n<script>";
	assert_int_equal(tg_tpl_render("account.locked", "en", &v, &m), 0);
	assert_non_null(strstr(m.body, "because of security reasons"));
	assert_null(strstr(m.body, "script"));
}

static void
test_other_events_zh(void **state)
{
	struct tg_tpl_vars v = vars();
	struct tg_tpl_msg m;

	(void)state;
	assert_int_equal(tg_tpl_render("login.succeeded", "zh-TW", &v, &m), 0);
	assert_non_null(strstr(m.subject, "登入通知"));
	assert_non_null(strstr(m.body, "203.0.113.7"));
	/* The short text (SMS) carries no address at all. */
	assert_null(strstr(m.text, "203.0.113.7"));
	assert_int_equal(tg_tpl_render("password.changed", "zh-TW", &v, &m), 0);
	assert_non_null(strstr(m.subject, "密碼已變更"));
	assert_int_equal(tg_tpl_render("contact.changed", "zh-TW", &v, &m), 0);
	assert_non_null(strstr(m.body, "0912***678"));
	assert_non_null(strstr(m.body, "a***@example.com"));
	v.phone = "";
	v.email = NULL;
	assert_int_equal(tg_tpl_render("contact.changed", "en", &v, &m), 0);
	assert_non_null(strstr(m.body, "Registered mobile phone: (not registered)"));
	assert_non_null(strstr(m.body, "Registered email: (not registered)"));
}

static void
test_otp_code(void **state)
{
	struct tg_tpl_vars v = vars();
	struct tg_tpl_msg m;

	(void)state;
	assert_int_equal(tg_tpl_render("otp.code", "zh-TW", &v, &m), 0);
	assert_non_null(strstr(m.subject, "驗證碼"));
	/* The code is the message: verbatim in the body and the SMS text. */
	assert_non_null(strstr(m.body, "登入驗證碼為：908172"));
	assert_non_null(strstr(m.text, "908172"));
	assert_null(strstr(m.subject, "908172"));
	assert_int_equal(tg_tpl_render("otp.code", "en", &v, &m), 0);
	assert_non_null(strstr(m.body, "Your sign-in code is: 908172"));
	v.purpose = "stepup";
	assert_int_equal(tg_tpl_render("otp.code", "zh-TW", &v, &m), 0);
	assert_non_null(strstr(m.body, "交易確認驗證碼"));
	v.purpose = "something-new";
	assert_int_equal(tg_tpl_render("otp.code", "en", &v, &m), 0);
	assert_non_null(strstr(m.body, "Your verification code is"));
	/* No code, or not a code: nothing is rendered. */
	v.code = NULL;
	assert_int_equal(tg_tpl_render("otp.code", "en", &v, &m), TG_ERR_INVALID);
	assert_string_equal(m.body, "");
	v.code = "12a456";
	assert_int_equal(tg_tpl_render("otp.code", "en", &v, &m), TG_ERR_INVALID);
	v.code = "123";
	assert_int_equal(tg_tpl_render("otp.code", "en", &v, &m), TG_ERR_INVALID);
	v.code = "12345678901";
	assert_int_equal(tg_tpl_render("otp.code", "en", &v, &m), TG_ERR_INVALID);
}

static void
test_locale_fallback(void **state)
{
	struct tg_tpl_vars v = vars();
	struct tg_tpl_msg m;

	(void)state;
	assert_string_equal(tg_tpl_locale("en"), "en");
	assert_string_equal(tg_tpl_locale("EN-us"), "en");
	assert_string_equal(tg_tpl_locale("en_GB"), "en");
	assert_string_equal(tg_tpl_locale("eng"), "zh-TW");
	assert_string_equal(tg_tpl_locale("zh-TW"), "zh-TW");
	assert_string_equal(tg_tpl_locale("ja"), "zh-TW");
	assert_string_equal(tg_tpl_locale(""), "zh-TW");
	assert_string_equal(tg_tpl_locale(NULL), "zh-TW");
	assert_int_equal(tg_tpl_render("password.changed", "fr", &v, &m), 0);
	assert_string_equal(m.locale, "zh-TW");
	assert_non_null(strstr(m.subject, "密碼已變更"));
	assert_int_equal(tg_tpl_render("password.changed", NULL, &v, &m), 0);
	assert_string_equal(m.locale, "zh-TW");
}

static void
test_unknown_event_is_generic(void **state)
{
	struct tg_tpl_vars v = vars();
	struct tg_tpl_msg m;

	(void)state;
	assert_int_equal(tg_tpl_render("factor.removed", "zh-TW", &v, &m), 0);
	assert_int_equal(m.generic, 1);
	assert_non_null(strstr(m.subject, "安全通知"));
	assert_no_personal_data(&m);
	assert_int_equal(tg_tpl_render("factor.removed", "en", &v, &m), 0);
	assert_string_equal(m.subject, "[TradeGuard] Security notice");
	assert_non_null(strstr(m.body, "al******42"));
}

static void
test_time_taipei(void **state)
{
	char buf[TG_TPL_TIME_MAX];

	(void)state;
	tg_tpl_time(TGT_T0, buf, sizeof(buf));
	assert_string_equal(buf, "2026-01-01 08:00");
	/* 16:00 UTC is midnight of the next day in Taipei. */
	tg_tpl_time(TGT_T0 - 8 * 3600 * INT64_C(1000), buf, sizeof(buf));
	assert_string_equal(buf, "2026-01-01 00:00");
	tg_tpl_time(TGT_T0 - 8 * 3600 * INT64_C(1000) - 1, buf, sizeof(buf));
	assert_string_equal(buf, "2025-12-31 23:59");
	/* No daylight saving time: July is UTC+8 too. */
	tg_tpl_time(INT64_C(1782864000000), buf, sizeof(buf));	/* 2026-07-01T00:00Z */
	assert_string_equal(buf, "2026-07-01 08:00");
	tg_tpl_time(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01 08:00");
}

static void
test_values_are_sanitised(void **state)
{
	struct tg_tpl_vars v = vars();
	struct tg_tpl_msg m;
	char name[600];
	size_t i;

	(void)state;
	/* A name with a phone number and line breaks. */
	v.name = "Phone 0912345678\r\nBcc: x@y.z";
	assert_int_equal(tg_tpl_render("device.bound", "en", &v, &m), 0);
	assert_null(strstr(m.body, "345"));
	assert_null(strstr(m.text, "\r"));
	assert_null(strstr(m.text, "\n"));
	assert_non_null(strstr(m.body, "Phone 0912***678"));
	assert_null(strstr(m.body, "x@y.z"));
	/* A long name is cut on a character boundary. */
	memset(name, 0, sizeof(name));
	for (i = 0; i + 3 < sizeof(name); i += 3)
		memcpy(name + i, "機", 3);
	v.name = name;
	assert_int_equal(tg_tpl_render("passkey.registered", "zh-TW", &v, &m), 0);
	assert_utf8(m.body);
	assert_true(strlen(m.body) < 1200);
	/* Anything but an IP address as the source is not shown. */
	v.src = "1.2.3.4<img>";
	assert_int_equal(tg_tpl_render("login.succeeded", "en", &v, &m), 0);
	assert_non_null(strstr(m.body, "Source IP address: (unknown)"));
	v.src = "2001:db8::7";
	assert_int_equal(tg_tpl_render("login.succeeded", "en", &v, &m), 0);
	assert_non_null(strstr(m.body, "Source IP address: 2001:db8::7"));
	/* Missing values. */
	memset(&v, 0, sizeof(v));
	assert_int_equal(tg_tpl_render("login.succeeded", "zh-TW", &v, &m), 0);
	assert_null(strchr(m.body, '{'));
	assert_int_equal(tg_tpl_render(NULL, "en", &v, &m), TG_ERR_INVALID);
	assert_int_equal(tg_tpl_render("x", "en", NULL, &m), TG_ERR_INVALID);
	assert_int_equal(tg_tpl_render("x", "en", &v, NULL), TG_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_complete),
		cmocka_unit_test(test_every_event_renders_masked),
		cmocka_unit_test(test_account_locked_zh),
		cmocka_unit_test(test_account_locked_en),
		cmocka_unit_test(test_other_events_zh),
		cmocka_unit_test(test_otp_code),
		cmocka_unit_test(test_locale_fallback),
		cmocka_unit_test(test_unknown_event_is_generic),
		cmocka_unit_test(test_time_taipei),
		cmocka_unit_test(test_values_are_sanitised),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
