"""ERP ▸ Synchronizacja: start a sync, watch it, read its summary. Views stay thin."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from erp.forms import PeriodicSyncForm
from erp.models import ErpSettings, ErpSyncRun
from erp.selectors import erp_order_link, erp_sync_runs_recent
from erp.services import erp_settings_periodic_set
from erp.sync import sync_run_start
from sales.models import SalesOrder

PERMISSION = "erp.run_erp_sync"
# The rows of the sync page's progress panel (shop/_progress.html): keys of _status.
SYNC_COUNTS = (
    ("sent", gettext_lazy("Sent")),
    ("updated", gettext_lazy("Updated")),
    ("failed", gettext_lazy("Failed")),
    ("held", gettext_lazy("Held for attention")),
)


@permission_required(PERMISSION, raise_exception=True)
def sync_list(request: HttpRequest) -> HttpResponse:
    erp_settings = ErpSettings.load()
    context = {
        "title": _("ERP synchronization"),
        "runs": erp_sync_runs_recent(),
        "periodic_form": PeriodicSyncForm(initial={"periodic_sync": erp_settings.periodic_sync}),
        "erp_settings": erp_settings,
    }
    return render(request, "erp/sync_list.html", context)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def sync_start(request: HttpRequest) -> HttpResponse:
    run, created = sync_run_start(trigger=ErpSyncRun.Trigger.MANUAL, user=request.user)
    if created:
        messages.success(request, _("Synchronization with the ERP started."))
    else:
        messages.info(request, _("A synchronization with the ERP is already running."))
    return redirect("erp:sync_detail", pk=run.pk)


@require_POST
@permission_required(PERMISSION, raise_exception=True)
def settings_update(request: HttpRequest) -> HttpResponse:
    form = PeriodicSyncForm(request.POST)
    if form.is_valid():
        enabled = form.cleaned_data["periodic_sync"]
        erp_settings_periodic_set(enabled=enabled, user=request.user)
        messages.success(
            request,
            _("Periodic synchronization is on.")
            if enabled
            else _("Periodic synchronization is off."),
        )
    return redirect("erp:sync_list")


def _status(run: ErpSyncRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "state": run.state,
        "running": run.is_running,
        "total": run.total,
        "processed": run.processed,
        "sent": run.sent,
        "updated": run.updated,
        "failed": run.failed,
        "held": run.held,
    }


@permission_required(PERMISSION, raise_exception=True)
def sync_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ErpSyncRun.objects.select_related("started_by"), pk=pk)
    status = _status(run)
    context = {
        "title": _("ERP synchronization"),
        "run": run,
        "status": status,
        "counts": [(key, label, status[key]) for key, label in SYNC_COUNTS],
    }
    return render(request, "erp/sync_detail.html", context)


@permission_required(PERMISSION, raise_exception=True)
def sync_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the progress page polls every 2 s while the run is RUNNING."""
    return JsonResponse(_status(get_object_or_404(ErpSyncRun, pk=pk)))


def sales_order_panel(order: SalesOrder, request: HttpRequest) -> tuple[str, dict[str, Any]]:
    """The ERP panel of every sales order page (registered in ErpConfig.ready)."""
    return "erp/sales_order_panel.html", {"order": order, "link": erp_order_link(order=order)}


def sales_bulk_send(request: HttpRequest, order_ids: list[int]) -> HttpResponse:
    """The sales list's bulk "Send to the ERP" (registered in ErpConfig.ready): a sync of
    just these orders, whose page lists what failed or was held and why."""
    run, created = sync_run_start(
        trigger=ErpSyncRun.Trigger.MANUAL, user=request.user, order_ids=order_ids
    )
    if created:
        messages.success(request, _("The selected orders are being sent to the ERP."))
    else:
        messages.warning(
            request,
            _(
                "A synchronization with the ERP is already running; the selected orders were not"
                " sent. Send them again once it has finished."
            ),
        )
    return redirect("erp:sync_detail", pk=run.pk)
