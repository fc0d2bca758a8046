#!/usr/bin/env bash
# Rendered pages as browsers fetch them: kept-alive connections, the headers
# a browser sends (`Accept: text/html`, `Accept-Encoding: br, gzip`, so the
# cost of compressing each response is in), signed in where the page is.
#   - signed-in /dashboard, /keys, /usage, /account, /billing for a
#     subscriber (a key, one API call) and for a user without a plan;
#   - the landing page with a session cookie (rendered for that visitor);
#   - the landing page rendered on every request (PAGE_CACHE=false), and
#     as deployed (cached per process, fresh nonce and compression per response).
# For each: requests/s at 16 connections, and p50/p99 with 1 connection.
# Targets on 2 cores: every signed-in page >= 3,000 req/s at 16 connections
# and p50 < 5 ms on 1; the uncached landing >= 5,000 req/s.
# Every page is checked to render what its user sees (not a redirect to
# sign-in, not an error) before it is measured; any non-2xx fails the run.
# Usage: bench/pages.sh   (BENCH_DURATION=10s for longer runs; default 5s)
# Bounded: 13 routes x (1 s warm-up + 2 x BENCH_DURATION), loopback only.
set -euo pipefail
duration="${BENCH_DURATION:-5s}"
source "$(dirname "$0")/lib.sh"

start_server port
start_server uncached_port PAGE_CACHE=false
{ read -r subscriber; read -r free; } < <(python3 bench/seed_sessions.py "http://127.0.0.1:$port")

# page_script COOKIE OUT: a wrk script sending a browser's page headers.
page_script() {
  cat >"$2" <<LUA
wrk.headers["Accept"] = "text/html,application/xhtml+xml"
wrk.headers["Accept-Encoding"] = "br, gzip"
$( [ -n "$1" ] && printf 'wrk.headers["Cookie"] = "%s"' "$1" )
LUA
}
page_script "$subscriber" "$work_dir/subscriber.lua"
page_script "$free" "$work_dir/free.lua"
page_script "" "$work_dir/anonymous.lua"

# shows URL WHO TEXT: whether URL, fetched as WHO, contains TEXT.
shows() {
  local cookie
  case "$2" in
    subscriber) cookie="$subscriber" ;;
    free) cookie="$free" ;;
    *) cookie="" ;;
  esac
  # Read whole before searching: `grep -q` stopping at the first match
  # would cut curl off mid-page and fail the pipe.
  local body
  body="$(curl -fsS -H "Cookie: $cookie" "$1")" && grep -qF "$3" <<<"$body" && return
  echo "error: $1 does not show \"$3\" to the $2 user" >&2
  return 1
}

failures=0
row() { printf '%-34s %14s %9s %9s %9s %8s\n' "$@"; }
# measure LABEL URL WHO TEXT: checks that URL shows TEXT to WHO, then measures it.
measure() {
  local label="$1" url="$2" who="$3" text="$4" rps p50 p99 bad_many bad_one
  if ! shows "$url" "$who" "$text"; then
    failures=$((failures + 1))
    return
  fi
  wrk -t1 -c16 -d1s -s "$work_dir/$who.lua" "$url" >/dev/null # warm-up
  read -r rps _ _ bad_many < <(wrk -t1 -c16 -d"$duration" --latency -s "$work_dir/$who.lua" "$url" | summarise)
  read -r _ p50 p99 bad_one < <(wrk -t1 -c1 -d"$duration" --latency -s "$work_dir/$who.lua" "$url" | summarise)
  row "$label" "$rps" "$p50" "$p99" "$((bad_many + bad_one))"
  if [ "$((bad_many + bad_one))" -ne 0 ]; then failures=$((failures + 1)); fi
}

base="http://127.0.0.1:$port"
# What each sees of the plan, so the two users really differ.
shows "$base/keys" subscriber "Create key"
shows "$base/keys" free "Creating API keys needs an active plan."
log "measuring (${duration} per route and connection count, loopback, wrk -t1)"
echo
row page "req/s (16 c)" "p50 ms" "p99 ms" non-2xx
row "" "" "(1 connection)" "" ""
for who in subscriber free; do
  measure "/dashboard ($who)" "$base/dashboard" "$who" "Welcome, Bench"
  measure "/keys ($who)" "$base/keys" "$who" 'id="keys-title"'
  measure "/usage ($who)" "$base/usage" "$who" 'id="usage-title"'
  measure "/account ($who)" "$base/account" "$who" 'id="account-title"'
  measure "/billing ($who)" "$base/billing" "$who" 'id="billing-title"'
done
measure "/ (with a session cookie)" "$base/" subscriber "Sign out"
measure "/ (rendered every request)" "http://127.0.0.1:$uncached_port/" anonymous "Create account"
measure "/ (as deployed: page cache)" "$base/" anonymous "Create account"
echo
echo "targets: signed-in pages >= 3000 req/s at 16 connections and p50 < 5 ms on 1; rendered landing >= 5000 req/s"
if [ "$failures" -ne 0 ]; then
  echo "error: $failures route(s) failed their check or answered outside 2xx" >&2
  exit 1
fi
