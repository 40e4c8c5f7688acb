from django.urls import path

from allegro.tracking import views

urlpatterns = [
    path("ustawienia/sledzenie-przesylek/", views.tracking_settings, name="settings"),
    path(
        "sprzedaz/<int:sales_order_id>/sledzenie/sprawdz/",
        views.parcels_check_now_view,
        name="check_now",
    ),
]
