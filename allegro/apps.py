from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from sales.models import SalesOrder


class AllegroConfig(AppConfig):
    name = "allegro"
    verbose_name = "Allegro"
    # What the roles (shop.roles) may do here.
    operator_permissions = (
        "allegro.view_allegroorder",
        "allegro.convert_allegroorder",
        "allegro.add_allegroordernote",
        "allegro.view_allegroreturn",
        "allegro.handle_allegroreturn",
        "allegro.view_refundclaim",
        "allegro.add_refundclaim",
        "allegro.view_allegrothread",
        "allegro.reply_allegrothread",
    )
    administrator_permissions = (
        "allegro.manage_allegro_settings",
        "allegro.view_allegro_payload",
        "allegro.refund_above_limit",
        *(f"allegro.{action}_replytemplate" for action in ("view", "add", "change", "delete")),
    )

    def ready(self) -> None:
        # sales knows no channel: its order page asks the channel where an order came from.
        from allegro.accounts.selectors import accounts_health
        from allegro.claims.views import sales_order_claims_panel
        from allegro.messaging.views import sales_order_messages_panel
        from allegro.returns.views import sales_order_returns_panel
        from allegro.tracking.views import sales_order_tracking_panel
        from allegro.writeback import services as writeback
        from allegro.writeback.selectors import writes_health
        from allegro.writeback.views import sales_order_panel
        from sales.links import (
            marketplace_name_register,
            order_panel_register,
            source_link_register,
        )
        from sales.signals import (
            sales_order_attention_resolved,
            sales_order_invoice_attached,
            sales_order_shipment_added,
            sales_order_shipment_removing,
            sales_order_status_changed,
        )
        from shop.health import source_register

        source_register(accounts_health)
        source_register(writes_health)
        source_link_register("allegro", _allegro_source_link)
        marketplace_name_register("allegro", _marketplace_name)
        order_panel_register("allegro", sales_order_panel)
        order_panel_register("allegro", sales_order_returns_panel)
        order_panel_register("allegro", sales_order_tracking_panel)
        order_panel_register("allegro", sales_order_claims_panel)
        order_panel_register("allegro", sales_order_messages_panel)
        # What Allegro must hear of is recorded in the transaction of the change itself.
        sales_order_status_changed.connect(
            writeback.on_sales_status_changed, dispatch_uid="allegro.writeback.status"
        )
        sales_order_shipment_added.connect(
            writeback.on_shipment_added, dispatch_uid="allegro.writeback.shipment"
        )
        sales_order_shipment_removing.connect(
            writeback.on_shipment_removing, dispatch_uid="allegro.writeback.shipment_removing"
        )
        sales_order_invoice_attached.connect(
            writeback.on_invoice_attached, dispatch_uid="allegro.writeback.invoice"
        )
        # Status and invoice writes wait while the order needs attention; the decision frees
        # or drops them.
        sales_order_attention_resolved.connect(
            writeback.on_attention_resolved, dispatch_uid="allegro.writeback.attention"
        )


def _allegro_source_link(order: "SalesOrder") -> tuple[str, str] | None:
    try:
        allegro_order = order.allegro_order
    except ObjectDoesNotExist:  # an order of the channel typed in by hand
        return None
    return _("Allegro order"), reverse("allegro:orders:order_detail", args=[allegro_order.pk])


def _marketplace_name(marketplace: str) -> str:
    from allegro.marketplaces import marketplace_name

    return marketplace_name(marketplace)
