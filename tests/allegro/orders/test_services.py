"""The import against the offline emulator: backfill, journal, reconciliation and faults."""

import copy
import json
from decimal import Decimal

import pytest
from djmoney.money import Money

from allegro.accounts.clients import client_for_account
from allegro.accounts.models import AllegroAccount
from allegro.api.client import CheckoutFormsPage
from allegro.api.errors import AllegroBadResponse, AllegroRateLimited, AllegroUnavailable
from allegro.orders.models import (
    CONVERTIBLE_ORDERS,
    AllegroImportProblem,
    AllegroOrder,
    AllegroOrderEvent,
)
from allegro.orders.services import account_import_run, account_reconcile, orders_store
from shop.notices import notice_text
from tests.support.factories import FIXTURES
from tests.support.offline import emulator_call

MARKETPLACE_CURRENCY = {
    "allegro-pl": "PLN",
    "allegro-business-pl": "PLN",
    "allegro-cz": "CZK",
    "allegro-sk": "EUR",
    "allegro-hu": "HUF",
}

pytestmark = pytest.mark.django_db(transaction=True)


def run_import(account: AllegroAccount, *, reconcile: bool = False):
    account.refresh_from_db()
    return account_import_run(
        account_id=account.id, client=client_for_account(account), reconcile=reconcile
    )


def live_orders():
    return AllegroOrder.objects.filter(superseded_at__isnull=True)


def snapshot() -> list[tuple]:
    return list(
        AllegroOrder.objects.order_by("checkout_form_id").values_list(
            "checkout_form_id", "revision", "status", "updated_at", "superseded_at"
        )
    )


def test_first_import_backfills_every_marketplace_in_its_own_currency(
    allegro_emulator, connected_account
):
    stats = run_import(connected_account)

    emulator = emulator_call(allegro_emulator, "state", method="get")
    assert live_orders().count() == emulator["orders"] == stats.created
    by_marketplace = {
        marketplace: set(
            live_orders().filter(marketplace=marketplace).values_list("total_currency", flat=True)
        )
        for marketplace in MARKETPLACE_CURRENCY
    }
    assert by_marketplace == {m: {c} for m, c in MARKETPLACE_CURRENCY.items()}
    # 100 orders (or 1,000 events) a request: a handful of requests, not one per order.
    assert stats.requests <= 3 + stats.created // 100 + 2


def test_backfilled_orders_keep_their_journal_history(allegro_emulator, connected_account):
    run_import(connected_account)

    paid = live_orders().filter(status="READY_FOR_PROCESSING").first()
    history = AllegroOrderEvent.objects.filter(checkout_form_id=paid.checkout_form_id)
    assert list(history.values_list("type", flat=True)[:3]) == [
        "BOUGHT",
        "FILLED_IN",
        "READY_FOR_PROCESSING",
    ]


def test_backfilled_lines_keep_unit_prices_in_the_order_currency(
    allegro_emulator, connected_account
):
    run_import(connected_account)

    czech = live_orders().filter(marketplace="allegro-cz").first()
    assert czech.lines.exists()
    assert {line.unit_price.currency.code for line in czech.lines.all()} == {"CZK"}
    assert czech.total == czech.form.total_to_pay


def test_running_the_import_twice_changes_nothing(allegro_emulator, connected_account):
    run_import(connected_account)
    before = snapshot()
    events_before = AllegroOrderEvent.objects.count()

    again = run_import(connected_account, reconcile=True)

    assert (again.created, again.updated) == (0, 0)
    assert snapshot() == before
    assert AllegroOrderEvent.objects.count() == events_before


def test_a_new_order_arrives_through_the_journal_and_moves_the_cursor(
    allegro_emulator, connected_account
):
    run_import(connected_account)
    cursor_before = AllegroAccount.objects.get().events_cursor

    new_id = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-cz"})["ids"][0]
    stats = run_import(connected_account)

    order = AllegroOrder.objects.get(checkout_form_id=new_id)
    assert order.total.currency.code == "CZK"
    assert order.status == "READY_FOR_PROCESSING"
    assert stats.created == 1
    assert AllegroAccount.objects.get().events_cursor != cursor_before
    assert AllegroOrderEvent.objects.filter(checkout_form_id=new_id).exists()


def test_buyer_and_automatic_cancellations_mark_orders_cancelled(
    allegro_emulator, connected_account
):
    first, second = emulator_call(
        allegro_emulator, "orders", {"marketplace": "allegro-pl", "count": 2}
    )["ids"]
    run_import(connected_account)

    emulator_call(allegro_emulator, f"orders/{first}/cancel")
    emulator_call(allegro_emulator, f"orders/{second}/auto-cancel")
    run_import(connected_account)

    assert set(
        AllegroOrder.objects.filter(checkout_form_id__in=[first, second]).values_list(
            "status", flat=True
        )
    ) == {"CANCELLED"}


def test_merged_checkout_forms_are_superseded_never_two_live_orders(
    allegro_emulator, connected_account
):
    ids = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-pl", "count": 2})[
        "ids"
    ]
    run_import(connected_account)
    live_before = live_orders().count()

    merged_id = emulator_call(allegro_emulator, "merge", {"ids": ids})["id"]
    run_import(connected_account)

    merged = AllegroOrder.objects.get(checkout_form_id=merged_id)
    old = AllegroOrder.objects.filter(checkout_form_id__in=ids)
    assert {order.superseded_by_id for order in old} == {merged.id}
    assert all(order.superseded_at for order in old)
    assert live_orders().count() == live_before - 1


def test_rate_limits_and_server_errors_postpone_the_import_and_lose_nothing(
    allegro_emulator, connected_account
):
    run_import(connected_account)
    emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-hu", "count": 3})
    cursor = AllegroAccount.objects.get().events_cursor

    emulator_call(allegro_emulator, "faults", [{"type": "status", "status": 429, "count": 1}])
    with pytest.raises(AllegroRateLimited):
        run_import(connected_account)
    emulator_call(allegro_emulator, "faults", [{"type": "status", "status": 502, "count": 1}])
    with pytest.raises(AllegroUnavailable):
        run_import(connected_account)

    account = AllegroAccount.objects.get()
    assert account.events_cursor == cursor
    assert account.last_import_error
    stats = run_import(connected_account)
    assert stats.created == 3
    assert AllegroAccount.objects.get().last_import_error == ""


def test_duplicated_and_shuffled_events_give_each_order_once(allegro_emulator, connected_account):
    run_import(connected_account)
    emulator_call(
        allegro_emulator,
        "faults",
        [{"type": "duplicate_events", "ratio": 0.5}, {"type": "shuffle_events"}],
    )

    ids = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-sk", "count": 5})[
        "ids"
    ]
    run_import(connected_account)

    assert AllegroOrder.objects.filter(checkout_form_id__in=ids).count() == 5
    assert live_orders().count() == emulator_call(allegro_emulator, "state", method="get")["orders"]


def test_orders_whose_events_went_missing_are_found_by_the_reconciliation(
    allegro_emulator, connected_account
):
    run_import(connected_account)
    emulator_call(allegro_emulator, "faults", [{"type": "drop_events"}])
    lost_id = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-cz"})["ids"][0]

    run_import(connected_account)
    assert not AllegroOrder.objects.filter(checkout_form_id=lost_id).exists()

    run_import(connected_account, reconcile=True)
    assert AllegroOrder.objects.filter(checkout_form_id=lost_id).exists()


def test_an_expired_access_token_is_refreshed_without_the_operator_noticing(
    allegro_emulator, connected_account
):
    emulator_call(allegro_emulator, "tokens/expire")

    stats = run_import(connected_account)

    assert stats.created > 0
    assert AllegroAccount.objects.get().is_connected


def test_revoked_tokens_show_the_account_needs_reconnecting(allegro_emulator, connected_account):
    emulator_call(allegro_emulator, "tokens/revoke")

    with pytest.raises(Exception):  # noqa: B017 - the type is the client's business
        run_import(connected_account)

    account = AllegroAccount.objects.get()
    assert account.status == AllegroAccount.Status.RECONNECT_NEEDED
    assert account.status_reason
    assert not AllegroOrder.objects.exists()


def load_fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_a_malformed_form_is_recorded_with_its_reason_and_the_rest_goes_on(connected_account):
    good = load_fixture("checkout-form-allegro-pl.json")
    bad = copy.deepcopy(load_fixture("checkout-form-allegro-cz.json"))
    bad["summary"]["totalToPay"]["currency"] = "XYZ"

    stats = orders_store(account=connected_account, raws=[bad, good])

    assert stats.created == 1
    assert AllegroOrder.objects.get().checkout_form_id == good["id"]
    problem = AllegroImportProblem.objects.get()
    assert problem.checkout_form_id == bad["id"]
    assert "unknown currency 'XYZ'" in notice_text(problem.reason)
    assert problem.resolved_at is None


def test_a_form_fixed_later_resolves_its_problem(connected_account):
    form = load_fixture("checkout-form-allegro-cz.json")
    broken = copy.deepcopy(form)
    broken["lineItems"][0]["quantity"] = 0
    orders_store(account=connected_account, raws=[broken])

    orders_store(account=connected_account, raws=[form])

    assert AllegroImportProblem.objects.get().resolved_at is not None
    order = AllegroOrder.objects.get()
    assert order.total == Money(Decimal("1378.00"), "CZK")


def test_a_changed_revision_replaces_the_lines_instead_of_adding_to_them(connected_account):
    form = load_fixture("checkout-form-allegro-cz.json")
    orders_store(account=connected_account, raws=[form])
    changed = copy.deepcopy(form)
    changed["revision"] = "b0000001"
    changed["lineItems"][0]["quantity"] = 2

    stats = orders_store(account=connected_account, raws=[changed])

    order = AllegroOrder.objects.get()
    assert stats.updated == 1
    assert order.revision == "b0000001"
    assert [line.quantity for line in order.lines.all()] == [2]


def test_a_journal_page_that_breaks_the_contract_stores_nothing_and_says_so(
    allegro_emulator, connected_account
):
    run_import(connected_account)
    cursor = AllegroAccount.objects.get().events_cursor
    new_id = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-cz"})["ids"][0]
    emulator_call(
        allegro_emulator, "faults", [{"type": "corrupt", "count": 1, "path": "/order/events"}]
    )

    with pytest.raises(AllegroBadResponse):
        run_import(connected_account)

    account = AllegroAccount.objects.get()
    assert account.events_cursor == cursor
    assert "does not fit the contract" in notice_text(account.last_import_error)
    assert not AllegroOrder.objects.filter(checkout_form_id=new_id).exists()
    run_import(connected_account)
    assert AllegroOrder.objects.filter(checkout_form_id=new_id).exists()


def test_a_listed_form_that_breaks_the_contract_is_set_aside_and_the_rest_imported(
    allegro_emulator, connected_account
):
    emulator_call(
        allegro_emulator,
        "faults",
        [{"type": "corrupt", "count": 1, "path": "/order/checkout-forms"}],
    )

    stats = run_import(connected_account)

    problem = AllegroImportProblem.objects.get()
    assert "summary: is missing" in notice_text(problem.reason)
    assert (
        live_orders().count()
        == emulator_call(allegro_emulator, "state", method="get")["orders"] - 1
    )
    assert stats.problems


def test_the_reconciliation_reads_set_aside_forms_again(allegro_emulator, connected_account):
    emulator_call(
        allegro_emulator,
        "faults",
        [{"type": "corrupt", "count": 1, "path": "/order/checkout-forms"}],
    )
    run_import(connected_account)
    assert AllegroImportProblem.objects.filter(resolved_at__isnull=True).count() == 1

    run_import(connected_account, reconcile=True)

    assert not AllegroImportProblem.objects.filter(resolved_at__isnull=True).exists()
    assert live_orders().count() == emulator_call(allegro_emulator, "state", method="get")["orders"]


def test_an_amount_with_more_decimals_than_its_currency_is_a_problem_and_nothing_is_stored(
    connected_account,
):
    form = load_fixture("checkout-form-allegro-pl.json")
    form["summary"]["totalToPay"]["amount"] = "12.345"

    stats = orders_store(account=connected_account, raws=[form])

    assert not AllegroOrder.objects.exists()
    problem = AllegroImportProblem.objects.get(checkout_form_id=form["id"])
    detail = "summary.totalToPay.amount: '12.345' has more decimals than PLN has (2)"
    # The contract's own words, in our sentence in the reader's language.
    assert notice_text(problem.reason) == (
        f"Formularz zakupowy nie pasuje do kontraktu Allegro i nie został zaimportowany: {detail}"
    )
    assert stats.problems == {form["id"]: detail}


def test_an_order_from_an_unknown_marketplace_is_listed_but_not_convertible_and_a_problem(
    connected_account,
):
    form = load_fixture("checkout-form-allegro-pl.json")
    form["marketplace"] = {"id": "allegro-de"}
    form["status"] = "READY_FOR_PROCESSING"

    stats = orders_store(account=connected_account, raws=[form])
    orders_store(account=connected_account, raws=[form])  # read again: still a problem

    order = AllegroOrder.objects.get(checkout_form_id=form["id"])
    assert stats.created == 1
    convertible = order.convertible()
    assert convertible.code == "marketplace_unknown"
    assert "Nieznany rynek allegro-de" in str(convertible.reason)  # Polish by default
    assert not AllegroOrder.objects.filter(CONVERTIBLE_ORDERS).exists()
    problem = AllegroImportProblem.objects.get(checkout_form_id=form["id"])
    assert problem.resolved_at is None
    assert notice_text(problem.reason).startswith("Nieznany rynek allegro-de:")


def test_business_allegro_pl_orders_are_imported_in_pln_and_are_no_problem(
    allegro_emulator, connected_account
):
    run_import(connected_account)

    business = live_orders().filter(marketplace="allegro-business-pl")
    assert business.exists()
    assert set(business.values_list("total_currency", flat=True)) == {"PLN"}
    assert all(order.form.invoice.tax_ids[0].label == "NIP" for order in business)
    assert not AllegroImportProblem.objects.exists()


class ListingClient:
    """Allegro as the reconciliation sees it: one listed form, counted reads of single forms."""

    def __init__(self, raw: dict) -> None:
        self.raw = raw
        self.form_reads = 0

    def checkout_forms(self, **params) -> CheckoutFormsPage:
        return CheckoutFormsPage(forms=[self.raw], count=1, total_count=1)

    def checkout_form(self, checkout_form_id: str) -> dict:
        self.form_reads += 1
        return self.raw


def test_the_reconciliation_counts_a_set_aside_form_once_and_reads_it_once(connected_account):
    form = load_fixture("checkout-form-allegro-pl.json")
    form["marketplace"] = {"id": "allegro-de"}
    orders_store(account=connected_account, raws=[form])
    client = ListingClient(form)

    stats = account_reconcile(account_id=connected_account.id, client=client)

    assert list(stats.problems) == [form["id"]]
    assert client.form_reads == 0  # the sweep's list has just read it


def test_a_set_aside_form_that_answers_502_is_left_for_the_next_sweep(
    allegro_emulator, connected_account
):
    run_import(connected_account)
    old = live_orders().order_by("allegro_updated_at").first()
    # As if it had been set aside when it was imported: a problem, and not stored.
    old.lines.all().delete()
    old.delete()
    problem = AllegroImportProblem.objects.create(
        account=connected_account, checkout_form_id=old.checkout_form_id, reason="was broken"
    )
    path = f"/order/checkout-forms/{old.checkout_form_id}"
    emulator_call(
        allegro_emulator, "faults", [{"type": "status", "status": 502, "count": 1, "path": path}]
    )

    run_import(connected_account, reconcile=True)

    problem.refresh_from_db()
    assert problem.resolved_at is None
    assert AllegroAccount.objects.get().last_import_error == ""
    run_import(connected_account, reconcile=True)
    problem.refresh_from_db()
    assert problem.resolved_at is not None


def emulator_revision(base_url: str, form_id: str) -> str:
    return emulator_call(base_url, f"orders/{form_id}", method="get")["checkoutForm"]["revision"]


def assert_stored_as_on_allegro(base_url: str, form_ids) -> None:
    stored = dict(
        AllegroOrder.objects.filter(checkout_form_id__in=form_ids).values_list(
            "checkout_form_id", "revision"
        )
    )
    assert stored == {form_id: emulator_revision(base_url, form_id) for form_id in form_ids}


def test_an_idle_poll_is_one_request_and_one_new_order_two(allegro_emulator, connected_account):
    run_import(connected_account)

    assert run_import(connected_account).requests == 1
    emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-pl"})
    assert run_import(connected_account).requests == 2


def test_many_new_orders_are_read_through_the_list_a_hundred_a_request(
    allegro_emulator, connected_account
):
    run_import(connected_account)
    ids = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-cz", "count": 200})[
        "ids"
    ]

    stats = run_import(connected_account)

    assert stats.created == 200
    # One journal page and the list around its events, instead of 200 GETs.
    assert stats.requests <= 10
    assert_stored_as_on_allegro(allegro_emulator, ids)


def test_the_batched_read_misses_nothing_under_duplicated_reordered_and_dropped_events(
    allegro_emulator, connected_account
):
    run_import(connected_account)
    older = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-pl", "count": 4})[
        "ids"
    ]
    run_import(connected_account)
    client = client_for_account(connected_account)
    emulator_call(
        allegro_emulator,
        "faults",
        [
            {"type": "duplicate_events", "ratio": 0.5, "seed": 3},
            {"type": "shuffle_events"},
            # Paid orders whose payment event is lost: the journal names them at an older
            # revision, which the list does not show.
            {"type": "drop_events", "count": 3, "types": ["READY_FOR_PROCESSING"]},
        ],
    )
    new = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-sk", "count": 12})[
        "ids"
    ]
    # The seller moves older orders in Allegro's Sales Manager: fulfillment changes do not move
    # updatedAt, so no updatedAt window finds them; and one buyer cancels.
    for form_id in older[:3]:
        client.fulfillment_set(
            form_id, status="PROCESSING", revision=emulator_revision(allegro_emulator, form_id)
        )
    emulator_call(allegro_emulator, f"orders/{older[3]}/cancel")

    stats = run_import(connected_account)

    assert stats.created == 12
    assert_stored_as_on_allegro(allegro_emulator, older + new)
    assert set(
        AllegroOrder.objects.filter(checkout_form_id__in=older[:3]).values_list(
            "fulfillment_status", flat=True
        )
    ) == {"PROCESSING"}
    assert AllegroOrder.objects.get(checkout_form_id=older[3]).status == "CANCELLED"
    # Far fewer than a GET per form named (16), even with the forms read by themselves.
    assert stats.requests < 16


def test_the_list_around_the_events_brings_orders_whose_events_went_missing(
    allegro_emulator, connected_account
):
    run_import(connected_account)
    emulator_call(allegro_emulator, "faults", [{"type": "drop_events", "count": 15}])
    lost = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-hu", "count": 5})[
        "ids"
    ]
    named = emulator_call(allegro_emulator, "orders", {"marketplace": "allegro-hu", "count": 6})[
        "ids"
    ]

    run_import(connected_account)

    # Bought at the same time as the orders the journal names, so listed with them: stored
    # now rather than at the next reconciliation.
    assert_stored_as_on_allegro(allegro_emulator, lost + named)
