-- API keys with a lifecycle (issue 17): scopes, expiry, rolling with a
-- grace period, disabling, allowed networks.
--
-- `permissions`: `full`, `read_only`, or `account=read,api_keys=none,usage=write`.
-- Keys made before this migration keep full access.
ALTER TABLE api_keys ADD COLUMN permissions TEXT NOT NULL DEFAULT 'full';
-- Unix seconds; NULL never expires (keys made before this migration).
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
-- Set once the "expires in 7 days" reminder was queued, so it goes out once.
ALTER TABLE api_keys ADD COLUMN expiry_reminded_at BIGINT;
ALTER TABLE api_keys ADD COLUMN disabled_at BIGINT;
-- Space-separated CIDR ranges (`203.0.113.0/24 2001:db8::/32`); empty:
-- any address.
ALTER TABLE api_keys ADD COLUMN allowed_networks TEXT NOT NULL DEFAULT '';
-- The client address of the use that last wrote `last_used_at`.
ALTER TABLE api_keys ADD COLUMN last_used_address TEXT;
-- After a roll: the secret before, still accepted until
-- `previous_expires_at` (unix seconds). Only its hash is kept, as for the
-- current one.
ALTER TABLE api_keys ADD COLUMN previous_key_hash TEXT;
ALTER TABLE api_keys ADD COLUMN previous_masked TEXT;
ALTER TABLE api_keys ADD COLUMN previous_expires_at BIGINT;
ALTER TABLE api_keys ADD COLUMN rolled_at BIGINT;

CREATE UNIQUE INDEX api_keys_previous_key_hash ON api_keys (previous_key_hash);
-- The reminder sweep: keys with an expiry that have not been reminded.
CREATE INDEX api_keys_expires_at ON api_keys (expires_at);
