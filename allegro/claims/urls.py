from django.urls import path

from allegro.claims import views

urlpatterns = [
    path("zwroty-prowizji/", views.claim_list, name="claim_list"),
    path("zamowienia/<int:pk>/zwrot-prowizji/", views.claim_create, name="claim_create"),
    path("zwroty-prowizji/<int:pk>/anuluj/", views.claim_cancel, name="claim_cancel"),
]
