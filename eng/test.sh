#!/usr/bin/env bash
# Runs every Caravan test: builds the solution in Release and runs `dotnet test` over it, writing
# TRX results to artifacts/test-results (override with CARAVAN_TEST_RESULTS).
#
# The embedded mode needs nothing installed: tests start their own processes and SQLite files.
# PostgreSQL tests run against the server eng/postgres.sh starts here (and stops on exit, unless it already
# ran), so every one of them runs every time; CARAVAN_POSTGRES tells them where it is.
# RabbitMQ tests run against a broker from eng/rabbitmq.sh (installed with apt when missing), started here
# unless one already runs and stopped again on exit; CARAVAN_RABBITMQ tells the tests where it is.
#
# Extra arguments go to `dotnet test`, e.g. eng/test.sh --filter FullyQualifiedName~Sqlite
set -euo pipefail
cd "$(dirname "$0")/.."

results="${CARAVAN_TEST_RESULTS:-artifacts/test-results}"
rm -rf "$results"
mkdir -p "$results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

stop_servers() {
  wait 2>/dev/null || true
  if [[ -n "${rabbitmq_starting:-}" ]]; then
    eng/rabbitmq.sh stop || true
  fi
  if [[ -z "${postgres_was_running:-}" ]]; then
    eng/postgres.sh stop
  fi
}
trap stop_servers EXIT

if eng/postgres.sh status >/dev/null 2>&1; then
  postgres_was_running=1
fi
eng/postgres.sh start >/dev/null
eval "$(eng/postgres.sh env)"

if [[ -z "${CARAVAN_RABBITMQ:-}" ]]; then
  if ! eng/rabbitmq.sh status >/dev/null; then
    # Boots (~15 s) while the solution builds.
    eng/rabbitmq.sh start >"$results/rabbitmq-start.log" 2>&1 &
    rabbitmq_starting=$!
  fi
  export CARAVAN_RABBITMQ="amqp://guest:guest@127.0.0.1:${CARAVAN_RABBITMQ_PORT:-35672}/"
fi

dotnet build Caravan.slnx -c Release
if [[ -n "${rabbitmq_starting:-}" ]] && ! wait "$rabbitmq_starting"; then
  cat "$results/rabbitmq-start.log" >&2
  exit 1
fi
# The end-to-end tests run last and alone: they start the whole system (seven processes; nine in
# distributed mode) and SIGKILL parts of it every few seconds, and recovery under that chaos should not
# also compete for the machine with every other test assembly, which `dotnet test` runs in parallel.
# The distributed ones start private PostgreSQL and RabbitMQ servers of their own (other ports and
# folders) through eng/postgres.sh and eng/rabbitmq.sh, restart and freeze those, and stop them.
# (With extra arguments, e.g. a --filter of your own, everything runs in one `dotnet test` as asked.)
if [[ $# -gt 0 ]]; then
  dotnet test Caravan.slnx -c Release --no-build \
    --logger "trx" --results-directory "$results" --blame-hang-timeout 10m "$@"
  exit 0
fi
status=0
dotnet test Caravan.slnx -c Release --no-build \
  --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 10m \
  --filter "FullyQualifiedName!~Caravan.EndToEnd.Tests" || status=$?
# 15 minutes: longer than a scenario's own 12-minute budget, so that a slow run fails with the scenario's
# diagnostics (kills, the supervisor's log) rather than as a hang dump with no output.
dotnet test tests/Caravan.EndToEnd.Tests -c Release --no-build \
  --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 15m || status=$?
exit "$status"
