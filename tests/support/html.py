"""Pages and messages as a reader sees them."""

from django.contrib.messages import get_messages
from django.http import HttpResponse


def text(response: HttpResponse) -> str:
    """The page as a reader sees it: non-breaking spaces (money, numbers) as plain ones."""
    return response.content.decode().replace("\xa0", " ")


def messages_of(response: HttpResponse) -> list[str]:
    """The messages flashed by the request, as read (non-breaking spaces as plain ones)."""
    return [str(message).replace("\xa0", " ") for message in get_messages(response.wsgi_request)]
