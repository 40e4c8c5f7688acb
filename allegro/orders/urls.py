from django.urls import path

from allegro.orders import views

urlpatterns = [
    path("zamowienia/", views.order_list, name="order_list"),
    path("zamowienia/<int:pk>/", views.order_detail, name="order_detail"),
    path("zamowienia/<int:pk>/notatki/", views.order_note_add, name="order_note_add"),
    path("problemy-importu/", views.problem_list, name="problem_list"),
]
