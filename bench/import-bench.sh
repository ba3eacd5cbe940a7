#!/usr/bin/env bash
# Import throughput of a one-silo cluster against `pulso compute` on the same
# data: how many gestiones per second reach the cluster's day tables (Redis
# storage), next to how many the same machine aggregates from the files alone.
# A measurement tool for a quiet machine: NEVER run it in CI.
#
#   bash bench/import-bench.sh [--rows N] [--runs N] [--no-build] [--no-r2r] [--port-base B]
#
#   --rows N     data set size (default 1000000). Generated once with the
#                reference kit's `gen.mjs --rows N --clientes 3` into
#                .scratch/bench-data/import-<N>, with the Polars reference
#                output beside it (polars/), and reused while the files have
#                the recorded sizes.
#   --runs N     rounds (default 3). Each round runs `pulso compute`, then a
#                fresh one-silo cluster and `pulso import`, in that order.
#   --no-build   use the last published silo and CLI as they are instead of
#                publishing them first.
#   --no-r2r     run the plain `dotnet build -c Release` outputs of src/Silo
#                and src/Cli (bin/Release/net10.0) instead of ReadyToRun
#                publishes (how the figures were taken before 2026-11-26).
#   --port-base B  the silos' HTTP, silo and gateway ports: the first free
#                from B, B+100 and B+200 (default 18480, 21480, 31480).
#
# What one round measures (bench/README.md has the details):
#   compute  `taskset -c 0,1 dotnet pulso.dll compute` under /usr/bin/time.
#   import   Redis flushed, one silo (Localhost clustering, Redis storage, no
#            demo) pinned to core 1, `pulso import` pinned to core 0 under
#            /usr/bin/time; silo and Redis CPU time from /proc/PID/stat.
#   query    `pulso query` polled for one tenant's totals until they equal
#            the Polars reference: delay after the import ended, query time.
#   check    all tenants (group by ejecutivo,dia) against Polars, compare.mjs.
#
# It runs `scripts/services.sh start` (which restarts the test servers:
# PostgreSQL, Redis, MariaDB, wiping their data) and `scripts/services.sh stop`
# at the end, so do not run it while scripts/test.sh is running.
#
# Environment:
#   PULSO_SHARED   shared folder with the reference kit (default ../shared).
#   PULSO_SCRATCH  scratch root (default .scratch/).
#
# Output: a Markdown report on stdout, also written to
# .scratch/bench-results/import-<timestamp>.md (raw runs in the .json twin);
# logs of every process under .scratch/bench-out/import/run<k>/.
# Exit status 0 when every round's figures equal the reference.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$PULSO_ROOT"

rows=1000000
runs=3
build=1
r2r=1
port_base=
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --rows) rows="${2:?--rows needs a value}"; shift 2 ;;
    --runs) runs="${2:?--runs needs a value}"; shift 2 ;;
    --no-build) build=0; shift ;;
    --no-r2r) r2r=0; shift ;;
    --port-base) port_base="${2:?--port-base needs a value}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$rows" =~ ^[1-9][0-9]*$ ]] || { echo "--rows must be a positive integer" >&2; exit 2; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "--runs must be a positive integer" >&2; exit 2; }

FILES=(gestiones.csv jornadas.csv homologacion.csv)
GEN_ARGS=(--rows "$rows" --clientes 3)
KIT="$PULSO_SCRATCH/bench-kit"
DATA="$PULSO_SCRATCH/bench-data/import-$rows"
OUT="$PULSO_SCRATCH/bench-out/import"
RESULTS="$PULSO_SCRATCH/bench-results"
PUBLISH="$PULSO_SCRATCH/import-publish"
if ((r2r)); then
  SILO_DLL="$PUBLISH/silo/Pulso.Silo.dll"
  CLI_DLL="$PUBLISH/cli/pulso.dll"
else
  SILO_DLL="src/Silo/bin/Release/net10.0/Pulso.Silo.dll"
  CLI_DLL="src/Cli/bin/Release/net10.0/pulso.dll"
fi
BUILD_LOG="$PULSO_SCRATCH/import-bench-build.log"

file_size() { stat -c %s "$1" 2>/dev/null || echo missing; }

# data_ok DIR: the three files have the sizes recorded when DIR was generated
# with these generator arguments, and the Polars reference output is there.
data_ok() {
  local dir="$1" manifest="$1/bench-data.manifest" i expected=()
  [[ -f "$manifest" && -f "$dir/polars/metrics.csv" ]] || return 1
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

echo "## import benchmark: $rows rows, $runs rounds"

# 1. tools: /usr/bin/time (Debian `time`), taskset (util-linux), two cores to pin to
ensure_apt time util-linux
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
require_cmd taskset "apt-get install util-linux"
require_cmd dotnet "the .NET SDK is needed to build the silo and the CLI"
if ! taskset -c 0,1 true 2>/dev/null; then
  echo "cores 0 and 1 are needed (taskset -c 0,1 failed; nproc = $(nproc))" >&2
  exit 1
fi
t0="$(now_s)"
pulso_prepare_kit "$KIT"
echo "reference kit ready in $(elapsed_since "$t0") s (${KIT#"$PULSO_ROOT"/})"

# 2. data and the Polars reference, generated once
if data_ok "$DATA"; then
  echo "data: reusing ${DATA#"$PULSO_ROOT"/}"
else
  echo "data: generating $rows rows (3 clientes) and the Polars reference into ${DATA#"$PULSO_ROOT"/}"
  t0="$(now_s)"
  rm -rf "$DATA.tmp"
  mkdir -p "$DATA.tmp"
  node "$KIT/gen.mjs" "${GEN_ARGS[@]}" --out "$DATA.tmp" | sed 's/^/    /'
  write_manifest "$DATA.tmp"
  node "$KIT/polars_ref.mjs" "$DATA.tmp" "$DATA.tmp/polars" | sed 's/^/    polars: /'
  rm -rf "$DATA"
  mv "$DATA.tmp" "$DATA"
  echo "data: ready in $(elapsed_since "$t0") s"
fi

# 3. the Release builds: by default published ReadyToRun (precompiled, so a
# fresh process JIT-compiles little), framework-dependent, for this machine's RID
case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) rid= ;;
esac
if ((build)); then
  mkdir -p "$PULSO_SCRATCH"
  : >"$BUILD_LOG"
  t0="$(now_s)"
  projects=(src/Silo/Pulso.Silo.csproj src/Cli/Pulso.Cli.csproj)
  outputs=(silo cli)
  if ((r2r)); then
    [[ -n "$rid" ]] || { echo "no ReadyToRun runtime for $(uname -m): run with --no-r2r" >&2; exit 1; }
    echo "build: dotnet publish -c Release -r $rid -p:PublishReadyToRun=true (src/Silo, src/Cli) into ${PUBLISH#"$PULSO_ROOT"/}"
  else
    echo "build: dotnet build -c Release (src/Silo, src/Cli)"
  fi
  for i in "${!projects[@]}"; do
    project="${projects[$i]}"
    if ((r2r)); then
      rm -rf "${PUBLISH:?}/${outputs[$i]}"
      cmd=(dotnet publish "$project" -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true
        -p:PulsoSkipDashboard=true -o "$PUBLISH/${outputs[$i]}" -nologo)
    else
      cmd=(dotnet build "$project" -c Release -nologo)
    fi
    if ! "${cmd[@]}" >>"$BUILD_LOG" 2>&1; then
      grep -E ': error ' "$BUILD_LOG" | sort -u | head -n 30 || tail -n 30 "$BUILD_LOG"
      echo "build of $project failed (log: ${BUILD_LOG#"$PULSO_ROOT"/})" >&2
      exit 1
    fi
  done
  echo "build: done in $(elapsed_since "$t0") s"
fi
for dll in "$SILO_DLL" "$CLI_DLL"; do
  [[ -f "$dll" ]] || { echo "missing $dll: drop --no-build" >&2; exit 1; }
done

# 4. Redis (scripts/services.sh starts all three test servers), stopped on exit
services_started=0
stop_services() {
  if ((services_started)); then
    echo "services: stopping"
    bash scripts/services.sh stop || true
  fi
}
trap stop_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
services_started=1
bash scripts/services.sh start
# shellcheck source=/dev/null
source "$PULSO_SCRATCH/services.env"
[[ -n "${PULSO_TEST_REDIS:-}" ]] || { echo "services.env did not set PULSO_TEST_REDIS" >&2; exit 1; }
require_cmd redis-cli "apt-get install redis-tools"

# 5. measure (the input files in the page cache first)
cat "${FILES[@]/#/$DATA/}" >/dev/null
mkdir -p "$RESULTS"
rc=0
node "$PULSO_ROOT/bench/import-bench.mjs" \
  --data "$DATA" --ref "$DATA/polars" --kit "$KIT" --runs "$runs" --out "$OUT" --results "$RESULTS" \
  --silo-dll "$SILO_DLL" --cli-dll "$CLI_DLL" \
  --redis "$PULSO_TEST_REDIS" --redis-pid-file "$PULSO_SCRATCH/services/redis/redis.pid" \
  ${port_base:+--port-base "$port_base"} || rc=$?
exit "$rc"
