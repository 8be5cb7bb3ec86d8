/*
 * Texts of the notifications sent to account owners (AUTH-15), in
 * Traditional Chinese and English: one declarative table of event x locale
 * -> subject, email body and short text (SMS / push), with placeholders
 * filled from struct tg_tpl_vars.  Personal data is always masked
 * (DATA-03, core/mask.h); the one value shown verbatim is the one-time
 * code of "otp.code", which is the point of that message.
 *
 * Placeholders: {login} {time} {src} {code} {purpose} {reason} {name}
 * {phone} {email}.
 */
#ifndef TG_NOTIFY_TEMPLATES_H
#define TG_NOTIFY_TEMPLATES_H

#include <stddef.h>
#include <stdint.h>

#define TG_TPL_SUBJECT_MAX 256
#define TG_TPL_BODY_MAX 4096
#define TG_TPL_TEXT_MAX 512
#define TG_TPL_TIME_MAX 20		/* "YYYY-MM-DD HH:MM" + NUL */

/* Values for the placeholders; every pointer is borrowed and may be NULL. */
struct tg_tpl_vars {
	const char *login;	/* account login: shown masked */
	const char *phone;	/* registered phone: shown masked */
	const char *email;	/* registered email: shown masked */
	const char *src;	/* client IP address: shown only if it is one */
	const char *code;	/* otp.code: 4 to 10 ASCII digits, shown as is */
	const char *purpose;	/* otp.code: "login", "unlock", "reset", "stepup" */
	const char *reason;	/* account.locked: "consecutive_failures", ... */
	const char *name;	/* device or passkey name: free text, masked */
	int64_t time_ms;	/* when it happened, ms since the epoch (UTC) */
};

struct tg_tpl_msg {
	char locale[8];				/* the locale used */
	char subject[TG_TPL_SUBJECT_MAX];	/* one line, UTF-8 */
	char body[TG_TPL_BODY_MAX];		/* email body, UTF-8, '\n' lines */
	char text[TG_TPL_TEXT_MAX];		/* short form (SMS, push) */
	int generic;				/* 1: no template for the event */
};

/* "en" for "en" and "en-*" / "en_*" (any case); "zh-TW" for anything else. */
const char *tg_tpl_locale(const char *locale);

/* ms as "YYYY-MM-DD HH:MM" in Asia/Taipei (UTC+8, no DST); len >= TG_TPL_TIME_MAX. */
void tg_tpl_time(int64_t ms, char *buf, size_t len);

/*
 * Render event for locale (NULL or unknown: zh-TW) into *out.  An event
 * without a template gets the generic security notice (out->generic = 1).
 * Returns 0, TG_ERR_INVALID (NULL argument; "otp.code" without a valid
 * code) or TG_ERR_LIMIT (a text did not fit: a table bug).  out may hold
 * the code: the caller wipes it after use.
 */
int tg_tpl_render(const char *event, const char *locale,
    const struct tg_tpl_vars *v, struct tg_tpl_msg *out)
    __attribute__((warn_unused_result));

/*
 * Check the table: every event has both locales, texts are non-empty
 * valid UTF-8 with only known placeholders, and subjects and short texts
 * are single lines.  0 or TG_ERR_INVALID with the reason in err.
 */
int tg_tpl_check(char *err, size_t errlen) __attribute__((warn_unused_result));

/* The events that have templates, NULL-terminated (tests, docs). */
extern const char *const tg_tpl_events[];

#endif
