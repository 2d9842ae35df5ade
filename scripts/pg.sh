#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a local port, for the shared-store tests
# and benchmarks. Uses Debian's `postgresql` package (`install` puts it there).
#
#   scripts/pg.sh install   apt-get install postgresql when no server binaries are found
#   scripts/pg.sh start     initdb (first time) and start; prints the URL
#   scripts/pg.sh stop      stop it (fast shutdown: clients are disconnected)
#   scripts/pg.sh restart   stop and start (the tests restart it under running nodes)
#   scripts/pg.sh url       the URL the tests use
#   scripts/pg.sh destroy   stop and delete the cluster
#
# Settings: VOICEPRINT_PG_DIR (default /tmp/voiceprint-pg), VOICEPRINT_PG_PORT
# (default 55432). The database `voiceprint` belongs to role `voiceprint`,
# password `voiceprint`, reached over TCP on 127.0.0.1 with scram-sha-256:
# the tests also check that a wrong password is refused.
set -euo pipefail
dir="${VOICEPRINT_PG_DIR:-/tmp/voiceprint-pg}"
port="${VOICEPRINT_PG_PORT:-55432}"
url="postgresql://voiceprint:voiceprint@127.0.0.1:${port}/voiceprint"

bindir() {
  local b
  if command -v pg_config >/dev/null && b="$(pg_config --bindir 2>/dev/null)" && [[ -x "$b/initdb" ]]; then
    echo "$b"; return
  fi
  b="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  [[ -n "$b" && -x "$b/initdb" ]] && { echo "$b"; return; }
  return 1
}

# PostgreSQL refuses to run as root: run its tools as `postgres` then.
as_pg() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

install() {
  if bindir >/dev/null; then return; fi
  echo "== installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  bindir >/dev/null || { echo "postgresql installed but no initdb found" >&2; exit 1; }
}

running() {
  local b; b="$(bindir)" || return 1
  [[ -f "$dir/data/postmaster.pid" ]] && as_pg "$b/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

start() {
  local b; b="$(bindir)" || { echo "no PostgreSQL server binaries: run scripts/pg.sh install" >&2; exit 1; }
  if running; then echo "$url"; return; fi
  mkdir -p "$dir"
  if [[ "$(id -u)" == 0 ]]; then chown postgres "$dir"; fi
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    as_pg bash -c "umask 077; echo postgres > '$dir/pw'"
    as_pg "$b/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pw" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  mkdir -p "$dir/sock"
  if [[ "$(id -u)" == 0 ]]; then chown postgres "$dir/sock"; fi
  as_pg "$b/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null \
    || { tail -20 "$dir/server.log" >&2; exit 1; }
  # Role and database, once.
  local psql=("$b/psql" -h "$dir/sock" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt)
  if [[ "$(as_pg "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'voiceprint'")" != 1 ]]; then
    as_pg "${psql[@]}" -c "CREATE ROLE voiceprint LOGIN PASSWORD 'voiceprint'"
    as_pg "${psql[@]}" -c "CREATE DATABASE voiceprint OWNER voiceprint"
  fi
  echo "$url"
}

stop() {
  local b; b="$(bindir)" || return 0
  if running; then as_pg "$b/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  restart) stop; start >/dev/null; echo "$url" ;;
  url) echo "$url" ;;
  destroy) stop; rm -rf "$dir" ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
