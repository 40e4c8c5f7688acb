"""Allegro ▸ Settings; included under "allegro/ustawienia/" in the "allegro" namespace."""

from django.urls import path

from allegro import settings_views

urlpatterns = [
    path("", settings_views.settings_index, name="settings"),
    path("polacz/", settings_views.settings_connect, name="settings_connect"),
    path("polacz/start/", settings_views.settings_connect_start, name="settings_connect_start"),
    path("polacz/sprawdz/", settings_views.settings_connect_poll, name="settings_connect_poll"),
    path(
        "konta/<int:pk>/automatyczne-zamowienia/",
        settings_views.settings_auto_conversion,
        name="settings_auto_conversion",
    ),
    path(
        "konta/<int:pk>/zapisy/",
        settings_views.settings_write_switches,
        name="settings_write_switches",
    ),
    path(
        "konta/<int:pk>/statusy/",
        settings_views.settings_status_mapping,
        name="settings_status_mapping",
    ),
]
