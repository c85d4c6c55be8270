# Shared by scripts/start and scripts/test: install what is missing, start what is stopped.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

apt_install() {
  command -v apt-get >/dev/null || return 1
  log "installing $* (apt-get)"
  as_root apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_venv() {
  # Reinstall only when the requirements file changed since the last install.
  local requirements="$1" python stamp
  python="$(command -v python3.11 || command -v python3)"
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtual environment in .venv"
    "$python" -m venv "$VENV" || { apt_install python3-venv && "$python" -m venv "$VENV"; }
  fi
  stamp="$VENV/.installed-$(basename "$requirements")"
  if [ ! -f "$stamp" ] || [ -n "$(find "$ROOT"/requirements*.txt -newer "$stamp" 2>/dev/null)" ]; then
    log "installing Python packages from $requirements"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/$requirements"
    touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}

server_base_url() {
  # The address links in e-mail carry (answers to invitations, tasks, the calendar feed):
  # SERVER_BASE_URL when set, else the address served here on HOST:PORT, with this machine's
  # own address when serving on every interface.
  local host="$1" port="$2"
  if [ -n "${SERVER_BASE_URL:-}" ]; then echo "$SERVER_BASE_URL"; return; fi
  if [ "$host" = "0.0.0.0" ]; then
    host="$(hostname -I 2>/dev/null | awk '{print $1}')"
    host="${host:-$(hostname)}"
  fi
  echo "http://$host:$port"
}

redis_up() { "$VENV/bin/python" -c "import redis,sys; redis.Redis.from_url('${REDIS_URL:-redis://127.0.0.1:6379/0}', socket_connect_timeout=1).ping()" 2>/dev/null; }

ensure_redis() {
  redis_up && return 0
  command -v redis-server >/dev/null || apt_install redis-server || return 1
  log "starting Redis on 127.0.0.1:6379"
  mkdir -p /tmp/coordination-redis
  # noeviction: a queued reminder must never be evicted to make room.
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --maxmemory-policy noeviction --dir /tmp/coordination-redis --logfile /tmp/coordination-redis/redis.log
  for _ in $(seq 1 50); do redis_up && return 0; sleep 0.1; done
  return 1
}

postgres_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

ensure_postgres() {
  if ! postgres_up; then
    command -v pg_ctlcluster >/dev/null || apt_install postgresql || return 1
    log "starting PostgreSQL"
    local version
    version="$(ls /etc/postgresql | sort -V | tail -1)"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 100); do postgres_up && break; sleep 0.2; done
    postgres_up || return 1
  fi
  # The test database and trust access for local TCP connections, as on the CI machines.
  if ! psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
    as_root su postgres -c "psql -qc 'CREATE DATABASE test'" >/dev/null 2>&1 || true
  fi
  psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1
}

ensure_chromium() {
  # Browser journeys use Debian's Chromium and CJK fonts (screenshots must show the Chinese UI).
  # (no grep -q: under pipefail its early exit would fail fc-list with SIGPIPE)
  if [ ! -x /usr/bin/chromium ] || [ -z "$(fc-list 2>/dev/null | grep -i 'noto sans cjk')" ]; then
    apt_install chromium fonts-noto-cjk || return 1
  fi
  [ -x /usr/bin/chromium ]
}
