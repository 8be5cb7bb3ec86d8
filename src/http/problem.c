/*
 * The problem table: every enum tg_problem with its HTTP status, stable code
 * and English title.  Codes are part of the API contract (docs/api.md):
 * never renumber, only add.
 */
#include "http/http.h"

struct problem_def {
	int status;
	const char *code;
	const char *title;
};

static const struct problem_def problems[TG_P__COUNT] = {
	[TG_P_BAD_REQUEST] = { 400, "TG-REQ-001", "Bad request" },
	[TG_P_NOT_FOUND] = { 404, "TG-REQ-002", "Not found" },
	[TG_P_METHOD] = { 405, "TG-REQ-003", "Method not allowed" },
	[TG_P_TOO_LARGE] = { 413, "TG-REQ-004", "Request too large" },
	[TG_P_UNSUPPORTED_MEDIA] = { 415, "TG-REQ-005", "Unsupported media type" },
	[TG_P_UNAUTHORIZED] = { 401, "TG-AUTH-002", "Authentication required" },
	[TG_P_LOGIN_FAILED] = { 401, "TG-AUTH-001", "Login failed" },
	[TG_P_FLOW_INVALID] = { 401, "TG-AUTH-003", "Login flow invalid or expired" },
	[TG_P_PASSWORD_POLICY] = { 422, "TG-PWD-001", "Password does not meet the policy" },
	[TG_P_PASSWORD_REUSED] = { 422, "TG-PWD-002", "Password was used before" },
	[TG_P_CURRENT_PASSWORD] = { 403, "TG-PWD-003", "Current password is wrong" },
	[TG_P_SESSION_LIMIT] = { 429, "TG-SES-001", "Too many sessions" },
	[TG_P_CONFLICT] = { 409, "TG-REQ-006", "Conflict" },
	[TG_P_BUSY] = { 503, "TG-SRV-001", "Server busy" },
	[TG_P_UNAVAILABLE] = { 503, "TG-SRV-002", "Service unavailable" },
	[TG_P_INTERNAL] = { 500, "TG-SRV-003", "Internal error" },
	[TG_P_STEPUP_REQUIRED] = { 403, "TG-AUTH-004", "Step-up verification required" },
	[TG_P_FACTOR_UNAVAILABLE] = { 422, "TG-FAC-001", "Factor not available" },
	[TG_P_CODE_LIMIT] = { 429, "TG-FAC-002", "Too many codes requested" },
	[TG_P_VERIFY_FAILED] = { 403, "TG-FAC-003", "Verification failed" },
};

static const struct problem_def *
problem_get(enum tg_problem p)
{
	if ((unsigned)p >= TG_P__COUNT || problems[p].code == NULL)
		return &problems[TG_P_INTERNAL];
	return &problems[p];
}

const char *
tg_problem_code(enum tg_problem p)
{
	return problem_get(p)->code;
}

int
tg_problem_status(enum tg_problem p)
{
	return problem_get(p)->status;
}

const char *
tg_problem_title(enum tg_problem p)
{
	return problem_get(p)->title;
}
