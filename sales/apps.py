from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = "Sprzedaż"
    # What the roles (shop.roles) may do here.
    operator_permissions = (
        "sales.view_salesorder",
        "sales.change_salesorder",
        "sales.add_salesordernote",
    )
