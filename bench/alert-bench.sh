#!/usr/bin/env bash
# Alert latency: from the push of the gestiones that cross a rule's threshold to the arrival of the signed
# webhook at a local receiver, through the whole system (HTTP ingest, day table, live feed, alert grain,
# query, outbox write, delivery). A measurement tool for a quiet machine: NEVER run it in CI.
#
#   bash bench/alert-bench.sh [--crossings N] [--load-batch ROWS] [--no-build]
#
#   --crossings N     timed crossings per phase (default 200), after 5 for warm-up
#   --load-batch ROWS rows per push of the two background pushers of the loaded phase (default 1000)
#   --no-build        use the Release build of src/Silo as it is
#
# One silo (the embedded default: Localhost clustering, in-memory storage, no demo) on free ports, pinned to
# core 1; the driver (bench/alert-bench.mjs, Node) on core 0. Phase "quiet": nothing else happens. Phase
# "loaded": two pushers send ROWS-row batches for other ejecutivos of the same tenant back to back, so every
# evaluation of the rule runs among theirs. Each crossing is timed from just before its push is sent to
# the webhook's arrival; between crossings the rule is brought back under its threshold and the driver
# waits for the resolution in the history.
#
# Output: a JSON line with n, p50, p95, p99 and max in milliseconds per phase (and, as pushAnswered, the part
# of it until the crossing push was answered), the load's rows/s, and the count of notifications and distinct
# ids (equal: none sent twice); silo log in .scratch/bench-out/alerts/.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$PULSO_ROOT"

crossings=200
load_batch=1000
build=1
while (($#)); do
  case "$1" in
    --crossings) crossings="${2:?}"; shift 2 ;;
    --load-batch) load_batch="${2:?}"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

OUT="$PULSO_SCRATCH/bench-out/alerts"
mkdir -p "$OUT"
if ((build)); then
  dotnet build src/Silo -c Release >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; exit 1; }
fi

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
http_port=$(free_port); silo_port=$(free_port); gateway_port=$(free_port)
key="alert-bench-signing-key-of-at-least-32-bytes"

ASPNETCORE_URLS="http://127.0.0.1:$http_port" \
Pulso__Cluster__SiloPort="$silo_port" Pulso__Cluster__GatewayPort="$gateway_port" Pulso__Cluster__ClusterId="alert-bench-$http_port" \
Pulso__Demo__Enabled=false Pulso__Auth__Jwt__SigningKey="$key" Logging__LogLevel__Default=Warning \
  taskset -c 1 dotnet src/Silo/bin/Release/net10.0/Pulso.Silo.dll >"$OUT/silo.log" 2>&1 &
silo=$!
trap 'kill "$silo" 2>/dev/null || true; wait "$silo" 2>/dev/null || true' EXIT

for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$http_port/readyz" >/dev/null 2>&1 && break
  kill -0 "$silo" 2>/dev/null || { tail -30 "$OUT/silo.log" >&2; exit 1; }
  sleep 0.5
done

taskset -c 0 node bench/alert-bench.mjs --base "http://127.0.0.1:$http_port" --key "$key" --crossings "$crossings" --load-batch "$load_batch"
