"""Periodic jobs, loaded by `manage.py scheduler` (config/scheduler.py; the run command and
the systemd unit start it)."""

from django.conf import settings
from rq import cron

from allegro.claims.jobs import follow_refund_claims
from allegro.conversion.jobs import auto_convert_all_accounts
from allegro.messaging.jobs import import_all_accounts_messages, sweep_messaging
from allegro.orders.jobs import import_all_accounts, reconcile_all_accounts
from allegro.returns.jobs import import_returns_all_accounts, sweep_refunds
from allegro.tracking.jobs import refresh_parcel_tracking
from allegro.writeback.jobs import sweep_writes
from erp.jobs import sweep_returns, sync_periodic

cron.register(import_all_accounts, "default", interval=settings.ALLEGRO_IMPORT_INTERVAL)
cron.register(reconcile_all_accounts, "default", interval=settings.ALLEGRO_RECONCILE_INTERVAL)
# Retries what the automatic conversion refused before (products or currencies added since).
cron.register(auto_convert_all_accounts, "default", interval=settings.ALLEGRO_IMPORT_INTERVAL)
cron.register(sweep_writes, "default", interval=settings.ALLEGRO_WRITE_SWEEP_INTERVAL)
cron.register(import_returns_all_accounts, "default", interval=settings.ALLEGRO_RETURNS_INTERVAL)
cron.register(sweep_refunds, "default", interval=settings.ALLEGRO_WRITE_SWEEP_INTERVAL)
# Starts a sync only if an administrator switched periodic sync on (ERP page).
cron.register(sync_periodic, "default", interval=settings.ERP_SYNC_INTERVAL)
cron.register(sweep_returns, "default", interval=settings.ALLEGRO_WRITE_SWEEP_INTERVAL)
# Commission refund claims: files those whose jobs were lost, follows filed ones.
cron.register(follow_refund_claims, "default", interval=settings.ALLEGRO_CLAIMS_INTERVAL)
# Parcel tracking: each parcel is asked about on its own schedule (fresh ones more often).
cron.register(refresh_parcel_tracking, "default", interval=settings.ALLEGRO_TRACKING_INTERVAL)
# Buyers' messages, and the replies and read flags whose jobs were lost.
cron.register(import_all_accounts_messages, "default", interval=settings.ALLEGRO_MESSAGES_INTERVAL)
cron.register(sweep_messaging, "default", interval=settings.ALLEGRO_WRITE_SWEEP_INTERVAL)
