/*
 * Notification texts: one table, event x locale.  Adding an event is adding
 * two rows (and its name to tg_tpl_events); tests/unit/test_templates.c
 * renders every row.
 */
#include "notify/templates.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <tradeguard/error.h>

#include "core/mask.h"
#include "core/util.h"

#define LOCALE_ZH "zh-TW"
#define LOCALE_EN "en"
#define TAIPEI_OFFSET_S (8 * 3600)	/* UTC+8, no daylight saving time */
#define CODE_MIN 4
#define CODE_MAX 10
#define SRC_MAX 45			/* longest textual IPv6 address */
#define NAME_MAX_SHOWN 64		/* bytes of a device/passkey name shown */
#define PLACEHOLDER_MAX 16

struct tpl {
	const char *event;
	const char *locale;
	const char *subject;
	const char *body;
	const char *text;		/* SMS / push: short */
};

#define ZH_FOOTER \
	"\n\n本郵件由系統自動發送，請勿直接回覆。\n" \
	"TradeGuard 安全通知"
#define EN_FOOTER \
	"\n\nThis message was sent automatically; please do not reply.\n" \
	"TradeGuard security notice"
#define ZH_NOT_YOU "如非本人操作，請立即聯絡客服並變更密碼。"
#define EN_NOT_YOU "If this was not you, contact our help desk at once " \
	"and change your password."

static const struct tpl generic[] = {
	{ NULL, LOCALE_ZH, "【TradeGuard】安全通知",
	    "親愛的客戶您好：\n\n"
	    "您的帳戶（{login}）於 {time}（台北時間）有一項與安全相關的異動。\n"
	    ZH_NOT_YOU ZH_FOOTER,
	    "【TradeGuard】您的帳戶{login}於{time}有安全相關異動，"
	    "如非本人操作請立即聯絡客服。" },
	{ NULL, LOCALE_EN, "[TradeGuard] Security notice",
	    "Dear customer,\n\n"
	    "A security-related change was made to your account ({login}) at "
	    "{time} (Taipei time).\n" EN_NOT_YOU EN_FOOTER,
	    "[TradeGuard] A security-related change was made to account "
	    "{login} at {time}. Not you? Call our help desk." },
};

static const struct tpl templates[] = {
	{ "account.locked", LOCALE_ZH, "【TradeGuard】帳戶已鎖定",
	    "親愛的客戶您好：\n\n"
	    "您的帳戶（{login}）已於 {time}（台北時間）因{reason}而鎖定，"
	    "所有登入中的連線均已登出。\n\n"
	    "如為本人操作，請使用自助解鎖或聯絡客服，並以您登記的手機 {phone} "
	    "完成身分驗證後解鎖。\n"
	    "如非本人操作，表示可能有人正嘗試登入您的帳戶，請立即聯絡客服。"
	    ZH_FOOTER,
	    "【TradeGuard】您的帳戶{login}已於{time}因{reason}鎖定。"
	    "如非本人操作請立即聯絡客服。" },
	{ "account.locked", LOCALE_EN, "[TradeGuard] Your account has been locked",
	    "Dear customer,\n\n"
	    "Your account ({login}) was locked at {time} (Taipei time) because "
	    "of {reason}. All active sessions have been signed out.\n\n"
	    "If this was you, unlock it through self-service or our help desk; "
	    "you will confirm your identity with your registered mobile phone "
	    "{phone}.\n"
	    "If this was not you, someone may be trying to sign in to your "
	    "account: contact our help desk at once." EN_FOOTER,
	    "[TradeGuard] Account {login} was locked at {time} because of "
	    "{reason}. Not you? Call our help desk now." },

	{ "login.succeeded", LOCALE_ZH, "【TradeGuard】登入通知",
	    "親愛的客戶您好：\n\n"
	    "您的帳戶（{login}）已於 {time}（台北時間）登入成功。\n"
	    "登入來源 IP：{src}\n\n" ZH_NOT_YOU ZH_FOOTER,
	    "【TradeGuard】您的帳戶{login}已於{time}登入。"
	    "如非本人操作請立即變更密碼並聯絡客服。" },
	{ "login.succeeded", LOCALE_EN, "[TradeGuard] Sign-in to your account",
	    "Dear customer,\n\n"
	    "Your account ({login}) was signed in to at {time} (Taipei time).\n"
	    "Source IP address: {src}\n\n" EN_NOT_YOU EN_FOOTER,
	    "[TradeGuard] Account {login} signed in at {time}. Not you? "
	    "Change your password and call our help desk." },

	{ "password.changed", LOCALE_ZH, "【TradeGuard】密碼已變更",
	    "親愛的客戶您好：\n\n"
	    "您的帳戶（{login}）密碼已於 {time}（台北時間）變更，"
	    "其他裝置上的連線均已登出。\n\n" ZH_NOT_YOU ZH_FOOTER,
	    "【TradeGuard】您的帳戶{login}密碼已於{time}變更。"
	    "如非本人操作請立即聯絡客服。" },
	{ "password.changed", LOCALE_EN, "[TradeGuard] Your password was changed",
	    "Dear customer,\n\n"
	    "The password of your account ({login}) was changed at {time} "
	    "(Taipei time). Sessions on other devices have been signed out.\n\n"
	    EN_NOT_YOU EN_FOOTER,
	    "[TradeGuard] The password of account {login} was changed at "
	    "{time}. Not you? Call our help desk now." },

	{ "device.bound", LOCALE_ZH, "【TradeGuard】新裝置綁定通知",
	    "親愛的客戶您好：\n\n"
	    "您的帳戶（{login}）已於 {time}（台北時間）綁定新裝置「{name}」，"
	    "此裝置日後可用於登入及交易確認。\n\n" ZH_NOT_YOU ZH_FOOTER,
	    "【TradeGuard】您的帳戶{login}已於{time}綁定新裝置「{name}」。"
	    "如非本人操作請立即聯絡客服。" },
	{ "device.bound", LOCALE_EN, "[TradeGuard] New device bound to your account",
	    "Dear customer,\n\n"
	    "A new device, \"{name}\", was bound to your account ({login}) at "
	    "{time} (Taipei time). It can now be used to sign in and to confirm "
	    "trades.\n\n" EN_NOT_YOU EN_FOOTER,
	    "[TradeGuard] New device \"{name}\" bound to account {login} at "
	    "{time}. Not you? Call our help desk now." },

	{ "passkey.registered", LOCALE_ZH, "【TradeGuard】新增通行金鑰通知",
	    "親愛的客戶您好：\n\n"
	    "您的帳戶（{login}）已於 {time}（台北時間）新增通行金鑰「{name}」，"
	    "此金鑰日後可用於登入。\n\n" ZH_NOT_YOU ZH_FOOTER,
	    "【TradeGuard】您的帳戶{login}已於{time}新增通行金鑰「{name}」。"
	    "如非本人操作請立即聯絡客服。" },
	{ "passkey.registered", LOCALE_EN, "[TradeGuard] New passkey registered",
	    "Dear customer,\n\n"
	    "A new passkey, \"{name}\", was registered for your account "
	    "({login}) at {time} (Taipei time). It can now be used to sign in."
	    "\n\n" EN_NOT_YOU EN_FOOTER,
	    "[TradeGuard] New passkey \"{name}\" registered for account "
	    "{login} at {time}. Not you? Call our help desk now." },

	{ "contact.changed", LOCALE_ZH, "【TradeGuard】聯絡資料已變更",
	    "親愛的客戶您好：\n\n"
	    "您的帳戶（{login}）聯絡資料已於 {time}（台北時間）變更。\n"
	    "目前登記的手機：{phone}\n"
	    "目前登記的電子郵件：{email}\n\n" ZH_NOT_YOU ZH_FOOTER,
	    "【TradeGuard】您的帳戶{login}聯絡資料已於{time}變更。"
	    "如非本人操作請立即聯絡客服。" },
	{ "contact.changed", LOCALE_EN, "[TradeGuard] Your contact details were changed",
	    "Dear customer,\n\n"
	    "The contact details of your account ({login}) were changed at "
	    "{time} (Taipei time).\n"
	    "Registered mobile phone: {phone}\n"
	    "Registered email: {email}\n\n" EN_NOT_YOU EN_FOOTER,
	    "[TradeGuard] Contact details of account {login} changed at "
	    "{time}. Not you? Call our help desk now." },

	{ "otp.code", LOCALE_ZH, "【TradeGuard】驗證碼",
	    "親愛的客戶您好：\n\n"
	    "您的{purpose}驗證碼為：{code}\n\n"
	    "此驗證碼於 {time}（台北時間）產生，僅限短時間內使用一次。"
	    "請勿將驗證碼告知任何人，本公司人員不會向您索取驗證碼。\n"
	    "如非本人操作，請忽略本郵件並聯絡客服。" ZH_FOOTER,
	    "【TradeGuard】您的{purpose}驗證碼為{code}，請勿告知任何人。"
	    "如非本人操作請忽略。" },
	{ "otp.code", LOCALE_EN, "[TradeGuard] Your verification code",
	    "Dear customer,\n\n"
	    "Your {purpose} code is: {code}\n\n"
	    "It was issued at {time} (Taipei time) and can be used once, for a "
	    "short time only. Never share it with anyone: our staff will never "
	    "ask for it.\n"
	    "If you did not ask for it, ignore this message and contact our "
	    "help desk." EN_FOOTER,
	    "[TradeGuard] Your {purpose} code is {code}. Never share it. "
	    "Not you? Ignore this message." },
};

#define NTEMPLATES (sizeof(templates) / sizeof(templates[0]))

const char *const tg_tpl_events[] = {
	"account.locked", "login.succeeded", "password.changed", "device.bound",
	"passkey.registered", "contact.changed", "otp.code", NULL,
};

/* Coded values shown as words: reasons for a lock, purposes of a code. */
struct word {
	const char *key;		/* NULL: the default */
	const char *zh;
	const char *en;
};

static const struct word reasons[] = {
	{ "consecutive_failures", "連續多次密碼錯誤",
	    "too many wrong passwords in a row" },
	{ "operator", "管理人員操作", "an operator's action" },
	{ "suspicious_activity", "偵測到異常活動", "suspicious activity" },
	{ NULL, "安全因素", "security reasons" },
};

static const struct word purposes[] = {
	{ "login", "登入", "sign-in" },
	{ "unlock", "帳戶解鎖", "account unlock" },
	{ "reset", "密碼重設", "password reset" },
	{ "stepup", "交易確認", "transaction confirmation" },
	{ "contact", "聯絡資料變更", "contact change" },
	{ NULL, "身分", "verification" },
};

static const char *
word_lookup(const struct word *w, const char *key, int en)
{
	for (; w->key != NULL; w++)
		if (key != NULL && strcmp(w->key, key) == 0)
			break;
	return en ? w->en : w->zh;
}

const char *
tg_tpl_locale(const char *locale)
{
	if (locale != NULL && strncasecmp(locale, "en", 2) == 0 &&
	    (locale[2] == '\0' || locale[2] == '-' || locale[2] == '_'))
		return LOCALE_EN;
	return LOCALE_ZH;
}

void
tg_tpl_time(int64_t ms, char *buf, size_t len)
{
	int64_t secs = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
	time_t t = (time_t)(secs + TAIPEI_OFFSET_S);
	struct tm tm;

	if (len == 0)
		return;
	if (gmtime_r(&t, &tm) == NULL) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/* --- values --- */

/* An IP address as text: hex digits, '.', ':' only; NULL otherwise. */
static const char *
src_value(const char *src)
{
	size_t i, n;

	if (src == NULL || (n = strlen(src)) == 0 || n > SRC_MAX)
		return NULL;
	for (i = 0; i < n; i++) {
		char c = src[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F') || c == '.' || c == ':'))
			return NULL;
	}
	return src;
}

/* 1 if code is CODE_MIN..CODE_MAX ASCII digits. */
static int
code_valid(const char *code)
{
	size_t i, n;

	if (code == NULL || (n = strlen(code)) < CODE_MIN || n > CODE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	return 1;
}

/* A device or passkey name: one line, cut to NAME_MAX_SHOWN bytes, masked. */
static void
name_value(const char *name, char *out, size_t outsz)
{
	char line[NAME_MAX_SHOWN + 1];
	size_t i, n = 0, u, len = strlen(name);

	for (i = 0; i < len && n < NAME_MAX_SHOWN; i += u) {
		u = tg_utf8_seq((const unsigned char *)name + i, len - i);
		if (u == 0 || (u == 1 && ((unsigned char)name[i] < 0x20 ||
		    name[i] == 0x7f))) {
			line[n++] = ' ';	/* controls and bad bytes */
			u = 1;
			continue;
		}
		if (n + u > NAME_MAX_SHOWN)
			break;
		memcpy(line + n, name + i, u);
		n += u;
	}
	line[n] = '\0';
	(void)tg_mask_text(line, out, outsz);	/* a cut result is still masked */
}

/* The placeholders, in one table. */
enum ph { PH_LOGIN, PH_PHONE, PH_EMAIL, PH_NAME, PH_TIME, PH_SRC, PH_CODE,
	PH_PURPOSE, PH_REASON, PH__COUNT };

static const char *const ph_names[PH__COUNT] = {
	[PH_LOGIN] = "login", [PH_PHONE] = "phone", [PH_EMAIL] = "email",
	[PH_NAME] = "name", [PH_TIME] = "time", [PH_SRC] = "src",
	[PH_CODE] = "code", [PH_PURPOSE] = "purpose", [PH_REASON] = "reason",
};

/* The placeholder called name[0..n), or -1. */
static int
ph_lookup(const char *name, size_t n)
{
	int i;

	for (i = 0; i < PH__COUNT; i++)
		if (strlen(ph_names[i]) == n && memcmp(ph_names[i], name, n) == 0)
			return i;
	return -1;
}

struct values {
	char login[TG_MASK_MAX];
	char phone[TG_MASK_MAX];
	char email[TG_MASK_MAX];
	char name[TG_MASK_MAX];
	char time[TG_TPL_TIME_MAX];
	const char *v[PH__COUNT];	/* what each placeholder becomes */
};

static void
values_fill(struct values *x, const struct tg_tpl_vars *v, int en)
{
	const char *none = en ? "(not registered)" : "（未登記）";
	const char *src;

	memset(x, 0, sizeof(*x));
	if (v->login != NULL && v->login[0] != '\0')
		(void)tg_mask_login(v->login, x->login, sizeof(x->login));
	if (v->phone != NULL && v->phone[0] != '\0')
		(void)tg_mask_phone(v->phone, x->phone, sizeof(x->phone));
	else
		snprintf(x->phone, sizeof(x->phone), "%s", none);
	if (v->email != NULL && v->email[0] != '\0')
		(void)tg_mask_email(v->email, x->email, sizeof(x->email));
	else
		snprintf(x->email, sizeof(x->email), "%s", none);
	if (v->name != NULL)
		name_value(v->name, x->name, sizeof(x->name));
	tg_tpl_time(v->time_ms, x->time, sizeof(x->time));
	if ((src = src_value(v->src)) == NULL)
		src = en ? "(unknown)" : "（不明）";
	x->v[PH_LOGIN] = x->login;
	x->v[PH_PHONE] = x->phone;
	x->v[PH_EMAIL] = x->email;
	x->v[PH_NAME] = x->name;
	x->v[PH_TIME] = x->time;
	x->v[PH_SRC] = src;
	x->v[PH_CODE] = v->code != NULL ? v->code : "";
	x->v[PH_PURPOSE] = word_lookup(purposes, v->purpose, en);
	x->v[PH_REASON] = word_lookup(reasons, v->reason, en);
}

/* The value of placeholder name[0..n), or NULL if there is no such placeholder. */
static const char *
value_of(const struct values *x, const char *name, size_t n)
{
	int i = ph_lookup(name, n);

	if (i < 0)
		return NULL;
	return x->v[i] != NULL ? x->v[i] : "";
}

/* --- rendering --- */

/* Expand tpl into out (outsz bytes); TG_ERR_LIMIT if it does not fit. */
static int
expand(const char *tpl, const struct values *x, char *out, size_t outsz)
{
	const char *p, *end = NULL, *val, *from;
	size_t len = 0, step, m;

	out[0] = '\0';
	for (p = tpl; *p != '\0'; p += step) {
		val = NULL;
		if (*p == '{' && (end = strchr(p + 1, '}')) != NULL &&
		    (size_t)(end - p - 1) <= PLACEHOLDER_MAX)
			val = value_of(x, p + 1, (size_t)(end - p - 1));
		if (val != NULL) {
			step = (size_t)(end - p) + 1;
			from = val;
			m = strlen(val);
		} else {
			step = 1;
			from = p;
			m = 1;
		}
		if (m >= outsz - len)
			return TG_ERR_LIMIT;
		memcpy(out + len, from, m);
		len += m;
		out[len] = '\0';
	}
	return 0;
}

static const struct tpl *
tpl_find(const char *event, const char *locale)
{
	size_t i;

	for (i = 0; i < NTEMPLATES; i++)
		if (strcmp(templates[i].event, event) == 0 &&
		    strcmp(templates[i].locale, locale) == 0)
			return &templates[i];
	return NULL;
}

int
tg_tpl_render(const char *event, const char *locale,
    const struct tg_tpl_vars *v, struct tg_tpl_msg *out)
{
	struct values x;
	const struct tpl *t;
	int r, en;

	if (out == NULL)
		return TG_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	if (event == NULL || v == NULL)
		return TG_ERR_INVALID;
	locale = tg_tpl_locale(locale);
	en = strcmp(locale, LOCALE_EN) == 0;
	if (strcmp(event, "otp.code") == 0 && !code_valid(v->code))
		return TG_ERR_INVALID;
	if ((t = tpl_find(event, locale)) == NULL) {
		t = &generic[en ? 1 : 0];
		out->generic = 1;
	}
	values_fill(&x, v, en);
	snprintf(out->locale, sizeof(out->locale), "%s", locale);
	if ((r = expand(t->subject, &x, out->subject, sizeof(out->subject))) != 0 ||
	    (r = expand(t->body, &x, out->body, sizeof(out->body))) != 0 ||
	    (r = expand(t->text, &x, out->text, sizeof(out->text))) != 0)
		goto out;
out:
	if (r != 0)
		memset(out, 0, sizeof(*out));
	return r;
}

/* --- table check --- */

static int
check_text(const struct tpl *t, const char *what, const char *s, int one_line,
    char *err, size_t errlen)
{
	const char *ev = t->event != NULL ? t->event : "(generic)";
	const char *p, *end;
	size_t i, n, u;

	if (s == NULL || s[0] == '\0') {
		tg_errf(err, errlen, "%s/%s: empty %s", ev, t->locale, what);
		return TG_ERR_INVALID;
	}
	n = strlen(s);
	for (i = 0; i < n; i += u) {
		if ((u = tg_utf8_seq((const unsigned char *)s + i, n - i)) == 0) {
			tg_errf(err, errlen, "%s/%s: %s is not UTF-8", ev,
			    t->locale, what);
			return TG_ERR_INVALID;
		}
		if (u == 1 && (unsigned char)s[i] < 0x20 &&
		    (one_line || s[i] != '\n')) {
			tg_errf(err, errlen, "%s/%s: control character in %s",
			    ev, t->locale, what);
			return TG_ERR_INVALID;
		}
	}
	for (p = s; (p = strchr(p, '{')) != NULL; p = end + 1) {
		if ((end = strchr(p, '}')) == NULL ||
		    ph_lookup(p + 1, (size_t)(end - p - 1)) < 0) {
			tg_errf(err, errlen, "%s/%s: unknown placeholder in %s",
			    ev, t->locale, what);
			return TG_ERR_INVALID;
		}
	}
	return 0;
}

static int
check_row(const struct tpl *t, char *err, size_t errlen)
{
	int r;

	if ((r = check_text(t, "subject", t->subject, 1, err, errlen)) != 0 ||
	    (r = check_text(t, "body", t->body, 0, err, errlen)) != 0 ||
	    (r = check_text(t, "text", t->text, 1, err, errlen)) != 0)
		return r;
	return 0;
}

int
tg_tpl_check(char *err, size_t errlen)
{
	const char *const locales[] = { LOCALE_ZH, LOCALE_EN };
	size_t i, j, k;
	int r, found;

	for (i = 0; i < sizeof(generic) / sizeof(generic[0]); i++)
		if ((r = check_row(&generic[i], err, errlen)) != 0)
			return r;
	for (i = 0; i < NTEMPLATES; i++) {
		if ((r = check_row(&templates[i], err, errlen)) != 0)
			return r;
		for (found = 0, k = 0; tg_tpl_events[k] != NULL; k++)
			found |= strcmp(tg_tpl_events[k], templates[i].event) == 0;
		if (!found) {
			tg_errf(err, errlen, "%s: not in tg_tpl_events",
			    templates[i].event);
			return TG_ERR_INVALID;
		}
	}
	for (k = 0; tg_tpl_events[k] != NULL; k++)
		for (j = 0; j < 2; j++)
			if (tpl_find(tg_tpl_events[k], locales[j]) == NULL) {
				tg_errf(err, errlen, "%s: no %s template",
				    tg_tpl_events[k], locales[j]);
				return TG_ERR_INVALID;
			}
	return 0;
}
