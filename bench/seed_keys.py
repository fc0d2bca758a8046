"""Makes subscribers with API keys on a running storefront (sandbox
payments) and prints the keys, one per line: each subscriber registers,
confirms its address with the link from the sandbox mailbox, subscribes
through the sandbox's checkout, then posts the /keys form as a browser
without JavaScript does.
Usage: python3 bench/seed_keys.py http://127.0.0.1:PORT [SUBSCRIBERS] [KEYS_EACH]"""

import http.cookiejar
import json
import re
import sys
import time
import urllib.parse
import urllib.request
import uuid


class Browser:
    """One visitor of the storefront at `base`, with its own cookies."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def post(self, path, fields, accept="application/json"):
        request = urllib.request.Request(
            path if path.startswith("http") else self.base + path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Origin": self.base, "Accept": accept},
        )
        with self.opener.open(request) as response:
            return response.read().decode()

    def register(self):
        email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
        self.post("/api/register", {"email": email, "password": "correct horse battery staple", "display_name": "Bench", "next": ""})
        self.email = email
        return self

    def confirm_email(self):
        """Opens the confirmation link mailed to this visitor (the sandbox
        mailbox, newest first; delivered just after registering)."""
        for _ in range(100):
            with self.opener.open(self.base + "/sandbox/mail") as response:
                mailbox = response.read().decode()
            for message in mailbox.split("<article")[1:]:
                token = re.search(r"/confirm-email\?token=([0-9A-Za-z]+)", message)
                if self.email in message and token:
                    self.post("/api/confirm_email", {"token": token.group(1)})
                    return self
            time.sleep(0.1)
        sys.exit(f"no confirmation link for {self.email}")

    def subscribe(self, plan_id="starter"):
        checkout_url = json.loads(self.post("/api/payment/checkout", {"plan_id": plan_id}))
        self.post(checkout_url, {"card_number": "4242424242424242", "expiry": "12 / 34", "cvc": "123"}, accept="text/html")
        return self

    def create_key(self, name):
        page = self.post("/keys", {"name": name}, accept="text/html")
        key = re.search(r"tp_live_sk_[0-9A-Za-z]{36}", page)
        if not key:
            sys.exit("no key on the page")
        return key.group(0)

    def cookie_header(self):
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)


if __name__ == "__main__":
    base = sys.argv[1]
    subscribers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    keys_each = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    for _ in range(subscribers):
        browser = Browser(base).register().confirm_email().subscribe()
        for n in range(keys_each):
            print(browser.create_key(f"bench {n + 1}"))
