from django.urls import path

from allegro.conversion import views

urlpatterns = [
    path("zamowienia/<int:pk>/utworz/", views.order_convert, name="order_convert"),
    path("zamowienia/utworz/", views.order_bulk_convert, name="order_bulk_convert"),
    path(
        "ustawienia/konta/<int:pk>/automatyczne-zamowienia/",
        views.settings_auto_conversion,
        name="settings_auto_conversion",
    ),
]
