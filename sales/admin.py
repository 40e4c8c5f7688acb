"""Read-mostly admin: orders change through sales.services (events, signals), never here."""

from django.contrib import admin
from django.http import HttpRequest

from sales.models import SalesOrder, SalesOrderEvent, SalesOrderLine
from shop.admin import FixedRowsAdmin, ReadOnlyInline


class SalesOrderLineInline(ReadOnlyInline):
    model = SalesOrderLine
    # Tuples: a list of str is no list of field groups to mypy (lists are invariant).
    fields = ("code", "name", "quantity", "unit_price", "vat_rate", "product")
    readonly_fields = fields


class SalesOrderEventInline(ReadOnlyInline):
    model = SalesOrderEvent
    fields = ("created_at", "type", "user", "from_status", "to_status", "message")
    readonly_fields = fields


@admin.register(SalesOrder)
class SalesOrderAdmin(FixedRowsAdmin):
    list_display = [
        "number",
        "created_at",
        "channel",
        "marketplace",
        "customer_name",
        "status",
        "total",
        "needs_attention",
    ]
    list_filter = ["status", "channel", "marketplace", "currency", "needs_attention"]
    search_fields = ["number", "channel_reference", "customer_name", "customer_login"]
    date_hierarchy = "created_at"
    # Counting every row for "N of M" is slow on a big order book.
    show_full_result_count = False
    inlines = [SalesOrderLineInline, SalesOrderEventInline]

    def get_readonly_fields(self, request: HttpRequest, obj: SalesOrder | None = None) -> list:
        return [field.name for field in SalesOrder._meta.fields]
