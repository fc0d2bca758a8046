#!/usr/bin/env bash
# Bytes a first visit transfers, as served (brotli for the hashed assets and
# the cached public pages, gzip for pages rendered per request), per page and kind, from what Debian Chromium
# really fetches (bench/first_visit.cjs). Targets: "/" <= 30 KB in total;
# JS + wasm on the public pages <= 5 KB; the first signed-in visit
# (/dashboard) <= 150 KB in all, and so the keys page, the one that loads the
# islands' bundle.
# Usage: bench/bytes.sh   Bounded: one server, one browser, 8 page loads.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scripts/bootstrap --for-tests >/dev/null
start_server port

log "first visits"
printf '%-18s %9s %9s %8s %8s %8s %8s %8s\n' page total js+wasm html css js wasm other
node bench/first_visit.cjs "http://127.0.0.1:$port" / /pricing /docs/quickstart /docs/api /login /register @/dashboard @/keys |
  while read -r page total script html css js wasm other; do
    printf '%-18s %9s %9s %8s %8s %8s %8s %8s\n' "$page" "$total" "$script" "$html" "$css" "$js" "$wasm" "$other"
  done
