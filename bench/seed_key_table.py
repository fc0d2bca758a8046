"""Fills the keys table of the one user who has a key on a storefront's
SQLite database (a benchmark's own server) up to COUNT keys, as the keys
page lists them at scale: a mix of active, expiring, disabled and expired
keys, some used, some limited to networks. Written straight into the
database: the page's cap on active keys is a product rule, not what the
benchmark measures.
Usage: python3 bench/seed_key_table.py DATABASE_FILE COUNT"""

import hashlib
import sqlite3
import sys
import time
import uuid

database, count = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(database, timeout=10)
(user_id,) = db.execute("SELECT user_id FROM api_keys LIMIT 1").fetchone()
(existing,) = db.execute("SELECT COUNT(*) FROM api_keys WHERE user_id = ?", (user_id,)).fetchone()
now = int(time.time())
rows = []
for n in range(existing, count):
    secret = uuid.uuid4().hex
    rows.append(
        (
            str(uuid.uuid4()),
            user_id,
            f"service {n:03}",
            hashlib.sha256(secret.encode()).hexdigest(),
            f"tp_live_sk_{secret[:4]}…{secret[-4:]}",
            now - n * 3600,
            now - n * 60 if n % 3 else None,
            ["full", "read_only"][n % 2],
            # Every fifth key has expired, every seventh expires within a week.
            now - 86400 if n % 5 == 0 else now + 3 * 86400 if n % 7 == 0 else now + 90 * 86400,
            now - 600 if n % 11 == 0 else None,
            "10.0.0.0/8" if n % 4 == 0 else "",
        )
    )
db.executemany(
    "INSERT INTO api_keys (id, user_id, name, key_hash, masked, created_at, last_used_at, "
    "permissions, expires_at, disabled_at, allowed_networks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    rows,
)
db.commit()
print(count)
