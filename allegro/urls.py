from django.urls import include, path

from allegro import views

app_name = "allegro"
urlpatterns = [
    path("zamowienia/", views.order_list, name="order_list"),
    path("zamowienia/<int:pk>/", views.order_detail, name="order_detail"),
    path("zamowienia/<int:pk>/utworz/", views.order_convert, name="order_convert"),
    path("zamowienia/utworz/", views.order_bulk_convert, name="order_bulk_convert"),
    path("problemy-importu/", views.problem_list, name="problem_list"),
    path("ustawienia/", include("allegro.settings_urls")),
]
