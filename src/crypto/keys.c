/*
 * Key material by key ID.  Symmetric keys and the admin token live in one
 * sodium_malloc region that is read-only after load and wiped on free; the
 * Ed25519 signing key is held by OpenSSL (EVP_PKEY, secure heap, cleared on
 * free).  Files are read through a directory descriptor that was checked
 * first, and each file is checked on its own descriptor (no stat/open race).
 */
#include "crypto/keys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <tradeguard/error.h>

#include "core/util.h"

#include "crypto/encode.h"

#define KEY_LEN		32
#define TOKEN_HEX_LEN	(2 * KEY_LEN)
#define PEPPER_MAX	64
#define DATA_MAX	64
#define KEY_ID_MAX	(TG_KEYS_ID_MAX + 1)
#define KEYFILE_MAX	4096	/* largest key file read (PEM) */

#define SESSION_FILE	"session.key"
#define WEBHOOK_FILE	"webhook.key"
#define ADMIN_FILE	"admin.token"
#define AUDIT_FILE	"audit-ed25519.pem"
#define PEPPER_PREFIX	"pepper-"
#define DATA_PREFIX	"data-"
#define FIRST_PEPPER	"pepper-1.key"
#define FIRST_DATA	"data-1.key"

/* Everything secret except the Ed25519 key: one guarded allocation. */
struct key_secrets {
	uint8_t session[KEY_LEN];
	uint8_t webhook[KEY_LEN];
	char admin[TOKEN_HEX_LEN];	/* the token as written in admin.token */
	uint8_t pepper[PEPPER_MAX][KEY_LEN];
	uint8_t data[DATA_MAX][KEY_LEN];
};

/* A family of numbered keys ("pepper-<N>", "data-<N>") being loaded. */
struct key_family {
	const char *prefix;		/* "pepper-" or "data-" */
	uint8_t (*key)[KEY_LEN];	/* max slots in the secret region */
	char (*id)[KEY_ID_MAX];		/* max slots */
	size_t max;
	size_t *n;			/* slots used */
	size_t *highest;		/* slot with the highest N (or NULL) */
};

struct tg_keys {
	struct key_secrets *sec;	/* sodium_malloc, read-only after load */
	size_t npeppers;
	char pepper_id[PEPPER_MAX][KEY_ID_MAX];
	size_t ndata;
	size_t data_cur;		/* slot of the highest data-<N> */
	char data_id[DATA_MAX][KEY_ID_MAX];
	EVP_PKEY *audit;
	uint8_t audit_pub[32];
};

/* Refuse anything group/other can touch or another user owns. */
static int
keys_check_mode(const struct stat *st, const char *dir, const char *name,
    char *err, size_t errlen)
{
	const char *sep = name == NULL ? "" : "/";
	const char *fix = S_ISDIR(st->st_mode) ? "700" : "600";

	if (name == NULL)
		name = "";
	if (st->st_uid != geteuid()) {
		tg_errf(err, errlen, "%s%s%s: owned by uid %lu, not by uid %lu "
		    "running TradeGuard", dir, sep, name,
		    (unsigned long)st->st_uid, (unsigned long)geteuid());
		return TG_ERR_PERM;
	}
	if ((st->st_mode & 077) != 0) {
		tg_errf(err, errlen, "%s%s%s: mode %04o allows group/other "
		    "access (chmod %s)", dir, sep, name,
		    (unsigned)(st->st_mode & 07777), fix);
		return TG_ERR_PERM;
	}
	return 0;
}

static int
keys_open_dir(const char *dir, int *fdp, char *err, size_t errlen)
{
	struct stat st;
	int fd, r;

	*fdp = -1;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		tg_errf(err, errlen, "%s: %s", dir, strerror(errno));
		return TG_ERR_IO;
	}
	if (fstat(fd, &st) == -1) {
		tg_errf(err, errlen, "%s: %s", dir, strerror(errno));
		close(fd);
		return TG_ERR_IO;
	}
	if ((r = keys_check_mode(&st, dir, NULL, err, errlen)) != 0) {
		close(fd);
		return r;
	}
	*fdp = fd;
	return 0;
}

/*
 * Read dir/name into buf (cap bytes, caller wipes).  Checks the opened file
 * is regular, ours and private.
 */
static int
keys_read_file(int dfd, const char *dir, const char *name, char *buf,
    size_t cap, size_t *lenp, char *err, size_t errlen)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, r;

	*lenp = 0;
	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		tg_errf(err, errlen, "%s/%s: %s", dir, name, strerror(errno));
		return TG_ERR_IO;
	}
	if (fstat(fd, &st) == -1) {
		tg_errf(err, errlen, "%s/%s: %s", dir, name, strerror(errno));
		r = TG_ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		tg_errf(err, errlen, "%s/%s: not a regular file", dir, name);
		r = TG_ERR_INVALID;
		goto out;
	}
	if ((r = keys_check_mode(&st, dir, name, err, errlen)) != 0)
		goto out;
	for (;;) {
		if (len == cap) {
			tg_errf(err, errlen, "%s/%s: larger than %zu bytes",
			    dir, name, cap - 1);
			r = TG_ERR_INVALID;
			goto out;
		}
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			tg_errf(err, errlen, "%s/%s: %s", dir, name,
			    strerror(errno));
			r = TG_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*lenp = len;
	r = 0;
out:
	close(fd);
	return r;
}

/*
 * Parse "<64 hex digits>" with an optional final newline.  out receives the
 * 32 bytes; hexp (optional) the 64 digits as written.
 */
static int
keys_parse_hex(const char *buf, size_t len, uint8_t out[KEY_LEN],
    char *hexp, const char *dir, const char *name, char *err, size_t errlen)
{
	if (len == TOKEN_HEX_LEN + 1 && buf[TOKEN_HEX_LEN] == '\n')
		len--;
	if (len != TOKEN_HEX_LEN ||
	    tg_hex_decode(buf, len, out, KEY_LEN) != 0) {
		tg_errf(err, errlen, "%s/%s: expected %d hex digits and a "
		    "newline", dir, name, TOKEN_HEX_LEN);
		return TG_ERR_INVALID;
	}
	if (hexp != NULL)
		memcpy(hexp, buf, TOKEN_HEX_LEN);
	return 0;
}

static int
keys_load_hex(int dfd, const char *dir, const char *name, uint8_t out[KEY_LEN],
    char *hexp, char *buf, char *err, size_t errlen)
{
	size_t len = 0;
	int r;

	if ((r = keys_read_file(dfd, dir, name, buf, KEYFILE_MAX, &len, err,
	    errlen)) == 0)
		r = keys_parse_hex(buf, len, out, hexp, dir, name, err, errlen);
	sodium_memzero(buf, KEYFILE_MAX);
	return r;
}

/* Never prompt for a passphrase: key files are not encrypted. */
static int
keys_no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static int
keys_load_audit(tg_keys *k, int dfd, const char *dir, char *buf, char *err,
    size_t errlen)
{
	BIO *bio = NULL;
	EVP_PKEY *pk = NULL;
	size_t len = 0, publen = sizeof(k->audit_pub);
	int r;

	if ((r = keys_read_file(dfd, dir, AUDIT_FILE, buf, KEYFILE_MAX, &len,
	    err, errlen)) != 0)
		goto out;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if ((pk = PEM_read_bio_PrivateKey(bio, NULL, keys_no_passphrase,
	    NULL)) == NULL || EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pk, k->audit_pub, &publen) != 1 ||
	    publen != sizeof(k->audit_pub)) {
		tg_errf(err, errlen, "%s/%s: not a PEM PKCS#8 Ed25519 private "
		    "key", dir, AUDIT_FILE);
		r = TG_ERR_INVALID;
		goto out;
	}
	k->audit = pk;
	pk = NULL;
	r = 0;
out:
	ERR_clear_error();
	BIO_free(bio);
	EVP_PKEY_free(pk);
	sodium_memzero(buf, KEYFILE_MAX);
	return r;
}

/*
 * "<prefix><N>.key", N decimal without leading zeros (at most 9 digits):
 * copy "<prefix><N>" to id and N to *nump (either may be NULL).
 */
static int
keys_numbered_name(const char *name, const char *prefix, char id[KEY_ID_MAX],
    unsigned long *nump)
{
	size_t i = strlen(prefix), ndig = 0;
	unsigned long num = 0;

	if (strncmp(name, prefix, i) != 0 || name[i] < '1' || name[i] > '9')
		return 0;
	while (name[i + ndig] >= '0' && name[i + ndig] <= '9') {
		if (ndig < 9)
			num = num * 10 + (unsigned long)(name[i + ndig] - '0');
		ndig++;
	}
	if (ndig > 9 || i + ndig >= KEY_ID_MAX ||
	    strcmp(name + i + ndig, ".key") != 0)
		return 0;
	if (id != NULL) {
		memcpy(id, name, i + ndig);
		id[i + ndig] = '\0';
	}
	if (nump != NULL)
		*nump = num;
	return 1;
}

/* Load every "<prefix><N>.key" in dir; at least one must exist. */
static int
keys_load_family(const struct key_family *f, int dfd, const char *dir,
    char *buf, char *err, size_t errlen)
{
	DIR *d = NULL;
	struct dirent *de;
	char id[KEY_ID_MAX];
	unsigned long num, best = 0;
	int fd, r = 0;

	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		tg_errf(err, errlen, "%s: %s", dir, strerror(errno));
		return TG_ERR_IO;
	}
	rewinddir(d);	/* the dup shares its offset with earlier scans */
	while ((de = readdir(d)) != NULL) {
		if (!keys_numbered_name(de->d_name, f->prefix, id, &num))
			continue;
		if (*f->n == f->max) {
			tg_errf(err, errlen, "%s: more than %zu %s<N>.key files",
			    dir, f->max, f->prefix);
			r = TG_ERR_LIMIT;
			goto out;
		}
		if ((r = keys_load_hex(dfd, dir, de->d_name, f->key[*f->n],
		    NULL, buf, err, errlen)) != 0)
			goto out;
		memcpy(f->id[*f->n], id, sizeof(id));
		if (f->highest != NULL && num > best) {
			best = num;
			*f->highest = *f->n;
		}
		(*f->n)++;
	}
	if (*f->n == 0) {
		tg_errf(err, errlen, "%s: no %s<N>.key file", dir, f->prefix);
		r = TG_ERR_IO;
	}
out:
	closedir(d);
	return r;
}

int
tg_keys_load(const char *dir, tg_keys **out, char *err, size_t errlen)
{
	tg_keys *k = NULL;
	char *buf = NULL;
	int dfd = -1, r;

	*out = NULL;
	tg_errf(err, errlen, "%s", "");
	if (sodium_init() < 0)
		return TG_ERR_CRYPTO;
	if ((r = keys_open_dir(dir, &dfd, err, errlen)) != 0)
		goto out;
	if ((k = calloc(1, sizeof(*k))) == NULL ||
	    (k->sec = sodium_malloc(sizeof(*k->sec))) == NULL ||
	    (buf = sodium_malloc(KEYFILE_MAX)) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	sodium_memzero(k->sec, sizeof(*k->sec));
	if ((r = keys_load_hex(dfd, dir, SESSION_FILE, k->sec->session, NULL,
	    buf, err, errlen)) != 0 ||
	    (r = keys_load_hex(dfd, dir, WEBHOOK_FILE, k->sec->webhook, NULL,
	    buf, err, errlen)) != 0)
		goto out;
	{
		uint8_t scratch[KEY_LEN];

		r = keys_load_hex(dfd, dir, ADMIN_FILE, scratch, k->sec->admin,
		    buf, err, errlen);
		sodium_memzero(scratch, sizeof(scratch));
		if (r != 0)
			goto out;
	}
	{
		const struct key_family peppers = { PEPPER_PREFIX,
		    k->sec->pepper, k->pepper_id, PEPPER_MAX, &k->npeppers,
		    NULL };
		const struct key_family data = { DATA_PREFIX, k->sec->data,
		    k->data_id, DATA_MAX, &k->ndata, &k->data_cur };

		if ((r = keys_load_family(&peppers, dfd, dir, buf, err,
		    errlen)) != 0 ||
		    (r = keys_load_family(&data, dfd, dir, buf, err,
		    errlen)) != 0)
			goto out;
	}
	if ((r = keys_load_audit(k, dfd, dir, buf, err, errlen)) != 0)
		goto out;
	sodium_mprotect_readonly(k->sec);
	*out = k;
	k = NULL;
out:
	if (dfd != -1)
		close(dfd);
	sodium_free(buf);
	tg_keys_free(k);
	return r;
}

void
tg_keys_free(tg_keys *k)
{
	if (k == NULL)
		return;
	sodium_free(k->sec);	/* wipes */
	EVP_PKEY_free(k->audit);
	sodium_memzero(k, sizeof(*k));
	free(k);
}

/* Write data to dir/name unless it exists: temp file, fsync, link (no clobber). */
static int
keys_write_new(int dfd, const char *dir, const char *name, const void *data,
    size_t len, char *err, size_t errlen)
{
	char tmp[64];
	struct stat st;
	const char *p = data;
	ssize_t n;
	int fd = -1, r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;	/* kept */
	if (errno != ENOENT) {
		tg_errf(err, errlen, "%s/%s: %s", dir, name, strerror(errno));
		return TG_ERR_IO;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= sizeof(tmp))
		return TG_ERR_INTERNAL;
	if (unlinkat(dfd, tmp, 0) == -1 && errno != ENOENT) {
		tg_errf(err, errlen, "%s/%s: %s", dir, tmp, strerror(errno));
		return TG_ERR_IO;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1 || fchmod(fd, 0600) == -1) {
		tg_errf(err, errlen, "%s/%s: %s", dir, tmp, strerror(errno));
		r = TG_ERR_IO;
		goto out;
	}
	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			tg_errf(err, errlen, "%s/%s: %s", dir, tmp,
			    strerror(errno));
			r = TG_ERR_IO;
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) == -1) {
		tg_errf(err, errlen, "%s/%s: %s", dir, tmp, strerror(errno));
		r = TG_ERR_IO;
		goto out;
	}
	n = close(fd);
	fd = -1;
	if (n == -1) {
		tg_errf(err, errlen, "%s/%s: %s", dir, tmp, strerror(errno));
		r = TG_ERR_IO;
		goto out;
	}
	if (linkat(dfd, tmp, dfd, name, 0) == -1 && errno != EEXIST) {
		tg_errf(err, errlen, "%s/%s: %s", dir, name, strerror(errno));
		r = TG_ERR_IO;
		goto out;
	}
	r = 0;
out:
	if (fd != -1)
		close(fd);
	unlinkat(dfd, tmp, 0);
	return r;
}

static int
keys_write_random_hex(int dfd, const char *dir, const char *name, char *err,
    size_t errlen)
{
	uint8_t *raw;
	char *hex;
	int r;

	if ((raw = sodium_malloc(KEY_LEN + TOKEN_HEX_LEN + 2)) == NULL)
		return TG_ERR_NOMEM;
	hex = (char *)raw + KEY_LEN;
	randombytes_buf(raw, KEY_LEN);
	tg_hex_encode(raw, KEY_LEN, hex);
	hex[TOKEN_HEX_LEN] = '\n';
	r = keys_write_new(dfd, dir, name, hex, TOKEN_HEX_LEN + 1, err, errlen);
	sodium_free(raw);	/* wipes */
	return r;
}

static int
keys_write_audit(int dfd, const char *dir, char *err, size_t errlen)
{
	EVP_PKEY *pk = NULL;
	BIO *bio = NULL;
	struct stat st;
	char *pem = NULL;
	long len;
	int r;

	if (fstatat(dfd, AUDIT_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;	/* kept */
	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    (bio = BIO_new(BIO_s_secmem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (len = BIO_get_mem_data(bio, &pem)) <= 0) {
		tg_errf(err, errlen, "%s/%s: Ed25519 key generation failed",
		    dir, AUDIT_FILE);
		r = TG_ERR_CRYPTO;
		goto out;
	}
	r = keys_write_new(dfd, dir, AUDIT_FILE, pem, (size_t)len, err, errlen);
out:
	ERR_clear_error();
	BIO_free(bio);		/* secure heap: cleared */
	EVP_PKEY_free(pk);
	return r;
}

/* *have = 1 if some "<prefix><N>.key" exists in the directory. */
static int
keys_have_family(int dfd, const char *prefix, int *have)
{
	DIR *d;
	struct dirent *de;
	int fd;

	*have = 0;
	if ((fd = dup(dfd)) == -1)
		return TG_ERR_IO;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return TG_ERR_IO;
	}
	rewinddir(d);	/* the dup shares its offset with earlier scans */
	while ((de = readdir(d)) != NULL)
		if (keys_numbered_name(de->d_name, prefix, NULL, NULL))
			*have = 1;
	closedir(d);
	return 0;
}

int
tg_keys_generate(const char *dir, char *err, size_t errlen)
{
	int dfd = -1, created = 0, have = 0, have_data = 0, r;

	tg_errf(err, errlen, "%s", "");
	if (sodium_init() < 0)
		return TG_ERR_CRYPTO;
	if (mkdir(dir, 0700) == 0)
		created = 1;
	else if (errno != EEXIST) {
		tg_errf(err, errlen, "%s: %s", dir, strerror(errno));
		return TG_ERR_IO;
	}
	if (created && chmod(dir, 0700) == -1) {
		tg_errf(err, errlen, "%s: %s", dir, strerror(errno));
		return TG_ERR_IO;
	}
	if ((r = keys_open_dir(dir, &dfd, err, errlen)) != 0)
		goto out;
	if ((r = keys_have_family(dfd, PEPPER_PREFIX, &have)) != 0 ||
	    (r = keys_have_family(dfd, DATA_PREFIX, &have_data)) != 0) {
		tg_errf(err, errlen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if ((!have && (r = keys_write_random_hex(dfd, dir, FIRST_PEPPER, err,
	    errlen)) != 0) ||
	    (!have_data && (r = keys_write_random_hex(dfd, dir, FIRST_DATA,
	    err, errlen)) != 0) ||
	    (r = keys_write_random_hex(dfd, dir, SESSION_FILE, err,
	    errlen)) != 0 ||
	    (r = keys_write_random_hex(dfd, dir, WEBHOOK_FILE, err,
	    errlen)) != 0 ||
	    (r = keys_write_random_hex(dfd, dir, ADMIN_FILE, err, errlen)) != 0 ||
	    (r = keys_write_audit(dfd, dir, err, errlen)) != 0)
		goto out;
	if (fsync(dfd) == -1) {
		tg_errf(err, errlen, "%s: %s", dir, strerror(errno));
		r = TG_ERR_IO;
		goto out;
	}
	r = 0;
out:
	if (dfd != -1)
		close(dfd);
	return r;
}

static const uint8_t *
keys_find_mac_key(const tg_keys *k, const char *key_id)
{
	size_t i;

	if (k == NULL || key_id == NULL)
		return NULL;
	if (strcmp(key_id, "session") == 0)
		return k->sec->session;
	if (strcmp(key_id, "webhook") == 0)
		return k->sec->webhook;
	for (i = 0; i < k->npeppers; i++)
		if (strcmp(key_id, k->pepper_id[i]) == 0)
			return k->sec->pepper[i];
	return NULL;
}

static const uint8_t *
keys_find_data_key(const tg_keys *k, const char *key_id)
{
	size_t i;

	if (k == NULL || key_id == NULL)
		return NULL;
	for (i = 0; i < k->ndata; i++)
		if (strcmp(key_id, k->data_id[i]) == 0)
			return k->sec->data[i];
	return NULL;
}

int
tg_keys_has(const tg_keys *k, const char *key_id)
{
	if (k == NULL || key_id == NULL)
		return 0;
	if (keys_find_mac_key(k, key_id) != NULL ||
	    keys_find_data_key(k, key_id) != NULL ||
	    strcmp(key_id, "admin") == 0 || strcmp(key_id, "audit") == 0)
		return 1;
	return 0;
}

/* CT: time depends on len only (key lookup by public ID aside). */
int
tg_keys_hmac(const tg_keys *k, const char *key_id, const void *msg,
    size_t len, uint8_t out[32])
{
	const uint8_t *key;

	if ((key = keys_find_mac_key(k, key_id)) == NULL)
		return TG_ERR_NOT_FOUND;
	if (msg == NULL)
		msg = "";
	if (crypto_auth_hmacsha256(out, msg, len, key) != 0)
		return TG_ERR_CRYPTO;
	return 0;
}

int
tg_keys_sign(const tg_keys *k, const char *key_id, const void *msg,
    size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *ctx = NULL;
	size_t siglen = 64;
	int r;

	if (k == NULL || key_id == NULL || strcmp(key_id, "audit") != 0 ||
	    k->audit == NULL)
		return TG_ERR_NOT_FOUND;
	if (msg == NULL)
		msg = "";
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->audit) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, msg, len) != 1 || siglen != 64) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	r = 0;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return r;
}

int
tg_keys_public(const tg_keys *k, const char *key_id, uint8_t pub[32])
{
	if (k == NULL || key_id == NULL || strcmp(key_id, "audit") != 0 ||
	    k->audit == NULL)
		return TG_ERR_NOT_FOUND;
	memcpy(pub, k->audit_pub, 32);
	return 0;
}

/* CT: the length check leaks only whether len is 64; the compare is constant time. */
int
tg_keys_check_admin_token(const tg_keys *k, const char *token, size_t len)
{
	if (k == NULL || token == NULL || len != TOKEN_HEX_LEN)
		return TG_ERR_AUTH;
	if (sodium_memcmp(token, k->sec->admin, TOKEN_HEX_LEN) != 0)
		return TG_ERR_AUTH;
	return 0;
}

const char *
tg_keys_data_current(const tg_keys *k)
{
	if (k == NULL || k->ndata == 0)
		return NULL;
	return k->data_id[k->data_cur];
}

/*
 * The authenticated header: keyid_len || key_id as stored in the blob.
 * GCM takes it as additional data ahead of the caller's aad, so a blob
 * relabelled with another key ID fails authentication.
 */
static int
keys_gcm_aad(EVP_CIPHER_CTX *ctx, const uint8_t *hdr, size_t hdrlen,
    const void *aad, size_t aadlen)
{
	int n;

	if (EVP_CipherUpdate(ctx, NULL, &n, hdr, (int)hdrlen) != 1)
		return TG_ERR_CRYPTO;
	if (aadlen > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad,
	    (int)aadlen) != 1)
		return TG_ERR_CRYPTO;
	return 0;
}

/* CT: time depends on the lengths and the (public) key ID only. */
int
tg_keys_seal(const tg_keys *k, const char *key_id, const void *aad,
    size_t aadlen, const void *pt, size_t ptlen, uint8_t *out, size_t cap,
    size_t *outlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	const uint8_t *key;
	uint8_t *nonce, *ct;
	size_t idlen, hdrlen, need = 0;
	int n = 0, fin = 0, r;

	*outlen = 0;
	if ((key = keys_find_data_key(k, key_id)) == NULL)
		return TG_ERR_NOT_FOUND;
	if ((aad == NULL && aadlen > 0) || (pt == NULL && ptlen > 0) ||
	    out == NULL || aadlen > INT_MAX || ptlen > INT_MAX)
		return TG_ERR_INVALID;
	idlen = strlen(key_id);		/* < KEY_ID_MAX: it was loaded */
	hdrlen = 1 + idlen;
	need = ptlen + TG_KEYS_SEAL_OVERHEAD(idlen);
	if (cap < need)
		return TG_ERR_LIMIT;
	out[0] = (uint8_t)idlen;
	memcpy(out + 1, key_id, idlen);
	nonce = out + hdrlen;
	ct = nonce + TG_KEYS_NONCE_LEN;
	randombytes_buf(nonce, TG_KEYS_NONCE_LEN);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if (EVP_EncryptInit_ex2(ctx, EVP_aes_256_gcm(), key, nonce,
	    NULL) != 1) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	if ((r = keys_gcm_aad(ctx, out, hdrlen, aad, aadlen)) != 0)
		goto out;
	if ((ptlen > 0 && (EVP_EncryptUpdate(ctx, ct, &n, pt,
	    (int)ptlen) != 1 || (size_t)n != ptlen)) ||
	    EVP_EncryptFinal_ex(ctx, ct + ptlen, &fin) != 1 || fin != 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TG_KEYS_TAG_LEN,
	    ct + ptlen) != 1) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	*outlen = need;
	r = 0;
out:
	if (r != 0)
		OPENSSL_cleanse(out, need);
	ERR_clear_error();
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

/* CT: time depends on the lengths and the (public) key ID only. */
int
tg_keys_open(const tg_keys *k, const void *aad, size_t aadlen,
    const uint8_t *in, size_t inlen, uint8_t *pt, size_t cap, size_t *ptlen)
{
	EVP_CIPHER_CTX *ctx = NULL;
	const uint8_t *key, *nonce, *ct, *tag;
	char id[KEY_ID_MAX];
	uint8_t tagbuf[TG_KEYS_TAG_LEN], fbuf[16];
	size_t idlen, hdrlen, ctlen = 0;
	int n = 0, fin = 0, r;

	*ptlen = 0;
	if (k == NULL || (in == NULL && inlen > 0) ||
	    (aad == NULL && aadlen > 0) || aadlen > INT_MAX)
		return TG_ERR_INVALID;
	if (inlen < 1 || inlen < TG_KEYS_SEAL_OVERHEAD((size_t)in[0]))
		return TG_ERR_TAMPERED;		/* truncated */
	idlen = in[0];
	hdrlen = 1 + idlen;
	if (idlen == 0 || idlen >= KEY_ID_MAX ||
	    memchr(in + 1, '\0', idlen) != NULL)
		return TG_ERR_NOT_FOUND;
	memcpy(id, in + 1, idlen);
	id[idlen] = '\0';
	if ((key = keys_find_data_key(k, id)) == NULL)
		return TG_ERR_NOT_FOUND;
	nonce = in + hdrlen;
	ct = nonce + TG_KEYS_NONCE_LEN;
	ctlen = inlen - TG_KEYS_SEAL_OVERHEAD(idlen);
	tag = ct + ctlen;
	if (ctlen > INT_MAX)
		return TG_ERR_INVALID;
	if (cap < ctlen || (pt == NULL && ctlen > 0))
		return TG_ERR_LIMIT;
	memcpy(tagbuf, tag, sizeof(tagbuf));	/* OpenSSL wants it writable */
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if (EVP_DecryptInit_ex2(ctx, EVP_aes_256_gcm(), key, nonce,
	    NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TG_KEYS_TAG_LEN,
	    tagbuf) != 1) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	if ((r = keys_gcm_aad(ctx, in, hdrlen, aad, aadlen)) != 0)
		goto out;
	if (ctlen > 0 && (EVP_DecryptUpdate(ctx, pt, &n, ct,
	    (int)ctlen) != 1 || (size_t)n != ctlen)) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	if (EVP_DecryptFinal_ex(ctx, fbuf, &fin) != 1 || fin != 0) {
		r = TG_ERR_TAMPERED;
		goto out;
	}
	*ptlen = ctlen;
	r = 0;
out:
	if (r != 0 && pt != NULL && cap > 0)
		OPENSSL_cleanse(pt, ctlen);	/* unauthenticated */
	ERR_clear_error();
	EVP_CIPHER_CTX_free(ctx);
	return r;
}

int
tg_ed25519_verify(const uint8_t pub[32], const void *msg, size_t len,
    const uint8_t sig[64])
{
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *ctx = NULL;
	int r;

	if (msg == NULL)
		msg = "";
	if ((pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
	    32)) == NULL) {
		r = TG_ERR_TAMPERED;
		goto out;
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		r = TG_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) != 1) {
		r = TG_ERR_CRYPTO;
		goto out;
	}
	r = EVP_DigestVerify(ctx, sig, 64, msg, len) == 1 ? 0 : TG_ERR_TAMPERED;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return r;
}
