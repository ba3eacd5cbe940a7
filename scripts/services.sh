#!/usr/bin/env bash
# The servers the integration tests talk to, started by hand (there is no
# systemd on the test machines):
#
#   bash scripts/services.sh start    # install if missing, wipe, init, start, wait
#   bash scripts/services.sh stop     # stop what `start` recorded
#   bash scripts/services.sh status   # one line per server
#   bash scripts/services.sh kill postgres|mariadb     # SIGKILL a server (and its
#                                     # processes): a crash, for failure tests
#   bash scripts/services.sh resume postgres|mariadb   # start it again on its
#                                     # data (crash recovery), wait until it answers
#
# `start` installs the Debian packages that are missing (postgresql,
# redis-server, mariadb-server; no network when all are present), stops the
# instances a previous `start` left running, wipes $PULSO_SCRATCH/services/
# and starts fresh servers bound to 127.0.0.1:
#
#   PostgreSQL 15  port 55432, user postgres (trust), database pulso
#   Redis          port 56379, no persistence
#   MariaDB        port 53306, database pulso, user pulso / password pulso
#
# It waits until each one accepts connections, then writes
# $PULSO_SCRATCH/services.env, which exports the connection strings the tests
# read (PULSO_TEST_POSTGRES, PULSO_TEST_REDIS, PULSO_TEST_MYSQL):
#
#   source .scratch/services.env
#
# Environment:
#   PULSO_PG_PORT, PULSO_REDIS_PORT, PULSO_MYSQL_PORT   override the ports.
#   PULSO_SERVICES_TIMEOUT  seconds to wait for a server to accept connections
#                           (default 60).
#   PULSO_SCRATCH           scratch root (default .scratch/, see scripts/lib.sh).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SERVICES_DIR="$PULSO_SCRATCH/services"
ENV_FILE="$PULSO_SCRATCH/services.env"
PG_PORT="${PULSO_PG_PORT:-55432}"
REDIS_PORT="${PULSO_REDIS_PORT:-56379}"
MYSQL_PORT="${PULSO_MYSQL_PORT:-53306}"
WAIT_TIMEOUT="${PULSO_SERVICES_TIMEOUT:-60}"
APT_PACKAGES=(postgresql redis-server mariadb-server)

PG_DIR="$SERVICES_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_RUN="$PG_DIR/run"
PG_LOG="$PG_DIR/postgres.log"
REDIS_DIR="$SERVICES_DIR/redis"
REDIS_PID="$REDIS_DIR/redis.pid"
MYSQL_DIR="$SERVICES_DIR/mariadb"
MYSQL_DATA="$MYSQL_DIR/data"
MYSQL_RUN="$MYSQL_DIR/run"
MYSQL_SOCKET="$MYSQL_RUN/mariadb.sock"
MYSQL_PID="$MYSQL_RUN/mariadb.pid"
MYSQL_LOG="$MYSQL_DIR/mariadb.log"

die() {
  echo "services: $*" >&2
  exit 1
}

# The PostgreSQL 15 binaries (initdb, pg_ctl are not on PATH on Debian).
pg_bin() {
  local d
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [[ -x "$d/initdb" ]]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

# as_user USER CMD... : run a command as USER when we are root (the servers
# refuse to run as root, or must own their data); as ourselves otherwise.
as_user() {
  local user="$1"
  shift
  if ((EUID == 0)); then
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

# own USER DIR... : hand directories to the server's user when we are root.
own() {
  local user="$1"
  shift
  if ((EUID == 0)); then chown -R "$user:$user" "$@"; fi
}

# read_pid FILE -> the first line of FILE when it is a number
read_pid() {
  local pid=""
  [[ -f "$1" ]] && read -r pid <"$1" || true
  [[ "$pid" =~ ^[0-9]+$ ]] && echo "$pid"
}

# pid_is PID NAME : the process PID runs and its command name starts with NAME
# (guards against signalling a recycled PID).
pid_is() {
  local comm
  comm="$(cat "/proc/$1/comm" 2>/dev/null)" || return 1
  [[ "$comm" == "$2"* ]] && pid_alive "$1"
}

# pid_alive PID : the process exists and is not a zombie (PID 1 on some test
# machines reaps orphans only every second or two).
pid_alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat%% *}" != Z ]]
}

# wait_until SECONDS DESCRIPTION CMD... : poll CMD every 50 ms until it succeeds.
wait_until() {
  local limit="$1" what="$2" deadline
  shift 2
  deadline=$(awk -v t="$(now_s)" -v l="$limit" 'BEGIN { printf "%.3f", t + l }')
  until "$@" >/dev/null 2>&1; do
    if awk -v t="$(now_s)" -v d="$deadline" 'BEGIN { exit !(t > d) }'; then
      echo "services: gave up waiting for $what after $limit s" >&2
      return 1
    fi
    sleep 0.05
  done
}

not() { ! "$@"; }

# stop_pid NAME PIDFILE SIGNAL : signal the recorded process and wait for it to exit.
stop_pid() {
  local name="$1" file="$2" sig="$3" pid
  pid="$(read_pid "$file")" || return 0
  if ! pid_is "$pid" "$name"; then
    rm -f "$file"
    return 0
  fi
  kill "-$sig" "$pid" 2>/dev/null || true
  if ! wait_until 15 "$name (pid $pid) exit" not pid_alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 5 "$name (pid $pid) exit after SIGKILL" not pid_alive "$pid" || true
  fi
  rm -f "$file"
  echo "    stopped $name (pid $pid)"
}

# port_free PORT : nothing listens on 127.0.0.1:PORT
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_port() {
  port_free "$1" ||
    die "port $1 ($2) is taken by a process this script did not start; stop it or set $3"
}

stop_all() {
  # postgres: SIGINT is the fast shutdown; the data is wiped on the next start anyway.
  stop_pid postgres "$PG_DATA/postmaster.pid" INT
  stop_pid redis-server "$REDIS_PID" TERM
  stop_pid mariadbd "$MYSQL_PID" TERM
}

# launch_postgres: start the server on the data folder as it is, wait until it answers.
launch_postgres() {
  local bin
  bin="$(pg_bin)" || die "PostgreSQL binaries not found under /usr/lib/postgresql"
  # fsync off: throw-away test data, and it makes start and the tests faster.
  as_user postgres "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$WAIT_TIMEOUT" \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_RUN -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null 2>"$PG_DIR/pg_ctl.err" ||
    { cat "$PG_DIR/pg_ctl.err" >&2; tail -n 20 "$PG_LOG" >&2; die "PostgreSQL did not start"; }
  wait_until "$WAIT_TIMEOUT" PostgreSQL "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres ||
    { tail -n 20 "$PG_LOG" >&2; die "PostgreSQL does not accept connections"; }
}

start_postgres() {
  local bin
  bin="$(pg_bin)" || die "PostgreSQL binaries not found under /usr/lib/postgresql"
  mkdir -p "$PG_DATA" "$PG_RUN"
  chmod 700 "$PG_DATA"
  own postgres "$PG_DIR"
  as_user postgres "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$PG_DIR/initdb.log" 2>&1 ||
    { tail -n 20 "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  launch_postgres
  "$bin/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE pulso" >/dev/null
}

start_redis() {
  mkdir -p "$REDIS_DIR"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" \
    --dir "$REDIS_DIR" --pidfile "$REDIS_PID" --logfile "$REDIS_DIR/redis.log" \
    --save '' --appendonly no >/dev/null ||
    die "redis-server did not start (see $REDIS_DIR/redis.log)"
  wait_until "$WAIT_TIMEOUT" Redis bash -c "[[ \"\$(redis-cli -h 127.0.0.1 -p $REDIS_PORT ping)\" == PONG ]]" ||
    { tail -n 20 "$REDIS_DIR/redis.log" >&2; die "Redis does not answer"; }
}

start_mariadb() {
  local socket_user=()
  mkdir -p "$MYSQL_DATA" "$MYSQL_RUN"
  own mysql "$MYSQL_DIR"
  if ((EUID != 0)); then socket_user=(--auth-root-socket-user="$(id -un)"); fi
  mariadb-install-db --no-defaults --user="$(if ((EUID == 0)); then echo mysql; else id -un; fi)" \
    --datadir="$MYSQL_DATA" --auth-root-authentication-method=socket "${socket_user[@]}" \
    --skip-test-db --innodb-log-file-size=16M >"$MYSQL_DIR/install-db.log" 2>&1 ||
    { tail -n 20 "$MYSQL_DIR/install-db.log" >&2; die "mariadb-install-db failed"; }
  launch_mariadb
  mariadb --no-defaults --socket="$MYSQL_SOCKET" -u "$(mysql_admin_user)" <<'SQL'
CREATE DATABASE pulso;
CREATE USER 'pulso'@'127.0.0.1' IDENTIFIED BY 'pulso';
GRANT ALL PRIVILEGES ON pulso.* TO 'pulso'@'127.0.0.1';
SQL
}

# launch_mariadb: start the server on the data folder as it is, wait until it answers.
launch_mariadb() {
  local user_opt=()
  if ((EUID == 0)); then user_opt=(--user=mysql); fi
  # setsid: the server must not die with this shell or receive its terminal's signals.
  setsid mariadbd --no-defaults "${user_opt[@]}" --datadir="$MYSQL_DATA" \
    --bind-address=127.0.0.1 --port="$MYSQL_PORT" --socket="$MYSQL_SOCKET" \
    --pid-file="$MYSQL_PID" --log-error="$MYSQL_LOG" --skip-name-resolve \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-log-file-size=16M --skip-log-bin \
    </dev/null >/dev/null 2>&1 &
  wait_until "$WAIT_TIMEOUT" MariaDB mariadb-admin --no-defaults --socket="$MYSQL_SOCKET" -u "$(mysql_admin_user)" ping ||
    { tail -n 20 "$MYSQL_LOG" >&2; die "MariaDB does not answer"; }
}

# With socket authentication the database account is the OS account.
mysql_admin_user() { if ((EUID == 0)); then echo root; else id -un; fi; }

write_env() {
  local tmp="$ENV_FILE.tmp"
  cat >"$tmp" <<EOF
# Written by scripts/services.sh start; source it before running the tests.
export PULSO_TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=pulso"
export PULSO_TEST_REDIS="127.0.0.1:$REDIS_PORT"
export PULSO_TEST_MYSQL="Server=127.0.0.1;Port=$MYSQL_PORT;User ID=pulso;Password=pulso;Database=pulso"
EOF
  mv "$tmp" "$ENV_FILE"
}

timed() {
  local what="$1" t0
  shift
  t0="$(now_s)"
  "$@"
  echo "    $what ready in $(elapsed_since "$t0") s"
}

cmd_start() {
  local t0
  t0="$(now_s)"
  if ! ensure_apt "${APT_PACKAGES[@]}"; then die "installing ${APT_PACKAGES[*]} failed"; fi
  require_cmd redis-server "apt-get install -y redis-server" || exit 1
  require_cmd mariadbd "apt-get install -y mariadb-server" || exit 1
  stop_all
  rm -f "$ENV_FILE"
  rm -rf "$SERVICES_DIR"
  mkdir -p "$SERVICES_DIR"
  require_free_port "$PG_PORT" PostgreSQL PULSO_PG_PORT
  require_free_port "$REDIS_PORT" Redis PULSO_REDIS_PORT
  require_free_port "$MYSQL_PORT" MariaDB PULSO_MYSQL_PORT
  # The three start side by side: the wall time is the slowest one's, not the sum.
  local jobs=() failed=0 job
  timed "PostgreSQL 127.0.0.1:$PG_PORT" start_postgres &
  jobs+=($!)
  timed "Redis 127.0.0.1:$REDIS_PORT" start_redis &
  jobs+=($!)
  timed "MariaDB 127.0.0.1:$MYSQL_PORT" start_mariadb &
  jobs+=($!)
  for job in "${jobs[@]}"; do wait "$job" || failed=1; done
  if ((failed)); then
    stop_all
    die "start failed (logs under ${SERVICES_DIR#"$PULSO_ROOT"/})"
  fi
  write_env
  echo "services: started in $(elapsed_since "$t0") s; connection strings in ${ENV_FILE#"$PULSO_ROOT"/}"
}

cmd_stop() {
  stop_all
  rm -f "$ENV_FILE"
}

cmd_status() {
  local rc=0 pid
  if pid="$(read_pid "$PG_DATA/postmaster.pid")" && pid_is "$pid" postgres; then
    echo "postgres  running (pid $pid, 127.0.0.1:$PG_PORT)"
  else
    echo "postgres  stopped"
    rc=3
  fi
  if pid="$(read_pid "$REDIS_PID")" && pid_is "$pid" redis-server; then
    echo "redis     running (pid $pid, 127.0.0.1:$REDIS_PORT)"
  else
    echo "redis     stopped"
    rc=3
  fi
  if pid="$(read_pid "$MYSQL_PID")" && pid_is "$pid" mariadbd; then
    echo "mariadb   running (pid $pid, 127.0.0.1:$MYSQL_PORT)"
  else
    echo "mariadb   stopped"
    rc=3
  fi
  return "$rc"
}

# kill_server postgres|mariadb: SIGKILL the server and its child processes, as a
# crash would end them, and wait until they are gone.
cmd_kill() {
  local name pidfile pid children
  case "${1:-}" in
    postgres) name=postgres pidfile="$PG_DATA/postmaster.pid" ;;
    mariadb) name=mariadbd pidfile="$MYSQL_PID" ;;
    *) die "usage: services.sh kill postgres|mariadb" ;;
  esac
  pid="$(read_pid "$pidfile")" || die "$1 is not running (no pid in $pidfile)"
  pid_is "$pid" "$name" || die "$1 is not running (pid $pid)"
  children="$(cat "/proc/$pid/task/$pid/children" 2>/dev/null || true)"
  children="${children% }"
  # shellcheck disable=SC2086 # a list of pids
  kill -KILL "$pid" $children 2>/dev/null || true
  # Gone from /proc, not just dead: PostgreSQL refuses to start while its old pid still answers kill -0,
  # which a zombie waiting for PID 1 to reap it does.
  wait_until 30 "$1 (pid $pid) to be reaped" not test -e "/proc/$pid" || die "$1 (pid $pid) survived SIGKILL"
  for child in $children; do wait_until 30 "$1 process $child to be reaped" not test -e "/proc/$child" || true; done
  echo "services: killed $1 (pid $pid${children:+ and ${children// /, }})"
}

cmd_resume() {
  local t0
  t0="$(now_s)"
  case "${1:-}" in
    postgres) launch_postgres ;;
    mariadb) launch_mariadb ;;
    *) die "usage: services.sh resume postgres|mariadb" ;;
  esac
  echo "services: $1 resumed on its data in $(elapsed_since "$t0") s"
}

case "${1:-}" in
  start) cmd_start ;;
  kill) cmd_kill "${2:-}" ;;
  resume) cmd_resume "${2:-}" ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: bash scripts/services.sh start|stop|status|kill NAME|resume NAME" >&2
    exit 2
    ;;
esac
