from django.urls import include, path

from allegro import views, writeback_views

app_name = "allegro"
urlpatterns = [
    path("zamowienia/", views.order_list, name="order_list"),
    path("zamowienia/<int:pk>/", views.order_detail, name="order_detail"),
    path("zamowienia/<int:pk>/utworz/", views.order_convert, name="order_convert"),
    path("zamowienia/utworz/", views.order_bulk_convert, name="order_bulk_convert"),
    path("problemy-importu/", views.problem_list, name="problem_list"),
    path(
        "zamowienia/<int:pk>/przesylki/",
        writeback_views.order_shipment_add,
        name="order_shipment_add",
    ),
    path("zapisy/", writeback_views.write_list, name="write_list"),
    path("zapisy/ponow/", writeback_views.write_retry_bulk, name="write_retry_bulk"),
    path("zapisy/<int:pk>/ponow/", writeback_views.write_retry_one, name="write_retry"),
    path("ustawienia/", include("allegro.settings_urls")),
]
