-- Password reset links. Only the SHA-256 of a link's token is stored (the
-- token itself is in the e-mail and nowhere else). One live link per user:
-- asking again replaces it; using it, or signing in with the old password,
-- deletes it. Links expire 30 minutes after they were asked for.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX password_resets_user ON password_resets (user_id);
