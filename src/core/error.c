#include <tradeguard/error.h>

#include <stddef.h>

static const struct {
	int code;
	const char *text;
} err_table[] = {
	{ TG_OK, "success" },
	{ TG_ERR_INTERNAL, "internal error" },
	{ TG_ERR_NOMEM, "out of memory" },
	{ TG_ERR_INVALID, "invalid input" },
	{ TG_ERR_NOT_FOUND, "not found" },
	{ TG_ERR_EXISTS, "already exists" },
	{ TG_ERR_AUTH, "authentication failed" },
	{ TG_ERR_LOCKED, "account locked" },
	{ TG_ERR_DISABLED, "account disabled" },
	{ TG_ERR_EXPIRED, "expired" },
	{ TG_ERR_POLICY, "rejected by policy" },
	{ TG_ERR_STORE, "storage failure" },
	{ TG_ERR_AUDIT, "audit append failed" },
	{ TG_ERR_IO, "I/O error" },
	{ TG_ERR_CRYPTO, "cryptographic failure" },
	{ TG_ERR_BUSY, "busy" },
	{ TG_ERR_CONFIG, "configuration error" },
	{ TG_ERR_TAMPERED, "integrity check failed" },
	{ TG_ERR_PERM, "permission denied" },
	{ TG_ERR_LIMIT, "limit reached" },
	{ TG_ERR_REUSED, "reused" },
};

const char *
tg_strerror(int err)
{
	size_t i;

	for (i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
		if (err_table[i].code == err)
			return err_table[i].text;
	return "unknown error";
}
