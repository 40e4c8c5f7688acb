from django.urls import path

from shop import views

app_name = "shop"
urlpatterns = [
    path("ustawienia/", views.settings_detail, name="settings"),
    path("ustawienia/waluty/", views.currency_update, name="currency_update"),
    path("produkty/nowy/", views.product_create_view, name="product_create"),
    path("produkty/<int:pk>/", views.product_update_view, name="product_update"),
    path("zdrowie/", views.health_detail, name="health"),
]
