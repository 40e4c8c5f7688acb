"""The two roles of the back office, kept as Django groups in step with this code."""

from typing import Any

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS

OPERATOR = "Operator"
ADMINISTRATOR = "Administrator"


def role_permissions() -> dict[str, tuple[str, ...]]:
    """Each role's "app_label.codename" permissions, gathered from every installed app.

    Each app lists its own in its AppConfig (`operator_permissions`,
    `administrator_permissions`): the shop knows the roles, not the apps. An Administrator can
    do all an Operator can."""
    operator: list[str] = []
    administrator: list[str] = []
    for app_config in apps.get_app_configs():
        operator += getattr(app_config, "operator_permissions", ())
        administrator += getattr(app_config, "administrator_permissions", ())
    return {OPERATOR: tuple(operator), ADMINISTRATOR: (*operator, *administrator)}


def roles_sync() -> None:
    """Create the role groups and give each exactly its permissions."""
    for role, permission_names in role_permissions().items():
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
