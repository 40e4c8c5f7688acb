"""The Allegro client of an account: its tokens, the shared request budget, the settings."""

import django_rq
from django.conf import settings

from allegro.accounts.models import AllegroAccount
from allegro.accounts.tokens import AccountTokenStore
from allegro.api.budget import READ, RedisRequestBudget, RedisRequestGate
from allegro.api.client import AllegroClient, oauth_from_settings


def request_budget() -> RedisRequestBudget:
    """The budget of this installation's Client ID, shared by every account and worker."""
    return RedisRequestBudget(
        client_id=settings.ALLEGRO_CLIENT_ID,
        redis=django_rq.get_connection("default"),
        per_minute=settings.ALLEGRO_REQUESTS_PER_MINUTE,
        read_share=settings.ALLEGRO_READ_SHARE,
        max_wait=settings.ALLEGRO_BUDGET_MAX_WAIT,
        default_pause=settings.ALLEGRO_RATE_LIMIT_PAUSE,
    )


def request_gate_for(account_id: int | None, *, priority: str = READ) -> RedisRequestGate:
    return request_budget().gate(account_id=account_id, priority=priority)


def client_for_account(account: AllegroAccount, *, priority: str = READ) -> AllegroClient:
    """`priority` WRITE for writes to Allegro and for staff waiting on a page; READ (imports,
    backfill) may use only a share of the budget (allegro.api.budget)."""
    return AllegroClient(
        settings.ALLEGRO_API_URL,
        AccountTokenStore(account.pk),
        oauth_from_settings(),
        settings.ALLEGRO_HTTP_TIMEOUT,
        gate=request_gate_for(account.pk, priority=priority),
    )
