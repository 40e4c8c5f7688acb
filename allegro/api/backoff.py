import random

from django.conf import settings

from allegro.api.errors import AllegroError, AllegroRateLimited


def retry_delay(attempt: int, error: AllegroError | None = None) -> float:
    """Exponential backoff with jitter, and at least what a 429 asked for.

    Jitter keeps workers that failed together from coming back together."""
    delay = settings.ALLEGRO_RETRY_BASE_DELAY * 2 ** max(attempt - 1, 0)
    if isinstance(error, AllegroRateLimited) and error.retry_after:
        delay = max(delay, error.retry_after)
    return min(delay, settings.ALLEGRO_RETRY_MAX_DELAY) * random.uniform(0.5, 1.5)
