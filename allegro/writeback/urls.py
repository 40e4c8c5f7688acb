from django.urls import path

from allegro.writeback import views

urlpatterns = [
    path("zamowienia/<int:pk>/przesylki/", views.order_shipment_add, name="order_shipment_add"),
    path("przesylki/<int:pk>/usun/", views.order_shipment_remove, name="order_shipment_remove"),
    path("zapisy/", views.write_list, name="write_list"),
    path("zapisy/ponow/", views.write_retry_bulk, name="write_retry_bulk"),
    path("zapisy/<int:pk>/ponow/", views.write_retry_one, name="write_retry"),
    path(
        "zapisy/<int:pk>/wyslij-mimo-to/",
        views.write_backwards_confirm_one,
        name="write_backwards_confirm",
    ),
    path(
        "ustawienia/konta/<int:pk>/zapisy/",
        views.settings_write_switches,
        name="settings_write_switches",
    ),
    path(
        "ustawienia/konta/<int:pk>/statusy/",
        views.settings_status_mapping,
        name="settings_status_mapping",
    ),
]
