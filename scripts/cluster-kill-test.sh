#!/usr/bin/env bash
# Integration test: a cluster loses a silo in the middle of an import and loses nothing.
#
#   bash scripts/cluster-kill-test.sh        (needs scripts/services.sh start; test.sh runs it)
#
# Three silo processes on loopback (AdoNet membership in PostgreSQL, grain state and metric
# journals in Redis), `pulso import` of 1,000,000 gestiones for 3 tenants, one silo process
# killed with SIGKILL when the import is under way and a fresh one started; afterwards every
# tenant's figures (groupBy ejecutivo,dia) must equal the Polars reference exactly.
# Prints `cluster: PASS|FAIL (...)` and a final `cluster: N passed, N failed`.
#
# Environment: PULSO_TEST_POSTGRES, PULSO_TEST_REDIS (from .scratch/services.env);
# PULSO_KILL_ROWS (default 1000000).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PULSO_ROOT"

ROWS="${PULSO_KILL_ROWS:-1000000}"
WORK="$PULSO_SCRATCH/cluster-kill"
SILO_DLL="src/Silo/bin/Release/net10.0/Pulso.Silo.dll"
CLI_DLL="src/Cli/bin/Release/net10.0/pulso.dll"
declare -a PIDS=()

log() { echo "    cluster: $*"; }
fail() {
  log "FAIL ($*)"
  for f in "$WORK"/silo-*.log; do [[ -f "$f" ]] && { echo "    --- tail $f"; tail -n 15 "$f" | sed 's/^/      /'; }; done
  [[ -f "$WORK/import.err" ]] && { echo "    --- tail import.err"; tail -n 20 "$WORK/import.err" | sed 's/^/      /'; }
  echo "cluster: 0 passed, 1 failed"
  exit 1
}
cleanup() { for p in "${PIDS[@]:-}"; do [[ -n "$p" ]] && kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

[[ -n "${PULSO_TEST_POSTGRES:-}" && -n "${PULSO_TEST_REDIS:-}" ]] || fail "PULSO_TEST_POSTGRES / PULSO_TEST_REDIS not set: run scripts/services.sh start"
[[ -f "$SILO_DLL" && -f "$CLI_DLL" ]] || fail "build first (dotnet build -c Release)"
rm -rf "$WORK" && mkdir -p "$WORK"

# Reference data and figures.
KIT="$PULSO_SCRATCH/bench-kit"
pulso_prepare_kit "$KIT" || fail "reference kit"
node "$KIT/gen.mjs" --rows "$ROWS" --clientes 3 --seed 99 --out "$WORK/data" >"$WORK/gen.log" || fail "gen.mjs"
node "$KIT/polars_ref.mjs" "$WORK/data" "$WORK/polars" >"$WORK/polars.log" || fail "polars_ref.mjs"

CLUSTER_ID="kill-$$-$RANDOM"
export Pulso__Cluster__Provider=AdoNet
export Pulso__Cluster__ConnectionString="$PULSO_TEST_POSTGRES"
export Pulso__Cluster__ClusterId="$CLUSTER_ID"
export Pulso__Cluster__ServiceId="pulso-test"
export Pulso__Cluster__ProbeTimeoutSeconds=1
export Pulso__Cluster__NumMissedProbesLimit=2
export Pulso__Storage__Provider=Redis
export Pulso__Storage__ConnectionString="$PULSO_TEST_REDIS"
export Pulso__Auth__Jwt__SigningKey="cluster-kill-test-signing-key-0123456789"
export Pulso__Demo__Enabled=false
export Pulso__Client__ResponseTimeoutSeconds=8

start_silo() { # index
  local i=$1
  ASPNETCORE_URLS="http://127.0.0.1:$((18080 + i))" Pulso__Cluster__SiloPort=$((21110 + i)) Pulso__Cluster__GatewayPort=$((31000 + i)) \
    dotnet "$SILO_DLL" >"$WORK/silo-$i.log" 2>&1 &
  PIDS[$i]=$!
}

active_silos() {
  PGPASSWORD= psql "postgresql://postgres@127.0.0.1:$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$PULSO_TEST_POSTGRES")/pulso" -tAc \
    "select count(*) from orleans_membership where deployment_id = '$CLUSTER_ID' and status = 3" 2>/dev/null || echo 0
}

wait_for() { # seconds, description, command...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@"; do ((SECONDS < deadline)) || fail "timed out waiting for $what"; sleep 0.5; done
}

t0=$SECONDS
for i in 1 2 3; do start_silo "$i"; done
three_active() { [[ "$(active_silos)" -ge 3 ]]; }
wait_for 90 "3 active silos" three_active
log "3 silos active after $((SECONDS - t0)) s"

# The import, with the cluster found through the same membership table. Paced at 200,000 rows a second (about 5 s
# for the file): unpaced, it can be over before its first progress line, and a silo killed after the import proves
# nothing.
Pulso__Cluster__GatewayPort=31001 dotnet "$CLI_DLL" import --input "$WORK/data" --retry-seconds 180 --max-rows-per-second 200000 \
  >"$WORK/import.out" 2>"$WORK/import.err" &
IMPORT=$!
wait_for 120 "the import to get under way" grep -qE "pulso import: ([1-9][0-9])%" "$WORK/import.err"
log "killing silo 2 (pid ${PIDS[2]}) with SIGKILL during the import: $(grep -oE '[0-9]+% \([0-9,]+ rows' "$WORK/import.err" | tail -n 1)"
kill -9 "${PIDS[2]}"
PIDS[2]=""
start_silo 4
wait "$IMPORT" || fail "pulso import exited $?"
log "import done: $(head -n 1 "$WORK/import.out")"

# Every tenant's figures against the reference.
mkdir -p "$WORK/cluster"
{
  head -n 1 "$WORK/polars/metrics.csv"
  for tenant in $(tail -n +2 "$WORK/polars/metrics.csv" | cut -d, -f1 | sort -u); do
    dotnet "$CLI_DLL" query --tenant "$tenant" --from 2026-01-01 --to 2026-03-31 --group-by ejecutivo,dia --format csv \
      2>>"$WORK/query.err" | tail -n +2 | sed "s/^/$tenant,/" || fail "pulso query $tenant"
  done
} >"$WORK/cluster/metrics.csv"
if ! node "$KIT/compare.mjs" "$WORK/cluster/metrics.csv" "$WORK/polars/metrics.csv" --no-rejects >"$WORK/compare.log" 2>&1; then
  cat "$WORK/compare.log" | head -n 20 | sed 's/^/      /'
  fail "figures differ from the reference"
fi
log "PASS (1 silo SIGKILLed mid-import, $(tail -n +2 "$WORK/cluster/metrics.csv" | wc -l) groups identical to Polars, $((SECONDS - t0)) s)"

# The same figures through the REST snapshot as CSV (DESIGN 5), from a surviving silo's gateway.
require_cmd openssl "apt-get install -y openssl" || fail "openssl missing"
operator="$(pulso_token "$Pulso__Auth__Jwt__SigningKey" operaciones operator)"
mkdir -p "$WORK/rest"
rest_ok=1
for tenant in $(tail -n +2 "$WORK/polars/metrics.csv" | cut -d, -f1 | sort -u); do
  status="$(curl -s -o "$WORK/rest/$tenant.csv" -w '%{http_code}' -H "Authorization: Bearer $operator" \
    "http://127.0.0.1:18081/api/v1/tenants/$tenant/metrics?from=2026-01-01&to=2026-03-31&groupBy=ejecutivo,dia&format=csv" || true)"
  [[ "$status" == 200 ]] || { log "the REST snapshot of $tenant answered $status: $(head -c 300 "$WORK/rest/$tenant.csv")"; rest_ok=0; }
done
{
  head -n 1 "$WORK/polars/metrics.csv"
  for tenant in $(tail -n +2 "$WORK/polars/metrics.csv" | cut -d, -f1 | sort -u); do
    tail -n +2 "$WORK/rest/$tenant.csv" | sed "s/^/$tenant,/"
  done
} >"$WORK/rest/metrics.csv"
if ((rest_ok)) && node "$KIT/compare.mjs" "$WORK/rest/metrics.csv" "$WORK/polars/metrics.csv" --no-rejects >"$WORK/compare-rest.log" 2>&1; then
  log "PASS (the REST CSV snapshot of every tenant identical to Polars)"
  echo "cluster: 2 passed, 0 failed"
else
  [[ -f "$WORK/compare-rest.log" ]] && head -n 20 "$WORK/compare-rest.log" | sed 's/^/      /'
  log "FAIL (the REST CSV snapshot differs from the reference)"
  echo "cluster: 1 passed, 1 failed"
  exit 1
fi
