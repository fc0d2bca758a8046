# Shared by the benchmarks (sourced, not run): the release build, a scratch
# folder removed at exit, and storefront servers on free loopback ports that
# are stopped at exit.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
cd "$REPO_ROOT"

scripts/bootstrap --for-bench
log "release build"
scripts/build
# BENCH_SERVER_BIN: another build to measure with the same scripts (an A/B
# against an earlier commit's binary, on the same machine in the same hour).
SERVER_BIN="${BENCH_SERVER_BIN:-$SERVER_BIN}"

work_dir="$(mktemp -d /tmp/tracepipe-bench.XXXXXX)"
server_pids=()
cleanup() {
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf "$work_dir"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server VAR [SETTING=value ...]: starts a server (production mode,
# its own database) with the extra settings and stores its port in VAR once
# it is ready. The load generator is one client address: the per-client
# write limit is lifted so that it measures the routes, not the limiter.
start_server() {
  local into="$1" chosen
  shift
  chosen="$(free_port)"
  env CLIENT_WRITES_PER_MINUTE=10000000 "$@" LISTEN_ADDR="127.0.0.1:$chosen" PUBLIC_URL="http://127.0.0.1:$chosen" \
    DATA_DIR="$work_dir/$chosen" LEPTOS_ENV=PROD "$SERVER_BIN" >/dev/null 2>&1 &
  server_pids+=($!)
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$chosen/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  printf -v "$into" '%s' "$chosen"
}

# Reads `wrk --latency` output; prints "requests_per_second p50_ms p99_ms non_2xx".
summarise() { awk -f bench/wrk_summary.awk; }

# users_me_script KEYS_FILE OUT: a wrk script for GET /v1/users/me that
# presents the next key of KEYS_FILE (one per line) with each request.
users_me_script() {
  local lua_keys
  lua_keys="$(sed 's/.*/"&",/' "$1" | tr -d '\n')"
  cat >"$2" <<LUA
local keys = { $lua_keys }
local n = 0
request = function()
  n = n % #keys + 1
  return wrk.format("GET", nil, { ["X-API-Key"] = keys[n] })
end
LUA
}

# verify_script KEYS_FILE TOKEN OUT: a wrk script for POST
# /internal/v1/keys/verify with the service TOKEN that asks about the next
# key of KEYS_FILE (one per line) with each request.
verify_script() {
  local lua_keys
  lua_keys="$(sed 's/.*/"&",/' "$1" | tr -d '\n')"
  cat >"$3" <<LUA
local keys = { $lua_keys }
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $2"
request = function()
  n = n % #keys + 1
  return wrk.format(nil, nil, nil, '{"key":"' .. keys[n] .. '"}')
end
LUA
}

# login_script BASE FORM OUT [FORM...]: a wrk script that signs in with
# FORM (urlencoded e-mail and password) as a script on BASE's own origin
# does; given more forms, each request takes the next one in turn (many
# people signing in: every attempt in flight counts against its account's
# allowance until it is checked, so one account signing in on 16
# connections at once would be throttled, as a burst of guesses is).
login_script() {
  local base="$1" first="$2" out="$3"
  shift 3
  local bodies="\"$first&next=\""
  for form in "$@"; do bodies="$bodies, \"$form&next=\""; done
  cat >"$out" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Origin"] = "$base"
local bodies = { $bodies }
local turn = 0
request = function()
  turn = turn % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[turn])
end
LUA
}
