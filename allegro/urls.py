"""Every Allegro page, in the "allegro" namespace; each sub-package lists its own routes."""

from allegro.accounts.urls import urlpatterns as account_urls
from allegro.conversion.urls import urlpatterns as conversion_urls
from allegro.orders.urls import urlpatterns as order_urls
from allegro.writeback.urls import urlpatterns as writeback_urls

app_name = "allegro"
urlpatterns = [*order_urls, *conversion_urls, *writeback_urls, *account_urls]
