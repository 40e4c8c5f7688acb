"""bench/lists_bench.py's PostgreSQL loader (COPY) writes what search looks for, and the search
terms it writes by COPY are the ones the services store for the same orders: its figures are
then those of the shop's own data."""

import importlib.util
import json
from pathlib import Path

import pytest
from django.db import connection

from allegro.orders.models import AllegroOrder, AllegroOrderSearchTerm
from allegro.orders.search import allegro_order_search_refresh
from allegro.orders.selectors import allegro_order_list
from sales.models import SalesOrder, SalesOrderSearchTerm
from sales.search import search_rebuild
from sales.selectors import sales_order_list
from tests.support.factories import make_account

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY loader is PostgreSQL's"),
]
ROOT = Path(__file__).resolve().parents[2]
COUNT = 12


def load_bench():
    spec = importlib.util.spec_from_file_location("lists_bench", ROOT / "bench/lists_bench.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def terms() -> tuple[set, set]:
    return (
        set(SalesOrderSearchTerm.objects.values_list("order_id", "source", "kind", "term")),
        set(AllegroOrderSearchTerm.objects.values_list("order_id", "kind", "term")),
    )


def test_the_bench_copies_the_data_search_finds_with_the_services_terms():
    bench = load_bench()
    fixture = json.loads((ROOT / "tests/fixtures/checkout-form-allegro-cz.json").read_text())
    bench.fill_allegro(COUNT, make_account(), fixture)
    bench.fill_sales(COUNT)
    bench.link_converted()

    bench.fill_search_terms()
    copied = terms()
    search_rebuild(
        SalesOrder, SalesOrderSearchTerm, SalesOrder.objects.values_list("pk", flat=True)
    )
    allegro_order_search_refresh(order_ids=AllegroOrder.objects.values_list("pk", flat=True))

    assert copied == terms()
    kinds = {kind for _order, _source, kind, _term in copied[0]}
    assert {"number", "phone", "email", "sku", "waybill", "invoice"} <= kinds
    assert {"phone", "email", "sku", "reference", "login"} <= {kind for _o, kind, _t in copied[1]}
    # What the bench searches for finds one order in each list (its search_terms_of, at 12).
    n = 7
    for text in (f"00340434{n:012d}", f"FV/2025/{n:06d}", f"+48 5{n:08d}"):
        assert sales_order_list(filters={"q": text}).count() == 1, text
        assert allegro_order_list(filters={"q": text}).count() == 1, text
    assert allegro_order_list(filters={"q": f"kupujacy{n}@allegromail.pl"}).count() == 1
    assert sales_order_list(filters={"q": f"klient{n}@example.com"}).count() == 1
    # Each SKU is on every 5,000th order: here on one sales order and one Allegro order.
    assert sales_order_list(filters={"q": "VAC-11"}).count() == 1
    assert allegro_order_list(filters={"q": "VAC-10"}).count() == 1
