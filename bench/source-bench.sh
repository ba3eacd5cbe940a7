#!/usr/bin/env bash
# Pull throughput of the PostgreSQL and MariaDB sources against the databases' own
# clients running the same paged SELECTs over the same rows, in one run.
# A measurement tool for a quiet machine: NEVER run it in CI.
#
#   bash bench/source-bench.sh [--rows N] [--runs N] [--page N] [--no-build]
#
#   --rows N     gestiones in each database (default 1000000), generated once with
#                `gen.mjs --rows N --clientes 1 --days 60` into .scratch/bench-data/source-<N>.
#   --runs N     rounds (default 3); each round times, for each database, the client
#                (psql / mariadb) and then Pulso.
#   --page N     rows per page for both sides (default 50000).
#   --no-build   use the Release build of src/Silo as it is.
#
# Before the rounds, one untimed Pulso sync per database warms the silo up (JIT, first
# activations). What a round measures, per database:
#   client  one `psql -X -At` (or `mariadb -B`) session running every page of
#           `SELECT <the source's columns> FROM <table> WHERE id_gestion > <last> ORDER BY
#           id_gestion LIMIT <page>` (the keyset query the source sends), its output
#           formatted to /dev/null: rows/s = rows / wall time.
#   pulso   a fresh tenant, PUT …/sources/crm (the same table and page size, poll interval
#           0.2 s, plus the jornadas feed: about 12,000 rows of a typed table, which only Pulso
#           reads); wall time from the PUT until the source's status counts every row: read,
#           checked, dictionary-encoded, persisted in the day tables' Redis journals and
#           applied. rows/s = rows / that time. Its figures are checked against Polars.
#
# It runs `scripts/services.sh start` (which WIPES the test servers of this checkout;
# set PULSO_PG_PORT, PULSO_REDIS_PORT, PULSO_MYSQL_PORT to move them) and `stop` at the end.
# Output: a Markdown report on stdout and in .scratch/bench-results/source-<timestamp>.md.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$PULSO_ROOT"

rows=1000000
runs=3
page=50000
build=1
while (($#)); do
  case "$1" in
    --rows) rows="${2:?}"; shift 2 ;;
    --runs) runs="${2:?}"; shift 2 ;;
    --page) page="${2:?}"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

KIT="$PULSO_SCRATCH/bench-kit"
DATA="$PULSO_SCRATCH/bench-data/source-$rows"
OUT="$PULSO_SCRATCH/bench-out/source"
RESULTS="$PULSO_SCRATCH/bench-results"
SILO_DLL="src/Silo/bin/Release/net10.0/Pulso.Silo.dll"
SILO_PID=""
cleanup() {
  [[ -n "$SILO_PID" ]] && kill "$SILO_PID" 2>/dev/null || true
  bash scripts/services.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
rm -rf "$OUT" && mkdir -p "$OUT" "$RESULTS"

pulso_prepare_kit "$KIT"
if [[ ! -f "$DATA/polars/metrics.csv" ]]; then
  echo "data: generating $rows gestiones into $DATA"
  rm -rf "$DATA" && mkdir -p "$DATA"
  node "$KIT/gen.mjs" --rows "$rows" --clientes 1 --days 60 --out "$DATA" >/dev/null
  node "$KIT/polars_ref.mjs" "$DATA" "$DATA/polars" >/dev/null
fi
if ((build)); then
  dotnet build src/Silo/Pulso.Silo.csproj -c Release -nologo >"$OUT/build.log" 2>&1 || { tail -n 20 "$OUT/build.log"; exit 1; }
fi

bash scripts/services.sh start >"$OUT/services.log" 2>&1 || { tail -n 20 "$OUT/services.log"; exit 1; }
# shellcheck source=/dev/null
source "$PULSO_SCRATCH/services.env"
pg_port="$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$PULSO_TEST_POSTGRES")"
my_port="$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$PULSO_TEST_MYSQL")"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$pg_port/pulso")
MARIADB=(mariadb --no-defaults -h 127.0.0.1 -P "$my_port" -u pulso -ppulso --local-infile=1 pulso)
"${PSQL[@]}" >/dev/null <<SQL
CREATE TABLE gestiones_banco (id_gestion bigint PRIMARY KEY, entidad text, fec_gestion text, nro_documento text,
  cod_asesor text, resultado text, saldo_deuda text, dias_atraso text, medio text);
\copy gestiones_banco FROM '$DATA/gestiones.csv' WITH (FORMAT csv, HEADER true)
CREATE TABLE asistencia (id bigserial PRIMARY KEY, entidad text, asesor text NOT NULL, dia date NOT NULL, horas numeric(5,2));
\copy asistencia (entidad, asesor, dia, horas) FROM '$DATA/jornadas.csv' WITH (FORMAT csv, HEADER true)
ANALYZE gestiones_banco;
SQL
"${MARIADB[@]}" <<SQL
CREATE TABLE gestiones_banco (id_gestion BIGINT PRIMARY KEY, entidad TEXT, fec_gestion TEXT, nro_documento TEXT,
  cod_asesor TEXT, resultado TEXT, saldo_deuda TEXT, dias_atraso TEXT, medio TEXT) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
LOAD DATA LOCAL INFILE '$DATA/gestiones.csv' INTO TABLE gestiones_banco CHARACTER SET utf8mb4
  FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '' LINES TERMINATED BY '\n' IGNORE 1 LINES;
CREATE TABLE asistencia (id BIGINT AUTO_INCREMENT PRIMARY KEY, entidad VARCHAR(64), asesor VARCHAR(64) NOT NULL, dia DATE NOT NULL,
  horas DECIMAL(5,2)) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
LOAD DATA LOCAL INFILE '$DATA/jornadas.csv' INTO TABLE asistencia CHARACTER SET utf8mb4
  FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '' LINES TERMINATED BY '\n' IGNORE 1 LINES (entidad, asesor, dia, horas);
SQL

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
HTTP_PORT="$(free_port)"
SIGNING_KEY="source-bench-signing-key-0123456789abcdef"
env -u Pulso__Cluster__Provider \
  ASPNETCORE_URLS="http://127.0.0.1:$HTTP_PORT" Pulso__Cluster__SiloPort="$(free_port)" Pulso__Cluster__GatewayPort="$(free_port)" \
  Pulso__Cluster__ClusterId="source-bench-$$" Pulso__Cluster__ServiceId="source-bench-$$" \
  Pulso__Storage__Provider=Redis Pulso__Storage__ConnectionString="$PULSO_TEST_REDIS" \
  Pulso__Auth__Jwt__SigningKey="$SIGNING_KEY" Pulso__Demo__Enabled=false Logging__LogLevel__Default=Warning \
  Pulso__Sources__SecretKey="$(head -c 32 /dev/urandom | base64)" \
  dotnet "$SILO_DLL" >"$OUT/silo.log" 2>&1 &
SILO_PID=$!
deadline=$((SECONDS + 90))
until curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1; do
  ((SECONDS < deadline)) || { tail -n 20 "$OUT/silo.log"; exit 1; }
  sleep 0.2
done

PULSO_API="http://127.0.0.1:$HTTP_PORT" PULSO_SIGNING_KEY="$SIGNING_KEY" PULSO_KIT="$KIT" PULSO_DATA="$DATA" PULSO_OUT="$OUT" \
  PULSO_PG_PORT_USED="$pg_port" PULSO_MY_PORT_USED="$my_port" PULSO_ROWS="$rows" PULSO_RUNS="$runs" PULSO_PAGE="$page" \
  PULSO_RESULTS="$RESULTS" PULSO_SILO_PID="$SILO_PID" \
  node bench/source-bench.mjs
