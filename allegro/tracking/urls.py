from django.urls import path

from allegro.tracking import views

urlpatterns = [
    path("ustawienia/sledzenie-przesylek/", views.tracking_settings, name="settings"),
]
