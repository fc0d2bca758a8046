-- Checkouts the storefront started, so the return page can tell whose
-- checkout it was and /billing can list purchases. Written only after the
-- Payment MS created the session; `returned_at` is set when the customer
-- comes back from checkout (for one-time items that is the only signal the
-- Payment MS gives: it has no purchase lookup).
CREATE TABLE checkouts (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    returned_at BIGINT
);

CREATE INDEX checkouts_user_id ON checkouts (user_id, created_at);

-- The sandbox payment service's own state (used only when no Payment MS is
-- configured). It stands in for Stripe plus the Payment MS, so it keeps its
-- own customers, sessions and subscriptions and never reads the tables above.
CREATE TABLE sandbox_customers (
    user_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sandbox_checkout_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    email TEXT NOT NULL,
    -- "subscription" or "payment", as Stripe calls them.
    mode TEXT NOT NULL,
    -- JSON array of {"price_id","product_id","quantity"}.
    line_items TEXT NOT NULL,
    success_url TEXT NOT NULL,
    cancel_url TEXT NOT NULL,
    -- "open" or "complete".
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    completed_at BIGINT
);

CREATE TABLE sandbox_subscriptions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    price_id TEXT NOT NULL,
    -- Stripe's statuses: "active" or "canceled" here.
    status TEXT NOT NULL,
    current_period_end BIGINT NOT NULL,
    cancel_at_period_end BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX sandbox_subscriptions_user_product ON sandbox_subscriptions (user_id, product_id, created_at);

CREATE TABLE sandbox_purchases (
    id TEXT PRIMARY KEY,
    checkout_session_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    product_id TEXT NOT NULL,
    price_id TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE sandbox_portal_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    return_url TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
