-- Sign-in sessions. The cookie carries a 256-bit random token; only its
-- SHA-256 (hex) is stored, so a copy of this table cannot sign anyone in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    -- Refreshed at most once a minute, for the idle timeout.
    last_seen_at BIGINT NOT NULL
);

CREATE INDEX sessions_user_id ON sessions (user_id);

-- Failed sign-in attempts, shared by every instance. `subject` is
-- "account:<normalised e-mail>" or "client:<address>"; rows older than the
-- throttle window are deleted as they stop mattering.
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);

CREATE INDEX login_failures_subject_time ON login_failures (subject, failed_at);
