-- Security events a user can review on /account ("Recent activity"):
-- sign-ins, failed sign-ins, password changes, keys created and revoked,
-- "sign out everywhere". `kind` is the event's snake_case name; `detail`
-- carries what a person needs to recognise it (a key's name), never a
-- secret. Rows go with their user, and are pruned after 90 days.
CREATE TABLE activity_events (
    -- UUID v7: time-ordered, so events of the same second keep their order.
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    client_address TEXT NOT NULL,
    occurred_at BIGINT NOT NULL
);

CREATE INDEX activity_events_user_time ON activity_events (user_id, occurred_at);
