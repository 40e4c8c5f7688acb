from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from shop.selectors import user_role


def navigation(request: HttpRequest) -> dict[str, object]:
    # Lazy: pages that never render the header (sign-in) make no query for it.
    return {"user_role": SimpleLazyObject(lambda: user_role(user=request.user))}
