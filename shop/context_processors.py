from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from shop import health
from shop.selectors import user_role


def navigation(request: HttpRequest) -> dict[str, object]:
    # Lazy: pages that never render the header (sign-in) make no query for it.
    return {"user_role": SimpleLazyObject(lambda: user_role(user=request.user))}


def health_banner(request: HttpRequest) -> dict[str, object]:
    """Administrators see what needs doing on every page (shop.health); nobody else asks."""
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("shop.manage_shop_settings"):
        return {"health_warnings": ()}
    return {"health_warnings": SimpleLazyObject(health.warnings)}
