#!/usr/bin/env bash
# Runs every Caravan test: builds the solution in Release and runs `dotnet test` over it, writing
# TRX results to artifacts/test-results (override with CARAVAN_TEST_RESULTS).
#
# The embedded mode needs nothing installed: tests start their own processes and SQLite files.
# PostgreSQL tests run against the server eng/postgres.sh starts here (and stops on exit), so every one
# of them runs every time; CARAVAN_POSTGRES tells them where it is.
#
# Extra arguments go to `dotnet test`, e.g. eng/test.sh --filter FullyQualifiedName~Sqlite
set -euo pipefail
cd "$(dirname "$0")/.."

results="${CARAVAN_TEST_RESULTS:-artifacts/test-results}"
rm -rf "$results"
mkdir -p "$results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

eng/postgres.sh start >/dev/null
trap 'eng/postgres.sh stop' EXIT
eval "$(eng/postgres.sh env)"

dotnet build Caravan.slnx -c Release
dotnet test Caravan.slnx -c Release --no-build \
  --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 10m \
  "$@"
