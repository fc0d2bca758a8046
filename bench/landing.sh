#!/usr/bin/env bash
# Landing page speed and hydration bundle size, in one run:
#   1. requests/second and p50/p99 latency at 64 connections for `/` side by
#      side with `/__bench/landing-copy`, the identical HTML bytes served from
#      memory by the same server through the same layers: the ceiling any page
#      can reach. Target: landing >= 50 % of it. `/` is measured as deployed
#      (public pages cached per process) and, on a second server with
#      PAGE_CACHE=false, rendered on every request.
#   2. the hydration bundle (wasm + js + css) compressed with brotli: what
#      the first signed-in page loads besides its own lazy chunk (public
#      pages load none; bench/bytes.sh counts what each page transfers).
#      Target: <= 250 KB.
# Usage: bench/landing.sh   (BENCH_DURATION=30s for longer runs; default 15s)
# Bounded: three wrk runs of BENCH_DURATION each plus warm-ups, loopback only.
set -euo pipefail
duration="${BENCH_DURATION:-15s}"
connections=64
source "$(dirname "$0")/lib.sh"

# Prints "requests_per_second p50_ms p99_ms non_2xx" for one URL.
measure() {
  local url="$1" out
  wrk -t2 -c"$connections" -d3s "$url" >/dev/null # warm-up
  out="$(wrk -t2 -c"$connections" -d"$duration" --latency "$url")"
  summarise <<<"$out"
}

log "measuring (${duration} per route, ${connections} connections, loopback)"
# The production configuration (page cache on), and one that renders every request.
start_server port BENCH_ROUTES=true
start_server uncached_port BENCH_ROUTES=true PAGE_CACHE=false
read -r ceiling_rps ceiling_p50 ceiling_p99 ceiling_bad < <(measure "http://127.0.0.1:$port/__bench/landing-copy")
read -r landing_rps landing_p50 landing_p99 landing_bad < <(measure "http://127.0.0.1:$port/")
read -r render_rps render_p50 render_p99 render_bad < <(measure "http://127.0.0.1:$uncached_port/")

echo
row() { printf '%-40s %12s %10s %10s %8s\n' "$@"; }
row route "requests/s" "p50 ms" "p99 ms" non-2xx
row "/__bench/landing-copy (ceiling)" "$ceiling_rps" "$ceiling_p50" "$ceiling_p99" "$ceiling_bad"
row "/ (as deployed: page cache on)" "$landing_rps" "$landing_p50" "$landing_p99" "$landing_bad"
row "/ (PAGE_CACHE=false: render each time)" "$render_rps" "$render_p50" "$render_p99" "$render_bad"
percent() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }
echo "landing throughput = $(percent "$landing_rps" "$ceiling_rps") % of the in-memory ceiling (target >= 50 %)"
echo "rendering every request = $(percent "$render_rps" "$ceiling_rps") % of the ceiling"

echo
echo "hydration bundle (brotli -q 11): what the first signed-in page loads (public pages: none)"
measure() {
  local total=0 file raw br
  for file in "$@"; do
    raw=$(stat -c %s "$file")
    br=$(brotli -c -q 11 "$file" | wc -c)
    total=$((total + br))
    [ -n "${quiet:-}" ] || printf '  %-52s %8d B raw %8d B brotli\n' "$(basename "$file")" "$raw" "$br" >&2
  done
  echo "$total"
}
pkg=target/site/pkg
first=$(measure "$pkg"/tracepipe-storefront.*.wasm "$pkg"/tracepipe-storefront.*.js "$pkg"/*.css "$pkg"/__wasm_split.*.js)
echo "  total: $((first / 1024)) KB brotli (target <= 250 KB)"
lazy=$(quiet=1 measure "$pkg"/split_*.wasm "$pkg"/chunk_*.wasm)
echo "  loaded later, page by page (all lazy routes together): $((lazy / 1024)) KB brotli"
