"""The ERP backend the shop talks to, chosen by settings.ERP_BACKEND like EMAIL_BACKEND."""

from django.conf import settings
from django.utils.module_loading import import_string

from erp.backends.base import ErpBackend


def get_backend() -> ErpBackend:
    """A new backend of the class named by ERP_BACKEND (read now, so tests can override it)."""
    return import_string(settings.ERP_BACKEND)()
