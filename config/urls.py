from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, permission_required
from django.templatetags.static import static
from django.urls import URLPattern, include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language
from django_rq.urls import urlpatterns as rq_urlpatterns

from shop import views as shop_views

# django-rq lets in any staff member, yet its dashboard can empty queues and requeue jobs:
# administrators only (superusers have every permission).
_administrators_only = permission_required("shop.manage_shop_settings", raise_exception=True)
rq_dashboard = [
    URLPattern(p.pattern, _administrators_only(p.callback), p.default_args, p.name)
    for p in rq_urlpatterns
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="allegro:orders:order_list"), name="home"),
    # Switching language must work on the sign-in page too, before anyone is signed in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("health/", shop_views.health, name="health"),
    path("admin/rq/", include((rq_dashboard, "django_rq"))),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says.
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url=static("shop/favicon.svg"), permanent=True)),
    ),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("allegro/", include("allegro.urls")),
    path("sprzedaz/", include("sales.urls")),
    path("sklep/", include("shop.urls")),
    path("erp/", include("erp.urls")),
]
