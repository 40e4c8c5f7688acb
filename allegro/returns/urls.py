from django.urls import path

from allegro.returns import views

urlpatterns = [
    path("zwroty/", views.return_list, name="return_list"),
    path("zwroty/limity/", views.refund_limit_view, name="refund_limit"),
    path("zwroty/<int:pk>/", views.return_detail, name="return_detail"),
    path("zwroty/<int:pk>/akceptuj/", views.return_accept_view, name="return_accept"),
    path("zwroty/<int:pk>/odrzuc/", views.return_reject_view, name="return_reject"),
    path("zwroty/<int:pk>/zwrot-platnosci/", views.return_refund_view, name="return_refund"),
    path("zamowienia/<int:pk>/zwrot-platnosci/", views.order_refund_view, name="order_refund"),
]
