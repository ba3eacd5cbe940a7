#!/usr/bin/env bash
# The dashboard page: its hub logic under node's test runner (src/Gateway/Dashboard/web/test/, a fake
# connection), then the page in headless Chromium (tests/browser/dashboard.test.mjs):
#
#   bash scripts/browser-test.sh        (after `dotnet build Pulso.Orleans.sln -c Release`; test.sh runs it)
#
# Installs what it needs and lacks, idempotently: Debian's chromium when /usr/bin/chromium is missing (no tool
# downloads a browser of its own), and playwright-core from tests/browser's committed lock (`npm ci` only when
# node_modules is missing or older than the lock). The test starts the Release silo as the embedded default on
# free ports, lets the page sign in to the demo tenant by itself, pushes gestiones through REST and expects them
# on the page within a second; it saves a screenshot as <results>/dashboard.png.
# The last line is `browser: N passed, N failed` (every unit test and every browser check counted).
#
# Environment: PULSO_TEST_RESULTS (default .scratch/test-results), PULSO_BROWSER_TIMEOUT (seconds, default 240).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PULSO_ROOT"

RESULTS="${PULSO_TEST_RESULTS:-$PULSO_SCRATCH/test-results}"
TIMEOUT="${PULSO_BROWSER_TIMEOUT:-240}"
mkdir -p "$RESULTS"
export PULSO_TEST_RESULTS="$(cd "$RESULTS" && pwd)"

fail() {
  echo "browser: FAIL ($*)"
  echo "browser: 0 passed, 1 failed"
  exit 1
}

if [[ ! -x /usr/bin/chromium ]]; then
  ensure_apt chromium || fail "apt-get install chromium"
fi
[[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium is missing after installing the chromium package"
require_cmd node "Node.js >= 20 runs the browser test" || fail "node not found"
require_cmd npm "npm installs playwright-core" || fail "npm not found"

[[ -f src/Silo/bin/Release/net10.0/Pulso.Silo.dll ]] || fail "build first: dotnet build Pulso.Orleans.sln -c Release"
[[ -f src/Silo/bin/Release/net10.0/wwwroot/index.html ]] || fail "the Release build has no dashboard page (built with -p:PulsoSkipDashboard=true?)"

browser_dir=tests/browser
if [[ ! -f "$browser_dir/node_modules/.package-lock.json" || "$browser_dir/package-lock.json" -nt "$browser_dir/node_modules/.package-lock.json" ]]; then
  if ! (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error) >"$PULSO_TEST_RESULTS/browser-npm-ci.log" 2>&1; then
    tail -n 20 "$PULSO_TEST_RESULTS/browser-npm-ci.log" | sed 's/^/    /'
    fail "npm ci in $browser_dir"
  fi
fi

# The page's hub logic (node's own test runner; the modules it imports were installed by the build).
web_dir=src/Gateway/Dashboard/web
[[ -d "$web_dir/node_modules/@microsoft/signalr" ]] || fail "$web_dir/node_modules is missing: build src/Gateway first"
unit_log="$PULSO_TEST_RESULTS/dashboard-unit.log"
timeout --kill-after=10 120 node --test --test-reporter=tap "$web_dir/test/" >"$unit_log" 2>&1 || true
unit_passed="$(grep -E '^# pass [0-9]+$' "$unit_log" | grep -oE '[0-9]+' || true)"
unit_failed="$(grep -E '^# fail [0-9]+$' "$unit_log" | grep -oE '[0-9]+' || true)"
if [[ -z "$unit_passed" || -z "$unit_failed" ]]; then
  tail -n 20 "$unit_log" | sed 's/^/    /'
  unit_passed=0 unit_failed=1
  echo "browser: FAIL page logic tests printed no counts (see $unit_log)"
else
  grep -E '^not ok ' "$unit_log" | sed 's/^/browser: FAIL page logic: /' || true
  echo "browser: page logic: $unit_passed passed, $unit_failed failed"
fi

# The page in Chromium.
page_log="$PULSO_TEST_RESULTS/browser-page.log"
rc=0
timeout --kill-after=10 "$TIMEOUT" node "$browser_dir/dashboard.test.mjs" 2>&1 | tee "$page_log" || rc=$?
summary="$(grep -E '^browser: page: [0-9]+ passed, [0-9]+ failed$' "$page_log" | tail -n 1 || true)"
if [[ "$summary" =~ ^browser:\ page:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  page_passed="${BASH_REMATCH[1]}" page_failed="${BASH_REMATCH[2]}"
else
  page_passed=0 page_failed=1
  if ((rc == 124 || rc == 137)); then echo "browser: FAIL the page test timed out after $TIMEOUT s"; else echo "browser: FAIL the page test printed no summary (exit $rc)"; fi
fi
echo "browser: $((unit_passed + page_passed)) passed, $((unit_failed + page_failed)) failed"
((unit_failed + page_failed == 0))
