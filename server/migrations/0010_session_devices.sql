-- What /account lists of each session, and re-authentication. `public_id`
-- names a session on the page and in the form that ends it (never the
-- token or its hash); `user_agent` and `client_address` are what the
-- browser sent when it signed in; `authenticated_at` is when its user last
-- proved who they are (signing in, or entering the password again), which
-- sensitive changes ask to be recent.
ALTER TABLE sessions ADD COLUMN public_id TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN client_address TEXT;
ALTER TABLE sessions ADD COLUMN authenticated_at BIGINT;

-- Sessions from before: a public id from their hash (not the hash itself),
-- authenticated when they signed in.
UPDATE sessions SET public_id = SUBSTR(token_hash, 1, 32), authenticated_at = created_at;

CREATE UNIQUE INDEX sessions_public_id ON sessions (public_id);
