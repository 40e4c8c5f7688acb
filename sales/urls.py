from django.urls import path

from sales import views

app_name = "sales"
urlpatterns = [
    path("zamowienia/", views.order_list, name="order_list"),
    path("zamowienia/<int:pk>/", views.order_detail, name="order_detail"),
    path(
        "zamowienia/<int:pk>/faktury/<int:invoice_pk>/",
        views.invoice_download,
        name="invoice_download",
    ),
]
