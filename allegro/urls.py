from django.urls import include, path

from allegro import views

app_name = "allegro"
urlpatterns = [
    path("zamowienia/", views.order_list, name="order_list"),
    path("zamowienia/<int:pk>/", views.order_detail, name="order_detail"),
    path("problemy-importu/", views.problem_list, name="problem_list"),
    path("ustawienia/", include("allegro.settings_urls")),
]
