#!/usr/bin/env bash
# Integration test: the gateway in a process of its own, as an Orleans client of a cluster.
#
#   bash scripts/standalone-gateway-test.sh     (needs scripts/services.sh start; test.sh runs it)
#
# One silo process (AdoNet membership in PostgreSQL, grain state and journals in Redis) and one
# standalone gateway process (`dotnet Pulso.Gateway.dll`, what `dotnet run --project src/Gateway`
# runs). The gateway starts first: its /readyz must answer 503 while no silo is up, and 200 once the
# silo has joined. Then, through the standalone gateway only, with HS256 tokens made here from the
# shared signing key: an operator creates a tenant, an admin sets its homologation and pushes a CSV
# of gestiones (one row invalid), and the snapshot read back must hold exact figures. Both processes
# are stopped at the end (and killed on any failure).
# Prints `standalone: PASS|FAIL (...)` and a final `standalone: N passed, N failed`.
#
# Environment: PULSO_TEST_POSTGRES, PULSO_TEST_REDIS (from .scratch/services.env);
# PULSO_STANDALONE_TIMEOUT seconds allowed for each wait (default 45).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PULSO_ROOT"

WORK="$PULSO_SCRATCH/standalone-gateway"
SILO_DLL="src/Silo/bin/Release/net10.0/Pulso.Silo.dll"
GATEWAY_DLL="src/Gateway/bin/Release/net10.0/Pulso.Gateway.dll"
TIMEOUT="${PULSO_STANDALONE_TIMEOUT:-45}"
SIGNING_KEY="standalone-gateway-test-signing-key-0123456789"
TENANT="standalone"
SILO_PID=""
GATEWAY_PID=""
USED_PORTS=()

log() { echo "    standalone: $*"; }
fail() {
  log "FAIL ($*)"
  for f in "$WORK"/gateway.log "$WORK"/silo.log; do
    # without the health checks' own lines: /readyz is polled, and each 503 logs two
    [[ -f "$f" ]] && { echo "    --- tail $f"; grep -v -e DefaultHealthCheckService -e 'Health check cluster' "$f" | tail -n 20 | sed 's/^/      /'; }
  done
  echo "standalone: 0 passed, 1 failed"
  exit 1
}
cleanup() {
  local p
  for p in "$GATEWAY_PID" "$SILO_PID"; do [[ -n "$p" ]] && kill -9 "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# pick_port VAR : a loopback port nothing listens on (and not handed out already), below the
# kernel's ephemeral range so that no outgoing connection takes it meanwhile.
pick_port() {
  local p _
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 12000))
    [[ " ${USED_PORTS[*]:-} " == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      USED_PORTS+=("$p")
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  fail "no free loopback port found"
}

# alive PID : the process exists and is not a zombie.
alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null && [[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]]; }

# http_status URL -> the status code, 000 when nothing answers.
http_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1" || true; }

# wait_status URL CODE WHAT : poll URL until it answers CODE, within the deadline; the processes must stay up.
wait_status() {
  local url="$1" want="$2" what="$3" deadline=$((SECONDS + TIMEOUT)) got
  while true; do
    got="$(http_status "$url")"
    [[ "$got" == "$want" ]] && return 0
    alive "$GATEWAY_PID" || fail "the gateway exited while waiting for $what"
    [[ -z "$SILO_PID" ]] || alive "$SILO_PID" || fail "the silo exited while waiting for $what"
    ((SECONDS < deadline)) || fail "timed out after $TIMEOUT s waiting for $what (last answer $got)"
    sleep 0.1
  done
}

# stop PID NAME : SIGTERM, then wait for the exit within the deadline.
stop() {
  local pid="$1" name="$2" deadline=$((SECONDS + TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid"; do
    ((SECONDS < deadline)) || fail "$name (pid $pid) still running $TIMEOUT s after SIGTERM"
    sleep 0.1
  done
}

# token TENANT ROLE : an HS256 JWT as the silos issue them (scripts/lib.sh).
token() { pulso_token "$SIGNING_KEY" "$1" "$2"; }

# call NAME EXPECTED-STATUS CURL-ARGS... : a request to the gateway; the body lands in $WORK/NAME.out.
call() {
  local name="$1" want="$2" got
  shift 2
  got="$(curl -s -o "$WORK/$name.out" -w '%{http_code}' --max-time 30 "$@")" || got="000"
  [[ "$got" == "$want" ]] || fail "$name: HTTP $got, expected $want: $(head -c 400 "$WORK/$name.out" 2>/dev/null)"
}

# expect_text NAME EXPECTED : the body of request NAME is exactly EXPECTED.
expect_text() {
  if [[ "$(cat "$WORK/$1.out")" != "$2" ]]; then
    echo "    --- expected"; printf '%s\n' "$2" | sed 's/^/      /'
    echo "    --- got"; sed 's/^/      /' "$WORK/$1.out"
    fail "$1: unexpected answer"
  fi
}

rm -rf "$WORK" && mkdir -p "$WORK"
[[ -n "${PULSO_TEST_POSTGRES:-}" && -n "${PULSO_TEST_REDIS:-}" ]] || fail "PULSO_TEST_POSTGRES / PULSO_TEST_REDIS not set: run scripts/services.sh start"
[[ -f "$SILO_DLL" && -f "$GATEWAY_DLL" ]] || fail "build first (dotnet build Pulso.Orleans.sln -c Release)"
for cmd in curl openssl; do require_cmd "$cmd" "apt-get install -y $cmd" || fail "$cmd missing"; done

pick_port SILO_HTTP
pick_port SILO_PORT
pick_port SILO_GATEWAY_PORT
pick_port GATEWAY_HTTP
GATEWAY="http://127.0.0.1:$GATEWAY_HTTP"

# Both processes read the same cluster keys; ids of their own keep this run apart from any other
# (the service id also prefixes every Redis key).
export Pulso__Cluster__Provider=AdoNet
export Pulso__Cluster__ConnectionString="$PULSO_TEST_POSTGRES"
export Pulso__Cluster__ClusterId="standalone-$$-$RANDOM"
export Pulso__Cluster__ServiceId="standalone-$$-$RANDOM"
export Pulso__Auth__Jwt__SigningKey="$SIGNING_KEY"

t0="$(now_s)"
# The gateway first, so that it has to wait for the cluster.
dotnet "$GATEWAY_DLL" --urls "$GATEWAY" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
wait_status "$GATEWAY/healthz" 200 "the gateway to serve /healthz"
[[ "$(http_status "$GATEWAY/readyz")" == 503 ]] || fail "/readyz must answer 503 while no silo runs"
log "gateway up, /readyz 503 with no silo ($(elapsed_since "$t0") s)"

Pulso__Storage__Provider=Redis Pulso__Storage__ConnectionString="$PULSO_TEST_REDIS" Pulso__Demo__Enabled=false \
  Pulso__Cluster__SiloPort="$SILO_PORT" Pulso__Cluster__GatewayPort="$SILO_GATEWAY_PORT" ASPNETCORE_URLS="http://127.0.0.1:$SILO_HTTP" \
  dotnet "$SILO_DLL" >"$WORK/silo.log" 2>&1 &
SILO_PID=$!
wait_status "$GATEWAY/readyz" 200 "the standalone gateway's /readyz to answer 200"
grep -q "not reachable yet" "$WORK/gateway.log" || fail "the gateway did not log that it was waiting for the cluster"
log "silo joined, gateway ready ($(elapsed_since "$t0") s)"

OPERATOR="$(token "$TENANT" operator)"
ADMIN="$(token "$TENANT" admin)"

call create 201 -X POST -H "Authorization: Bearer $OPERATOR" -H 'Content-Type: application/json' \
  --data '{"tenant":"standalone","displayName":"Standalone gateway test","timeZone":"America/Lima"}' "$GATEWAY/api/v1/tenants"

call homologation 200 -X PUT -H "Authorization: Bearer $ADMIN" -H 'Content-Type: text/csv' --data-binary @- \
  "$GATEWAY/api/v1/tenants/$TENANT/homologation" <<'CSV'
tipificacion,categoria,es_contacto,es_compromiso
CONTACTO DIRECTO,CONTACTO_DIRECTO,true,false
PROMESA DE PAGO,PROMESA_PAGO,true,true
NO CONTESTA,NO_CONTACTO,false,false
CSV

# Five valid rows over two days and two ejecutivos, and one with a date that does not exist.
call push 200 -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: text/csv' -H 'Idempotency-Key: standalone-1' \
  --data-binary @- "$GATEWAY/api/v1/tenants/$TENANT/gestiones" <<'CSV'
cliente,fecha,documento,ejecutivo,tipificacion,saldo,dias_mora,canal
standalone,2025-03-01 08:00:00,D1,EJ01,Contacto Directo,100.50,10,LLAMADA
standalone,2025-03-01 09:30:00,D2,EJ01,NO CONTESTA,20.25,40,LLAMADA
standalone,2025-03-01 10:00:00,D1,EJ01,promesa de pago,100.50,10,SMS
standalone,2025-03-02 11:00:00,D3,EJ02,NO CONTESTA,0.05,95,WHATSAPP
standalone,2025-03-02 12:00:00,D4,EJ02,CONTACTO DIRECTO,1234.56,200,LLAMADA
standalone,2025-02-30 12:00:00,D5,EJ02,CONTACTO DIRECTO,1.00,1,LLAMADA
CSV
expect_text push '{"accepted":5,"rejected":{"fecha_invalida":1,"documento_vacio":0,"saldo_invalido":0,"dias_mora_invalido":0}}'

call snapshot 200 -H "Authorization: Bearer $ADMIN" \
  "$GATEWAY/api/v1/tenants/$TENANT/metrics?from=2025-03-01&to=2025-03-02&groupBy=ejecutivo&metrics=total_gestiones,contactos,compromisos,saldo_total,deudores_unicos,tasa_contactabilidad&format=csv"
expect_text snapshot "ejecutivo,total_gestiones,contactos,compromisos,saldo_total,deudores_unicos,tasa_contactabilidad
EJ01,3,2,1,221.25,2,66.6667
EJ02,2,1,0,1234.61,2,50.0000"
log "tenant created, homologation set, 6 rows pushed (5 accepted, 1 rejected), snapshot exact ($(elapsed_since "$t0") s)"

stop "$GATEWAY_PID" gateway
GATEWAY_PID=""
stop "$SILO_PID" silo
SILO_PID=""
log "PASS (standalone gateway as an Orleans client of an AdoNet cluster, $(elapsed_since "$t0") s)"
echo "standalone: 1 passed, 0 failed"
