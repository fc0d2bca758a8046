# Throw-away PostgreSQL on 127.0.0.1 for tests and the multi-instance run.
# Source it, then: pg_start DIR PORT (prints nothing), pg_url PORT, pg_stop DIR.
# PostgreSQL refuses to run as root, so as root it runs as the `postgres` user
# the Debian package creates.

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] || { echo "error: PostgreSQL is not installed (scripts/bootstrap --for-tests)" >&2; return 1; }
  echo "$dir"
}

pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_start() {
  local dir="$1" port="$2" bin
  bin="$(pg_bin)" || return 1
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  pg_as_owner "$bin/initdb" -D "$dir/data" -A trust -U storefront >/dev/null
  pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=off" start >/dev/null
}

pg_url() {
  echo "postgres://storefront@127.0.0.1:$1/postgres"
}

pg_stop() {
  local dir="$1" bin
  bin="$(pg_bin)" || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$dir"
}
