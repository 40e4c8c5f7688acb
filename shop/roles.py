"""The two roles of the back office, kept as Django groups in step with this code."""

from typing import Any

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS

OPERATOR = "Operator"
ADMINISTRATOR = "Administrator"

# "app_label.codename" of what each role may do; an Administrator can do all an Operator can.
OPERATOR_PERMISSIONS = (
    "allegro.view_allegroorder",
    "allegro.convert_allegroorder",
    "sales.view_salesorder",
    "sales.change_salesorder",
    "shop.view_product",
)
ADMINISTRATOR_PERMISSIONS = (
    *OPERATOR_PERMISSIONS,
    "allegro.manage_allegro_settings",
    "allegro.view_allegro_payload",
    "erp.run_erp_sync",
    "shop.manage_shop_settings",
    "shop.add_product",
    "shop.change_product",
    "shop.delete_product",
)
ROLE_PERMISSIONS = {OPERATOR: OPERATOR_PERMISSIONS, ADMINISTRATOR: ADMINISTRATOR_PERMISSIONS}


def roles_sync() -> None:
    """Create the role groups and give each exactly its permissions."""
    for role, permission_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        permissions = []
        for name in permission_names:
            app_label, codename = name.split(".")
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(permissions)


def sync_roles_after_migrate(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    # post_migrate reaches apps one by one, so the permissions of apps later in
    # INSTALLED_APPS may not exist yet: create them all before the groups need them.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    roles_sync()
