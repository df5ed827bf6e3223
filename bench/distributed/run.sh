#!/usr/bin/env bash
# Distributed-mode benchmark: the raw RabbitMQ.Client ceiling, Caravan (outbox + inbox on PostgreSQL), Wolverine and
# MassTransit, one after another on the same RabbitMQ and PostgreSQL, each round of each side in a process of its own; prints a Markdown table of
# every run, the medians and the ratios (docs/benchmarks.md, "Distributed mode").
#
#   bash bench/distributed/run.sh [bench options, e.g. --messages 20000 --runs 3]   (--help lists them)
#
# Uses the servers of eng/rabbitmq.sh (127.0.0.1:35672) and eng/postgres.sh (127.0.0.1:55432); starts either one
# when it is not running (and then stops it again at the end). CARAVAN_RABBITMQ / CARAVAN_POSTGRES point elsewhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

started=()
cleanup() {
  for server in "${started[@]}"; do
    "eng/$server.sh" stop >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

if [[ -z "${CARAVAN_RABBITMQ:-}" ]] && ! eng/rabbitmq.sh status >/dev/null 2>&1; then
  eng/rabbitmq.sh start >/dev/null
  started+=(rabbitmq)
fi

if [[ -z "${CARAVAN_POSTGRES:-}" ]] && ! (exec 3<>/dev/tcp/127.0.0.1/"${CARAVAN_POSTGRES_PORT:-55432}") 2>/dev/null; then
  eng/postgres.sh start >/dev/null
  started+=(postgres)
fi

dotnet build bench/Caravan.Bench.Distributed -c Release -v q -nologo >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
dotnet bench/Caravan.Bench.Distributed/bin/Release/net10.0/Caravan.Bench.Distributed.dll "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
