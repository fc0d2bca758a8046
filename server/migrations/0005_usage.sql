-- Authenticated /v1 requests, per key per UTC day. Written in batches by the
-- in-memory recorder (an upsert adding to the count), never per request.
CREATE TABLE api_request_counts (
    key_id TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    -- Days since 1970-01-01 (UTC).
    day BIGINT NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (key_id, day)
);

-- Metered usage reported by other Tracepipe services. The idempotency key
-- makes a retried report count once; the fingerprint (SHA-256 of the
-- report) tells a retry from a different report reusing the key.
CREATE TABLE usage_reports (
    idempotency_key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Unix seconds of the usage itself (decides its billing period).
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    storage_gb_hours DOUBLE PRECISION NOT NULL DEFAULT 0,
    storage_current_gb DOUBLE PRECISION,
    sessions_uploaded BIGINT NOT NULL DEFAULT 0,
    examples_generated BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX usage_reports_user ON usage_reports (user_id, occurred_at);

-- Tokens by model, one row per model of a report.
CREATE TABLE usage_report_tokens (
    idempotency_key TEXT NOT NULL REFERENCES usage_reports (idempotency_key) ON DELETE CASCADE,
    model TEXT NOT NULL,
    tokens BIGINT NOT NULL,
    PRIMARY KEY (idempotency_key, model)
);
