"""Allegro ▸ Settings shows the Client ID's request budget: in total, per account, any pause."""

import re
import uuid

import pytest
from django.urls import reverse

from allegro.accounts.clients import request_budget, request_gate_for
from allegro.api.budget import READ, WRITE
from shop.roles import ADMINISTRATOR
from tests.support.clients import signed_in
from tests.support.factories import make_account
from tests.support.html import text


@pytest.fixture
def own_client_id(settings):
    """A Client ID of this test's own, so the budget in Redis is only what it spends."""
    settings.ALLEGRO_CLIENT_ID = f"test-{uuid.uuid4().hex}"
    settings.ALLEGRO_REQUESTS_PER_MINUTE = 6000
    budget = request_budget()
    yield settings.ALLEGRO_CLIENT_ID
    for key in budget.redis.scan_iter(f"{budget.prefix}*"):
        budget.redis.delete(key)


def row_of(page: str, account_id: int) -> list[int]:
    row = re.search(rf'<tr data-budget-account="{account_id}">(.*?)</tr>', page, re.S)
    assert row is not None
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row.group(1))]


@pytest.mark.django_db
def test_the_page_shows_both_accounts_shares_of_the_budget(own_client_id):
    first = make_account(login="pierwszy")
    second = make_account(login="drugi")
    for _ in range(3):
        request_gate_for(first.pk, priority=READ).before_request()
    request_gate_for(first.pk, priority=WRITE).before_request()
    for _ in range(2):
        request_gate_for(second.pk, priority=WRITE).before_request()

    page = text(signed_in(role=ADMINISTRATOR).get(reverse("allegro:accounts:settings")))

    assert 'data-budget-used="6"' in page and 'data-budget-ceiling="6000"' in page
    assert "Wykorzystane w ostatniej minucie: 6 z 6000 zapytań (0%)." in page.replace(
        "6 000", "6000"
    )
    # Requests, writes, reads of each account.
    assert row_of(page, first.pk) == [4, 1, 3]
    assert row_of(page, second.pk) == [2, 2, 0]
    assert "data-budget-paused" not in page


@pytest.mark.django_db
def test_the_page_shows_a_429_pause_in_force(own_client_id):
    account = make_account()
    request_gate_for(account.pk).rate_limited(45)

    page = text(signed_in(role=ADMINISTRATOR).get(reverse("allegro:accounts:settings")))

    paused = re.search(r'data-budget-paused="([\d.,]+)"', page)
    assert paused is not None and 40 < float(paused.group(1).replace(",", ".")) <= 45
    assert "Allegro odpowiedziało „zbyt wiele zapytań”: wszystkie konta czekają" in page
    assert row_of(page, account.pk) == [0, 0, 0]
