#!/usr/bin/env bash
# Ordertalk as it runs in production, on this machine: nginx in front of N web processes
# (gunicorn, gthread, as `make run`) and M notification workers, on PostgreSQL and Redis.
#
#   scripts/cluster.sh up       start it (migrates; seeds the demo data into an empty database)
#   scripts/cluster.sh down     stop exactly what `up` started (its pid files)
#   scripts/cluster.sh status   what runs
#
# Everything listens on 127.0.0.1; files (config, pid files, logs) live in $CLUSTER_DIR.
# Settings (environment):
#   CLUSTER_WEB=2 CLUSTER_WORKERS=1 CLUSTER_PORT=8080 (nginx) CLUSTER_BACKEND_PORT=8101
#   (web i listens on CLUSTER_BACKEND_PORT+i-1) CLUSTER_THREADS=100 CLUSTER_SEED=1
#   CLUSTER_DIR=instance/cluster
#   DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/ordertalk_cluster (created if
#   missing) REDIS_URL=redis://127.0.0.1:6379/0 SOCKETIO_CHANNEL=ordertalk-cluster
#   PUBLIC_BASE_URL=http://127.0.0.1:$CLUSTER_PORT; any other app setting passes through.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

WEB=${CLUSTER_WEB:-2}
WORKERS=${CLUSTER_WORKERS:-1}
PORT=${CLUSTER_PORT:-8080}
BACKEND_PORT=${CLUSTER_BACKEND_PORT:-8101}
THREADS=${CLUSTER_THREADS:-100}
RUN=$(mkdir -p "${CLUSTER_DIR:-instance/cluster}" && cd "${CLUSTER_DIR:-instance/cluster}" && pwd)
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
BIN=$ROOT/.venv/bin

export DATABASE_URL=${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/ordertalk_cluster}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export SOCKETIO_CHANNEL=${SOCKETIO_CHANNEL:-ordertalk-cluster}
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}
export TRUSTED_PROXIES=1  # nginx, and nothing else, stands in front of the web processes
unset NOTIFY_DISPATCHER   # the workers dispatch; the web processes do not

log() { echo "cluster: $*"; }

# -- processes: each started in its own session (setsid), recorded as <name>.pid plus its
# start time (<name>.start), so `down` never signals a process that merely reuses the pid.

start_time() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null || true; }

ours() {  # ours NAME: the pid of NAME if it is still the process `up` started
  local pidfile=$RUN/$1.pid pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  [ "$(start_time "$pid")" = "$(cat "$RUN/$1.start" 2>/dev/null)" ] || return 1
  echo "$pid"
}

launch() {  # launch NAME COMMAND...: run it in the background, logging to NAME.log
  local name=$1
  shift
  setsid "$@" >>"$RUN/$name.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$RUN/$name.pid"
  start_time "$pid" >"$RUN/$name.start"
}

stop() {  # stop NAME: SIGTERM (graceful), then SIGKILL to its process group after 20 s
  local name=$1 pid
  if pid=$(ours "$name"); then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do
      [ -d "/proc/$pid" ] && [ "$(start_time "$pid")" = "$(cat "$RUN/$name.start")" ] || break
      sleep 0.1
    done
    if [ -d "/proc/$pid" ] && [ "$(start_time "$pid")" = "$(cat "$RUN/$name.start")" ]; then
      log "$name did not stop within 20 s: killing its process group"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.start"
}

names() {  # what `up` started, in the order `down` stops it: nginx, web, workers
  local f
  [ -f "$RUN/nginx.pid" ] && echo nginx
  for f in "$RUN"/web*.pid "$RUN"/worker*.pid; do
    [ -f "$f" ] && basename "$f" .pid
  done
  return 0
}

wait_http() {  # wait_http NAME URL: until URL answers 200, or NAME exits, or 60 s pass
  local name=$1 url=$2
  for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then return 0; fi
    if ! ours "$name" >/dev/null; then
      log "$name exited; the end of $RUN/$name.log:"
      tail -n 30 "$RUN/$name.log" >&2
      return 1
    fi
    sleep 0.2
  done
  log "$name did not answer $url within 60 s"
  return 1
}

# -- the pieces ------------------------------------------------------------------------

preflight() {
  [ -x "$BIN/gunicorn" ] || { log "no $BIN/gunicorn: run 'make install' first"; exit 1; }
  [ -x "$NGINX" ] || { log "nginx not found: apt-get install -y nginx"; exit 1; }
  [ -d static/vendor ] || { log "static/vendor missing: run 'make assets' first"; exit 1; }
  for n in $(names); do
    if ours "$n" >/dev/null; then
      log "already up ($n runs): 'scripts/cluster.sh down' first"
      exit 1
    fi
    rm -f "$RUN/$n.pid" "$RUN/$n.start"  # left by a cluster that died
  done
}

database() {  # create the database if missing, migrate, seed an empty one
  "$BIN/python" - <<'PY'
import os, psycopg
from sqlalchemy.engine import make_url
url = make_url(os.environ["DATABASE_URL"])
if url.get_backend_name() == "postgresql":
    admin = url.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                         (url.database,)).fetchone():
            c.execute(f'CREATE DATABASE "{url.database}"')
            print(f"cluster: created database {url.database}")
PY
  "$BIN/flask" --app app db upgrade >>"$RUN/migrate.log" 2>&1 \
    || { tail -n 30 "$RUN/migrate.log" >&2; exit 1; }
  if [ "${CLUSTER_SEED:-1}" = 1 ]; then
    "$BIN/flask" --app app seed-demo --if-empty >>"$RUN/migrate.log" 2>&1 \
      || { tail -n 30 "$RUN/migrate.log" >&2; exit 1; }
  fi
}

nginx_conf() {  # the http-level part for this machine around deploy/nginx/ordertalk.conf
  local i servers=""
  for i in $(seq 1 "$WEB"); do
    servers+="    server 127.0.0.1:$((BACKEND_PORT + i - 1)) max_fails=3 fail_timeout=10s;"$'\n'
  done
  local user=""
  [ "$(id -u)" != 0 ] || user="user www-data;"  # as root, the workers drop to www-data
  mkdir -p "$RUN/nginx-temp"
  cat >"$RUN/nginx.conf" <<EOF
# Written by scripts/cluster.sh up; the server's body is $ROOT/deploy/nginx/ordertalk.conf.
$user
daemon off;
worker_processes 1;
pid $RUN/nginx.master.pid;
error_log $RUN/nginx-error.log warn;
events { worker_connections 2048; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $RUN/nginx-access.log combined buffer=64k flush=2s;
    # Which web process answered each request, and how fast.
    log_format upstream '\$upstream_addr \$status \$request_time "\$request"';
    access_log $RUN/nginx-upstream.log upstream;
    client_body_temp_path $RUN/nginx-temp/body;
    proxy_temp_path $RUN/nginx-temp/proxy;
    fastcgi_temp_path $RUN/nginx-temp/fastcgi;
    uwsgi_temp_path $RUN/nginx-temp/uwsgi;
    scgi_temp_path $RUN/nginx-temp/scgi;

    upstream ordertalk_http {
        least_conn;
$servers        keepalive 32;
        keepalive_timeout 50s;  # below gunicorn's --keep-alive 75
    }
    upstream ordertalk_socketio {
        ip_hash;
$servers    }
    map \$http_upgrade \$connection_upgrade {
        default upgrade;
        ''      close;
    }
    map \$host \$ordertalk_root {
        default $ROOT;
    }
    server {
        listen 127.0.0.1:$PORT;
        server_name _;
        include $ROOT/deploy/nginx/ordertalk.conf;
    }
}
EOF
  "$NGINX" -t -q -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log"
}

up() {
  preflight
  log "database $(sed -E 's#//[^@]*@#//#' <<<"$DATABASE_URL"), Redis $REDIS_URL, files in $RUN"
  database
  local i port ctl=()
  # gunicorn 25+ opens a control socket at one path per user: the processes would share it.
  if "$BIN/gunicorn" --help 2>/dev/null | grep -q -- --no-control-socket; then
    ctl=(--no-control-socket)
  fi
  for i in $(seq 1 "$WEB"); do
    port=$((BACKEND_PORT + i - 1))
    launch "web$i" "$BIN/gunicorn" --worker-class gthread --workers 1 --threads "$THREADS" \
      --bind "127.0.0.1:$port" --graceful-timeout 5 --keep-alive 75 --name "ordertalk-web$i" \
      "${ctl[@]}" 'app:create_app()'
  done
  for i in $(seq 1 "$WEB"); do
    wait_http "web$i" "http://127.0.0.1:$((BACKEND_PORT + i - 1))/healthz" || { down; exit 1; }
  done
  for i in $(seq 1 "$WORKERS"); do
    launch "worker$i" "$BIN/flask" --app app worker
  done
  nginx_conf || { down; exit 1; }
  launch nginx "$NGINX" -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log"
  wait_http nginx "http://127.0.0.1:$PORT/healthz" || { down; exit 1; }
  sleep 0.5
  for i in $(seq 1 "$WORKERS"); do
    ours "worker$i" >/dev/null || { log "worker$i exited:"; tail -n 30 "$RUN/worker$i.log" >&2
                                    down; exit 1; }
  done
  log "up: $PUBLIC_BASE_URL (nginx) -> $WEB web process(es) on 127.0.0.1:$BACKEND_PORT.." \
      "+ $WORKERS worker(s); 'scripts/cluster.sh down' stops them"
}

down() {
  local n
  for n in $(names); do stop "$n"; done
  rm -f "$RUN/nginx.conf"
}

status() {
  local n pid any=1
  for n in $(names); do
    if pid=$(ours "$n"); then echo "$n running (pid $pid)"; else echo "$n not running"; fi
    any=0
  done
  [ "$any" = 0 ] || echo "not up"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: scripts/cluster.sh up|down|status" >&2; exit 2 ;;
esac
