#!/usr/bin/env bash
# Wall time and peak memory of `pulso compute` against the two reference
# engines (nodejs-polars and DuckDB) on the same generated data set.
# A measurement tool for a quiet machine: NEVER run it in CI.
#
#   bash bench/compute-bench.sh [--rows N] [--runs N] [--data DIR] [--no-publish]
#
#   --rows N      data set size (default 10000000). Generated once with the
#                 reference kit's gen.mjs (default seed/clientes) into
#                 .scratch/bench-data/<10m|1m|200k|N> and reused while its
#                 files have the recorded sizes.
#   --runs N      rounds (default 3, minimum 3). Each round runs pulso, polars,
#                 duckdb once, in that order (round-robin).
#   --data DIR    use/create the data set in DIR instead of the cache folder.
#   --no-publish  reuse .scratch/pulso-publish/pulso as it is.
#
# Environment:
#   PULSO_CLI      command string run instead of the published binary
#                  (placeholders {input} {output} {kit}, as in scripts/lib.sh),
#                  e.g. PULSO_CLI='node {kit}/duckdb_ref.mjs {input} {output}'
#                  to try the plumbing without Pulso.
#   PULSO_SHARED   shared folder with the reference kit (default ../shared).
#   PULSO_SCRATCH  scratch root (default .scratch/).
#
# Output: a Markdown report on stdout, also written to
# .scratch/bench-results/compute-<timestamp>.md (raw runs in the .json twin).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$PULSO_ROOT"

rows=10000000
runs=3
data=""
publish=1
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --rows) rows="${2:?--rows needs a value}"; shift 2 ;;
    --runs) runs="${2:?--runs needs a value}"; shift 2 ;;
    --data) data="${2:?--data needs a folder}"; shift 2 ;;
    --no-publish) publish=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$rows" =~ ^[1-9][0-9]*$ ]] || { echo "--rows must be a positive integer" >&2; exit 2; }
[[ "$runs" =~ ^[0-9]+$ ]] && ((runs >= 3)) || { echo "--runs must be an integer >= 3" >&2; exit 2; }

label_rows() {
  local n="$1"
  if ((n % 1000000 == 0)); then echo "$((n / 1000000))m"
  elif ((n % 1000 == 0)); then echo "$((n / 1000))k"
  else echo "$n"; fi
}

FILES=(gestiones.csv jornadas.csv homologacion.csv)
GEN_ARGS=(--rows "$rows")
KIT="$PULSO_SCRATCH/bench-kit"
DATA="${data:-$PULSO_SCRATCH/bench-data/$(label_rows "$rows")}"
OUT="$PULSO_SCRATCH/bench-out"
RESULTS="$PULSO_SCRATCH/bench-results"
PUBLISH="$PULSO_SCRATCH/pulso-publish"

# Sizes published in the kit's README for the default generator arguments.
known_sizes() {
  case "$1" in
    10000000) echo "955042605 652678 2738" ;;
    1000000) echo "95310586 652678 2738" ;;
    *) echo "" ;;
  esac
}

file_size() { stat -c %s "$1" 2>/dev/null || echo missing; }

# data_ok DIR: the three files are there with the sizes recorded at generation
# (or, without a manifest, the sizes the kit documents for this row count).
data_ok() {
  local dir="$1" manifest="$1/bench-data.manifest" i expected=()
  if [[ -f "$manifest" ]]; then
    [[ "$(sed -n 1p "$manifest")" == "gen.mjs ${GEN_ARGS[*]}" ]] || return 1
    read -r -a expected <<<"$(sed -n 2p "$manifest")"
  else
    read -r -a expected <<<"$(known_sizes "$rows")"
  fi
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

echo "## compute benchmark: $rows rows, $runs rounds"

# 1. tools
ensure_apt time
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time is missing" >&2; exit 1; }
require_cmd dotnet "the .NET SDK is needed to publish the CLI"
t0="$(now_s)"
pulso_prepare_kit "$KIT"
echo "reference kit ready in $(elapsed_since "$t0") s ($KIT)"

# 2. data, generated once
if data_ok "$DATA"; then
  echo "data: reusing $DATA"
  [[ -f "$DATA/bench-data.manifest" ]] || write_manifest "$DATA"
else
  echo "data: generating $rows rows into $DATA (about 3.5 s per million rows)"
  t0="$(now_s)"
  rm -rf "$DATA.tmp"
  mkdir -p "$(dirname "$DATA")"
  node "$KIT/gen.mjs" "${GEN_ARGS[@]}" --out "$DATA.tmp" | sed 's/^/    /'
  write_manifest "$DATA.tmp"
  rm -rf "$DATA"
  mv "$DATA.tmp" "$DATA"
  echo "data: generated in $(elapsed_since "$t0") s"
fi

# 3. the CLI
pulso_args=()
if [[ -n "${PULSO_CLI:-}" ]]; then
  echo "pulso: PULSO_CLI=$PULSO_CLI (not publishing)"
  pulso_args=(--pulso-shell "$PULSO_CLI")
else
  if ((publish)); then
    echo "pulso: dotnet publish src/Cli -c Release -o ${PUBLISH#"$PULSO_ROOT"/}"
    t0="$(now_s)"
    mkdir -p "$PULSO_SCRATCH"
    if ! dotnet publish src/Cli/Pulso.Cli.csproj -c Release -o "$PUBLISH" -nologo >"$PULSO_SCRATCH/pulso-publish.log" 2>&1; then
      grep -E ': error ' "$PULSO_SCRATCH/pulso-publish.log" | sort -u | head -n 30 || tail -n 30 "$PULSO_SCRATCH/pulso-publish.log"
      echo "publish failed (log: $PULSO_SCRATCH/pulso-publish.log)" >&2
      exit 1
    fi
    echo "pulso: published in $(elapsed_since "$t0") s"
  fi
  [[ -x "$PUBLISH/pulso" ]] || { echo "no published CLI at $PUBLISH/pulso" >&2; exit 1; }
  pulso_args=(--pulso-bin "$PUBLISH/pulso")
fi

# 4. the input files in the page cache for every engine, including the first
cat "${FILES[@]/#/$DATA/}" >/dev/null

# 5. measure
mkdir -p "$RESULTS"
exec node "$PULSO_ROOT/bench/compute-bench.mjs" \
  --data "$DATA" --out "$OUT" --kit "$KIT" --runs "$runs" --results "$RESULTS" "${pulso_args[@]}"
