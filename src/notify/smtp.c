/*
 * Email notifications: an RFC 5322 message (UTF-8 text, base64 body,
 * RFC 2047 subject) sent with libcurl's SMTP client, STARTTLS required
 * unless the relay is local, the server's certificate verified, the
 * password read from its file for each connection and wiped after use.
 */
#include "notify/notify_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include <tradeguard/error.h>

#include "core/log.h"
#include "core/util.h"

#define ADDR_MAX 254			/* RFC 5321 path limit */
#define PASSWORD_MAX 256
#define SUBJECT_ASCII_MAX 68		/* plain subjects that fit one header line */
#define ENCODED_WORD_BYTES 45		/* UTF-8 bytes per encoded word: 60 base64 */
#define ENCODED_LINE_MAX 76		/* RFC 2047 section 2 */
#define BODY_LINE_BYTES 57		/* 76 base64 characters per line */
#define MSGID_RAND 16

/* --- building the message --- */

static int
addr_char_ok(int c)
{
	return c > 0x20 && c < 0x7f && strchr("<>()[]\\,;:\"", c) == NULL;
}

/* An ASCII addr-spec: local@domain, no spaces or specials, one '@'. */
static int
addr_valid(const char *a, size_t n)
{
	size_t i, at = 0, nat = 0;

	if (n == 0 || n > ADDR_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (!addr_char_ok((unsigned char)a[i]))
			return 0;
		if (a[i] == '@') {
			at = i;
			nat++;
		}
	}
	return nat == 1 && at > 0 && at < n - 1;
}

int
tg_mail_address(const char *from, char *buf, size_t len)
{
	const char *lt, *gt, *a;
	size_t n;

	if (len > 0)
		buf[0] = '\0';
	if (from == NULL || len == 0)
		return TG_ERR_INVALID;
	if ((lt = strrchr(from, '<')) != NULL) {
		if ((gt = strchr(lt, '>')) == NULL || gt[1] != '\0')
			return TG_ERR_INVALID;
		a = lt + 1;
		n = (size_t)(gt - a);
	} else {
		a = from;
		n = strlen(from);
	}
	if (!addr_valid(a, n) || n >= len)
		return TG_ERR_INVALID;
	memcpy(buf, a, n);
	buf[n] = '\0';
	return 0;
}

/* 1 if s[0..n) is printable ASCII. */
static int
printable_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* 1 if s[0..n) is UTF-8 without control characters. */
static int
utf8_line(const char *s, size_t n)
{
	size_t i, u;

	for (i = 0; i < n; i += u) {
		if ((u = tg_utf8_seq((const unsigned char *)s + i, n - i)) == 0 ||
		    (u == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)))
			return 0;
	}
	return 1;
}

/*
 * s[0..n) as RFC 2047 encoded words (B, UTF-8), one per folded line, whole
 * characters in each; the first line already holds `used` characters.
 * Every line stays within 76 characters.
 */
static void
put_encoded_words(FILE *f, const char *s, size_t n, size_t used)
{
	unsigned char b64[4 * ((ENCODED_WORD_BYTES + 2) / 3) + 1];
	size_t i = 0, k, u, max;

	/* "=?UTF-8?B?" + "?=" take 12; 4 base64 characters per 3 bytes. */
	max = used + 12 < ENCODED_LINE_MAX ?
	    (ENCODED_LINE_MAX - used - 12) / 4 * 3 : 3;
	if (max > ENCODED_WORD_BYTES)
		max = ENCODED_WORD_BYTES;
	while (i < n) {
		for (k = 0; i + k < n; k += u) {
			u = tg_utf8_seq((const unsigned char *)s + i + k,
			    n - i - k);
			if (u == 0 || k + u > max)
				break;
		}
		if (k == 0)
			break;			/* checked by utf8_line first */
		EVP_EncodeBlock(b64, (const unsigned char *)s + i, (int)k);
		fprintf(f, "%s=?UTF-8?B?%s?=", i == 0 ? "" : "\r\n ", b64);
		i += k;
		max = ENCODED_WORD_BYTES;	/* " " + 12 + 60 on later lines */
	}
}

/* A header value that may be UTF-8: plain when short printable ASCII. */
static int
put_text_header(FILE *f, const char *name, const char *v)
{
	size_t n = strlen(v);

	if (!utf8_line(v, n))
		return TG_ERR_INVALID;
	fprintf(f, "%s: ", name);
	if (n <= SUBJECT_ASCII_MAX && printable_ascii(v, n) &&
	    strstr(v, "=?") == NULL)
		fputs(v, f);
	else
		put_encoded_words(f, v, n, strlen(name) + 2);
	fputs("\r\n", f);
	return 0;
}

/* From: with the display name of `from` (quoted or encoded) and the address. */
static int
put_from(FILE *f, const char *from, const char *addr)
{
	const char *lt = strrchr(from, '<');
	size_t n, i;

	if (lt == NULL) {
		fprintf(f, "From: <%s>\r\n", addr);
		return 0;
	}
	n = (size_t)(lt - from);
	while (n > 0 && from[n - 1] == ' ')
		n--;
	while (n > 0 && from[0] == ' ') {
		from++;
		n--;
	}
	if (n >= 2 && from[0] == '"' && from[n - 1] == '"') {
		from++;
		n -= 2;
	}
	if (n == 0) {
		fprintf(f, "From: <%s>\r\n", addr);
		return 0;
	}
	if (!utf8_line(from, n))
		return TG_ERR_INVALID;
	fputs("From: ", f);
	if (printable_ascii(from, n)) {
		fputc('"', f);
		for (i = 0; i < n; i++) {
			if (from[i] == '"' || from[i] == '\\')
				fputc('\\', f);
			fputc(from[i], f);
		}
		fputc('"', f);
		fprintf(f, " <%s>\r\n", addr);
	} else {
		put_encoded_words(f, from, n, strlen("From: "));
		fprintf(f, "\r\n <%s>\r\n", addr);	/* folded: lines stay short */
	}
	return 0;
}

/* RFC 5322 date in UTC, English names whatever the C locale. */
static void
put_date(FILE *f, int64_t ms)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	fprintf(f, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The body with CRLF line ends, base64 in lines of 76 characters. */
static int
put_body(FILE *f, const char *body)
{
	unsigned char line[4 * (BODY_LINE_BYTES / 3) + 1];
	unsigned char *crlf;
	size_t n = strlen(body), len = 0, i, k;

	for (i = 0; i < n; i++)
		len += body[i] == '\n' ? 2 : 1;
	if ((crlf = malloc(len + 1)) == NULL)
		return TG_ERR_NOMEM;
	for (i = 0, k = 0; i < n; i++) {
		if (body[i] == '\n')
			crlf[k++] = '\r';
		crlf[k++] = (unsigned char)body[i];
	}
	for (i = 0; i < len; i += k) {
		k = len - i < BODY_LINE_BYTES ? len - i : BODY_LINE_BYTES;
		EVP_EncodeBlock(line, crlf + i, (int)k);
		fprintf(f, "%s\r\n", line);
	}
	sodium_memzero(line, sizeof(line));
	tg_notify_buf_free((char *)crlf, len + 1);
	return 0;
}

int
tg_mail_format(const char *from, const struct tg_mail *m, char **out,
    size_t *outlen)
{
	char from_addr[ADDR_MAX + 1], rnd_hex[2 * MSGID_RAND + 1];
	uint8_t rnd[MSGID_RAND];
	char *buf = NULL;
	size_t len = 0;
	const char *domain;
	FILE *f = NULL;
	int r;

	*out = NULL;
	*outlen = 0;
	if (m == NULL || m->to == NULL || m->subject == NULL || m->body == NULL)
		return TG_ERR_INVALID;
	if (tg_mail_address(from, from_addr, sizeof(from_addr)) != 0 ||
	    !addr_valid(m->to, strlen(m->to)) ||
	    strlen(m->body) != strcspn(m->body, "\r"))
		return TG_ERR_INVALID;
	if ((f = open_memstream(&buf, &len)) == NULL)
		return TG_ERR_NOMEM;
	domain = strchr(from_addr, '@') + 1;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(rnd_hex, sizeof(rnd_hex), rnd, sizeof(rnd));
	put_date(f, m->date_ms);
	if ((r = put_from(f, from, from_addr)) != 0)
		goto out;
	fprintf(f, "To: <%s>\r\n", m->to);
	if ((r = put_text_header(f, "Subject", m->subject)) != 0)
		goto out;
	fprintf(f, "Message-ID: <%s.%lld@%s>\r\n", rnd_hex, (long long)m->id,
	    domain);
	fputs("MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Auto-Submitted: auto-generated\r\n", f);
	if (m->locale != NULL && m->locale[0] != '\0' &&
	    printable_ascii(m->locale, strlen(m->locale)) &&
	    strcspn(m->locale, " ;:") == strlen(m->locale))
		fprintf(f, "Content-Language: %s\r\n", m->locale);
	fputs("\r\n", f);
	if ((r = put_body(f, m->body)) != 0)
		goto out;
	if (fflush(f) != 0 || ferror(f)) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	r = 0;
out:
	if (fclose(f) != 0 && r == 0)
		r = TG_ERR_NOMEM;
	if (r != 0) {
		tg_notify_buf_free(buf, len);
		return r;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* --- the password file --- */

/* Read the password (first line) into pw; the caller wipes it. */
static int
password_read(const char *path, char *pw, size_t cap)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, r, embedded_nul;

	pw[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		tg_log(TG_LOG_ERROR, "notify.config", NULL,
		    "smtp_password_file %s: %s", path, strerror(errno));
		return TG_ERR_IO;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		tg_log(TG_LOG_ERROR, "notify.config", NULL,
		    "smtp_password_file %s: not a regular file", path);
		r = TG_ERR_IO;
		goto out;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		tg_log(TG_LOG_ERROR, "notify.config", NULL,
		    "smtp_password_file %s: must be owned by the server's user "
		    "with mode 0600 or 0400", path);
		r = TG_ERR_PERM;
		goto out;
	}
	while (len < cap - 1) {
		n = read(fd, pw + len, cap - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			r = TG_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	pw[len] = '\0';
	embedded_nul = memchr(pw, '\0', len) != NULL;
	pw[strcspn(pw, "\r\n")] = '\0';
	if (pw[0] == '\0' || embedded_nul || len == cap - 1) {
		tg_log(TG_LOG_ERROR, "notify.config", NULL,
		    "smtp_password_file %s: empty or malformed", path);
		r = TG_ERR_CONFIG;
		goto out;
	}
	r = 0;
out:
	close(fd);
	if (r != 0)
		sodium_memzero(pw, cap);
	return r;
}

/* --- sending --- */

struct upload {
	const char *p;
	size_t len, off;
};

static size_t
upload_read(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(dst, u->p + u->off, n);
	u->off += n;
	return n;
}

int
tg_smtp_send(tg_ctx *ctx, const struct tg_mail *m, const atomic_int *stop,
    char *detail, size_t detaillen)
{
	const struct tg_config *cfg = &ctx->cfg;
	char errbuf[CURL_ERROR_SIZE], from[ADDR_MAX + 3], to[ADDR_MAX + 3];
	char addr[ADDR_MAX + 1];
	char *pw = NULL, *msg = NULL;
	struct curl_slist *rcpt = NULL;
	struct upload up;
	size_t msglen = 0;
	CURL *c = NULL;
	CURLcode rc;
	long code = 0;
	int r;

	snprintf(detail, detaillen, "smtp: not sent");
	if ((r = tg_mail_format(cfg->notify_smtp_from, m, &msg, &msglen)) != 0) {
		snprintf(detail, detaillen, "smtp: unusable address or text");
		goto out;
	}
	if ((r = tg_mail_address(cfg->notify_smtp_from, addr, sizeof(addr))) != 0)
		goto out;
	snprintf(from, sizeof(from), "<%s>", addr);
	snprintf(to, sizeof(to), "<%s>", m->to);
	if ((c = curl_easy_init()) == NULL ||
	    (rcpt = curl_slist_append(NULL, to)) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	up.p = msg;
	up.len = msglen;
	up.off = 0;
	if ((r = tg_notify_curl_setup(c, cfg->notify_smtp_url, "smtp,smtps",
	    cfg->notify_smtp_ca_file, stop, errbuf)) != 0)
		goto out;
	if (curl_easy_setopt(c, CURLOPT_USE_SSL, cfg->notify_smtp_starttls ?
	    (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_READDATA, &up) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msglen) !=
	    CURLE_OK) {
		r = TG_ERR_INTERNAL;
		goto out;
	}
	if (cfg->notify_smtp_username[0] != '\0') {
		if ((pw = sodium_malloc(PASSWORD_MAX)) == NULL) {
			r = TG_ERR_NOMEM;
			goto out;
		}
		if ((r = password_read(cfg->notify_smtp_password_file, pw,
		    PASSWORD_MAX)) != 0) {
			snprintf(detail, detaillen, "smtp: password file unusable");
			goto out;
		}
		/* libcurl keeps its own copy; ours is wiped at once. */
		if (curl_easy_setopt(c, CURLOPT_USERNAME,
		    cfg->notify_smtp_username) != CURLE_OK ||
		    curl_easy_setopt(c, CURLOPT_PASSWORD, pw) != CURLE_OK) {
			r = TG_ERR_INTERNAL;
			goto out;
		}
		sodium_free(pw);
		pw = NULL;
	}
	rc = curl_easy_perform(c);
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	tg_notify_detail(detail, detaillen, "smtp", rc, errbuf, code);
	if (rc != CURLE_OK) {
		r = TG_ERR_IO;
		goto out;
	}
	r = 0;
out:
	if (c != NULL && cfg->notify_smtp_username[0] != '\0')
		(void)curl_easy_setopt(c, CURLOPT_PASSWORD, NULL);
	sodium_free(pw);		/* wipes; NULL-safe */
	curl_easy_cleanup(c);
	curl_slist_free_all(rcpt);
	tg_notify_buf_free(msg, msglen);
	return r;
}
