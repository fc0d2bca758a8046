//! The `code` values the JSON API answers with, one per status, with what
//! each means and what a program (or its author) should do. The API's error
//! type takes its codes from here and `/docs/errors` renders this table, so
//! the reference cannot drift from what the server sends.

/// One `error.code` of the envelope `{"error": {"code", "message", "details"}}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApiErrorCode {
    pub status: u16,
    pub code: &'static str,
    pub meaning: &'static str,
    pub what_to_do: &'static str,
    /// The values `details.reason` takes with this code, and what each means.
    pub reasons: &'static [(&'static str, &'static str)],
}

pub const API_ERROR_CODES: &[ApiErrorCode] = &[
    ApiErrorCode {
        status: 400,
        code: "bad_request",
        meaning: "The request could not be read: the body is not JSON, or not the JSON the operation takes.",
        what_to_do: "Send `Content-Type: application/json` and a body matching the operation's schema; `message` says what was wrong.",
        reasons: &[],
    },
    ApiErrorCode {
        status: 401,
        code: "unauthorized",
        meaning: "The API key is missing or does not work.",
        what_to_do: "Check `details.reason`. Only `missing` and `malformed` are bugs in the caller; the others mean: use another key.",
        reasons: &[
            ("missing", "No `X-API-Key` header was sent."),
            (
                "malformed",
                "The value is not a Tracepipe key: mistyped or cut short (its checksum fails).",
            ),
            ("invalid", "No such key: mistyped, or replaced by a roll."),
            ("revoked", "The key was revoked."),
            (
                "disabled",
                "The key is disabled; its owner can enable it on the API keys page.",
            ),
            ("expired", "The key expired; roll it or create a new one."),
        ],
    },
    ApiErrorCode {
        status: 403,
        code: "forbidden",
        meaning: "The key works but may not do this.",
        what_to_do: "Check `details.reason`: use a key with the permission, call from an allowed network, or finish the account's set-up.",
        reasons: &[
            (
                "missing_permission",
                "The key lacks the permission in `details.permission`, e.g. `api_keys:write`.",
            ),
            (
                "network_not_allowed",
                "The key is limited to networks that do not include `details.client_address`.",
            ),
            (
                "escalation",
                "A key cannot make or change a key with more access, a later expiry or wider networks than its own.",
            ),
            (
                "email_unverified",
                "The account's e-mail address is not confirmed yet.",
            ),
            ("subscription_required", "The account has no active plan."),
        ],
    },
    ApiErrorCode {
        status: 404,
        code: "not_found",
        meaning: "No such resource among the key owner's.",
        what_to_do: "Check the id; keys of other accounts are never visible.",
        reasons: &[],
    },
    ApiErrorCode {
        status: 405,
        code: "method_not_allowed",
        meaning: "The path exists, but not with this HTTP method.",
        what_to_do: "Use one of the methods the `Allow` header lists (see /v1/openapi.json).",
        reasons: &[],
    },
    ApiErrorCode {
        status: 408,
        code: "request_timeout",
        meaning: "The request took too long to arrive or to answer.",
        what_to_do: "Retry; send the body at once rather than slowly.",
        reasons: &[],
    },
    ApiErrorCode {
        status: 409,
        code: "conflict",
        meaning: "The request conflicts with the resource's state, e.g. 20 active keys already.",
        what_to_do: "Read `message`; change the state (revoke a key) before retrying.",
        reasons: &[(
            "grace_period_running",
            "The key's secret before its last roll still works: roll again with `end_previous_grace: true`, or end that grace period first.",
        )],
    },
    ApiErrorCode {
        status: 413,
        code: "payload_too_large",
        meaning: "The body is larger than the API accepts.",
        what_to_do: "Send a smaller body.",
        reasons: &[],
    },
    ApiErrorCode {
        status: 422,
        code: "validation_error",
        meaning: "The JSON was read but a value is not acceptable.",
        what_to_do: "`details.field` names the field and `message` says why; fix it. Nothing was changed.",
        reasons: &[],
    },
    ApiErrorCode {
        status: 429,
        code: "rate_limited",
        meaning: "The key made more requests this minute than its allowance.",
        what_to_do: "Wait the `Retry-After` seconds, then retry. `X-RateLimit-Remaining` on every answer tells how many are left.",
        reasons: &[(
            "rate_limited",
            "The key's allowance for this kind of request (reads, or changes) is used up for now.",
        )],
    },
    ApiErrorCode {
        status: 500,
        code: "internal_error",
        meaning: "A fault on our side.",
        what_to_do: "Retry later; if it persists, tell us the time and the operation.",
        reasons: &[],
    },
    ApiErrorCode {
        status: 503,
        code: "unavailable",
        meaning: "A service the operation needs is down for a moment. Nothing was changed.",
        what_to_do: "Retry after the `Retry-After` seconds.",
        reasons: &[],
    },
];

/// The code answered with `status`: `internal_error` for any status
/// without its own.
pub fn code_for_status(status: u16) -> &'static str {
    API_ERROR_CODES
        .iter()
        .find(|code| code.status == status)
        .map_or("internal_error", |code| code.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_and_code_appears_once() {
        for (index, entry) in API_ERROR_CODES.iter().enumerate() {
            for other in &API_ERROR_CODES[index + 1..] {
                assert_ne!(entry.status, other.status);
                assert_ne!(entry.code, other.code);
            }
        }
        assert_eq!(code_for_status(422), "validation_error");
        assert_eq!(code_for_status(418), "internal_error");
    }
}
