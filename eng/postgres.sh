#!/usr/bin/env bash
# A throwaway PostgreSQL server for Caravan's tests and distributed mode, on a loopback port with
# its data in a temporary folder (no systemd, no Docker).
#
#   eng/postgres.sh start               install (apt) when missing, initdb when needed, start, wait until ready,
#                                       print the connection string
#   eng/postgres.sh stop                stop the server (fast shutdown)
#   eng/postgres.sh status              exit 0 and print the connection string when the server runs, else exit 1
#   eng/postgres.sh restart-immediate   pg_ctl restart -m immediate: a crash-like restart, for fault tests
#   eng/postgres.sh env                 print `export CARAVAN_POSTGRES="..."` for eval
#   eng/postgres.sh createdb NAME       create database NAME when missing
#
# Every subcommand is idempotent. Settings (environment):
#   CARAVAN_POSTGRES_PORT  port on 127.0.0.1 (default 55432)
#   CARAVAN_POSTGRES_DIR   folder for data, log and socket (default /tmp/caravan-postgres); owned by user postgres
set -euo pipefail

port="${CARAVAN_POSTGRES_PORT:-55432}"
dir="${CARAVAN_POSTGRES_DIR:-/tmp/caravan-postgres}"
connection="Host=127.0.0.1;Port=${port};Username=postgres"

log() { echo "postgres.sh: $*" >&2; }

bin_dir() {
  local pg_ctl
  pg_ctl="$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$pg_ctl" ]] && dirname "$pg_ctl"
}

install_when_missing() {
  if [[ -n "$(bin_dir)" ]]; then
    return
  fi
  if [[ "$(id -u)" -ne 0 ]]; then
    log "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
    exit 1
  fi
  log "installing postgresql with apt"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
}

# Runs a command as user postgres (initdb and the server refuse to run as root).
as_postgres() {
  if [[ "$(id -un)" == postgres ]]; then
    "$@"
  else
    su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
  fi
}

pg_ctl_run() { as_postgres "$(bin_dir)/pg_ctl" -D "$dir/data" "$@"; }

is_running() { [[ -f "$dir/data/postmaster.pid" ]] && pg_ctl_run status >/dev/null 2>&1; }

wait_until_ready() {
  local deadline=$((SECONDS + 60))
  until "$(bin_dir)/pg_isready" -h 127.0.0.1 -p "$port" -U postgres -q; do
    if ((SECONDS >= deadline)); then
      log "not ready after 60 s; see $dir/pg.log"
      tail -n 20 "$dir/pg.log" >&2 || true
      exit 1
    fi
    sleep 0.2
  done
}

start() {
  install_when_missing
  mkdir -p "$dir"
  chown postgres:postgres "$dir" 2>/dev/null || true
  chmod 700 "$dir"
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    log "initdb in $dir/data"
    as_postgres "$(bin_dir)/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log"
  fi
  if is_running; then
    log "already running on 127.0.0.1:$port"
  else
    pg_ctl_run -l "$dir/pg.log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -w -t 60 start >/dev/null
  fi
  wait_until_ready
  echo "$connection"
}

stop() {
  if [[ -n "$(bin_dir)" ]] && is_running; then
    pg_ctl_run -m fast -w -t 60 stop >/dev/null
    log "stopped"
  else
    log "not running"
  fi
}

restart_immediate() {
  if ! is_running; then
    log "not running; starting"
    start
    return
  fi
  pg_ctl_run -m immediate -l "$dir/pg.log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -w -t 60 restart >/dev/null
  wait_until_ready
  echo "$connection"
}

createdb() {
  local name="${1:?usage: eng/postgres.sh createdb NAME}"
  local psql=("$(bin_dir)/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -v name="$name")
  # psql interpolates :'name' (a literal) and :"name" (an identifier) only in scripts, not in -c.
  if [[ "$("${psql[@]}" -tA <<<"SELECT 1 FROM pg_database WHERE datname = :'name'")" != 1 ]]; then
    "${psql[@]}" -q <<<'CREATE DATABASE :"name"'
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if [[ -n "$(bin_dir)" ]] && is_running; then echo "$connection"; else log "not running"; exit 1; fi ;;
  restart-immediate) restart_immediate ;;
  env) echo "export CARAVAN_POSTGRES=\"$connection\"" ;;
  createdb) shift; createdb "$@" ;;
  *)
    echo "usage: eng/postgres.sh start|stop|status|restart-immediate|env|createdb NAME" >&2
    exit 2
    ;;
esac
