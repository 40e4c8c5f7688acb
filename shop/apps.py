from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Sklep"
    # What the roles (shop.roles) may do here.
    operator_permissions = ("shop.view_product",)
    administrator_permissions = (
        "shop.manage_shop_settings",
        "shop.manage_users",
        "shop.view_audit_trail",
        "shop.add_product",
        "shop.change_product",
        "shop.delete_product",
    )

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        from shop.auth import on_locked_out, on_login_failed
        from shop.reference_data import reference_data_after_migrate

        user_login_failed.connect(on_login_failed, dispatch_uid="shop.auth.login_failed")
        user_locked_out.connect(on_locked_out, dispatch_uid="shop.auth.locked_out")

        # Permissions exist only after migrate has run, so groups and currencies follow then.
        post_migrate.connect(reference_data_after_migrate, sender=self)
