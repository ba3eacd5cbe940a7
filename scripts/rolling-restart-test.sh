#!/usr/bin/env bash
# Integration test: a rolling restart of the silos that no dashboard notices.
#
#   bash scripts/rolling-restart-test.sh     (needs scripts/services.sh start; test.sh runs it)
#
# tests/Pulso.RollingRestart (a console program, built with the solution) runs on loopback: three silo processes
# (AdoNet membership in PostgreSQL, grain state and journals in Redis), two standalone gateway processes, a SignalR
# dashboard subscribed on one gateway, and gestiones pushed through both (Idempotency-Key on every push, retried after a
# 5xx). Each silo in turn gets SIGTERM and a fresh one takes its place. It checks that the figures end exact (REST and
# dashboard), that each silo left gracefully, that the dashboard was never more than 5 s behind the acknowledged pushes
# and recovered any gap by resubscribing, that no window of failed pushes outlasted one membership probe period, that
# no push waited out a lost answer (slowest push below the grain call timeout), that both gateways stayed ready, and
# that the gateways' JSON logs name tenant and trace and hold no token.
# Prints the program's measurements, `rolling: PASS|FAIL ...` per check and a final `rolling: N passed, N failed`
# (the whole run counts as one test). Then `promtool check metrics` (Debian package prometheus) on the /metrics the
# program scraped from a silo and a gateway at the end, which must also hold the series of DESIGN 8 that the run
# exercises: one test each, summed in a final `metrics: N passed, N failed`.
#
# Environment: PULSO_TEST_POSTGRES, PULSO_TEST_REDIS (from .scratch/services.env);
# PULSO_ROLLING_PROBE_SECONDS (membership probe period, default 2), PULSO_ROLLING_STEADY_SECONDS (flow kept between
# restarts, default 4), PULSO_ROLLING_RESPONSE_TIMEOUT_SECONDS (the silos' and gateways' grain call timeout, and the
# bound on the slowest push, default 10), PULSO_ROLLING_TIMEOUT (seconds for the whole run, default 300).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PULSO_ROOT"

WORK="$PULSO_SCRATCH/rolling-restart"
DRIVER_DLL="tests/Pulso.RollingRestart/bin/Release/net10.0/Pulso.RollingRestart.dll"
TIMEOUT="${PULSO_ROLLING_TIMEOUT:-300}"

fail() {
  echo "    rolling: FAIL ($*)"
  echo "rolling: 0 passed, 1 failed"
  echo "metrics: 0 passed, 2 failed"
  exit 1
}

# promtool_check NAME FILE SERIES... : lint clean, and every named series present.
metrics_passed=0
metrics_failed=0
promtool_check() {
  local name="$1" file="$2" missing=() series out
  shift 2
  if [[ ! -s "$file" ]]; then
    echo "    metrics: FAIL $name: nothing scraped (the run did not get that far)"
    metrics_failed=$((metrics_failed + 1))
    return
  fi
  for series in "$@"; do grep -q "^$series" "$file" || missing+=("$series"); done
  if ! out="$(promtool check metrics <"$file" 2>&1)"; then
    echo "    metrics: FAIL $name: promtool check metrics:"
    echo "$out" | head -n 20 | sed 's/^/      /'
    metrics_failed=$((metrics_failed + 1))
  elif ((${#missing[@]} > 0)); then
    echo "    metrics: FAIL $name: missing ${missing[*]}"
    metrics_failed=$((metrics_failed + 1))
  else
    echo "    metrics: PASS $name: promtool check metrics clean, $(grep -c '^# TYPE' "$file") families"
    metrics_passed=$((metrics_passed + 1))
  fi
}

[[ -n "${PULSO_TEST_POSTGRES:-}" && -n "${PULSO_TEST_REDIS:-}" ]] || fail "PULSO_TEST_POSTGRES / PULSO_TEST_REDIS not set: run scripts/services.sh start"
[[ -f "$DRIVER_DLL" && -f src/Silo/bin/Release/net10.0/Pulso.Silo.dll && -f src/Gateway/bin/Release/net10.0/Pulso.Gateway.dll ]] ||
  fail "build first (dotnet build Pulso.Orleans.sln -c Release)"
rm -rf "$WORK" && mkdir -p "$WORK"

require_cmd promtool "apt-get install -y prometheus" || fail "promtool missing"
t0="$(now_s)"
rc=0
# The program stops every process it started, also on failure; the timeout is the last resort.
PULSO_ROLLING_SILO_DLL="$PULSO_ROOT/src/Silo/bin/Release/net10.0/Pulso.Silo.dll" \
  PULSO_ROLLING_GATEWAY_DLL="$PULSO_ROOT/src/Gateway/bin/Release/net10.0/Pulso.Gateway.dll" \
  PULSO_ROLLING_WORK="$WORK" \
  timeout --kill-after=10 "$TIMEOUT" dotnet "$DRIVER_DLL" >"$WORK/driver.log" 2>&1 || rc=$?
grep -v '^rolling: ' "$WORK/driver.log" || true
grep '^rolling: ' "$WORK/driver.log" | sed 's/^/    /' || true
promtool_check "a silo's /metrics" "$WORK/metrics-silo.prom" \
  pulso_ingest_rows_total pulso_batches_total pulso_batch_apply_duration_seconds pulso_journal_written_bytes_total \
  pulso_query_duration_seconds pulso_orleans_activations pulso_orleans_grain_activations
promtool_check "a gateway's /metrics" "$WORK/metrics-gateway.prom" \
  pulso_live_connections pulso_live_subscriptions pulso_live_push_seconds http_request_duration_seconds http_requests_received_total
if ((rc == 0)) && grep -q '^rolling: PASS' "$WORK/driver.log" && ! grep -q '^rolling: FAIL' "$WORK/driver.log"; then
  echo "    rolling: PASS (3 silos restarted one at a time under load, $(elapsed_since "$t0") s)"
  echo "rolling: 1 passed, 0 failed"
  echo "metrics: $metrics_passed passed, $metrics_failed failed"
else
  ((rc == 124)) && echo "    rolling: timed out after $TIMEOUT s"
  for f in "$WORK"/silo-*.log "$WORK"/gateway-*.log; do
    [[ -f "$f" ]] && { echo "    --- tail $f"; tail -n 12 "$f" | cut -c1-400 | sed 's/^/      /'; }
  done
  echo "    rolling: FAIL (exit $rc, $(elapsed_since "$t0") s; logs in ${WORK#"$PULSO_ROOT"/})"
  echo "rolling: 0 passed, 1 failed"
  echo "metrics: $metrics_passed passed, $metrics_failed failed"
  exit 1
fi
