-- API keys. The key itself is never stored: only its SHA-256 (hex, unique,
-- the lookup path) and a masked form for lists ("tp_live_a1B2…o5P6").
-- Revoked keys keep their row (revoked_at set) so lists and audits can say
-- when; every lookup filters them out.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    masked TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- Written at most about once a minute per key, not on every request.
    last_used_at BIGINT,
    revoked_at BIGINT
);

CREATE INDEX api_keys_user_id ON api_keys (user_id, created_at);
