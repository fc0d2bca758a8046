#!/usr/bin/env bash
# The keys page at scale: a subscriber with 200 keys (bench/seed_key_table.py)
# opens /keys as a browser does (kept-alive connection, page headers,
# Accept-Encoding, signed in). The page shows one page of the table (50
# rows) whatever the number of keys.
# Target: p50 < 10 ms on one kept-alive connection.
# Usage: bench/keys.sh   (BENCH_DURATION=10s for longer runs; default 5s)
# Bounded: one server, 1 s warm-up + 2 x BENCH_DURATION, loopback only.
set -euo pipefail
duration="${BENCH_DURATION:-5s}"
source "$(dirname "$0")/lib.sh"

start_server port
{ read -r subscriber; read -r _; } < <(python3 bench/seed_sessions.py "http://127.0.0.1:$port")
python3 bench/seed_key_table.py "$work_dir/$port/storefront.db" 200 >/dev/null
cat >"$work_dir/keys.lua" <<LUA
wrk.headers["Accept"] = "text/html,application/xhtml+xml"
wrk.headers["Accept-Encoding"] = "br, gzip"
wrk.headers["Cookie"] = "$subscriber"
LUA
url="http://127.0.0.1:$port/keys"
page="$(curl -fsS -H "Cookie: $subscriber" "$url")"
rows="$(grep -o '<tr id="key-' <<<"$page" | wc -l)"
grep -qF 'Keys 1–50 of 200' <<<"$page" || { echo "error: /keys does not show the first 50 of 200 keys" >&2; exit 1; }
log "measuring /keys with 200 keys (${duration} per connection count, loopback, wrk -t1)"
wrk -t1 -c1 -d1s -s "$work_dir/keys.lua" "$url" >/dev/null # warm-up
read -r _ p50 p99 bad_one < <(wrk -t1 -c1 -d"$duration" --latency -s "$work_dir/keys.lua" "$url" | summarise)
read -r rps _ _ bad_many < <(wrk -t1 -c16 -d"$duration" --latency -s "$work_dir/keys.lua" "$url" | summarise)
printf '%-28s %8s %8s %8s %14s %8s\n' page rows "p50 ms" "p99 ms" "req/s (16 c)" non-2xx
printf '%-28s %8s %8s %8s %14s %8s\n' "/keys (200 keys)" "$rows" "$p50" "$p99" "$rps" "$((bad_one + bad_many))"
echo "target: p50 < 10 ms on one kept-alive connection"
[ "$((bad_one + bad_many))" -eq 0 ] || { echo "error: answers outside 2xx" >&2; exit 1; }
awk -v p50="$p50" 'BEGIN { exit !(p50 < 10) }' || { echo "error: p50 ${p50} ms is over the 10 ms target" >&2; exit 1; }
