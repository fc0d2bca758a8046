-- Outgoing mail. A message is written here in the same transaction as what
-- caused it (a key created, later a reset token), so it exists exactly when
-- its cause does; the delivery task sends it and deletes the row, so bodies
-- that carry links with tokens do not outlive their delivery.
CREATE TABLE mail_outbox (
    -- UUID v7, also the message's Message-ID: time-ordered, so the oldest go first.
    id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    -- A sender owns the message until then: it is claimed with a conditional
    -- UPDATE, so with several instances on one database only one sends it,
    -- and a sender that died mid-send leaves it to the others after the lease.
    claimed_until BIGINT,
    -- Why the last attempt failed (the SMTP server's answer), for operators.
    last_error TEXT
);

CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at);

-- Messages given up on (refused for good by the SMTP server, or undeliverable
-- for days): what operators need to follow up, without the bodies.
CREATE TABLE mail_failed (
    id TEXT PRIMARY KEY,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    failed_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    last_error TEXT NOT NULL
);

-- The sandbox mailbox (`/sandbox/mail`): what was "delivered" when no SMTP
-- server is configured. Never written when SMTP is.
CREATE TABLE sandbox_mailbox (
    id TEXT PRIMARY KEY,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    delivered_at BIGINT NOT NULL
);

CREATE INDEX sandbox_mailbox_delivered ON sandbox_mailbox (delivered_at);
