# Sourced by the scripts in deploy/: the settings from the environment file the services
# read (SHOP_ENV_FILE, default /etc/shop/shop.env), when there is one.
set -euo pipefail
DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
APP_DIR="$(dirname "$DEPLOY_DIR")"
SHOP_ENV_FILE="${SHOP_ENV_FILE:-/etc/shop/shop.env}"
if [ -r "$SHOP_ENV_FILE" ]; then
  set -a
  # shellcheck disable=SC1090
  . "$SHOP_ENV_FILE"
  set +a
fi
# As config/settings.py has them.
MEDIA_ROOT="${MEDIA_ROOT:-${SHOP_VAR_DIR:-$APP_DIR/var}/media}"

require_postgres() {
  case "${DATABASE_URL:-}" in
    postgres://* | postgresql://*) ;;
    *)
      echo "DATABASE_URL is not a PostgreSQL URL (set it in $SHOP_ENV_FILE)." >&2
      echo "On SQLite, stop the services and copy the file: sqlite3 shop.sqlite3 '.backup x'" >&2
      exit 1
      ;;
  esac
}
