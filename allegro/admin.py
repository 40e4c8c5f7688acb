"""Read-only admin for what comes from Allegro; token ciphertexts are never shown."""

from django.contrib import admin
from django.http import HttpRequest

from allegro.accounts.models import AllegroAccount
from allegro.conversion.models import OfferProductLink
from allegro.messaging import admin as messaging_admin  # noqa: F401  (registers its own)
from allegro.orders.models import (
    AllegroImportProblem,
    AllegroOrder,
    AllegroOrderEvent,
    AllegroOrderLine,
)
from allegro.orders.services import ORDER_UPDATE_FIELDS
from shop.admin import ReadOnlyAdmin, ReadOnlyInline

# What ModelAdmin.get_fields returns: names, or groups of names shown on one line. A plain
# list[str] does not match it, as mypy holds lists invariant.
FieldGroups = list[str | list[str] | tuple[str, ...]]


def _with_payload(request: HttpRequest, fields: FieldGroups) -> FieldGroups:
    """The raw Allegro payload is shown only to those allowed to see it."""
    if request.user.has_perm("allegro.view_allegro_payload"):
        fields.append("payload")
    return fields


@admin.register(AllegroAccount)
class AllegroAccountAdmin(ReadOnlyAdmin):
    list_display = [
        "login",
        "seller_id",
        "base_marketplace",
        "status",
        "auto_create_orders",
        "last_import_at",
    ]
    list_filter = ["status", "base_marketplace", "auto_create_orders"]
    # An explicit field list, so the encrypted tokens and cursors never reach a page.
    fields = [
        "login",
        "seller_id",
        "base_marketplace",
        "status",
        "status_reason",
        "auto_create_orders",
        "last_import_at",
        "last_import_error",
        "connected_at",
    ]


class AllegroOrderLineInline(ReadOnlyInline):
    model = AllegroOrderLine
    fields = ["offer_id", "offer_name", "offer_external_id", "quantity", "unit_price"]


# Written by the importer but not shown as fields: the currency shows with the total, the
# payload only to those allowed to see it.
NOT_SHOWN = {"total_currency", "payload", "updated_at"}


@admin.register(AllegroOrder)
class AllegroOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "checkout_form_id",
        "marketplace",
        "buyer_login",
        "status",
        "fulfillment_status",
        "total",
        "bought_at",
        "superseded_at",
        "sales_order",
    ]
    list_filter = [
        "marketplace",
        "status",
        "fulfillment_status",
        ("sales_order", admin.EmptyFieldListFilter),
        ("conversion_problem", admin.EmptyFieldListFilter),
    ]
    search_fields = ["checkout_form_id", "buyer_login", "lines__offer_id"]
    list_select_related = ["account", "sales_order"]
    date_hierarchy = "bought_at"
    inlines = [AllegroOrderLineInline]

    def get_fields(self, request: HttpRequest, obj: AllegroOrder | None = None) -> FieldGroups:
        fields: FieldGroups = [
            "account",
            "checkout_form_id",
            # What the importer writes: one list, so a new column shows here too.
            *(name for name in ORDER_UPDATE_FIELDS if name not in NOT_SHOWN),
            "superseded_by",
            "superseded_at",
            "sales_order",
            "conversion_problem",
            "imported_at",
            "updated_at",
        ]
        return _with_payload(request, fields)


@admin.register(AllegroOrderEvent)
class AllegroOrderEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "type", "checkout_form_id", "revision", "account"]
    list_filter = ["type"]
    search_fields = ["checkout_form_id", "event_id"]
    list_select_related = ["account"]


@admin.register(AllegroImportProblem)
class AllegroImportProblemAdmin(ReadOnlyAdmin):
    list_display = ["checkout_form_id", "reason", "first_seen_at", "last_seen_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["checkout_form_id"]

    def get_fields(
        self, request: HttpRequest, obj: AllegroImportProblem | None = None
    ) -> FieldGroups:
        fields: FieldGroups = [
            "account",
            "checkout_form_id",
            "reason",
            "first_seen_at",
            "last_seen_at",
            "resolved_at",
        ]
        return _with_payload(request, fields)


@admin.register(OfferProductLink)
class OfferProductLinkAdmin(admin.ModelAdmin):
    """Offers tied to products by operators; a wrong tie is mended or removed here."""

    list_display = ["offer_id", "product", "account", "created_by", "created_at"]
    list_select_related = ["product", "account", "created_by"]
    search_fields = ["offer_id", "product__sku", "product__name"]
    raw_id_fields = ["product"]
    readonly_fields = ["account", "offer_id", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by the conversion's product picker, with the offer it belongs to
