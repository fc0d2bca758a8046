#!/usr/bin/env python3
"""Sign-in with an authenticator code against sign-in with a password alone.

Usage: bench/two_step.py HOST PORT ACCOUNTS

Makes ACCOUNTS accounts with two-step verification on (set up through the
pages, from the key /account/two-factor shows) and one without. Then signs
each in once, sequentially, as a browser does: the password step, then
(for the two-step accounts) the code step with the app's current code; and
signs the plain account in as many times, alternating with them. A code works once per 30-second
step, so every two-step account signs in once. Prints
"password_p50_ms two_step_p50_ms code_step_p50_ms overhead_percent failures".
Bounded: 2 x ACCOUNTS + a few set-up requests, loopback only.
"""
import base64
import hashlib
import hmac
import http.client
import re
import statistics
import struct
import sys
import time
import urllib.parse

host, port, accounts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
origin = f"http://{host}:{port}"
PASSWORD = "correct horse battery staple"
connection = http.client.HTTPConnection(host, port)  # kept alive, as a browser's


def post(path, fields, cookies=""):
    body = urllib.parse.urlencode(fields)
    headers = {"Origin": origin, "Content-Type": "application/x-www-form-urlencoded",
               "Accept-Encoding": "br, gzip", "Cookie": cookies}
    connection.request("POST", path, body, headers)
    response = connection.getresponse()
    response.read()
    jar = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or []]
    return response.status, "; ".join(c for c in jar if not c.endswith("="))


def get(path, cookies):
    connection.request("GET", path, headers={"Cookie": cookies, "Accept": "text/html"})
    response = connection.getresponse()
    return response.read().decode()


def code(key, at):
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    mac = hmac.new(secret, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 0xF
    return f"{(struct.unpack('>I', mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def register(email):
    status, cookies = post("/api/register", {"email": email, "password": PASSWORD,
                                             "display_name": "Bench", "next": ""})
    assert status == 200, status
    return cookies


def confirm_address(email, cookies):
    """Opens the link mailed at registration (the sandbox mailbox): an
    authenticator can only be added to a confirmed address."""
    for _ in range(100):
        for message in get("/sandbox/mail", "").split("<article")[1:]:
            token = re.search(r"/confirm-email\?token=([0-9A-Za-z]+)", message)
            if email in message and token:
                status, _ = post("/api/confirm_email", {"token": token.group(1)}, cookies)
                assert status == 200, status
                return
        time.sleep(0.1)
    sys.exit(f"no confirmation link for {email}")


run = int(time.time())
two_step = []
for n in range(accounts):
    email = f"two-step-{run}-{n}@example.com"
    cookies = register(email)
    confirm_address(email, cookies)
    post("/api/start_totp_setup", {}, cookies)
    key = re.search(r'<code class="key-value">([A-Z2-7 ]+)<', get("/account/two-factor", cookies)).group(1)
    key = key.replace(" ", "")
    # The step before's code (still accepted), so the current one is left for signing in.
    status, _ = post("/api/confirm_totp_setup", {"code": code(key, time.time() - 30)}, cookies)
    assert status == 200, status
    two_step.append((email, key))
plain = f"password-only-{run}@example.com"
register(plain)

failures = 0
password_ms, two_step_ms, code_ms = [], [], []
# Alternating, so that both kinds see the same server and database state
# (a drift over the run would otherwise count against whichever goes last).
for email, key in two_step:
    started = time.perf_counter()
    status, _ = post("/api/login", {"email": plain, "password": PASSWORD, "next": ""})
    password_ms.append((time.perf_counter() - started) * 1000)
    failures += status != 200
    started = time.perf_counter()
    status, pending = post("/api/login", {"email": email, "password": PASSWORD, "next": ""})
    failures += status != 200
    # The next step's code: the one set-up used is spent for its own step.
    halfway = time.perf_counter()
    status, _ = post("/api/verify_sign_in", {"code": code(key, time.time())}, pending)
    done = time.perf_counter()
    failures += status != 200
    two_step_ms.append((done - started) * 1000)
    code_ms.append((done - halfway) * 1000)

password_p50 = statistics.median(password_ms)
two_step_p50 = statistics.median(two_step_ms)
print(f"{password_p50:.1f} {two_step_p50:.1f} {statistics.median(code_ms):.2f} "
      f"{(two_step_p50 / password_p50 - 1) * 100:.1f} {failures}")
