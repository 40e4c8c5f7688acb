"""The Allegro client of an account: its tokens, the shared request budget, the settings."""

import django_rq
from django.conf import settings

from allegro.accounts.models import AllegroAccount
from allegro.accounts.tokens import AccountTokenStore
from allegro.api.budget import RedisRequestGate
from allegro.api.client import AllegroClient, oauth_from_settings


def request_gate_for(account_id: int) -> RedisRequestGate:
    return RedisRequestGate(
        account_id=account_id,
        redis=django_rq.get_connection("default"),
        per_minute=settings.ALLEGRO_REQUESTS_PER_MINUTE,
        max_wait=settings.ALLEGRO_BUDGET_MAX_WAIT,
        default_pause=settings.ALLEGRO_RATE_LIMIT_PAUSE,
    )


def client_for_account(account: AllegroAccount) -> AllegroClient:
    return AllegroClient(
        settings.ALLEGRO_API_URL,
        AccountTokenStore(account.pk),
        oauth_from_settings(),
        settings.ALLEGRO_HTTP_TIMEOUT,
        gate=request_gate_for(account.pk),
    )
