#!/usr/bin/env bash
# Mixed traffic against one instance, in runs (two by default), with its
# memory read after each:
# 64 connections in all for BENCH_DURATION (default 60 s) per run, split
# over five routes as real traffic would be (one wrk per route, all at once):
#   GET /                         16 connections (the landing page)
#   GET /pricing                  12
#   POST /api/login                4 (argon2id each: sign-ins are few and dear)
#   GET /v1/users/me              16 (20 keys in turn)
#   POST /internal/v1/keys/verify 16 (20 keys in turn)
# Reports per route requests/s, p50/p99 and answers outside 2xx/3xx (any
# such answer fails the run: 5xx or not), and the server's resident memory
# at start and after each run. Target: under 150 MB, and settled by the
# second run (no growth after it).
# Usage: bench/load.sh   (BENCH_DURATION=20s for a quick look; BENCH_RUNS,
# default 2, to see whether memory settles)
# Bounded: BENCH_RUNS runs of BENCH_DURATION plus seeding; stops by itself.
set -euo pipefail
duration="${BENCH_DURATION:-60s}"
runs="${BENCH_RUNS:-2}"
token="bench-service-token-0123456789abcdefghij"
source "$(dirname "$0")/lib.sh"
start_server port INTERNAL_SERVICE_TOKEN="$token" API_READS_PER_MINUTE=1000000000 RUST_LOG=warn
base="http://127.0.0.1:$port"
server_pid="${server_pids[-1]}"
rss_mb() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"; }

log "4 subscribers with 5 keys each, and an account to sign in to"
python3 bench/seed_keys.py "$base" 4 5 >"$work_dir/keys"
login_form="email=load%40example.com&password=correct+horse+battery+staple"
curl -fsS -o /dev/null -H "Origin: $base" -X POST "$base/api/register" \
  --data "$login_form&display_name=Load&next="

verify_script "$work_dir/keys" "$token" "$work_dir/verify.lua"
users_me_script "$work_dir/keys" "$work_dir/users_me.lua"
login_script "$base" "$login_form" "$work_dir/login.lua"
printf '' >"$work_dir/none.lua"

routes=(
  "GET /|16|none.lua|/"
  "GET /pricing|12|none.lua|/pricing"
  "POST /api/login|4|login.lua|/api/login"
  "GET /v1/users/me|16|users_me.lua|/v1/users/me"
  "POST /internal/v1/keys/verify|16|verify.lua|/internal/v1/keys/verify"
)

# run N: all five routes at once; prints one table row per route.
run() {
  local n="$1" i=0 name conns script path loads=()
  for route in "${routes[@]}"; do
    IFS='|' read -r name conns script path <<<"$route"
    wrk -t1 -c"$conns" -d"$duration" --latency -s "$work_dir/$script" "$base$path" \
      >"$work_dir/run$n-$i.txt" &
    loads+=($!)
    i=$((i + 1))
  done
  # Only the load generators: a bare `wait` would wait for the server too.
  wait "${loads[@]}"
  i=0
  for route in "${routes[@]}"; do
    IFS='|' read -r name conns _ _ <<<"$route"
    read -r rps p50 p99 bad < <(summarise <"$work_dir/run$n-$i.txt")
    printf '%-4s %-32s %5s %11s %9s %9s %9s\n' "$n" "$name" "$conns" "$rps" "$p50" "$p99" "$bad"
    total_bad=$((total_bad + bad))
    i=$((i + 1))
  done
}

total_bad=0
log "measuring: ${runs} runs of ${duration}, 64 connections"
printf '%-4s %-32s %5s %11s %9s %9s %9s\n' run route conns requests/s "p50 ms" "p99 ms" "not 2xx/3xx"
memory="$(rss_mb) MB at start"
for n in $(seq 1 "$runs"); do
  run "$n"
  memory+=", $(rss_mb) MB after run $n"
done
echo
echo "resident memory: $memory (target: < 150 MB, no growth after run 2)"
echo "answers outside 2xx/3xx: $total_bad"
[ "$total_bad" -eq 0 ] || { echo "error: some answers were errors" >&2; exit 1; }
