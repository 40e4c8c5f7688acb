from django.urls import path

from allegro.accounts import views

urlpatterns = [
    path("ustawienia/", views.settings_index, name="settings"),
    path("ustawienia/polacz/", views.settings_connect, name="settings_connect"),
    path("ustawienia/polacz/start/", views.settings_connect_start, name="settings_connect_start"),
    path("ustawienia/polacz/sprawdz/", views.settings_connect_poll, name="settings_connect_poll"),
    path(
        "ustawienia/konta/<int:pk>/nazwa/",
        views.settings_account_rename,
        name="settings_account_rename",
    ),
    path(
        "ustawienia/konta/<int:pk>/wstrzymanie/",
        views.settings_account_pause,
        name="settings_account_pause",
    ),
    path(
        "ustawienia/konta/<int:pk>/odlacz/",
        views.settings_account_disconnect,
        name="settings_account_disconnect",
    ),
]
