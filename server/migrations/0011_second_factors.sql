-- Second factors (issue 16).
--
-- An authenticator app (RFC 6238). `secret_sealed` is the shared secret
-- encrypted with AES-256-GCM under a key derived from SERVER_SECRET_KEY and
-- bound to the user's id: a copy of the database alone reveals no secret.
-- `enabled_at` is NULL while set-up waits for a first correct code (at most
-- one waiting set-up per user). `last_step` is the 30-second step of the last
-- code accepted: that step and older ones are refused, so a code works once.
CREATE TABLE totp_factors (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    enabled_at BIGINT,
    last_step BIGINT NOT NULL
);

-- Single-use recovery codes: only SHA-256 of "user id:code" is stored, and
-- a used code's row is deleted. Generating new codes replaces them all.
CREATE TABLE recovery_codes (
    code_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- A sign-in whose password (or reset link) was right and that waits for its
-- second factor. The browser holds a short-lived cookie with the token; only
-- its SHA-256 is stored. It lasts minutes, works once and is no session:
-- nothing but the second step accepts it.
CREATE TABLE pending_sign_ins (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    -- Where to go once signed in (already checked to be a path on this site).
    next_path TEXT NOT NULL,
    -- How the first step was passed, for the activity log.
    first_step TEXT NOT NULL
);

CREATE INDEX pending_sign_ins_user ON pending_sign_ins (user_id);
