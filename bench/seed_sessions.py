"""Signs two users in on a running storefront (sandbox payments) and prints
their Cookie headers, one per line: first a subscriber with a key that has
been used, then a user without a plan.
Usage: python3 bench/seed_sessions.py http://127.0.0.1:PORT"""

import sys
import urllib.request

from seed_keys import Browser

base = sys.argv[1]
subscriber = Browser(base).register().confirm_email().subscribe()
key = subscriber.create_key("bench")
with urllib.request.urlopen(urllib.request.Request(base + "/v1/users/me", headers={"X-API-Key": key})) as response:
    response.read()
print(subscriber.cookie_header())
print(Browser(base).register().cookie_header())
