-- E-mail addresses are proven by a link sent to them. Until the account's
-- address is confirmed, `email_verified_at` is NULL (accounts made before
-- this migration too: they are asked to confirm, and keep working meanwhile).
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;

-- Confirmation links: `verify` proves the account's current address, `change`
-- proves a new one the user asked to switch to. Only the SHA-256 of a link's
-- token is stored. One live link per account and purpose (asking again
-- replaces it); using it deletes it; links expire 24 hours after they were sent.
CREATE TABLE email_confirmations (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    -- The address the link proves: normalised like users.email.
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX email_confirmations_user ON email_confirmations (user_id, purpose);
