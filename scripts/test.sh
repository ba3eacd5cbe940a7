#!/usr/bin/env bash
# The test command of the repository:
#
#   bash scripts/test.sh
#
# 1. installs what the tests need and is missing (idempotent; apt only when
#    `dpkg -s` says a package is absent; `npm ci` in tests/js only when its
#    node_modules is missing or was installed from another lock),
# 2. builds Pulso.Orleans.sln (Release),
# 3. starts PostgreSQL, Redis and MariaDB with scripts/services.sh (fresh data,
#    connection strings exported from .scratch/services.env), runs every test
#    project under tests/ (continuing past failures), sums the counters of
#    their TRX files and stops the servers (also when the script is aborted),
# 4. runs scripts/browser-test.sh (the dashboard page in headless Chromium against
#    an embedded-default silo; each of its checks = one test),
# 5. runs scripts/cluster-kill-test.sh (three silo processes, one SIGKILLed during
#    an import of 1M rows; figures equal to the reference = one test),
# 6. runs scripts/standalone-gateway-test.sh (a silo process and a standalone gateway
#    process, figures pushed and read back through the gateway = one test),
# 7. runs scripts/source-sync-test.sh (520k gestiones pulled from PostgreSQL and from
#    MariaDB through the sources API, each server killed mid-sync; each database = one test),
# 8. runs scripts/rolling-restart-test.sh (three silos SIGTERMed and replaced one at a time
#    under load, two standalone gateways, a SignalR dashboard = one test; `promtool check
#    metrics` on a silo's and a gateway's /metrics scraped at its end = one test each),
# 9. validates deploy/k8s and deploy/docker offline (deploy/validate: the manifests = one
#    test, the Dockerfile = one test, each defect its self-test must find = one test),
# 10. runs scripts/correctness-gate.sh (each data set compared = one test).
#
# The last line printed is exactly `N passed, N failed` (`, N skipped` is
# appended when tests were skipped). Exit 0 only when nothing failed and at
# least one test passed.
#
# Environment:
#   PULSO_TEST_RESULTS  folder for logs and TRX files (default .scratch/test-results;
#                       emptied at start).
#   PULSO_TEST_TIMEOUT  seconds allowed per test project (default 1800).
#   PULSO_SKIP_GATE=1   skip the correctness gate (local use only).
#   PULSO_SKIP_CLUSTER=1  skip the cluster kill test (local use only).
#   PULSO_SKIP_STANDALONE=1  skip the standalone gateway test (local use only).
#   PULSO_SKIP_BROWSER=1  skip the browser test (local use only).
#   PULSO_SKIP_ROLLING=1  skip the rolling restart test and the promtool check (local use only).
#   PULSO_SKIP_SOURCES=1  skip the source sync test (local use only).
#   PULSO_SKIP_SERVICES=1  do not start or stop the servers: the caller provides
#                       them and exports PULSO_TEST_POSTGRES, PULSO_TEST_REDIS and
#                       PULSO_TEST_MYSQL itself.
#   PULSO_SHARED, PULSO_SCRATCH, PULSO_CLI, PULSO_GATE_TIMEOUT: see
#                       scripts/lib.sh and scripts/correctness-gate.sh.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PULSO_ROOT"

# Debian packages the tests need. Servers are started by the tests or by this
# script, never by the package (there is no systemd).
APT_PACKAGES=()

RESULTS="${PULSO_TEST_RESULTS:-$PULSO_SCRATCH/test-results}"
TEST_TIMEOUT="${PULSO_TEST_TIMEOUT:-1800}"

passed=0
failed=0
skipped=0
final_printed=0
services_started=0

final_line() {
  final_printed=1
  local line="$passed passed, $failed failed"
  ((skipped > 0)) && line+=", $skipped skipped"
  echo "$line"
}
# stop_services: stop what scripts/services.sh started (once; quiet, logged).
stop_services() {
  ((services_started == 1)) || return 0
  services_started=0
  bash scripts/services.sh stop >>"$RESULTS/services.log" 2>&1 || true
}
# An unexpected error still ends with the closing line, counting one failure.
on_exit() {
  local rc=$?
  stop_services
  if ((final_printed == 0)); then
    echo "test.sh: aborted (exit $rc)"
    failed=$((failed + 1))
    final_line
    exit 1
  fi
  exit "$rc"
}
trap on_exit EXIT

step() { echo "==> $*"; }
indent() { sed 's/^/    /'; }

t_all="$(now_s)"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
RESULTS="$(cd "$RESULTS" && pwd)"

# ------------------------------------------------------------ prerequisites
step "prerequisites"
if ((${#APT_PACKAGES[@]} > 0)); then
  if ! ensure_apt "${APT_PACKAGES[@]}"; then
    echo "apt installation failed: ${APT_PACKAGES[*]}"
    failed=$((failed + 1))
  fi
fi
require_cmd dotnet "install the .NET SDK (see global.json)"
require_cmd node "install Node.js >= 20"
echo "    dotnet $(dotnet --version), node $(node --version), $(nproc) cores"
# The JavaScript readers the gateway tests run (apache-arrow), from the committed lock: only when node_modules is
# missing or was installed from another lock. A failure is left to the tests that need them, which say so.
js_lock=tests/js/package-lock.json
js_stamp=tests/js/node_modules/.pulso-lock
if [[ ! -f "$js_stamp" ]] || ! cmp -s "$js_lock" "$js_stamp"; then
  if (cd tests/js && npm ci --no-audit --no-fund --loglevel=error) >"$RESULTS/npm.log" 2>&1; then
    cp "$js_lock" "$js_stamp"
    echo "    npm ci in tests/js"
  else
    echo "    npm ci in tests/js FAILED (the Arrow reader test will fail):"
    tail -n 10 "$RESULTS/npm.log" | indent
  fi
fi
# The Kubernetes schema validator (kubernetes-models, yaml), from its committed lock, the same way.
k8s_lock=deploy/validate/package-lock.json
k8s_stamp=deploy/validate/node_modules/.pulso-lock
if [[ ! -f "$k8s_stamp" ]] || ! cmp -s "$k8s_lock" "$k8s_stamp"; then
  if (cd deploy/validate && npm ci --no-audit --no-fund --loglevel=error) >"$RESULTS/npm-validate.log" 2>&1; then
    cp "$k8s_lock" "$k8s_stamp"
    echo "    npm ci in deploy/validate"
  else
    echo "    npm ci in deploy/validate FAILED (the manifest validation will fail):"
    tail -n 10 "$RESULTS/npm-validate.log" | indent
  fi
fi
# promtool (Debian package prometheus, large) only when it is missing; the rolling restart test scrapes for it.
if [[ "${PULSO_SKIP_ROLLING:-0}" != 1 ]] && ! command -v promtool >/dev/null 2>&1; then
  ensure_apt prometheus || echo "    apt install prometheus FAILED (the promtool checks will fail)"
fi
# Tests may read the reference fixtures; give them the absolute shared path.
if shared="$(pulso_shared_dir 2>/dev/null)"; then export PULSO_SHARED="$shared"; fi

# ------------------------------------------------------------------- build
step "dotnet build Pulso.Orleans.sln -c Release"
t0="$(now_s)"
if ! dotnet build Pulso.Orleans.sln -c Release -nologo >"$RESULTS/build.log" 2>&1; then
  echo "build FAILED after $(elapsed_since "$t0") s; errors:"
  errors="$(grep -E ': error [A-Z]+[0-9]*|error MSB|error NU' "$RESULTS/build.log" | sort -u | head -n 60 || true)"
  if [[ -n "$errors" ]]; then echo "$errors" | indent; else tail -n 40 "$RESULTS/build.log" | indent; fi
  passed=0
  failed=1
  skipped=0
  final_line
  exit 1
fi
echo "    build ok in $(elapsed_since "$t0") s"

# ------------------------------------------------------------------ servers
# PostgreSQL, Redis and MariaDB for the integration tests; a failure here is
# counted and the tests still run (those needing a server then fail and say why).
if [[ "${PULSO_SKIP_SERVICES:-0}" == 1 ]]; then
  step "servers skipped (PULSO_SKIP_SERVICES=1)"
else
  step "servers (scripts/services.sh start)"
  t0="$(now_s)"
  services_started=1
  if bash scripts/services.sh start >"$RESULTS/services.log" 2>&1; then
    # shellcheck source=/dev/null
    source "$PULSO_SCRATCH/services.env"
    echo "    PostgreSQL, Redis, MariaDB up in $(elapsed_since "$t0") s"
  else
    echo "    scripts/services.sh start FAILED after $(elapsed_since "$t0") s:"
    tail -n 20 "$RESULTS/services.log" | indent
    failed=$((failed + 1))
  fi
fi

# -------------------------------------------------------------- test projects
# trx_counter FILE ATTR -> the integer attribute of the <Counters> element (0 if absent)
trx_counter() {
  local v
  v="$(grep -o '<Counters [^>]*>' "$1" | head -n 1 | grep -o " $2=\"[0-9]*\"" | grep -o '[0-9][0-9]*' || true)"
  echo "${v:-0}"
}

mapfile -t projects < <(
  for f in tests/*/*.csproj; do
    [[ -f "$f" ]] || continue
    if grep -qE '<IsTestProject>[[:space:]]*true|Include="Microsoft\.NET\.Test\.Sdk"' "$f"; then echo "$f"; fi
  done | LC_ALL=C sort
)
if ((${#projects[@]} == 0)); then echo "    (no test projects under tests/)"; fi

for proj in "${projects[@]}"; do
  name="$(basename "$proj" .csproj)"
  step "dotnet test $proj"
  t0="$(now_s)"
  rc=0
  timeout "$TEST_TIMEOUT" dotnet test "$proj" --no-build -c Release -nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS/$name" \
    >"$RESULTS/$name.log" 2>&1 || rc=$?
  p=0 f=0 s=0 ntrx=0
  for trx in "$RESULTS/$name"/*.trx; do
    [[ -f "$trx" ]] || continue
    ntrx=$((ntrx + 1))
    total="$(trx_counter "$trx" total)"
    executed="$(trx_counter "$trx" executed)"
    p=$((p + $(trx_counter "$trx" passed)))
    f=$((f + $(trx_counter "$trx" failed) + $(trx_counter "$trx" error) + $(trx_counter "$trx" timeout) + $(trx_counter "$trx" aborted)))
    if ((total > executed)); then s=$((s + total - executed)); fi
  done
  note=""
  if ((rc != 0 && f == 0)); then
    # The run failed without a failing test on record (crash, hang, no TRX).
    f=1
    note=" (dotnet test exit $rc"
    ((rc == 124)) && note+=", timed out after ${TEST_TIMEOUT} s"
    ((ntrx == 0)) && note+=", no TRX written"
    note+=")"
  fi
  echo "    $name: $p passed, $f failed, $s skipped in $(elapsed_since "$t0") s$note"
  if ((f > 0)); then
    # the failing tests with their messages, else the end of the log
    if grep -qE '^[[:space:]]+Failed ' "$RESULTS/$name.log"; then
      # `|| true`: grep dies of SIGPIPE when head has read enough, which pipefail would turn into an abort.
      (grep -A 12 -E '^[[:space:]]+Failed ' "$RESULTS/$name.log" || true) | head -n 120 | indent
    else
      tail -n 40 "$RESULTS/$name.log" | indent
    fi
    echo "    full log: $RESULTS/$name.log"
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
done

# ------------------------------------------------ the dashboard page in a browser
# Headless Chromium against an embedded-default silo on free ports; each check counts.
if [[ "${PULSO_SKIP_BROWSER:-0}" == 1 ]]; then
  step "browser test skipped (PULSO_SKIP_BROWSER=1)"
else
  step "browser test (scripts/browser-test.sh)"
  t0="$(now_s)"
  PULSO_TEST_RESULTS="$RESULTS" bash scripts/browser-test.sh 2>&1 | tee "$RESULTS/browser.log" | indent || true
  summary="$(grep -E '^browser: [0-9]+ passed, [0-9]+ failed$' "$RESULTS/browser.log" | tail -n 1 || true)"
  if [[ "$summary" =~ ^browser:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    failed=$((failed + 1))
    echo "    the browser test printed no summary line: counted as 1 failure"
  fi
  echo "    browser test done in $(elapsed_since "$t0") s"
fi

# ------------------------------------------------ cluster: a silo killed mid-import
# Three silo processes on PostgreSQL membership and Redis state, one SIGKILLed during
# `pulso import` of 1M rows; the figures must equal the Polars reference (one test).
if [[ "${PULSO_SKIP_CLUSTER:-0}" == 1 ]]; then
  step "cluster kill test skipped (PULSO_SKIP_CLUSTER=1)"
else
  step "cluster kill test (scripts/cluster-kill-test.sh)"
  t0="$(now_s)"
  bash scripts/cluster-kill-test.sh 2>&1 | tee "$RESULTS/cluster.log" | indent || true
  summary="$(grep -E '^cluster: [0-9]+ passed, [0-9]+ failed$' "$RESULTS/cluster.log" | tail -n 1 || true)"
  if [[ "$summary" =~ ^cluster:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    failed=$((failed + 1))
    echo "    the cluster test printed no summary line: counted as 1 failure"
  fi
  echo "    cluster test done in $(elapsed_since "$t0") s"
fi

# ------------------------------------- the gateway on its own, as an Orleans client
# A silo process and a standalone gateway process on PostgreSQL membership and Redis state;
# a tenant created, gestiones pushed and the snapshot read back through the gateway (one test).
if [[ "${PULSO_SKIP_STANDALONE:-0}" == 1 ]]; then
  step "standalone gateway test skipped (PULSO_SKIP_STANDALONE=1)"
else
  step "standalone gateway test (scripts/standalone-gateway-test.sh)"
  t0="$(now_s)"
  bash scripts/standalone-gateway-test.sh 2>&1 | tee "$RESULTS/standalone.log" | indent || true
  summary="$(grep -E '^standalone: [0-9]+ passed, [0-9]+ failed$' "$RESULTS/standalone.log" | tail -n 1 || true)"
  if [[ "$summary" =~ ^standalone:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    failed=$((failed + 1))
    echo "    the standalone gateway test printed no summary line: counted as 1 failure"
  fi
  echo "    standalone gateway test done in $(elapsed_since "$t0") s"
fi

# ------------------------------------------- a rolling restart no dashboard notices
# Three silos SIGTERMed and replaced one at a time while gestiones flow through two standalone gateways and a SignalR
# dashboard watches (one test); promtool checks the /metrics it scraped from a silo and a gateway (one test each).
if [[ "${PULSO_SKIP_ROLLING:-0}" == 1 ]]; then
  step "rolling restart test skipped (PULSO_SKIP_ROLLING=1)"
else
  step "rolling restart test (scripts/rolling-restart-test.sh)"
  t0="$(now_s)"
  bash scripts/rolling-restart-test.sh 2>&1 | tee "$RESULTS/rolling.log" | indent || true
  for suite in rolling metrics; do
    summary="$(grep -E "^$suite: [0-9]+ passed, [0-9]+ failed$" "$RESULTS/rolling.log" | tail -n 1 || true)"
    if [[ "$summary" =~ ^[a-z]+:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
      passed=$((passed + BASH_REMATCH[1]))
      failed=$((failed + BASH_REMATCH[2]))
    else
      failed=$((failed + 1))
      echo "    the rolling restart test printed no '$suite:' summary line: counted as 1 failure"
    fi
  done
  echo "    rolling restart test done in $(elapsed_since "$t0") s"
fi

# ------------------------------ sources: PostgreSQL and MariaDB, each killed mid-sync
# 520k gestiones in each database, pulled through the sources API by a silo process; the server
# SIGKILLed during a page query and resumed; figures equal to the Polars reference (one test each).
if [[ "${PULSO_SKIP_SOURCES:-0}" == 1 ]]; then
  step "source sync test skipped (PULSO_SKIP_SOURCES=1)"
else
  step "source sync test (scripts/source-sync-test.sh)"
  t0="$(now_s)"
  bash scripts/source-sync-test.sh 2>&1 | tee "$RESULTS/sources.log" | indent || true
  summary="$(grep -E '^sources: [0-9]+ passed, [0-9]+ failed$' "$RESULTS/sources.log" | tail -n 1 || true)"
  if [[ "$summary" =~ ^sources:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    failed=$((failed + 1))
    echo "    the source sync test printed no summary line: counted as 1 failure"
  fi
  echo "    source sync test done in $(elapsed_since "$t0") s"
fi

stop_services

# ------------------------------------------------- Kubernetes manifests, offline
step "deploy/k8s and deploy/docker (node deploy/validate/validate.mjs)"
t0="$(now_s)"
{ node deploy/validate/validate.mjs deploy/k8s; node deploy/validate/validate.mjs --self-test; } >"$RESULTS/k8s.log" 2>&1 || true
indent <"$RESULTS/k8s.log"
k8s_lines="$(grep -cE '^k8s: [0-9]+ passed, [0-9]+ failed$' "$RESULTS/k8s.log" || true)"
while read -r k8s_p k8s_f; do
  passed=$((passed + k8s_p))
  failed=$((failed + k8s_f))
done < <(sed -nE 's/^k8s: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$RESULTS/k8s.log")
if ((k8s_lines != 2)); then
  failed=$((failed + 1))
  echo "    the manifest validation printed $k8s_lines of its 2 summary lines: counted as 1 failure"
fi
echo "    manifests validated in $(elapsed_since "$t0") s"

# -------------------------------------------------------- correctness gate
if [[ "${PULSO_SKIP_GATE:-0}" == 1 ]]; then
  step "correctness gate skipped (PULSO_SKIP_GATE=1)"
else
  step "correctness gate (scripts/correctness-gate.sh)"
  t0="$(now_s)"
  bash scripts/correctness-gate.sh 2>&1 | tee "$RESULTS/gate.log" | indent || true
  summary="$(grep -E '^gate: [0-9]+ passed, [0-9]+ failed$' "$RESULTS/gate.log" | tail -n 1 || true)"
  if [[ "$summary" =~ ^gate:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    echo "    the gate printed no summary line: counted as 1 failure"
    failed=$((failed + 1))
  fi
  echo "    gate done in $(elapsed_since "$t0") s"
fi

echo "==> total time $(elapsed_since "$t_all") s"
final_line
((failed == 0 && passed > 0))
