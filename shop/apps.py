from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Sklep"

    def ready(self) -> None:
        from shop.roles import sync_roles_after_migrate

        # Permissions exist only after migrate has run, so the groups are kept in step then.
        post_migrate.connect(sync_roles_after_migrate, sender=self)
