from django.apps import AppConfig


class ErpConfig(AppConfig):
    name = "erp"
    verbose_name = "ERP"
    # What the roles (shop.roles) may do here.
    administrator_permissions = ("erp.run_erp_sync",)

    def ready(self) -> None:
        # Its stored sentences must be known to whatever page shows them (shop.notices).
        # The ERP panel shows on every sales order's page, whatever its channel.
        from django.utils.translation import gettext_lazy as _

        import erp.notices  # noqa: F401
        from erp.selectors import erp_document_number_column
        from erp.views import sales_bulk_send, sales_order_panel
        from sales.links import (
            ANY_CHANNEL,
            BulkAction,
            ListColumn,
            bulk_action_register,
            list_actions_register,
            list_column_register,
            order_panel_register,
        )

        order_panel_register(ANY_CHANNEL, sales_order_panel)
        # Goods that came back go to the ERP, which corrects the invoice.
        from erp.returns import on_return_recorded
        from sales.signals import sales_order_return_recorded

        sales_order_return_recorded.connect(on_return_recorded, dispatch_uid="erp.returns")
        list_actions_register("erp/sales_list_actions.html")
        bulk_action_register(
            BulkAction(
                name="erp_send",
                label=_("Send to the ERP"),
                permission="erp.run_erp_sync",
                perform=sales_bulk_send,
            )
        )
        list_column_register(
            ListColumn(
                name="erp_document", label=_("ERP document"), value=erp_document_number_column
            )
        )
        # With an ERP backend configured, the sync switches the shop's currencies, not staff.
        from shop.currencies import currency_source_register

        currency_source_register(_currency_source)


def _currency_source() -> str | None:
    from django.conf import settings

    return "ERP" if settings.ERP_BACKEND else None
