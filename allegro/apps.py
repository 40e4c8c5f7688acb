from django.apps import AppConfig


class AllegroConfig(AppConfig):
    name = "allegro"
    verbose_name = "Allegro"
