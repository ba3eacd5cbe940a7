# shellcheck shell=bash
# Helpers shared by scripts/test.sh, scripts/correctness-gate.sh and
# bench/compute-bench.sh. Source it; it defines functions and a few variables
# and runs nothing else.
#
# Environment honoured:
#   PULSO_SHARED   folder holding the reference kit `bench/` (default: ../shared
#                  beside the repository root). Treated as read-only.
#   PULSO_SCRATCH  scratch root for the kit copy, generated data and outputs
#                  (default: .scratch/ in the repository root, git-ignored).
#   PULSO_CLI      command string that runs the Pulso CLI instead of the built
#                  dll (see pulso_cli_run below).

PULSO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PULSO_SCRATCH="${PULSO_SCRATCH:-$PULSO_ROOT/.scratch}"
PULSO_DLL="$PULSO_ROOT/src/Cli/bin/Release/net10.0/pulso.dll"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Seconds since the epoch with millisecond precision (bash 5 EPOCHREALTIME).
now_s() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }

# elapsed START -> "12.3"
elapsed_since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }

# Absolute path of the shared folder (must contain bench/gen.mjs).
pulso_shared_dir() {
  local d="${PULSO_SHARED:-$PULSO_ROOT/../shared}"
  if [[ ! -f "$d/bench/gen.mjs" ]]; then
    echo "shared reference kit not found: $d/bench/gen.mjs (set PULSO_SHARED)" >&2
    return 1
  fi
  (cd "$d" && pwd)
}

# ensure_apt PKG... : install the Debian packages that dpkg reports missing.
# Does nothing (and touches no network) when all are installed.
ensure_apt() {
  local missing=() p
  for p in "$@"; do
    # `dpkg -s` also succeeds for removed packages whose config files remain.
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  local sudo=()
  if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
      echo "apt: need root to install: ${missing[*]}" >&2
      return 1
    fi
  fi
  echo "apt: installing ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# require_cmd CMD HINT : fail with a message when CMD is not on PATH.
require_cmd() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "missing command '$1': $2" >&2
    return 1
  fi
}

# Content stamp of a folder: sha256 over the sorted file list and contents,
# ignoring node_modules and generated data.
_kit_stamp() {
  (cd "$1" && find . \( -name node_modules -o -path ./data -o -path ./out \) -prune -o -type f -print |
    LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum | cut -d' ' -f1)
}

# pulso_prepare_kit DEST : copy <shared>/bench to DEST (writable) and `npm ci`
# there. Reused as-is when DEST already holds an installed copy of the same
# files. The shared folder itself is never written to.
pulso_prepare_kit() {
  local dest="$1" src stamp lockfd
  src="$(pulso_shared_dir)/bench" || return 1
  require_cmd node "Node.js >= 20 is needed for the reference kit" || return 1
  require_cmd npm "npm is needed for the reference kit" || return 1
  mkdir -p "$(dirname "$dest")"
  # Serialise concurrent preparations (test run and benchmark at once).
  exec {lockfd}>"$dest.lock"
  flock "$lockfd"
  stamp="$(_kit_stamp "$src")"
  if [[ -d "$dest/node_modules" && -f "$dest/.kit-stamp" && "$(cat "$dest/.kit-stamp")" == "$stamp" ]]; then
    exec {lockfd}>&-
    return 0
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  tar -C "$src" --exclude=./node_modules --exclude=./data --exclude=./out -cf - . | tar -C "$dest" -xf -
  chmod -R u+w "$dest"
  local log="$dest/npm-ci.log"
  if ! (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1); then
    echo "npm ci failed in $dest:" >&2
    tail -n 30 "$log" >&2
    exec {lockfd}>&-
    return 1
  fi
  printf '%s\n' "$stamp" >"$dest/.kit-stamp"
  exec {lockfd}>&-
}

# Shell-quote one word.
_q() { printf '%q' "$1"; }

# pulso_cli_run INPUT OUTPUT [KIT] : run `pulso compute` on INPUT writing OUTPUT.
#   - default: dotnet src/Cli/bin/Release/net10.0/pulso.dll compute --input IN --output OUT
#   - PULSO_CLI set: a command string. If it contains {input}/{output} (and
#     optionally {kit}) those are replaced by the shell-quoted paths and the
#     string is run as is; otherwise `compute --input IN --output OUT` is
#     appended. Example for testing the plumbing without Pulso:
#       PULSO_CLI='node {kit}/duckdb_ref.mjs {input} {output}'
# stdout and stderr are the program's.
pulso_cli_run() {
  local in="$1" out="$2" kit="${3:-}"
  if [[ -n "${PULSO_CLI:-}" ]]; then
    local cmd="$PULSO_CLI"
    if [[ "$cmd" == *"{input}"* || "$cmd" == *"{output}"* ]]; then
      cmd="${cmd//\{input\}/$(_q "$in")}"
      cmd="${cmd//\{output\}/$(_q "$out")}"
      cmd="${cmd//\{kit\}/$(_q "$kit")}"
    else
      cmd="${cmd//\{kit\}/$(_q "$kit")} compute --input $(_q "$in") --output $(_q "$out")"
    fi
    (cd "$PULSO_ROOT" && bash -c "$cmd")
  else
    dotnet "$PULSO_DLL" compute --input "$in" --output "$out"
  fi
}

# Human label for the CLI in use.
pulso_cli_label() {
  if [[ -n "${PULSO_CLI:-}" ]]; then printf 'PULSO_CLI=%s' "$PULSO_CLI"; else printf 'dotnet %s' "${PULSO_DLL#"$PULSO_ROOT"/}"; fi
}

# pulso_token KEY TENANT ROLE [SECONDS]: an HS256 JWT as the silos issue them (claims sub, tenant,
# role; issuer and audience pulso), signed with the UTF-8 bytes of KEY, valid for SECONDS (600).
pulso_b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
pulso_token() {
  local key=$1 tenant=$2 role=$3 exp=$(($(date +%s) + ${4:-600})) header payload signature
  header="$(printf '{"alg":"HS256","typ":"JWT"}' | pulso_b64url)"
  payload="$(printf '{"sub":"%s@%s","tenant":"%s","role":"%s","iss":"pulso","aud":"pulso","exp":%d}' "$role" "$tenant" "$tenant" "$role" "$exp" | pulso_b64url)"
  signature="$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -hmac "$key" -binary | pulso_b64url)"
  printf '%s.%s.%s' "$header" "$payload" "$signature"
}
