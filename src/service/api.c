/* The public in-process API (include/tradeguard/tradeguard.h). */
#include <tradeguard/tradeguard.h>

#include <stdio.h>
#include <string.h>

#include "service/ctx.h"
#include "service/session.h"

_Static_assert(TG_FACTOR_KNOWLEDGE == TG_KIND_KNOWLEDGE &&
    TG_FACTOR_POSSESSION == TG_KIND_POSSESSION &&
    TG_FACTOR_INHERENCE == TG_KIND_INHERENCE, "factor bits agree");

const char *
tg_version(void)
{
	return TG_VERSION;
}

int
tg_open(const char *config_path, tg_ctx **out, char *err, size_t errlen)
{
	char buf[512];
	int r = tg_ctx_open(config_path, out, buf, sizeof(buf));

	if (r != 0 && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", buf);
	return r;
}

void
tg_close(tg_ctx *ctx)
{
	tg_ctx_free(ctx);
}

int
tg_session_validate(tg_ctx *ctx, const char *token, const char *client_addr,
    struct tg_session_view *out)
{
	struct tg_actor who = { "library", client_addr != NULL ? client_addr : "",
	    "libtradeguard", "" };
	struct tg_session_info si;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = tg_session_check(ctx, &who, token, &si)) != 0)
		return r;
	snprintf(out->login, sizeof(out->login), "%s", si.customer.login);
	out->factor_kinds = si.rec.kinds;
	out->auth_time_ms = si.rec.auth_time;
	out->expires_at_ms = si.rec.expires_at;
	out->idle_expires_at_ms = si.idle_expires_at;
	out->password_change_recommended = si.rec.pw_change_recommended;
	return 0;
}
