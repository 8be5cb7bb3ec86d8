/* Authentication ceremony (WebAuthn L2 7.2) against a stored credential. */
#include "crypto/webauthn_int.h"

#include <string.h>

#include <openssl/evp.h>

#include <tradeguard/error.h>

int
tg_webauthn_assert(const struct tg_webauthn_policy *pol,
    const uint8_t *challenge, size_t chlen, const uint8_t *cose_key,
    size_t cklen, int alg, const uint8_t *client_data, size_t cdlen,
    const uint8_t *auth_data, size_t adlen, const uint8_t *sig, size_t siglen,
    struct tg_webauthn_assertion *out)
{
	struct tg_webauthn_authdata ad;
	EVP_PKEY *pk = NULL;
	uint8_t cd_hash[32];
	int kalg = 0, r;

	if (out == NULL)
		return TG_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	if (pol == NULL || sig == NULL || siglen == 0)
		return TG_ERR_INVALID;
	if ((r = tg_webauthn_cose_key_load(cose_key, cklen, &kalg, &pk)) != 0)
		goto out;
	if (kalg != alg) {
		r = TG_ERR_INVALID;	/* the stored alg and key disagree */
		goto out;
	}
	if ((r = tg_webauthn_client_data_verify(pol, "webauthn.get", challenge,
	    chlen, client_data, cdlen)) != 0 ||
	    (r = tg_webauthn_sha256(client_data, cdlen, cd_hash)) != 0 ||
	    (r = tg_webauthn_authdata_parse(auth_data, adlen, &ad)) != 0)
		goto out;
	if ((ad.flags & TG_WEBAUTHN_FLAG_AT) != 0) {
		r = TG_ERR_INVALID;	/* an assertion carries no new credential */
		goto out;
	}
	if ((r = tg_webauthn_authdata_check(pol, &ad)) != 0 ||
	    (r = tg_webauthn_sig_verify_ad(pk, alg, auth_data, adlen, cd_hash,
	    sig, siglen)) != 0)
		goto out;
	out->sign_count = ad.sign_count;
	out->uv = (ad.flags & TG_WEBAUTHN_FLAG_UV) != 0;
	out->flags = ad.flags;
out:
	EVP_PKEY_free(pk);
	return r;
}
