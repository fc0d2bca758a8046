#!/usr/bin/env bash
# What counting requests costs: GET /v1/users/me throughput with usage
# recording on and off, in one run. Two servers (USAGE_RECORDING=true and
# false, each with its own database and 20 keys of 4 subscribers) are
# measured in alternating rounds (each round both, first one then the other
# first), so drift on this shared VM falls on both; the cost reported is the
# median of the rounds' back-to-back comparisons.
# Target: recording costs <= 10 % of throughput.
# Usage: bench/usage.sh   (BENCH_DURATION=5s per server and round, BENCH_ROUNDS=10)
# Bounded: a 3 s warm-up per server, then 2 x BENCH_ROUNDS wrk runs; the
# servers stop at the end.
set -euo pipefail
duration="${BENCH_DURATION:-5s}"
rounds="${BENCH_ROUNDS:-10}"
source "$(dirname "$0")/lib.sh"
settings=(API_READS_PER_MINUTE=1000000000 RUST_LOG=warn)
start_server on_port USAGE_RECORDING=true "${settings[@]}"
start_server off_port USAGE_RECORDING=false "${settings[@]}"
declare -A pid_of=([on]="${server_pids[0]}" [off]="${server_pids[1]}")

for mode in on off; do
  port_var="${mode}_port"
  log "recording $mode: 4 subscribers with 5 keys each"
  python3 bench/seed_keys.py "http://127.0.0.1:${!port_var}" 4 5 >"$work_dir/keys-$mode"
  users_me_script "$work_dir/keys-$mode" "$work_dir/users_me-$mode.lua"
done

threads="${BENCH_WRK_THREADS:-1}"
# CPU the server process has used, in clock ticks (user + system): a view
# of the cost that a busy neighbour on this VM disturbs less than throughput.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
measure() { # mode [duration] -> "rps p50 p99 non2xx"
  local port_var="${1}_port"
  wrk -t"$threads" -c64 -d"${2:-$duration}" --latency -s "$work_dir/users_me-$1.lua" \
    "http://127.0.0.1:${!port_var}/v1/users/me" | summarise
}
for mode in on off; do measure "$mode" 3s >/dev/null; done

log "measuring: $rounds rounds of ${duration} per server, 64 connections"
declare -A rps_of cpu_of
ticks_per_second="$(getconf CLK_TCK)"
printf '%-6s %-10s %12s %10s %10s %8s %14s\n' round recording requests/s "p50 ms" "p99 ms" non-2xx "CPU µs/request"
for round in $(seq 1 "$rounds"); do
  # Which goes first alternates too: a drift within a round falls on both.
  order="on off"
  if ((round % 2 == 0)); then order="off on"; fi
  for mode in $order; do
    before="$(cpu_ticks "${pid_of[$mode]}")"
    read -r rps p50 p99 bad < <(measure "$mode")
    used="$(($(cpu_ticks "${pid_of[$mode]}") - before))"
    cpu="$(python3 -c "print(f'{$used / $ticks_per_second * 1e6 / ($rps * ${duration%s}):.1f}')")"
    printf '%-6s %-10s %12s %10s %10s %8s %14s\n' "$round" "$mode" "$rps" "$p50" "$p99" "$bad" "$cpu"
    rps_of[$mode]+="$rps "
    cpu_of[$mode]+="$cpu "
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
python3 - "${rps_of[on]}" "${rps_of[off]}" "$on_counted" "${cpu_of[on]}" "${cpu_of[off]}" <<'PY'
import statistics, sys
on, off = ([float(x) for x in arg.split()] for arg in sys.argv[1:3])
counted = sys.argv[3]
cpu_on, cpu_off = (statistics.median(float(x) for x in arg.split()) for arg in sys.argv[4:6])
paired = [(o - r) / o * 100 for r, o in zip(on, off)]
print(f"mean requests/s: recording on {statistics.mean(on):,.0f}, off {statistics.mean(off):,.0f}")
print("cost per round (off vs on, back to back): " + ", ".join(f"{c:.1f} %" for c in paired))
print(f"recording costs {statistics.median(paired):.1f} % of throughput (median of rounds; "
      f"target: <= 10 %); the 'on' server counted {counted} requests for its first subscriber's 5 keys")
print(f"server CPU per request (median): recording on {cpu_on:.1f} µs, off {cpu_off:.1f} µs "
      f"({(cpu_on - cpu_off) / cpu_off * 100:+.1f} %)")
PY
