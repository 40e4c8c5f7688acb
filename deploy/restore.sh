#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh: the database is replaced by the dump's (the
# schema is emptied first, so tables the dump does not have are gone too), and MEDIA_ROOT by
# the files of the media archive when one is given. Settings from /etc/shop/shop.env.
#
#   systemctl stop shop-web shop-scheduler 'shop-worker@*'
#   runuser -u shop -- /srv/shop/app/deploy/restore.sh /srv/shop/backups/shop-<date>.dump \
#       /srv/shop/backups/shop-<date>.media.tar.gz
#   /srv/shop/app/deploy/manage.sh migrate     # when the dump is older than the code
#   systemctl start shop-web shop-scheduler shop-worker@{1..4}
source "$(dirname "$0")/_env.sh"
require_postgres
dump="${1:?usage: restore.sh shop-<date>.dump [shop-<date>.media.tar.gz]}"
media="${2:-}"
[ -r "$dump" ] || { echo "cannot read $dump" >&2; exit 1; }
for unit in shop-web shop-scheduler 'shop-worker@*'; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$unit" 2>/dev/null; then
    echo "$unit is running: stop the services first (see the top of this script)." >&2
    exit 1
  fi
done
pg_restore --list "$dump" >/dev/null # a readable dump, before anything is dropped

psql --quiet --no-psqlrc -v ON_ERROR_STOP=1 --dbname "$DATABASE_URL" \
  -c 'DROP SCHEMA public CASCADE' -c 'CREATE SCHEMA public'
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname "$DATABASE_URL" "$dump"
if [ -n "$media" ]; then
  mkdir -p "$MEDIA_ROOT"
  find "$MEDIA_ROOT" -mindepth 1 -delete
  tar -xzf "$media" -C "$MEDIA_ROOT"
fi
echo "restored $dump${media:+ and $media}"
