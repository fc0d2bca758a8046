#!/usr/bin/env bash
# Landing page speed and hydration bundle size, in one run:
#   1. requests/second and p50/p99 latency at 64 kept-alive connections that
#      send a browser's headers (Accept-Encoding: gzip, deflate, br, zstd),
#      for `/` side by side with `/healthz` on the same server (the floor of
#      any response: routing and the layers, no page). Target: `/` >= 50 % of
#      `/healthz`. `/` is measured as deployed (public pages cached and
#      precompressed per process); for comparison, `/__bench/landing-copy`
#      (the same bytes from memory, compressed per response) and `/` on a
#      second server with PAGE_CACHE=false (rendered and compressed on every
#      request).
#   2. the islands' bundle (wasm + js) and the stylesheet compressed with
#      brotli: what a page with an island (/keys) loads besides its HTML
#      (other pages load the stylesheet only; bench/bytes.sh counts what
#      each page transfers). Target: <= 150 KB.
# Usage: bench/landing.sh   (BENCH_DURATION=30s for longer runs; default 15s)
# Bounded: four wrk runs of BENCH_DURATION each plus warm-ups, loopback only.
set -euo pipefail
duration="${BENCH_DURATION:-15s}"
connections=64
source "$(dirname "$0")/lib.sh"

# Prints "requests_per_second p50_ms p99_ms non_2xx" for one URL, requested
# as Chromium does.
measure() {
  local url="$1" out
  local -a browser=(-H "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    -H "Accept-Encoding: gzip, deflate, br, zstd" -H "Accept-Language: en-GB,en;q=0.9"
    -H "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")
  wrk -t2 -c"$connections" -d3s "${browser[@]}" "$url" >/dev/null # warm-up
  out="$(wrk -t2 -c"$connections" -d"$duration" --latency "${browser[@]}" "$url")"
  summarise <<<"$out"
}

log "measuring (${duration} per route, ${connections} connections, loopback)"
# The production configuration (page cache on), and one that renders every request.
start_server port BENCH_ROUTES=true
start_server uncached_port BENCH_ROUTES=true PAGE_CACHE=false
read -r health_rps health_p50 health_p99 health_bad < <(measure "http://127.0.0.1:$port/healthz")
read -r ceiling_rps ceiling_p50 ceiling_p99 ceiling_bad < <(measure "http://127.0.0.1:$port/__bench/landing-copy")
read -r landing_rps landing_p50 landing_p99 landing_bad < <(measure "http://127.0.0.1:$port/")
read -r render_rps render_p50 render_p99 render_bad < <(measure "http://127.0.0.1:$uncached_port/")

echo
row() { printf '%-40s %12s %10s %10s %8s\n' "$@"; }
row route "requests/s" "p50 ms" "p99 ms" non-2xx
row "/healthz (the floor of any response)" "$health_rps" "$health_p50" "$health_p99" "$health_bad"
row "/ (as deployed: cached, precompressed)" "$landing_rps" "$landing_p50" "$landing_p99" "$landing_bad"
row "/__bench/landing-copy (compressed each time)" "$ceiling_rps" "$ceiling_p50" "$ceiling_p99" "$ceiling_bad"
row "/ (PAGE_CACHE=false: render each time)" "$render_rps" "$render_p50" "$render_p99" "$render_bad"
percent() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", 100 * a / b }'; }
echo "landing throughput = $(percent "$landing_rps" "$health_rps") % of /healthz (target >= 50 %)"
echo "compressing each response = $(percent "$ceiling_rps" "$health_rps") %, rendering each request = $(percent "$render_rps" "$health_rps") % of /healthz"

echo
echo "islands' bundle and stylesheet (brotli -q 11): what a page with an island loads (other pages: the stylesheet)"
brotli_bytes() {
  local total=0 file raw br
  for file in "$@"; do
    raw=$(stat -c %s "$file")
    br=$(brotli -c -q 11 "$file" | wc -c)
    total=$((total + br))
    printf '  %-52s %8d B raw %8d B brotli\n' "$(basename "$file")" "$raw" "$br" >&2
  done
  echo "$total"
}
pkg=target/site/pkg
first=$(brotli_bytes "$pkg"/tracepipe-storefront.*.wasm "$pkg"/tracepipe-storefront.*.js "$pkg"/*.css)
echo "  total: $((first / 1024)) KB brotli (target <= 150 KB)"
