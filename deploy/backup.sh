#!/usr/bin/env bash
# Backs up the back office: the PostgreSQL database (pg_dump's custom format, consistent
# while the services run) and the uploaded and generated files (MEDIA_ROOT: invoices), into
# BACKUP_DIR as shop-<date>.dump and shop-<date>.media.tar.gz; deletes those older than
# BACKUP_KEEP_DAYS days. Settings from /etc/shop/shop.env (or SHOP_ENV_FILE).
#
#   runuser -u shop -- /srv/shop/app/deploy/backup.sh      # prints the two files it wrote
#
# Daily from cron: `15 3 * * * shop /srv/shop/app/deploy/backup.sh` in /etc/cron.d/shop.
# Restore with deploy/restore.sh. Copy BACKUP_DIR to another machine as well.
source "$(dirname "$0")/_env.sh"
require_postgres
BACKUP_DIR="${BACKUP_DIR:-/srv/shop/backups}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"
umask 077
mkdir -p "$BACKUP_DIR"
stamp="$(date +%Y-%m-%d_%H%M%S)"
dump="$BACKUP_DIR/shop-$stamp.dump"
media="$BACKUP_DIR/shop-$stamp.media.tar.gz"

# Written under a temporary name: a dump that is there is a whole one.
pg_dump --format=custom --no-owner --no-privileges --file "$dump.partial" "$DATABASE_URL"
mv "$dump.partial" "$dump"
if [ -d "$MEDIA_ROOT" ]; then
  tar -czf "$media.partial" -C "$MEDIA_ROOT" .
else
  tar -czf "$media.partial" --files-from /dev/null
fi
mv "$media.partial" "$media"

find "$BACKUP_DIR" -maxdepth 1 -name 'shop-*' -type f -mtime +"$BACKUP_KEEP_DAYS" -delete
echo "$dump"
echo "$media"
