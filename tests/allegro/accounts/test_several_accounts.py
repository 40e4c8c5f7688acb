"""Two Allegro accounts on one emulator: their orders never cross, one's trouble or pause
leaves the other alone, and the lists tell (and filter) them apart."""

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from allegro.accounts.clients import client_for_account
from allegro.accounts.models import AllegroAccount
from allegro.accounts.selectors import accounts_health, accounts_working_ids
from allegro.accounts.services import (
    account_connect_poll,
    account_connect_start,
    account_disconnect,
    account_pause_set,
)
from allegro.conversion.services import allegro_order_convert
from allegro.orders import jobs as import_jobs
from allegro.orders.models import AllegroOrder
from allegro.orders.services import account_import_run
from allegro.writeback.models import AllegroWrite
from allegro.writeback.services import write_perform, writes_sweep
from emulator.catalogue import CATALOGUE
from sales.services import sales_order_status_change
from shop.models import AuditEntry, Currency, ShopSettings, ShopVariant
from tests.support.factories import make_product
from tests.support.html import text
from tests.support.offline import emulator_call

pytestmark = pytest.mark.django_db


def connect(base_url: str, seller: str | None = None) -> AllegroAccount:
    """The device flow, confirmed in the emulator by `seller` (default its first)."""
    authorization = account_connect_start()
    approval = {"user_code": authorization.user_code, **({"seller": seller} if seller else {})}
    emulator_call(base_url, "device/approve", approval)
    account = account_connect_poll(device_code=authorization.device_code)
    assert account is not None
    return account


@pytest.fixture
def two_accounts(allegro_emulator: str, settings: Settings) -> tuple[AllegroAccount, ...]:
    settings.ALLEGRO_BACKFILL_DAYS = 60  # covers every seeded order, whatever today's date
    emulator_call(allegro_emulator, "tokens", {"device_interval": 0})
    emulator_call(
        allegro_emulator,
        "sellers",
        {"login": "sklep_cz", "base_marketplace": "allegro-cz", "orders": 3},
    )
    return connect(allegro_emulator), connect(allegro_emulator, seller="sklep_cz")


def import_both(*accounts: AllegroAccount) -> None:
    for account in accounts:
        account_import_run(account_id=account.id, client=client_for_account(account))


def seller_order_ids(base_url: str) -> dict[str, set[str]]:
    """Checkout form ids per seller id, as the emulator keeps them."""
    state = emulator_call(base_url, "state", method="get")
    found: dict[str, set[str]] = {seller["id"]: set() for seller in state["sellers"]}
    for form_id in AllegroOrder.objects.values_list("checkout_form_id", flat=True):
        order = emulator_call(base_url, f"orders/{form_id}", method="get")
        found[order["seller"]].add(form_id)
    return found


def test_two_accounts_connect_and_each_imports_only_its_own_orders(
    allegro_emulator: str, two_accounts: tuple[AllegroAccount, ...]
) -> None:
    pl, cz = two_accounts
    assert (pl.login, cz.login) == ("sklep_demo", "sklep_cz")
    assert pl.seller_id != cz.seller_id
    assert (pl.name, cz.name) == ("sklep_demo", "sklep_cz")  # the login until renamed
    assert cz.base_marketplace == "allegro-cz"

    import_both(pl, cz)
    emulator_call(allegro_emulator, "orders", {"seller": "sklep_cz", "marketplace": "allegro-cz"})
    emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-pl"})
    import_both(pl, cz)

    by_seller = seller_order_ids(allegro_emulator)
    pl_orders = set(
        AllegroOrder.objects.filter(account=pl).values_list("checkout_form_id", flat=True)
    )
    cz_orders = set(
        AllegroOrder.objects.filter(account=cz).values_list("checkout_form_id", flat=True)
    )
    assert len(cz_orders) == 4 and len(pl_orders) > 4
    assert pl_orders == by_seller[pl.seller_id]
    assert cz_orders == by_seller[cz.seller_id]
    assert not pl_orders & cz_orders


@pytest.fixture
def converted(allegro_emulator: str, two_accounts: tuple[AllegroAccount, ...]):
    """One new paid order per account, imported and converted into a NEW sales order."""
    ShopSettings.objects.update_or_create(id=1, defaults={"variant": ShopVariant.ENTERPRISE})
    Currency.objects.filter(code__in=["CZK", "PLN"]).update(is_available=True)
    for product in CATALOGUE:
        make_product(sku=product.sku)
    pl, cz = two_accounts
    (pl_form,) = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-pl"})["ids"]
    (cz_form,) = emulator_call(
        allegro_emulator, "orders", {"seller": "sklep_cz", "marketplace": "allegro-cz"}
    )["ids"]
    import_both(pl, cz)
    sales_ids = {}
    for account, form_id in ((pl, pl_form), (cz, cz_form)):
        order = AllegroOrder.objects.get(account=account, checkout_form_id=form_id)
        sales_ids[account.login] = allegro_order_convert(
            allegro_order_id=order.id, user=None
        ).sales_order.id
    return {"sklep_demo": (pl, pl_form), "sklep_cz": (cz, cz_form)}, sales_ids


def fulfillment_write(sales_id: int) -> AllegroWrite:
    sales_order_status_change(order_id=sales_id, status="IN_PROGRESS", user=None)
    return AllegroWrite.objects.get(
        allegro_order__sales_order_id=sales_id, kind=AllegroWrite.Kind.FULFILLMENT
    )


def shown_on_allegro(base_url: str, form_id: str) -> str:
    order = emulator_call(base_url, f"orders/{form_id}", method="get")
    return order["checkoutForm"]["fulfillment"]["status"]


def test_a_429_storm_on_one_account_does_not_stop_the_others_writes(
    allegro_emulator: str, converted
) -> None:
    orders, sales_ids = converted
    cz_write = fulfillment_write(sales_ids["sklep_cz"])
    pl_write = fulfillment_write(sales_ids["sklep_demo"])
    emulator_call(
        allegro_emulator,
        "faults",
        {"type": "status", "status": 429, "retry_after": 1, "seller": "sklep_cz"},
    )

    assert write_perform(write_id=cz_write.id, client_for=client_for_account) == "retry"
    assert (
        write_perform(write_id=pl_write.id, client_for=client_for_account)
        == AllegroWrite.State.DONE
    )

    cz_write.refresh_from_db()
    assert cz_write.state == AllegroWrite.State.PENDING
    assert shown_on_allegro(allegro_emulator, orders["sklep_demo"][1]) == "PROCESSING"
    assert shown_on_allegro(allegro_emulator, orders["sklep_cz"][1]) == "NEW"


def test_a_paused_account_neither_imports_nor_writes_and_the_other_goes_on(
    allegro_emulator: str, converted, administrator_client: Client
) -> None:
    orders, sales_ids = converted
    (pl, _), (cz, _) = orders["sklep_demo"], orders["sklep_cz"]
    response = administrator_client.post(
        f"/allegro/ustawienia/konta/{cz.pk}/wstrzymanie/", {"paused": "1"}
    )
    assert response.status_code == 302
    cz.refresh_from_db()
    assert cz.paused
    assert AuditEntry.objects.filter(action="allegro.account_paused").count() == 1

    cz_write = fulfillment_write(sales_ids["sklep_cz"])
    pl_write = fulfillment_write(sales_ids["sklep_demo"])
    assert write_perform(write_id=cz_write.id, client_for=client_for_account) == "paused"
    assert (
        write_perform(write_id=pl_write.id, client_for=client_for_account)
        == AllegroWrite.State.DONE
    )
    cz_write.refresh_from_db()
    assert (
        cz_write.state == AllegroWrite.State.PENDING
    )  # waits, visible in Allegro ▸ Wysyłanie do Allegro
    assert shown_on_allegro(allegro_emulator, orders["sklep_cz"][1]) == "NEW"

    # The periodic import queues the other account only; the paused one's job does nothing.
    assert accounts_working_ids() == [pl.pk]
    assert import_jobs.import_account(cz.pk) == "paused"
    AllegroWrite.objects.filter(pk=cz_write.pk).update(updated_at="2000-01-01T00:00:00Z")
    assert writes_sweep() == 0

    account_pause_set(account_id=cz.pk, paused=False, user=None)
    assert (
        write_perform(write_id=cz_write.id, client_for=client_for_account)
        == AllegroWrite.State.DONE
    )
    assert shown_on_allegro(allegro_emulator, orders["sklep_cz"][1]) == "PROCESSING"


def test_disconnecting_one_account_forgets_its_tokens_and_keeps_everything_else(
    allegro_emulator: str, two_accounts: tuple[AllegroAccount, ...], administrator_client: Client
) -> None:
    pl, cz = two_accounts
    import_both(pl, cz)
    cz_orders = AllegroOrder.objects.filter(account=cz).count()
    pl_before = AllegroAccount.objects.get(pk=pl.pk)

    response = administrator_client.post(f"/allegro/ustawienia/konta/{cz.pk}/odlacz/")
    assert response.status_code == 302
    cz.refresh_from_db()
    assert cz.status == AllegroAccount.Status.DISCONNECTED
    assert cz.access_token_encrypted == cz.refresh_token_encrypted == ""
    assert AllegroOrder.objects.filter(account=cz).count() == cz_orders
    assert AuditEntry.objects.filter(action="allegro.account_disconnected").count() == 1

    pl_after = AllegroAccount.objects.get(pk=pl.pk)
    assert (pl_after.status, pl_after.access_token_encrypted, pl_after.paused) == (
        pl_before.status,
        pl_before.access_token_encrypted,
        pl_before.paused,
    )
    assert accounts_working_ids() == [pl.pk]
    emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-pl"})
    import_both(pl)

    # Connecting the seller again brings the same account back, orders and all.
    again = connect(allegro_emulator, seller="sklep_cz")
    assert again.pk == cz.pk and again.is_connected
    assert account_disconnect(account_id=pl.pk, user=None).status == "DISCONNECTED"


def test_administrators_name_accounts_and_the_lists_show_and_filter_by_account(
    allegro_emulator: str, two_accounts: tuple[AllegroAccount, ...], administrator_client: Client
) -> None:
    pl, cz = two_accounts
    import_both(pl, cz)
    administrator_client.post(f"/allegro/ustawienia/konta/{cz.pk}/nazwa/", {"name": "Czechy"})
    cz.refresh_from_db()
    assert cz.name == "Czechy"
    assert AuditEntry.objects.filter(action="allegro.account_renamed").count() == 1

    settings_page = text(administrator_client.get("/allegro/ustawienia/"))
    assert "sklep_cz" in settings_page and "sklep_demo" in settings_page

    listed = administrator_client.get("/allegro/zamowienia/", {"account": cz.pk})
    orders = list(listed.context["page"])
    assert len(orders) == 3 and {order.account_id for order in orders} == {cz.pk}
    assert "Czechy" in text(listed)
    everyone = administrator_client.get("/allegro/zamowienia/")
    assert {order.account_id for order in everyone.context["page"]} == {pl.pk, cz.pk}

    writes = administrator_client.get("/allegro/zapisy/", {"account": pl.pk, "state": "ALL"})
    assert writes.status_code == 200


def test_health_warns_about_neither_a_paused_nor_a_disconnected_account(
    two_accounts: tuple[AllegroAccount, ...],
) -> None:
    pl, cz = two_accounts  # neither has imported yet: both would warn
    account_pause_set(account_id=pl.pk, paused=True, user=None)
    account_disconnect(account_id=cz.pk, user=None)

    checks = {check.key: check for check in accounts_health()}
    assert checks[f"allegro.account.{pl.pk}"].ok
    assert checks[f"allegro.account.{cz.pk}"].ok
