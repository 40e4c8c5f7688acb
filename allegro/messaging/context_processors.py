from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from allegro.messaging.selectors import unread_thread_count


def unread_messages(request: HttpRequest) -> dict[str, object]:
    """The menu's unread count: asked only by pages that draw the menu, for those who may read
    messages (one count over a partial index)."""
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("allegro.view_allegrothread"):
        return {"unread_threads": 0}
    return {"unread_threads": SimpleLazyObject(unread_thread_count)}
