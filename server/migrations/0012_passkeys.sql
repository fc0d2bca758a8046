-- Passkeys (WebAuthn, issue 16).
--
-- `webauthn_handle` is the user handle passkeys carry (a random UUID, made
-- with the first passkey and never changed): a passkey sign-in names its
-- account by it, without an e-mail address typed.
ALTER TABLE users ADD COLUMN webauthn_handle TEXT;

CREATE UNIQUE INDEX users_webauthn_handle ON users (webauthn_handle);

-- One row per registered passkey. `credential_id` (base64url) is unique
-- across all accounts, as WebAuthn requires; `passkey` is webauthn-rs's
-- record of it (public key, counter, flags) as JSON: no secret is stored.
CREATE TABLE passkeys (
    credential_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    passkey TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);

CREATE INDEX passkeys_user ON passkeys (user_id);

-- The server's half of a ceremony between its two requests: the challenge
-- and what it expects, kept here rather than in a cookie so each works once
-- (deleted when used) and only for five minutes. `user_id` is the account it
-- is for (NULL for a sign-in that has not named one yet).
CREATE TABLE passkey_challenges (
    id TEXT PRIMARY KEY,
    user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
