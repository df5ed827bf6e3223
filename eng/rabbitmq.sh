#!/usr/bin/env bash
# A throwaway RabbitMQ broker for Caravan's tests and local runs, on custom loopback ports with its
# data under one temporary folder; it never touches a system-wide broker.
#
#   eng/rabbitmq.sh start     install rabbitmq-server with apt when missing (root only), start the node,
#                             wait until it answers and print its connection string; a no-op when it runs
#   eng/rabbitmq.sh stop      stop the node and its epmd, delete the folder
#   eng/rabbitmq.sh restart   stop and start again keeping the data (fault tests: durable messages survive)
#   eng/rabbitmq.sh env       print `export CARAVAN_RABBITMQ=...` for eval
#   eng/rabbitmq.sh status    exit 0 (and print the connection string) when the node runs, 1 otherwise
#   eng/rabbitmq.sh queues    list the node's queues: name, ready, unacknowledged (diagnostics)
#
# Settings (environment): CARAVAN_RABBITMQ_DIR (/tmp/caravan-rabbitmq), CARAVAN_RABBITMQ_PORT (35672),
# CARAVAN_RABBITMQ_DIST_PORT (port+1), CARAVAN_RABBITMQ_EPMD_PORT (port+2), CLI tools on port+10..port+20,
# CARAVAN_RABBITMQ_MANAGEMENT_PORT (unset: the management plugin stays off), CARAVAN_RABBITMQ_NODE (caravan),
# CARAVAN_NO_INSTALL=1 to fail instead of installing.
# No systemd here: the node is started as root by calling /usr/lib/rabbitmq/bin directly (see /work/shared/FACTS.md);
# the AMQP listener is set in rabbitmq.conf only.
set -euo pipefail

dir="${CARAVAN_RABBITMQ_DIR:-/tmp/caravan-rabbitmq}"
port="${CARAVAN_RABBITMQ_PORT:-35672}"
management_port="${CARAVAN_RABBITMQ_MANAGEMENT_PORT:-}"
bin=/usr/lib/rabbitmq/bin
url="amqp://guest:guest@127.0.0.1:${port}/"

export HOME="$dir"
export RABBITMQ_NODENAME="${CARAVAN_RABBITMQ_NODE:-caravan}@localhost"
export RABBITMQ_DIST_PORT="${CARAVAN_RABBITMQ_DIST_PORT:-$((port + 1))}"
export ERL_EPMD_PORT="${CARAVAN_RABBITMQ_EPMD_PORT:-$((port + 2))}"
export ERL_EPMD_ADDRESS=127.0.0.1
# The CLI tools' own distribution ports default to 35672-35682, right where the AMQP listener goes.
export RABBITMQ_CTL_DIST_PORT_MIN="$((port + 10))"
export RABBITMQ_CTL_DIST_PORT_MAX="$((port + 20))"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_MNESIA_BASE="$dir/mnesia"
export RABBITMQ_LOG_BASE="$dir/log"
export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"

log() { echo "rabbitmq.sh: $*" >&2; }

install_if_missing() {
  if [[ -x "$bin/rabbitmq-server" ]]; then
    return
  fi
  if [[ "${CARAVAN_NO_INSTALL:-}" == 1 || "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    log "rabbitmq-server is not installed and cannot be installed here (needs root and apt-get)"
    exit 1
  fi
  log "installing rabbitmq-server with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends rabbitmq-server >&2
}

# Cheap on purpose (no Erlang VM): the node's pid is alive and its AMQP port accepts connections.
running() {
  [[ -f "$RABBITMQ_PID_FILE" ]] && kill -0 "$(cat "$RABBITMQ_PID_FILE")" 2>/dev/null \
    && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

write_config() {
  mkdir -p "$dir" "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
  : >"$RABBITMQ_CONF_ENV_FILE"
  echo '[].' >"$RABBITMQ_ADVANCED_CONFIG_FILE"
  {
    echo "listeners.tcp.default = 127.0.0.1:$port"
    echo "loopback_users.guest = true"
    echo "disk_free_limit.absolute = 50MB"
    echo "log.console = false"
    echo "log.file.level = warning"
    if [[ -n "$management_port" ]]; then
      echo "management.tcp.ip = 127.0.0.1"
      echo "management.tcp.port = $management_port"
    fi
  } >"$RABBITMQ_CONFIG_FILE"
  if [[ -n "$management_port" ]]; then
    echo '[rabbitmq_management].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
  else
    echo '[].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
  fi
}

start() {
  install_if_missing
  if running; then
    echo "$url"
    return
  fi
  write_config
  log "starting node $RABBITMQ_NODENAME on 127.0.0.1:$port (data in $dir)"
  rm -f "$RABBITMQ_PID_FILE"
  "$bin/rabbitmq-server" -detached >>"$RABBITMQ_LOG_BASE/start.log" 2>&1
  if ! "$bin/rabbitmqctl" -q wait --timeout 90 "$RABBITMQ_PID_FILE" >>"$RABBITMQ_LOG_BASE/start.log" 2>&1; then
    log "the node did not come up; last log lines:"
    tail -n 40 "$RABBITMQ_LOG_BASE"/*.log >&2 || true
    exit 1
  fi
  echo "$url"
}

stop_node() {
  if [[ -f "$RABBITMQ_PID_FILE" ]] && kill -0 "$(cat "$RABBITMQ_PID_FILE")" 2>/dev/null; then
    # Returns once the node's process has exited, so a start right after finds the ports free.
    "$bin/rabbitmqctl" -q stop "$RABBITMQ_PID_FILE" >/dev/null 2>&1 || true
  fi
}

stop() {
  stop_node
  if [[ -x "$bin/epmd" ]] || command -v epmd >/dev/null; then
    epmd -kill >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart)
    stop_node
    start
    ;;
  env) echo "export CARAVAN_RABBITMQ=$url" ;;
  status)
    running || exit 1
    echo "$url"
    ;;
  queues) "$bin/rabbitmqctl" -q list_queues name messages_ready messages_unacknowledged ;;
  *)
    echo "usage: $0 start|stop|restart|env|status|queues" >&2
    exit 2
    ;;
esac
