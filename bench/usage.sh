#!/usr/bin/env bash
# What counting requests costs: GET /v1/users/me throughput with usage
# recording on and off, in one run. Two servers (USAGE_RECORDING=true and
# false, each with its own database and 20 keys of 4 subscribers) are
# measured in alternating rounds, so drift on this shared VM falls on both.
# Target: recording costs <= 10 % of throughput.
# Usage: bench/usage.sh   (BENCH_DURATION=10s per round, BENCH_ROUNDS=3)
# Bounded: a 3 s warm-up per server, then 2 x BENCH_ROUNDS wrk runs; the
# servers stop at the end.
set -euo pipefail
duration="${BENCH_DURATION:-10s}"
rounds="${BENCH_ROUNDS:-3}"
source "$(dirname "$0")/lib.sh"
settings=(API_READS_PER_MINUTE=1000000000 RUST_LOG=warn)
start_server on_port USAGE_RECORDING=true "${settings[@]}"
start_server off_port USAGE_RECORDING=false "${settings[@]}"

for mode in on off; do
  port_var="${mode}_port"
  log "recording $mode: 4 subscribers with 5 keys each"
  python3 bench/seed_keys.py "http://127.0.0.1:${!port_var}" 4 5 >"$work_dir/keys-$mode"
  users_me_script "$work_dir/keys-$mode" "$work_dir/users_me-$mode.lua"
done

threads="${BENCH_WRK_THREADS:-1}"
measure() { # mode [duration] -> "rps p50 p99 non2xx"
  local port_var="${1}_port"
  wrk -t"$threads" -c64 -d"${2:-$duration}" --latency -s "$work_dir/users_me-$1.lua" \
    "http://127.0.0.1:${!port_var}/v1/users/me" | summarise
}
for mode in on off; do measure "$mode" 3s >/dev/null; done

log "measuring: $rounds rounds of ${duration} per server, 64 connections"
declare -A total=([on]=0 [off]=0)
printf '%-6s %-10s %12s %10s %10s %8s\n' round recording requests/s "p50 ms" "p99 ms" non-2xx
for round in $(seq 1 "$rounds"); do
  for mode in on off; do
    read -r rps p50 p99 bad < <(measure "$mode")
    printf '%-6s %-10s %12s %10s %10s %8s\n' "$round" "$mode" "$rps" "$p50" "$p99" "$bad"
    total[$mode]="$(python3 -c "print(${total[$mode]} + $rps)")"
  done
done

# The comparison is only real if the "on" server counted and "off" did not.
first_key() { head -n1 "$work_dir/keys-$1"; }
counted() {
  local port_var="${1}_port"
  curl -fsS -H "X-API-Key: $(first_key "$1")" "http://127.0.0.1:${!port_var}/v1/usage" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["api_requests"])'
}
on_counted="$(counted on)"
off_counted="$(counted off)"
[ "$on_counted" -gt 1000 ] || { echo "recording on counted only $on_counted requests" >&2; exit 1; }
[ "$off_counted" -eq 0 ] || { echo "recording off counted $off_counted requests" >&2; exit 1; }

echo
python3 - "${total[on]}" "${total[off]}" "$rounds" "$on_counted" <<'PY'
import sys
on, off, rounds, counted = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
cost = (off - on) / off * 100
print(f"mean requests/s: recording on {on / rounds:,.0f}, off {off / rounds:,.0f}")
print(f"recording costs {cost:.1f} % of throughput (target: <= 10 %); "
      f"the 'on' server counted {counted} requests for its first subscriber's 5 keys")
PY
