"""Read-only ERP rows, and "Synchronizuj wybrane z ERP" added to sales' SalesOrder admin
(sales knows nothing of the ERP: its admin is extended here, not there)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erp.models import ErpOrderLink, ErpSettings, ErpSyncRun
from erp.sync import sync_run_start
from sales.models import SalesOrder
from shop.admin import FixedRowsAdmin, ReadOnlyAdmin


@admin.register(ErpOrderLink)
class ErpOrderLinkAdmin(ReadOnlyAdmin):
    list_display = ["order", "document_number", "erp_status", "invoice_number", "sent_at"]
    list_filter = ["erp_status"]
    search_fields = ["order__number", "document_number", "invoice_number"]


@admin.register(ErpSyncRun)
class ErpSyncRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "trigger", "state", "total", "sent", "updated", "failed", "held"]
    list_filter = ["state", "trigger"]


@admin.register(ErpSettings)
class ErpSettingsAdmin(FixedRowsAdmin):
    list_display = ["__str__", "periodic_sync", "updated_at"]


_SalesOrderAdmin = type(admin.site._registry[SalesOrder])


class SalesOrderErpAdmin(_SalesOrderAdmin):  # type: ignore[misc,valid-type]
    actions = [*(_SalesOrderAdmin.actions or []), "erp_sync_selected"]

    def has_run_erp_sync_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("erp.run_erp_sync")

    @admin.action(
        description=gettext_lazy("Synchronize selected with the ERP"),
        permissions=["run_erp_sync"],
    )
    def erp_sync_selected(
        self, request: HttpRequest, queryset: QuerySet[SalesOrder]
    ) -> HttpResponseRedirect:
        ids = list(queryset.values_list("id", flat=True))
        run, created = sync_run_start(
            trigger=ErpSyncRun.Trigger.ADMIN_ACTION, user=request.user, order_ids=ids
        )
        if not created:
            self.message_user(
                request, _("A synchronization with the ERP is already running."), messages.WARNING
            )
        return HttpResponseRedirect(reverse("erp:sync_detail", args=[run.pk]))


admin.site.unregister(SalesOrder)
admin.site.register(SalesOrder, SalesOrderErpAdmin)
