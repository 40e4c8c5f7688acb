"""Every Allegro page under the "allegro" namespace, one nested namespace per sub-package
("allegro:orders:order_list"): the menu marks its active section by namespace."""

from django.urls import include, path

app_name = "allegro"
urlpatterns = [
    path("", include(("allegro.orders.urls", "orders"))),
    path("", include(("allegro.conversion.urls", "conversion"))),
    path("", include(("allegro.writeback.urls", "writeback"))),
    path("", include(("allegro.returns.urls", "returns"))),
    path("", include(("allegro.messaging.urls", "messaging"))),
    path("", include(("allegro.accounts.urls", "accounts"))),
    path("", include(("allegro.claims.urls", "claims"))),
    path("", include(("allegro.tracking.urls", "tracking"))),
]
