#!/usr/bin/env bash
# manage.py with the services' settings (/etc/shop/shop.env), as their user:
#
#   /srv/shop/app/deploy/manage.sh createsuperuser
#   /srv/shop/app/deploy/manage.sh migrate
source "$(dirname "$0")/_env.sh"
SHOP_USER="${SHOP_USER:-shop}"
SHOP_VENV="${SHOP_VENV:-/srv/shop/venv}"
cd "$APP_DIR"
if [ "$(id -un)" = "$SHOP_USER" ]; then
  exec "$SHOP_VENV/bin/python" manage.py "$@"
fi
# The settings read above are exported; runuser keeps them.
exec runuser -u "$SHOP_USER" -- "$SHOP_VENV/bin/python" manage.py "$@"
