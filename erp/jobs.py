"""RQ entry points: each takes ids, loads rows, calls one service and returns something small."""

import django_rq

from erp.models import ErpSettings, ErpSyncRun
from erp.sync import sync_run_perform, sync_run_start

LOCK_TIMEOUT = 3600


def sync_run(run_id: int) -> dict[str, int] | str:
    """Carry out one sync. A second job for the same run (queued twice) steps aside; a run
    already finished is not done again."""
    lock = django_rq.get_connection("default").lock(f"erp:sync:{run_id}", timeout=LOCK_TIMEOUT)
    if not lock.acquire(blocking=False):
        return "busy"
    try:
        run = sync_run_perform(run_id=run_id)
    finally:
        lock.release()
    return {"sent": run.sent, "updated": run.updated, "failed": run.failed}


def sync_periodic() -> str:
    """Periodic: start a sync if an administrator switched periodic sync on."""
    if not ErpSettings.load().periodic_sync:
        return "off"
    run, created = sync_run_start(trigger=ErpSyncRun.Trigger.PERIODIC, user=None)
    return f"started {run.pk}" if created else f"running {run.pk}"


def send_return(erp_return_id: int) -> str:
    """Send one returned-goods record to the ERP (which corrects the invoice)."""
    from erp.returns import erp_return_send

    return erp_return_send(erp_return_id=erp_return_id)


def sweep_returns() -> int:
    """Periodic: queue again the returns the ERP has not got yet."""
    from erp.returns import erp_returns_sweep

    return erp_returns_sweep()
