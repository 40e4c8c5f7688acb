from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project package as an app only to carry its management commands (`scheduler`)."""

    name = "config"
    verbose_name = "Configuration"
