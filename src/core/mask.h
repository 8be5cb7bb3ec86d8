/*
 * De-identification of personal data shown in notifications (DATA-03):
 * phone numbers, email addresses, Taiwanese national IDs, and any of those
 * found inside free text.  Pure functions, no I/O, no allocation.
 *
 * Every function writes a NUL-terminated string of at most outsz bytes
 * (including the NUL) into out and returns:
 *   0               the whole masked form fitted;
 *   TG_ERR_LIMIT    out was too small: it holds a prefix of the masked
 *                   form, cut on a character boundary (never more than the
 *                   masked form reveals);
 *   TG_ERR_INVALID  in or out is NULL or outsz is 0 (out is "" if usable).
 * in is borrowed and must be NUL-terminated; it may hold any bytes: a byte
 * that is not part of well-formed UTF-8 is written as '?', so the output is
 * always valid UTF-8.  Time depends on the input (not constant time): these
 * functions protect what a reader of a message sees, not timing.
 *
 * Short inputs reveal less: when an input has too few characters to keep
 * the usual head and tail while hiding enough of it, fewer are kept, and a
 * value with no more characters than the minimum number of stars becomes
 * that many stars (its length is not shown either).
 */
#ifndef TG_CORE_MASK_H
#define TG_CORE_MASK_H

#include <stddef.h>

/* Enough for the masked form of any stored phone, email or ID. */
#define TG_MASK_MAX 300

/*
 * "0912345678" -> "0912***678": the first 4 and last 3 digits stay, at
 * least 3 are starred.  Separators (space - . ( ) +) are kept in place
 * ("+886 912 345 678" -> "+886 9** *** 678"); any other character counts as
 * a digit.  "12345678" -> "123***78"; "123" -> "***".
 */
int tg_mask_phone(const char *in, char *out, size_t outsz);

/*
 * "alice@example.com" -> "a***@example.com": the first character of the
 * local part and the whole domain stay (local parts shorter than 3
 * characters become "***").  The last '@' separates local part and domain.
 * Anything without a local part and a domain is not an address and becomes
 * "***".
 */
int tg_mask_email(const char *in, char *out, size_t outsz);

/*
 * Taiwanese national ID or resident certificate number: "A123456789" ->
 * "A12****789": the first 3 and last 3 characters stay, at least 4 are
 * starred.
 */
int tg_mask_national_id(const char *in, char *out, size_t outsz);

/*
 * An account login: "cust_0042" -> "cu*****42": the first 2 and last 2
 * characters stay, at least 3 are starred; a login that is an email
 * address is masked as tg_mask_email.
 */
int tg_mask_login(const char *in, char *out, size_t outsz);

/*
 * Copy free text, masking what looks like personal data inside it:
 *  - email addresses (ASCII local part and domain) as tg_mask_email;
 *  - Taiwanese IDs (a letter, then 1, 2, 8, 9 or A-D, then 8 digits, not
 *    followed by a digit) as tg_mask_national_id;
 *  - phone-like runs of at least 8 digits, which may start with '+' and be
 *    split by up to 3 of space - . ( ) between digit groups, as
 *    tg_mask_phone.  Full-width digits (U+FF10..U+FF19) count as digits.
 *    A dotted IPv4 address is not a phone number and stays.
 * Masking errs on the side of hiding: dates written as digit groups of 8 or
 * more digits ("2026-01-01") are masked too, so never pass text that
 * should keep such values; mask the personal values before putting them
 * into a larger text.
 */
int tg_mask_text(const char *in, char *out, size_t outsz);

#endif
