#!/usr/bin/env bash
# Upgrades an installation made as README "Run it in production" says, as root:
#
#   /srv/shop/app/deploy/upgrade.sh          # the newest commit of the checked-out branch
#
# A backup first; then the code, the requirements, the database migrations and the static
# files; then the services: the web server reloads (gunicorn replaces its workers one by one,
# requests in flight finish, none is refused), the scheduler restarts, and every worker
# stops warmly (finishing the job it runs) and starts again on the new code. Work waiting
# in Redis stays there, and every effect on Allegro or the ERP is a database row until it is
# done, so nothing in flight is lost.
# Migrations run while the old code still serves: a release that drops or renames a column
# says so in its notes (stop the services around the upgrade then).
source "$(dirname "$0")/_env.sh"
SHOP_USER="${SHOP_USER:-shop}"
SHOP_VENV="${SHOP_VENV:-/srv/shop/venv}"
cd "$APP_DIR"
# The settings _env.sh read are exported; runuser keeps them.
as_shop() { runuser -u "$SHOP_USER" -- "$@"; }

as_shop "$DEPLOY_DIR/backup.sh"
as_shop git pull --ff-only
as_shop "$SHOP_VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
"$DEPLOY_DIR/manage.sh" migrate --no-input
"$DEPLOY_DIR/manage.sh" collectstatic --no-input -v 0

systemctl daemon-reload
systemctl reload-or-restart shop-web
systemctl restart shop-scheduler
systemctl restart 'shop-worker@*'
systemctl --no-pager --lines=0 status shop-web shop-scheduler 'shop-worker@*'
