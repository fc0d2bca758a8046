-- Portable SQL for SQLite and PostgreSQL (see README, "Database"): TEXT ids
-- (UUIDs made in Rust), BIGINT unix-second timestamps, no vendor types.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    -- Trimmed and lower-cased by the application before insert and lookup.
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Backstop for case-insensitive uniqueness (SQLite's LOWER is ASCII-only,
-- which is why the application normalises first).
CREATE UNIQUE INDEX users_email_lower ON users (LOWER(email));
