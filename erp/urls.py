from django.urls import path
from django.views.generic import RedirectView

from erp import views

app_name = "erp"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="erp:sync_list"), name="index"),
    path("synchronizacja/", views.sync_list, name="sync_list"),
    path("synchronizacja/start/", views.sync_start, name="sync_start"),
    path("synchronizacja/ustawienia/", views.settings_update, name="settings_update"),
    path("synchronizacja/<int:pk>/", views.sync_detail, name="sync_detail"),
    path("synchronizacja/<int:pk>/postep/", views.sync_status, name="sync_status"),
]
