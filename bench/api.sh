#!/usr/bin/env bash
# The key-checking paths other programs hit, in one run (64 connections,
# loopback, wrk):
#   1. POST /internal/v1/keys/verify (service token, key lookup by hash,
#      subscription status from the 60 s cache);
#   2. GET /v1/users/me (X-API-Key, key lookup, per-key rate limit; the read
#      limit is raised for the run so the limiter is measured, not hit).
# Targets on this 2-core machine: p99 < 5 ms and >= 5,000 verifications/s.
# Usage: bench/api.sh   (BENCH_DURATION=20s for longer runs; default 15s)
# Bounded: two 3 s warm-ups and two wrk runs of BENCH_DURATION each; the
# server stops at the end.
set -euo pipefail
duration="${BENCH_DURATION:-15s}"
token="bench-service-token-0123456789abcdefghij"
source "$(dirname "$0")/lib.sh"
start_server port INTERNAL_SERVICE_TOKEN="$token" API_READS_PER_MINUTE=1000000000 RUST_LOG=warn
base="http://127.0.0.1:$port"

log "4 subscribers with 5 keys each (sandbox checkout, then the keys form)"
python3 bench/seed_keys.py "$base" 4 5 >"$work_dir/keys"
# A 200 with {"valid": false} would measure nothing: every key must verify.
while read -r key; do
  curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"key\":\"$key\"}" "$base/internal/v1/keys/verify" | grep -q '"valid":true' \
    || { echo "a seeded key does not verify" >&2; exit 1; }
done <"$work_dir/keys"

# Each request presents the next of the 20 keys, as many clients would.
verify_script "$work_dir/keys" "$token" "$work_dir/verify.lua"
users_me_script "$work_dir/keys" "$work_dir/users_me.lua"

log "measuring (${duration} per route, 64 connections)"
# One wrk thread drives the 64 connections: a second would take the
# server's other core (on 2 cores, -t2 measures the load generator too).
threads="${BENCH_WRK_THREADS:-1}"
# Warm-up, not measured: each batch size's statement gets prepared once per
# connection, and each key's first use writes its last-use time.
wrk -t"$threads" -c64 -d3s -s "$work_dir/verify.lua" "$base/internal/v1/keys/verify" >/dev/null
wrk -t"$threads" -c64 -d3s -s "$work_dir/users_me.lua" "$base/v1/users/me" >/dev/null
read -r verify_rps verify_p50 verify_p99 verify_bad < <(wrk -t"$threads" -c64 -d"$duration" --latency -s "$work_dir/verify.lua" "$base/internal/v1/keys/verify" | summarise)
read -r me_rps me_p50 me_p99 me_bad < <(wrk -t"$threads" -c64 -d"$duration" --latency -s "$work_dir/users_me.lua" "$base/v1/users/me" | summarise)

echo
printf '%-34s %12s %10s %10s %8s\n' route requests/s "p50 ms" "p99 ms" non-2xx
printf '%-34s %12s %10s %10s %8s\n' "POST /internal/v1/keys/verify" "$verify_rps" "$verify_p50" "$verify_p99" "$verify_bad"
printf '%-34s %12s %10s %10s %8s\n' "GET /v1/users/me" "$me_rps" "$me_p50" "$me_p99" "$me_bad"
echo "targets: p99 < 5 ms, >= 5000 verifications/s"
