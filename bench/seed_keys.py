"""Makes subscribers with API keys on a running storefront (sandbox
payments) and prints the keys, one per line: each subscriber registers,
subscribes through the sandbox's checkout, then posts the /keys form as a
browser without JavaScript does.
Usage: python3 bench/seed_keys.py http://127.0.0.1:PORT [SUBSCRIBERS] [KEYS_EACH]"""

import http.cookiejar
import json
import re
import sys
import urllib.parse
import urllib.request
import uuid

base = sys.argv[1]
subscribers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
keys_each = int(sys.argv[3]) if len(sys.argv) > 3 else 1


def subscriber_with_keys():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path, fields, accept="application/json"):
        request = urllib.request.Request(
            path if path.startswith("http") else base + path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Origin": base, "Accept": accept},
        )
        with opener.open(request) as response:
            return response.read().decode()

    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    post("/api/register", {"email": email, "password": "correct horse battery staple", "display_name": "Bench", "next": ""})
    checkout_url = json.loads(post("/api/payment/checkout", {"plan_id": "starter"}))
    post(checkout_url, {"card_number": "4242424242424242", "expiry": "12 / 34", "cvc": "123"}, accept="text/html")
    for n in range(keys_each):
        page = post("/keys", {"name": f"bench {n + 1}"}, accept="text/html")
        key = re.search(r"tp_live_[0-9A-Za-z]{32,}", page)
        if not key:
            sys.exit("no key on the page")
        print(key.group(0))


for _ in range(subscribers):
    subscriber_with_keys()
