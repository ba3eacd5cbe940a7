#!/usr/bin/env bash
# Latency and throughput of the HTTP gateway co-hosted in a silo: snapshot reads
# under an open-loop fixed-rate load and a closed-loop maximum, and push ingest
# (CSV, JSON array, NDJSON) against `pulso compute` on the same rows.
# A measurement tool for a quiet machine: NEVER run it in CI.
#
#   bash bench/gateway-bench.sh [options]
#
#   --rows N             gestiones in the tenant (default 1000000): generated once
#                        with the reference kit's `gen.mjs --rows N --clientes 1
#                        --seed 12` (60 ejecutivos, 90 days) into
#                        .scratch/bench-data/gateway-<N>, then moved in time so
#                        that its last day is today in the tenant's time zone.
#   --time-zone TZ       the tenant's IANA time zone (default America/Lima).
#   --rate-today R       open-loop rate of (a) "today by ejecutivo" (default 2000/s).
#   --rate-range R       open-loop rate of (b) "90 days by ejecutivo,dia" (default 200/s).
#   --duration S         measured seconds of each load phase (default 30).
#   --warmup S           seconds of load before each measurement (default 10).
#   --connections N      closed-loop connections of (c) (default 64).
#   --open-connections N most connections the open-loop generator opens (default 256).
#   --push-rows N        rows in one push body (default 200000; a body stays under
#                        the silo's 64 MiB limit).
#   --http-port P        the silo's HTTP port (default 18080); --silo-port P
#                        (default 21111) and --gateway-port P (default 40000) are
#                        its Orleans ports.
#   --perf               also record the silo with `perf` during (a) and (b) and
#                        keep the hottest symbols (.scratch/bench-out/gateway/perf-*.txt).
#   --no-build           use the Release builds as they are instead of running
#                        `dotnet build -c Release` on src/Silo and src/Cli first.
#
# What it does (bench/README.md has the details): one silo (memory storage,
# demo off, a fixed JWT signing key) pinned to core 1; tokens made here (HS256,
# claims tenant and role); three tenants with the same rows pushed as CSV, JSON
# array and NDJSON, timed; `pulso compute` (cores 0 and 1) on the same files;
# every tenant's figures checked against compute's; then the loads, pinned to
# core 0: bench/gateway-load.mjs at a fixed rate for (a) and (b), wrk for (c).
# It needs no database: the storage is in memory.
#
# Environment:
#   PULSO_SHARED   shared folder with the reference kit (default ../shared).
#   PULSO_SCRATCH  scratch root (default .scratch/).
#
# Output: a Markdown report on stdout, also written to
# .scratch/bench-results/gateway-<timestamp>.md (raw figures in the .json twin);
# logs and per-phase results under .scratch/bench-out/gateway/.
# Exit status 0 when every phase ran and the figures equal compute's.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$PULSO_ROOT"

rows=1000000
build=1
pass=()
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --rows) rows="${2:?--rows needs a value}"; shift 2 ;;
    --time-zone | --rate-today | --rate-range | --duration | --warmup | --connections | --open-connections | --push-rows | --http-port | --silo-port | --gateway-port)
      pass+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --perf) pass+=(--perf 1); shift ;;
    --no-build) build=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$rows" =~ ^[1-9][0-9]*$ ]] || { echo "--rows must be a positive integer" >&2; exit 2; }

FILES=(gestiones.csv jornadas.csv homologacion.csv)
GEN_ARGS=(--rows "$rows" --clientes 1 --seed 12)
KIT="$PULSO_SCRATCH/bench-kit"
DATA="$PULSO_SCRATCH/bench-data/gateway-$rows"
OUT="$PULSO_SCRATCH/bench-out/gateway"
RESULTS="$PULSO_SCRATCH/bench-results"
SILO_DLL="src/Silo/bin/Release/net10.0/Pulso.Silo.dll"
CLI_DLL="src/Cli/bin/Release/net10.0/pulso.dll"
BUILD_LOG="$PULSO_SCRATCH/gateway-bench-build.log"

file_size() { stat -c %s "$1" 2>/dev/null || echo missing; }

# data_ok DIR: the three files have the sizes recorded when DIR was generated with these arguments.
data_ok() {
  local dir="$1" manifest="$1/bench-data.manifest" i expected=()
  [[ -f "$manifest" ]] || return 1
  [[ "$(sed -n 1p "$manifest")" == "gen.mjs ${GEN_ARGS[*]}" ]] || return 1
  read -r -a expected <<<"$(sed -n 2p "$manifest")"
  ((${#expected[@]} == ${#FILES[@]})) || return 1
  for i in "${!FILES[@]}"; do
    [[ "$(file_size "$dir/${FILES[$i]}")" == "${expected[$i]}" ]] || return 1
  done
}

write_manifest() {
  local dir="$1" sizes=() f
  for f in "${FILES[@]}"; do sizes+=("$(file_size "$dir/$f")"); done
  printf 'gen.mjs %s\n%s\n' "${GEN_ARGS[*]}" "${sizes[*]}" >"$dir/bench-data.manifest"
}

echo "## gateway benchmark: $rows rows"

# 1. tools: /usr/bin/time (Debian `time`), taskset (util-linux), wrk; perf only with --perf
packages=(time util-linux wrk)
[[ " ${pass[*]} " == *" --perf 1 "* ]] && packages+=(linux-perf)
ensure_apt "${packages[@]}"
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
require_cmd taskset "apt-get install util-linux"
require_cmd wrk "apt-get install wrk"
if [[ " ${pass[*]} " == *" --perf 1 "* ]]; then require_cmd perf "apt-get install linux-perf"; fi
require_cmd dotnet "the .NET SDK is needed to build the silo and the CLI"
if ! taskset -c 0,1 true 2>/dev/null; then
  echo "cores 0 and 1 are needed (taskset -c 0,1 failed; nproc = $(nproc))" >&2
  exit 1
fi
t0="$(now_s)"
pulso_prepare_kit "$KIT"
echo "reference kit ready in $(elapsed_since "$t0") s (${KIT#"$PULSO_ROOT"/})"

# 2. data, generated once (the move to today happens in gateway-bench.mjs, on every run)
if data_ok "$DATA"; then
  echo "data: reusing ${DATA#"$PULSO_ROOT"/}"
else
  echo "data: generating $rows rows (1 cliente, 60 ejecutivos, 90 days) into ${DATA#"$PULSO_ROOT"/}"
  t0="$(now_s)"
  rm -rf "$DATA.tmp"
  mkdir -p "$DATA.tmp"
  node "$KIT/gen.mjs" "${GEN_ARGS[@]}" --out "$DATA.tmp" | sed 's/^/    /'
  write_manifest "$DATA.tmp"
  rm -rf "$DATA"
  mv "$DATA.tmp" "$DATA"
  echo "data: ready in $(elapsed_since "$t0") s"
fi

# 3. the Release builds
if ((build)); then
  echo "build: dotnet build -c Release (src/Silo, src/Cli)"
  t0="$(now_s)"
  mkdir -p "$PULSO_SCRATCH"
  : >"$BUILD_LOG"
  for project in src/Silo/Pulso.Silo.csproj src/Cli/Pulso.Cli.csproj; do
    if ! dotnet build "$project" -c Release -nologo >>"$BUILD_LOG" 2>&1; then
      grep -E ': error ' "$BUILD_LOG" | sort -u | head -n 30 || tail -n 30 "$BUILD_LOG"
      echo "build of $project failed (log: ${BUILD_LOG#"$PULSO_ROOT"/})" >&2
      exit 1
    fi
  done
  echo "build: done in $(elapsed_since "$t0") s"
fi
for dll in "$SILO_DLL" "$CLI_DLL"; do
  [[ -f "$dll" ]] || { echo "missing $dll: build it (dotnet build -c Release) or drop --no-build" >&2; exit 1; }
done

# 4. measure: the script itself (the push client) on core 0, like the load generators it starts
mkdir -p "$OUT" "$RESULTS"
exec taskset -c 0 node "$PULSO_ROOT/bench/gateway-bench.mjs" \
  --data "$DATA" --kit "$KIT" --out "$OUT" --results "$RESULTS" \
  --silo-dll "$SILO_DLL" --cli-dll "$CLI_DLL" "${pass[@]}"
