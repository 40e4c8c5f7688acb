from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Sklep"
    # What the roles (shop.roles) may do here.
    operator_permissions = ("shop.view_product",)
    administrator_permissions = (
        "shop.manage_shop_settings",
        "shop.add_product",
        "shop.change_product",
        "shop.delete_product",
    )

    def ready(self) -> None:
        from shop.reference_data import reference_data_after_migrate

        # Permissions exist only after migrate has run, so groups and currencies follow then.
        post_migrate.connect(reference_data_after_migrate, sender=self)
