from django.urls import path

from sales import views

app_name = "sales"
urlpatterns = [
    path("zamowienia/", views.order_list, name="order_list"),
    path("zamowienia/<int:pk>/", views.order_detail, name="order_detail"),
    path("zamowienia/<int:pk>/notatki/", views.order_note_add, name="order_note_add"),
    path("zamowienia/<int:pk>/druk/<slug:kind>/", views.order_print, name="order_print"),
    path("zamowienia/zbiorczo/", views.order_bulk, name="order_bulk"),
    path("zamowienia/zbiorczo/<int:pk>/", views.bulk_run_detail, name="bulk_run_detail"),
    path("zamowienia/zbiorczo/<int:pk>/postep/", views.bulk_run_status, name="bulk_run_status"),
    path("zamowienia/zbiorczo/<int:pk>/wznow/", views.bulk_run_resume, name="bulk_run_resume"),
    path(
        "zamowienia/<int:pk>/faktury/<int:invoice_pk>/",
        views.invoice_download,
        name="invoice_download",
    ),
]
