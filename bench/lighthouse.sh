#!/usr/bin/env bash
# Lighthouse (npm lighthouse, Debian Chromium, mobile defaults: a mid-range
# phone on slow 4G, simulated) on the public pages, then on the console's
# pages as a signed-in subscriber with a key (its session cookie sent).
# Targets: 100 in performance, accessibility, best practices and SEO on each
# public page, LCP <= 1.2 s; 100 in accessibility on each console page.
# Usage: bench/lighthouse.sh   Bounded: one server, 11 pages, ~30 s each.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
start_server port

{ read -r subscriber; read -r _; } < <(python3 bench/seed_sessions.py "http://127.0.0.1:$port")

# audit PAGE [COOKIE]: one Lighthouse run, one line of scores.
audit() {
  local report="$work_dir/lighthouse.json" headers=()
  [ -n "${2:-}" ] && headers=(--extra-headers "{\"Cookie\": \"$2\"}")
  CHROME_PATH=/usr/bin/chromium lighthouse "http://127.0.0.1:$port$1" --quiet \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update --disable-sync" \
    --output=json --output-path="$report" "${headers[@]}" \
    --only-categories=performance,accessibility,best-practices,seo
  python3 - "$report" "$1" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
score = lambda name: round(report["categories"][name]["score"] * 100)
audit = lambda name: report["audits"][name]["numericValue"]
print(f'{sys.argv[2]:<18} {score("performance"):>5} {score("accessibility"):>5} '
      f'{score("best-practices"):>5} {score("seo"):>5} {audit("largest-contentful-paint"):>8.0f} '
      f'{audit("first-contentful-paint"):>8.0f} {audit("total-blocking-time"):>6.0f}')
failed = [a["id"] for a in report["audits"].values()
          if a.get("score") is not None and a["score"] < 1 and a.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")]
if failed:
    print("   below full marks:", ", ".join(sorted(failed)[:12]))
PY
}

log "Lighthouse, mobile"
printf '%-18s %5s %5s %5s %5s %8s %8s %6s\n' page perf a11y bp seo lcp_ms fcp_ms tbt_ms
for page in / /pricing /docs/quickstart /docs/api /login; do
  audit "$page"
done
log "Lighthouse, mobile, signed in (console pages: SEO is moot, they are noindex)"
for page in /dashboard /keys /usage /account /billing /account/two-factor; do
  audit "$page" "$subscriber"
done
