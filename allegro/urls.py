from django.urls import path

from allegro import views

app_name = "allegro"
urlpatterns = [
    path("zamowienia/", views.order_list, name="order_list"),
]
