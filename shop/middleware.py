from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ShopLocaleMiddleware(LocaleMiddleware):
    """Polish unless the user picked another language: the browser's preference is ignored,
    because shop staff share machines set up in any language and expect the shop's own."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY with every response: our pages load scripts,
    styles and images from the back office only, never inline (static/shop/app.js instead).
    Pages under settings.CONTENT_SECURITY_POLICY_RELAXED (third-party screens we do not write,
    such as the RQ dashboard) get the relaxed policy that their inline scripts need."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            relaxed = any(
                request.path.startswith(prefix)
                for prefix in settings.CONTENT_SECURITY_POLICY_RELAXED_PATHS
            )
            response["Content-Security-Policy"] = (
                settings.CONTENT_SECURITY_POLICY_RELAXED
                if relaxed
                else settings.CONTENT_SECURITY_POLICY
            )
        return response
