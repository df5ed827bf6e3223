#!/usr/bin/env bash
# Gateway benchmark: requests/s and p50/p99 of `GET /api/v1/products/{sku}` through Caravan's gateway
# (YARP, with rate limiting and request ids on, limits set high) against the same Inventory backend behind
# nginx as a plain reverse proxy, and against the backend directly (the ceiling), with wrk, in one run.
#
#   bash bench/gateway/run.sh [--duration 20] [--connections 64] [--threads 2] [--rounds 3] [--warmup 20] [--no-floor]
#
# Installs nginx and wrk with apt when missing. Builds Release, starts the backend (Caravan.Inventory with
# its demo products on a fresh SQLite file), the gateway and nginx on free loopback ports, warms both proxies
# up under the measured load (the gateway's JIT needs it), runs wrk against each target in turn for every
# round (direct first, then the proxies in rotating order, so that drift hits them alike),
# prints a Markdown table of every run and the medians, and stops everything it started.
# A fourth target, the floor (bench/Caravan.Bench.GatewayFloor: YARP alone, one route, its defaults, none of Caravan's
# features), shows what any YARP-based gateway costs on the same machine; --no-floor leaves it out.
# Besides wrk's numbers, each run records the CPU time the proxy process(es) and the backend used per
# request (from /proc/<pid>/stat, user + system) and the load average: on a shared machine the CPU cost per
# request moves much less than requests/s does.
set -euo pipefail
cd "$(dirname "$0")/../.."

duration=20
connections=64
threads=2
rounds=3
warmup=20
floor=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --no-floor) floor=0; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  echo "installing nginx and wrk (apt)..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx wrk >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Services/Caravan.Inventory -c Release -v q -nologo >/dev/null
dotnet build src/Caravan.Gateway -c Release -v q -nologo >/dev/null
(( floor )) && dotnet build bench/Caravan.Bench.GatewayFloor -c Release -v q -nologo >/dev/null

work=$(mktemp -d /tmp/caravan-bench-gateway.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
backend_port=$(free_port); gateway_port=$(free_port); nginx_port=$(free_port); floor_port=$(free_port)
sku=TENT-2P
path="/api/v1/products/$sku"

wait_for() {
  local url=$1
  for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null "$url"; then return 0; fi
    sleep 0.1
  done
  echo "$url did not answer" >&2
  exit 1
}

# Quiet logs everywhere: request logging would measure the console, not the proxy.
quiet=(Logging__LogLevel__Default=Warning Logging__LogLevel__Microsoft.AspNetCore=Warning ASPNETCORE_ENVIRONMENT=Production)

env "${quiet[@]}" \
  ASPNETCORE_URLS="http://127.0.0.1:$backend_port" \
  Caravan__DataDirectory="$work/data" \
  Caravan__Inventory__SeedDemoProducts=true \
  dotnet src/Services/Caravan.Inventory/bin/Release/net10.0/Caravan.Inventory.dll >"$work/inventory.log" 2>&1 &
pids+=($!)
backend_pid=$!
wait_for "http://127.0.0.1:$backend_port$path"

# Rate limiting stays on, with limits far above what one wrk client can reach.
env "${quiet[@]}" \
  ASPNETCORE_URLS="http://127.0.0.1:$gateway_port" \
  services__inventory__http__0="http://127.0.0.1:$backend_port" \
  Caravan__Gateway__RateLimiting__Anonymous__TokensPerSecond=10000000 \
  Caravan__Gateway__RateLimiting__Anonymous__Burst=10000000 \
  dotnet src/Caravan.Gateway/bin/Release/net10.0/Caravan.Gateway.dll >"$work/gateway.log" 2>&1 &
pids+=($!)
gateway_pid=$!
wait_for "http://127.0.0.1:$gateway_port$path"

# The floor: bare YARP in front of the same backend, with the same quiet logs.
if (( floor )); then
  env "${quiet[@]}" \
    ASPNETCORE_URLS="http://127.0.0.1:$floor_port" \
    Backend="http://127.0.0.1:$backend_port" \
    dotnet bench/Caravan.Bench.GatewayFloor/bin/Release/net10.0/Caravan.Bench.GatewayFloor.dll >"$work/floor.log" 2>&1 &
  pids+=($!)
  floor_pid=$!
  wait_for "http://127.0.0.1:$floor_port$path"
fi

# nginx as a plain reverse proxy: keep-alive to the backend, no logging, one worker per core.
cat >"$work/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:$backend_port; keepalive 128; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
}
EOF
nginx -c "$work/nginx.conf" -p "$work" -e "$work/nginx-error.log"
wait_for "http://127.0.0.1:$nginx_port$path"

# Every target must answer the same body before anything is timed.
direct_body=$(curl -fsS "http://127.0.0.1:$backend_port$path")
[[ "$(curl -fsS "http://127.0.0.1:$nginx_port$path")" == "$direct_body" ]] || { echo "nginx answers differently" >&2; exit 1; }
[[ "$(curl -fsS "http://127.0.0.1:$gateway_port$path")" == "$direct_body" ]] || { echo "the gateway answers differently" >&2; exit 1; }
if (( floor )); then
  [[ "$(curl -fsS "http://127.0.0.1:$floor_port$path")" == "$direct_body" ]] || { echo "the floor answers differently" >&2; exit 1; }
fi
request_id=$(curl -fsS -D - -o /dev/null "http://127.0.0.1:$gateway_port$path" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-request-id"{print $2}')

# wrk prints latencies as e.g. 812.00us, 1.52ms, 2.01s; convert to ms.
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else { print v } }'
}

# CPU ticks (user + system) of the given processes, from /proc/<pid>/stat (fields 14 and 15).
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")))
  done
  echo "$total"
}
proxy_pids() {
  case $1 in
    nginx) pgrep -P "$(cat "$work/nginx.pid")" | tr '\n' ' ' ;;
    gateway) echo "$gateway_pid" ;;
    yarp-floor) echo "$floor_pid" ;;
    *) echo "" ;;
  esac
}
ticks_per_second=$(getconf CLK_TCK)

results="$work/results.tsv"
: >"$results"
run_one() {
  local name=$1 port=$2 round=$3 t=$4 c=$5 out proxy before_proxy before_backend
  proxy=$(proxy_pids "$name")
  before_proxy=$(cpu_ticks $proxy); before_backend=$(cpu_ticks "$backend_pid")
  out=$(wrk -t"$t" -c"$c" -d"${duration}s" --latency "http://127.0.0.1:$port$path")
  local rps p50 p99 errors requests proxy_us backend_us load
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  proxy_us=$(( ($(cpu_ticks $proxy) - before_proxy) * 1000000 / ticks_per_second / requests ))
  backend_us=$(( ($(cpu_ticks "$backend_pid") - before_backend) * 1000000 / ticks_per_second / requests ))
  load=$(cut -d' ' -f1 /proc/loadavg)
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1=="50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")")
  errors=$(awk '/Non-2xx or 3xx responses:/ {print $5} /Socket errors:/ {print "socket:" $0}' <<<"$out" | tr '\n' ' ')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$round" "$name" "$rps" "$p50" "$p99" "$proxy_us" "$backend_us" "$load" "${errors:-0}" >>"$results"
  printf 'c=%s round %s %-8s %10s req/s  p50 %7s ms  p99 %7s ms  proxy %4s us/req  backend %4s us/req  load %s  errors %s\n' \
    "$c" "$round" "$name" "$rps" "$p50" "$p99" "$proxy_us" "$backend_us" "$load" "${errors:-0}" >&2
}

# Warm-up, not measured: both proxies under the measured load, so that the gateway's tiered JIT has finished
# (on a busy machine it needs well over the few seconds it gets on an idle one).
wrk -t"$threads" -c"$connections" -d"${warmup}s" "http://127.0.0.1:$gateway_port$path" >/dev/null
wrk -t"$threads" -c"$connections" -d"$(( (warmup + 3) / 4 ))s" "http://127.0.0.1:$nginx_port$path" >/dev/null
proxies=("nginx $nginx_port" "gateway $gateway_port")
if (( floor )); then
  wrk -t"$threads" -c"$connections" -d"$(( (warmup + 1) / 2 ))s" "http://127.0.0.1:$floor_port$path" >/dev/null
  proxies+=("yarp-floor $floor_port")
fi
for round in $(seq 1 "$rounds"); do
  # direct first, then the proxies in turn first (rotating), so that drift hits them alike.
  order=("direct $backend_port")
  for k in "${!proxies[@]}"; do order+=("${proxies[(k + round - 1) % ${#proxies[@]}]}"); done
  for target in "${order[@]}"; do
    run_one ${target} "$round" "$threads" "$connections"   # throughput: many connections
  done
  for target in "${order[@]}"; do
    run_one ${target} "$round" 1 1                          # latency: one request at a time
  done
done

echo
echo "GET $path, wrk -d${duration}s per run, $rounds rounds: throughput at -t$threads -c$connections, latency at -t1 -c1; gateway request id seen: ${request_id:-none}"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), nginx $(nginx -v 2>&1 | sed 's/.*\///'), commit $(git rev-parse --short HEAD)"
echo
python3 - "$results" <<'EOF'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
print("| connections | round | target | req/s | p50 ms | p99 ms | proxy CPU µs/req | backend CPU µs/req | load avg | errors |")
print("|------------:|------:|--------|------:|-------:|-------:|-----------------:|-------------------:|---------:|-------:|")
for r in rows:
    proxy = "" if r[2] == "direct" else r[6]
    print(f"| {r[0]} | {r[1]} | {r[2]} | {float(r[3]):,.0f} | {float(r[4]):.3f} | {float(r[5]):.3f} | {proxy} | {r[7]} | {r[8]} | {r[9]} |")
med = {}
for c in sorted({r[0] for r in rows}, key=int, reverse=True):
    for name in ("direct", "nginx", "gateway", "yarp-floor"):
        sel = [r for r in rows if r[0] == c and r[2] == name]
        if not sel:
            continue
        med[c, name] = tuple(statistics.median(float(r[i]) for r in sel) for i in (3, 4, 5, 6, 7))
        proxy = "" if name == "direct" else f"{med[c, name][3]:.0f}"
        print(f"| {c} | median | {name} | {med[c, name][0]:,.0f} | {med[c, name][1]:.3f} | {med[c, name][2]:.3f} | {proxy} | {med[c, name][4]:.0f} | | |")
print()
many = max({r[0] for r in rows}, key=int)
ratios = sorted(float(g[3]) / float(n[3]) for g in rows for n in rows
                if g[0] == many and n[0] == many and g[1] == n[1] and g[2] == "gateway" and n[2] == "nginx")
print(f"throughput (c={many}), medians: gateway / nginx = {med[many, 'gateway'][0] / med[many, 'nginx'][0]:.2f}x (target >= 0.8x; "
      f"per round {min(ratios):.2f}-{max(ratios):.2f}x, median {statistics.median(ratios):.2f}x); "
      f"gateway / direct = {med[many, 'gateway'][0] / med[many, 'direct'][0]:.2f}x; nginx / direct = {med[many, 'nginx'][0] / med[many, 'direct'][0]:.2f}x")
print(f"proxy CPU per request (c={many}), medians: gateway {med[many, 'gateway'][3]:.0f} us, nginx {med[many, 'nginx'][3]:.0f} us; "
      f"backend {med[many, 'direct'][4]:.0f} us when called directly")
if (many, "yarp-floor") in med:
    print(f"the floor (bare YARP, none of the gateway's features), medians: {med[many, 'yarp-floor'][0] / med[many, 'nginx'][0]:.2f}x nginx's req/s, "
          f"{med[many, 'yarp-floor'][3]:.0f} us proxy CPU per request; the gateway reaches {med[many, 'gateway'][0] / med[many, 'yarp-floor'][0]:.2f}x the floor's req/s")
print(f"p50 added over direct at c=1, medians: gateway {med['1', 'gateway'][1] - med['1', 'direct'][1]:.3f} ms (target < 1 ms), "
      f"nginx {med['1', 'nginx'][1] - med['1', 'direct'][1]:.3f} ms; at c={many}: gateway {med[many, 'gateway'][1] - med[many, 'direct'][1]:.3f} ms, "
      f"nginx {med[many, 'nginx'][1] - med[many, 'direct'][1]:.3f} ms")
EOF
