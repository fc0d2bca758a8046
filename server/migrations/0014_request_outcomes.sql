-- What became of the requests a key made, per key per UTC day, beside the
-- count of the requests it made: answered with a client error (4xx, 429
-- apart), refused by the key's rate limit (429), or failed on our side (5xx).
-- Refusals before a request is let through (the rate limit, a missing
-- permission) are counted here and not in `requests`, which counts what the
-- key was allowed to do.
ALTER TABLE api_request_counts ADD COLUMN client_errors BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_request_counts ADD COLUMN rate_limited BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_request_counts ADD COLUMN server_errors BIGINT NOT NULL DEFAULT 0;
