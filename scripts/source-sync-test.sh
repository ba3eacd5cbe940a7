#!/usr/bin/env bash
# Integration test: sources pulled from a real PostgreSQL and a real MariaDB, through
# the gateway's sources API, lose nothing and count nothing twice.
#
#   bash scripts/source-sync-test.sh     (needs scripts/services.sh start; test.sh runs it)
#
# Generates 520,000 gestiones of one cliente (gen.mjs) and the Polars reference figures,
# loads 470,000 of them into a table with the tenant's own column names in each database
# (COPY / LOAD DATA), with the jornadas in a typed table beside it, and starts one silo
# process (Redis storage, a source secret key). Then for each database (a tenant each):
#   - configures the source with PUT /api/v1/tenants/{t}/sources/{name} (column mapping,
#     watermark, both feeds, a settle lag); the connection string is never answered or logged;
#   - kills the database server with SIGKILL in the middle of the sync, waits until the
#     source reports the failure, restarts the server (crash recovery), lets it resume;
#   - inserts the last 50,000 rows once it has caught up; they appear on the next poll;
#   - compares the snapshot (groupBy ejecutivo,dia) with the Polars reference (compare.mjs)
#     and the source's reject counts with the reference's.
# Prints `sources: <case> PASS|FAIL (...)` per case and `sources: N passed, N failed` last.
#
# Environment: PULSO_TEST_POSTGRES, PULSO_TEST_REDIS, PULSO_TEST_MYSQL (.scratch/services.env)
# and the PULSO_*_PORT variables scripts/services.sh was started with (for kill/resume);
# PULSO_SOURCE_ROWS (default 520000), PULSO_SOURCE_LATER (default 50000).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PULSO_ROOT"

ROWS="${PULSO_SOURCE_ROWS:-520000}"
LATER="${PULSO_SOURCE_LATER:-50000}"
WORK="$PULSO_SCRATCH/source-sync"
SILO_DLL="src/Silo/bin/Release/net10.0/Pulso.Silo.dll"
SILO_PID=""

log() { echo "    sources: $*"; }
fail_all() {
  echo "sources: setup FAIL ($*)"
  [[ -f "$WORK/silo.log" ]] && { echo "    --- tail silo.log"; tail -n 20 "$WORK/silo.log" | sed 's/^/      /'; }
  echo "sources: 0 passed, 2 failed"
  exit 1
}
cleanup() { [[ -n "$SILO_PID" ]] && kill -9 "$SILO_PID" 2>/dev/null || true; }
trap cleanup EXIT

[[ -n "${PULSO_TEST_POSTGRES:-}" && -n "${PULSO_TEST_REDIS:-}" && -n "${PULSO_TEST_MYSQL:-}" ]] ||
  fail_all "PULSO_TEST_POSTGRES / PULSO_TEST_REDIS / PULSO_TEST_MYSQL not set: run scripts/services.sh start"
[[ -f "$SILO_DLL" ]] || fail_all "build first (dotnet build -c Release)"
rm -rf "$WORK" && mkdir -p "$WORK"

t0=$SECONDS
KIT="$PULSO_SCRATCH/bench-kit"
pulso_prepare_kit "$KIT" || fail_all "reference kit"
node "$KIT/gen.mjs" --rows "$ROWS" --clientes 1 --seed 23 --days 30 --out "$WORK/data" >"$WORK/gen.log" || fail_all "gen.mjs"
node "$KIT/polars_ref.mjs" "$WORK/data" "$WORK/polars" >"$WORK/polars.log" || fail_all "polars_ref.mjs"
first=$((ROWS - LATER))
head -n $((first + 1)) "$WORK/data/gestiones.csv" >"$WORK/first.csv"
{ head -n 1 "$WORK/data/gestiones.csv"; tail -n "$LATER" "$WORK/data/gestiones.csv"; } >"$WORK/later.csv"
log "data and reference ready in $((SECONDS - t0)) s ($ROWS gestiones, $((ROWS - first)) held back)"

# The tenant's own tables: legacy text columns (dirty values included), typed jornadas.
pg_port="$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$PULSO_TEST_POSTGRES")"
my_port="$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$PULSO_TEST_MYSQL")"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 "postgresql://postgres@127.0.0.1:$pg_port/pulso")
MARIADB=(mariadb --no-defaults -h 127.0.0.1 -P "$my_port" -u pulso -ppulso --local-infile=1 pulso)
t0=$SECONDS
"${PSQL[@]}" >"$WORK/load-pg.log" 2>&1 <<SQL || fail_all "loading PostgreSQL (see $WORK/load-pg.log)"
DROP SCHEMA IF EXISTS cobranza CASCADE;
CREATE SCHEMA cobranza;
CREATE TABLE cobranza.gestiones_banco (id_gestion bigint PRIMARY KEY, entidad text, fec_gestion text, nro_documento text,
  cod_asesor text, resultado text, saldo_deuda text, dias_atraso text, medio text);
CREATE TABLE cobranza.asistencia (id bigserial PRIMARY KEY, entidad text, asesor text NOT NULL, dia date NOT NULL, horas numeric(5,2));
\copy cobranza.gestiones_banco FROM '$WORK/first.csv' WITH (FORMAT csv, HEADER true)
\copy cobranza.asistencia (entidad, asesor, dia, horas) FROM '$WORK/data/jornadas.csv' WITH (FORMAT csv, HEADER true)
ANALYZE cobranza.gestiones_banco;
SQL
"${MARIADB[@]}" >"$WORK/load-mysql.log" 2>&1 <<SQL || fail_all "loading MariaDB (see $WORK/load-mysql.log)"
DROP TABLE IF EXISTS gestiones_banco, asistencia;
CREATE TABLE gestiones_banco (id_gestion BIGINT PRIMARY KEY, entidad TEXT, fec_gestion TEXT, nro_documento TEXT,
  cod_asesor TEXT, resultado TEXT, saldo_deuda TEXT, dias_atraso TEXT, medio TEXT) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE TABLE asistencia (id BIGINT AUTO_INCREMENT PRIMARY KEY, entidad VARCHAR(64), asesor VARCHAR(64) NOT NULL, dia DATE NOT NULL,
  horas DECIMAL(5,2)) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
LOAD DATA LOCAL INFILE '$WORK/first.csv' INTO TABLE gestiones_banco CHARACTER SET utf8mb4
  FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '' LINES TERMINATED BY '\n' IGNORE 1 LINES;
LOAD DATA LOCAL INFILE '$WORK/data/jornadas.csv' INTO TABLE asistencia CHARACTER SET utf8mb4
  FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '"' ESCAPED BY '' LINES TERMINATED BY '\n' IGNORE 1 LINES (entidad, asesor, dia, horas);
SQL
log "tables loaded in $((SECONDS - t0)) s"

# One silo: its own ports, Redis storage, a source secret key.
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
HTTP_PORT="$(free_port)"
SIGNING_KEY="source-sync-test-signing-key-0123456789abc"
t0=$SECONDS
env -u Pulso__Cluster__Provider \
  ASPNETCORE_URLS="http://127.0.0.1:$HTTP_PORT" Pulso__Cluster__SiloPort="$(free_port)" Pulso__Cluster__GatewayPort="$(free_port)" \
  Pulso__Cluster__ClusterId="sources-$$" Pulso__Cluster__ServiceId="sources-$$" \
  Pulso__Storage__Provider=Redis Pulso__Storage__ConnectionString="$PULSO_TEST_REDIS" \
  Pulso__Auth__Jwt__SigningKey="$SIGNING_KEY" Pulso__Demo__Enabled=false \
  Pulso__Sources__SecretKey="$(head -c 32 /dev/urandom | base64)" \
  dotnet "$SILO_DLL" >"$WORK/silo.log" 2>&1 &
SILO_PID=$!
deadline=$((SECONDS + 90))
until curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1; do
  kill -0 "$SILO_PID" 2>/dev/null || fail_all "the silo exited"
  ((SECONDS < deadline)) || fail_all "the silo was not ready within 90 s"
  sleep 0.2
done
log "silo ready in $((SECONDS - t0)) s"

PULSO_API="http://127.0.0.1:$HTTP_PORT" PULSO_SIGNING_KEY="$SIGNING_KEY" PULSO_KIT="$KIT" PULSO_WORK="$WORK" \
  PULSO_SILO_LOG="$WORK/silo.log" PULSO_PG_PORT_USED="$pg_port" PULSO_MY_PORT_USED="$my_port" \
  node scripts/source-sync-test.mjs
