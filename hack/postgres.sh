#!/usr/bin/env bash
# A throwaway PostgreSQL server for Studio's tests and CI: a fresh cluster in DIR, listening
# only on a unix socket there (no port to collide with), trust auth, database `troupe`.
#   hack/postgres.sh install     apt-get the Debian package (CI; needs root)
#   hack/postgres.sh up DIR      initdb (once) and start; prints the SQLAlchemy URL
#   hack/postgres.sh down DIR    stop it (DIR stays; rm it to forget the data)
# With TROUPE_PG_LISTEN=ADDR:PORT it also listens on that TCP address, for clients elsewhere
# (a pod on the local cluster's node: the bridge's host side), admitting TROUPE_PG_ALLOW (a
# CIDR) with a password: TROUPE_PG_PASSWORD becomes the postgres user's (scram-sha-256).
# initdb refuses to run as root, so as root the server runs as the `postgres` user.
set -euo pipefail

say() { printf '[postgres %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return; }; done
  command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return; }
  say "no initdb: run '$0 install' (Debian package postgresql)"; exit 1
}

as_owner() { # run a server binary as a non-root user
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

up() {
  local dir=$1 bin
  bin=$(bindir)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
  fi
  local listen="''" port=5432
  if [ -n "${TROUPE_PG_LISTEN:-}" ]; then
    listen="'${TROUPE_PG_LISTEN%:*}'" port=${TROUPE_PG_LISTEN##*:}
    local rule="host all all ${TROUPE_PG_ALLOW:?TROUPE_PG_ALLOW (a CIDR)} scram-sha-256"
    grep -qxF "$rule" "$dir/data/pg_hba.conf" || echo "$rule" >>"$dir/data/pg_hba.conf"
  fi
  if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=$listen -p $port -k $dir -c fsync=off" start >/dev/null
  fi
  if [ -n "${TROUPE_PG_LISTEN:-}" ]; then
    "$bin/psql" -h "$dir" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 -v pw="${TROUPE_PG_PASSWORD:?}" \
      <<<"SET password_encryption = 'scram-sha-256'; ALTER USER postgres PASSWORD :'pw';"
  fi
  "$bin/psql" -h "$dir" -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='troupe'" \
    | grep -q 1 || "$bin/createdb" -h "$dir" -p "$port" -U postgres troupe
  if [ -n "${TROUPE_PG_LISTEN:-}" ]; then
    say "PostgreSQL on the unix socket in $dir and on $TROUPE_PG_LISTEN for $TROUPE_PG_ALLOW"
    echo "postgresql+psycopg://postgres@/troupe?host=$dir&port=$port"
  else
    say "PostgreSQL on the unix socket in $dir"
    echo "postgresql+psycopg://postgres@/troupe?host=$dir"
  fi
}

down() {
  local dir=$1 bin
  bin=$(bindir)
  [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  return 0
}

case "${1:-}" in
  install) apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null ;;
  up) up "${2:?dir}" ;;
  down) down "${2:?dir}" ;;
  *) echo "usage: $0 install | up DIR | down DIR" >&2; exit 2 ;;
esac
