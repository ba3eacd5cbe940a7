#!/usr/bin/env bash
# Live push benchmark (issue 5): SignalR subscribers spread over tenants watch "today by
# ejecutivo" while gestiones are pushed at a fixed rate; how long from a push's
# acknowledgement to the update reaching the subscribers. A measurement tool for a quiet
# machine: NEVER run it in CI.
#
#   bash bench/live-bench.sh [--subscribers N] [--tenants N] [--rows-per-second N]
#                            [--batches-per-second N] [--seconds N] [--warmup N]
#                            [--window MS] [--no-build]
#
# Defaults: 1000 subscribers over 20 tenants, 20000 rows/s in 10 batches per second per
# tenant, 15 s of warm-up then 30 s measured, coalescing window 250 ms
# (Pulso:Live:CoalesceMilliseconds). The warm-up pushes as the measured part does; its
# versions are checked too, but its latencies and CPU are left out: a silo that has been
# running has its hot code tiered up, a fresh one spends its first seconds compiling.
#
# One silo (embedded default: memory storage, the gateway co-hosted, no demo) runs pinned
# to core 1; the load process (bench/Pulso.LiveBench) runs pinned to core 0 and does both
# the pushing (open loop: each tenant's batches leave on schedule, 10 per second by default, each
# with one row of the probe ejecutivo PROBE) and the subscribing (WebSockets, token in the
# query string as browsers send it). A batch's latency runs from its push's 200 to the
# first update on a subscriber showing PROBE's total_gestiones at least at that batch's
# count, on one Stopwatch clock, for every subscriber of the tenant.
#
# Reported: p50/p99/max latency, messages, version gaps and out-of-order versions (must be
# 0), subscribers not at the final count 30 s after the last push (must be 0), silo and
# load CPU seconds, silo peak RSS. Target: p99 <= window + 100 ms.
#
# Output: a Markdown report on stdout, also written to .scratch/bench-results/live-<ts>.md;
# the silo's log in .scratch/bench-out/live/.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$PULSO_ROOT"

subscribers=1000 tenants=20 rows=20000 batches=10 seconds=30 warmup=15 window=250 build=1
while (($#)); do
  case "$1" in
    --subscribers) subscribers="$2"; shift 2 ;;
    --tenants) tenants="$2"; shift 2 ;;
    --rows-per-second) rows="$2"; shift 2 ;;
    --batches-per-second) batches="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --window) window="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done

taskset -c 0,1 true 2>/dev/null || { echo "cores 0 and 1 are needed for pinning" >&2; exit 1; }
OUT_DIR="$PULSO_SCRATCH/bench-out/live"
RESULTS="$PULSO_SCRATCH/bench-results"
mkdir -p "$OUT_DIR" "$RESULTS"
SILO_DLL="src/Silo/bin/Release/net10.0/Pulso.Silo.dll"
LOAD_DLL="bench/Pulso.LiveBench/bin/Release/net10.0/live-bench.dll"
if ((build)); then
  for project in src/Silo/Pulso.Silo.csproj bench/Pulso.LiveBench/Pulso.LiveBench.csproj; do
    dotnet build "$project" -c Release -nologo >"$OUT_DIR/build.log" 2>&1 || { tail -n 30 "$OUT_DIR/build.log"; exit 1; }
  done
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
http_port="$(free_port)" silo_port="$(free_port)" gateway_port="$(free_port)"
key="live-bench-signing-key-$(date +%s)-of-at-least-32-bytes"

env Pulso__Demo__Enabled=false Pulso__Storage__Provider=Memory \
  Pulso__Cluster__SiloPort="$silo_port" Pulso__Cluster__GatewayPort="$gateway_port" Pulso__Cluster__ClusterId="live-bench-$silo_port" \
  Pulso__Auth__Jwt__SigningKey="$key" Pulso__Live__CoalesceMilliseconds="$window" \
  taskset -c 1 dotnet "$SILO_DLL" --urls "http://127.0.0.1:$http_port" >"$OUT_DIR/silo.log" 2>&1 &
silo=$!
trap 'kill "$silo" 2>/dev/null || true' EXIT
deadline=$((SECONDS + 60))
until curl -sf "http://127.0.0.1:$http_port/readyz" >/dev/null; do
  ((SECONDS < deadline)) || { echo "the silo did not become ready (log: $OUT_DIR/silo.log)" >&2; exit 1; }
  kill -0 "$silo" 2>/dev/null || { echo "the silo exited (log: $OUT_DIR/silo.log)" >&2; exit 1; }
  sleep 0.2
done

cpu_of() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$1/stat"; }
silo_before="$(cpu_of "$silo")"
rc=0
/usr/bin/time -f '%U %S' -o "$OUT_DIR/load.time" taskset -c 0 dotnet "$LOAD_DLL" \
  --gateway "http://127.0.0.1:$http_port" --key "$key" --subscribers "$subscribers" --tenants "$tenants" \
  --rows-per-second "$rows" --batches-per-second "$batches" --seconds "$seconds" \
  --warmup-seconds "$warmup" --silo-pid "$silo" >"$OUT_DIR/report.json" 2>"$OUT_DIR/load.log" || rc=$?
silo_after="$(cpu_of "$silo")"
# The silo's own view of the live path (pulso_live_push_seconds: a change reaching the gateway to its update
# handed to SignalR), kept beside the report.
curl -sf "http://127.0.0.1:$http_port/metrics" >"$OUT_DIR/metrics.txt" || true
silo_hwm="$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$silo/status")"
load_cpu="$(tail -n 1 "$OUT_DIR/load.time" | awk '{ printf "%.2f", $1 + $2 }')"
if [[ ! -s "$OUT_DIR/report.json" ]]; then
  echo "the load process wrote no report (exit $rc); its log:" >&2
  tail -n 20 "$OUT_DIR/load.log" >&2
  exit 1
fi

report="$RESULTS/live-$(date +%Y%m%d-%H%M%S).md"
node - "$OUT_DIR/report.json" "$silo_before" "$silo_after" "$silo_hwm" "$load_cpu" "$window" >"$report" <<'NODE'
const fs = require("fs");
const [file, before, after, hwm, loadCpu, window] = process.argv.slice(2);
const r = JSON.parse(fs.readFileSync(file, "utf8").trim().split("\n").pop());
const ms = (v) => (typeof v === "number" ? v.toFixed(1) : String(v));
const target = Number(window) + 100;
console.log(`## live benchmark: ${r.subscribers} subscribers, ${r.tenants} tenants, ${r.rowsPerSecond} rows/s in ${r.batchesPerSecond} batches/s per tenant, ${r.warmupSeconds} s warm-up + ${r.seconds} s measured, window ${window} ms`);
console.log("");
console.log("| figure | value |");
console.log("|---|---|");
console.log(`| rows pushed (batches), whole run | ${r.rowsPushed} (${r.batchesPushed}), push errors ${r.pushErrors} |`);
console.log(`| messages received, whole run | ${r.messages} |`);
console.log(`| measured part: s, batches answered, messages | ${ms(r.measuredSeconds)}, ${r.measuredBatches}, ${r.measuredMessages} |`);
console.log(`| silo CPU in the measured part (s; share of its core) | ${r.siloCpuSeconds.toFixed(2)}; ${(100 * r.siloCpuSeconds / r.measuredSeconds).toFixed(0)} % |`);
console.log(`| latency p50 / p99 / max (ms) | ${ms(r.p50Ms)} / ${ms(r.p99Ms)} / ${ms(r.maxMs)} over ${r.latencySamples} samples |`);
console.log(`| load process lag: a 10 ms timer's overshoot p50 / p99 (ms) | ${ms(r.loadLagP50Ms)} / ${ms(r.loadLagP99Ms)} |`);
console.log(`| version gaps / out of order | ${r.versionGaps} / ${r.versionsOutOfOrder} |`);
console.log(`| subscribers behind at the end | ${r.subscribersBehindAtEnd} |`);
console.log(`| silo CPU during the whole run (s), peak RSS (MiB) | ${(Number(after) - Number(before)).toFixed(2)}, ${hwm} |`);
console.log(`| load process CPU (s) | ${loadCpu} |`);
console.log("");
console.log(`Target p99 <= ${target} ms: ${r.p99Ms <= target ? "met" : "missed"}; zero gaps and losses: ${r.versionGaps + r.versionsOutOfOrder + r.subscribersBehindAtEnd + r.pushErrors === 0 ? "met" : "missed"}.`);
NODE
cat "$report"
exit "$rc"
