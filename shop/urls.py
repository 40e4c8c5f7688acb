from django.urls import path

from shop import views

app_name = "shop"
urlpatterns = [
    path("ustawienia/", views.settings_detail, name="settings"),
    path("ustawienia/waluty/", views.currency_update, name="currency_update"),
    path("produkty/nowy/", views.product_create_view, name="product_create"),
    path("produkty/<int:pk>/", views.product_update_view, name="product_update"),
    path("zdrowie/", views.health_detail, name="health"),
    path("uzytkownicy/", views.user_list, name="users"),
    path("uzytkownicy/nowy/", views.user_create_view, name="user_create"),
    path("uzytkownicy/<int:pk>/", views.user_update_view, name="user_update"),
    path("blokady/<int:pk>/zdejmij/", views.lockout_lift_view, name="lockout_lift"),
    path("dziennik-zmian/", views.audit_list, name="audit"),
]
