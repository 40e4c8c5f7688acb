from django.urls import path

from allegro.messaging import views

urlpatterns = [
    path("wiadomosci/", views.thread_list_view, name="thread_list"),
    path("wiadomosci/<int:pk>/", views.thread_detail, name="thread_detail"),
    path("wiadomosci/<int:pk>/odpowiedz/", views.thread_reply, name="thread_reply"),
    path("wiadomosci/odpowiedzi/<int:pk>/ponow/", views.reply_retry_view, name="reply_retry"),
    path("wiadomosci/zalaczniki/<int:pk>/", views.attachment_download, name="attachment"),
    path("zamowienia/<int:pk>/wiadomosc/", views.order_reply, name="order_reply"),
]
