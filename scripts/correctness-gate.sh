#!/usr/bin/env bash
# Correctness gate: `pulso compute` must produce the same metrics.csv and
# rejects.csv as the reference implementation (nodejs-polars) on generated
# data sets, and the hand-checked expected output on the edge-case fixture.
#
#   bash scripts/correctness-gate.sh
#
# Each case prints one line `gate: <name> PASS|FAIL (...)` (details of a
# failure follow, indented); the last line is `gate: N passed, N failed`
# (read by scripts/test.sh). Exit 0 only when every case passed.
#
# Environment:
#   PULSO_CLI           command string for the CLI (default: dotnet on the built
#                       src/Cli/bin/Release/net10.0/pulso.dll, built if missing);
#                       see scripts/lib.sh for the {input}/{output}/{kit} placeholders.
#   PULSO_SHARED        shared folder with the reference kit (default ../shared).
#   PULSO_SCRATCH       scratch root (default .scratch/); the gate uses
#                       $PULSO_SCRATCH/bench-kit and $PULSO_SCRATCH/gate.
#   PULSO_GATE_TIMEOUT  seconds allowed per pulso run (default 300).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PULSO_ROOT"

KIT="$PULSO_SCRATCH/bench-kit"
WORK="$PULSO_SCRATCH/gate"
TIMEOUT="${PULSO_GATE_TIMEOUT:-300}"

# name | generator arguments ("fixture" = fixtures/edge with its expected output)
CASES=(
  "seed7-250k|--rows 250000 --seed 7 --clientes 3 --dirty 0.02"
  "seed20261126-300k|--rows 300000 --seed 20261126 --clientes 9 --dirty 0.005 --days 30"
  "edge-fixture|fixture"
)

passed=0
failed=0
summary_printed=0
summarise() {
  summary_printed=1
  echo "gate: $passed passed, $failed failed"
}
# Whatever happens, end with the machine-readable line; an unexpected error
# counts the cases not yet decided as failed.
on_exit() {
  local rc=$?
  if ((summary_printed == 0)); then
    local undecided=$((${#CASES[@]} - passed - failed))
    ((undecided > 0)) && failed=$((failed + undecided))
    ((rc != 0)) && echo "gate: aborted (exit $rc)"
    summarise
    ((rc == 0)) && rc=1
  fi
  exit "$rc"
}
trap on_exit EXIT

fail_all() {
  local why="$1" c
  for c in "${CASES[@]}"; do
    echo "gate: ${c%%|*} FAIL ($why)"
    failed=$((failed + 1))
  done
}

indent() { sed 's/^/    /'; }

t_start="$(now_s)"
echo "gate: CLI = $(pulso_cli_label)"

# 1. reference kit (copy of the shared folder + npm ci)
t0="$(now_s)"
if ! pulso_prepare_kit "$KIT"; then
  fail_all "reference kit setup failed"
  summarise
  exit 1
fi
echo "gate: reference kit ready in $(elapsed_since "$t0") s ($KIT)"

# 2. the CLI
if [[ -z "${PULSO_CLI:-}" && ! -f "$PULSO_DLL" ]]; then
  echo "gate: $PULSO_DLL missing, building src/Cli (Release)"
  mkdir -p "$PULSO_SCRATCH"
  if ! dotnet build src/Cli/Pulso.Cli.csproj -c Release -nologo >"$PULSO_SCRATCH/gate-build.log" 2>&1; then
    grep -E ': error ' "$PULSO_SCRATCH/gate-build.log" | sort -u | head -n 30 | indent || true
    fail_all "build of src/Cli failed"
    summarise
    exit 1
  fi
fi

rm -rf "$WORK"
mkdir -p "$WORK"

# check_json PULSO_STDOUT REF_STDOUT REQUIRE_ENGINE -> prints "ok" or a reason
check_json() {
  node -e '
    const fs = require("fs");
    const last = (f) => {
      const lines = fs.readFileSync(f, "utf8").split("\n").map((l) => l.trim()).filter(Boolean);
      if (!lines.length) return null;
      try { return JSON.parse(lines[lines.length - 1]); } catch { return null; }
    };
    const [p, r, requireEngine] = process.argv.slice(1);
    const a = last(p), b = last(r);
    if (!a || typeof a !== "object") { console.log("last stdout line is not a JSON object"); process.exit(0); }
    if (!b) { console.log("reference printed no JSON line"); process.exit(0); }
    const bad = [];
    if (requireEngine === "1" && !/^pulso\b/i.test(String(a.engine ?? ""))) bad.push(`engine=${JSON.stringify(a.engine)}`);
    for (const k of ["rows_in", "rows_rejected", "groups"])
      if (Number(a[k]) !== Number(b[k]) || a[k] === undefined || a[k] === null) bad.push(`${k}=${a[k]} (expected ${b[k]})`);
    console.log(bad.length ? "JSON line: " + bad.join(", ") : "ok");
  ' "$1" "$2" "$3"
}

run_case() {
  local name="$1" spec="$2"
  local dir="$WORK/$name" data expected
  mkdir -p "$dir"
  if [[ "$spec" == fixture ]]; then
    data="$KIT/fixtures/edge"
    expected="$data/expected/metrics.csv"
  else
    data="$dir/data"
    # shellcheck disable=SC2086 # the spec is a list of generator arguments
    if ! node "$KIT/gen.mjs" $spec --out "$data" >"$dir/gen.log" 2>&1; then
      echo "gate: $name FAIL (gen.mjs failed)"
      tail -n 20 "$dir/gen.log" | indent
      return 1
    fi
    expected="$dir/polars/metrics.csv"
  fi

  # reference (also on the fixture: its JSON line gives rows_in etc.)
  local t0 t_ref t_pulso
  t0="$(now_s)"
  if ! node "$KIT/polars_ref.mjs" "$data" "$dir/polars" >"$dir/polars.out" 2>"$dir/polars.err"; then
    echo "gate: $name FAIL (polars_ref.mjs failed)"
    tail -n 20 "$dir/polars.err" | indent
    return 1
  fi
  t_ref="$(elapsed_since "$t0")"

  # pulso
  t0="$(now_s)"
  local rc=0
  timeout "$TIMEOUT" bash -c 'source "$1"; shift; pulso_cli_run "$@"' _ \
    "$PULSO_ROOT/scripts/lib.sh" "$data" "$dir/pulso" "$KIT" >"$dir/pulso.out" 2>"$dir/pulso.err" || rc=$?
  t_pulso="$(elapsed_since "$t0")"
  if ((rc != 0)); then
    local why="exit $rc"
    ((rc == 124)) && why="timed out after ${TIMEOUT} s"
    echo "gate: $name FAIL (pulso compute: $why)"
    { tail -n 20 "$dir/pulso.err"; tail -n 5 "$dir/pulso.out"; } | indent
    return 1
  fi
  if [[ ! -f "$dir/pulso/metrics.csv" || ! -f "$dir/pulso/rejects.csv" ]]; then
    echo "gate: $name FAIL (pulso wrote no metrics.csv/rejects.csv in its --output folder)"
    return 1
  fi

  # outputs
  if ! node "$KIT/compare.mjs" "$dir/pulso/metrics.csv" "$expected" --max 10 >"$dir/compare.log" 2>&1; then
    echo "gate: $name FAIL (output differs from $( [[ "$spec" == fixture ]] && echo fixtures/edge/expected || echo polars_ref))"
    head -n 40 "$dir/compare.log" | indent
    return 1
  fi

  # JSON summary line
  local require_engine=1 verdict
  [[ -n "${PULSO_CLI:-}" ]] && require_engine=0
  verdict="$(check_json "$dir/pulso.out" "$dir/polars.out" "$require_engine")"
  if [[ "$verdict" != ok ]]; then
    echo "gate: $name FAIL ($verdict)"
    tail -n 3 "$dir/pulso.out" | indent
    return 1
  fi

  local stats
  stats="$(node -e '
    const l = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop();
    const j = JSON.parse(l);
    console.log(`${j.rows_in} rows, ${j.rows_rejected} rejected, ${j.groups} groups`);
  ' "$dir/polars.out")"
  echo "gate: $name PASS ($stats; pulso ${t_pulso} s, polars ${t_ref} s)"
}

for c in "${CASES[@]}"; do
  if run_case "${c%%|*}" "${c#*|}"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done

echo "gate: finished in $(elapsed_since "$t_start") s"
summarise
((failed == 0))
