"""Stored reasons and errors are codes with parameters, said in the reader's language: a
Polish sentence never shows in the English UI and an English one never in the Polish UI,
for every sentence the shop knows; someone else's words (Allegro's, the ERP's) stay theirs."""

from importlib import import_module

import pytest
from django import forms
from django.apps import apps
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from djmoney.money import Money

from allegro import notices as allegro_notices
from allegro.api.errors import AllegroClientError, AllegroUnavailable
from allegro.orders.models import BUYER_STATUS, AllegroImportProblem, AllegroOrder
from erp import notices as erp_notices
from erp.models import ErpOrderLink, ErpSyncRun
from shop.forms import LabelledFileInput, LocalDateInput
from shop.notices import (
    LegacyTexts,
    Notice,
    audit_action_label,
    money_param,
    notice_kind,
    notice_text,
)
from tests.support.factories import (
    make_account,
    make_allegro_order,
    make_import_problem,
    make_sales_order,
)

pytestmark = pytest.mark.django_db


def said(value: object, language: str) -> str:
    with translation.override(language):
        return notice_text(value)  # type: ignore[arg-type]


def page(client, url: str, language: str) -> str:
    client.cookies.load({"django_language": language})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- rendering --------------------------------------------------------------------------------


def test_a_stored_code_is_said_in_polish_and_in_english():
    stored = allegro_notices.CURRENCY_UNAVAILABLE(currency="CZK").stored()

    assert said(stored, "pl") == (
        "Waluta CZK nie jest dostępna w sklepie. Udostępnij walutę CZK z systemu ERP i "
        "spróbuj ponownie."
    )
    assert said(stored, "en") == (
        "The currency CZK is not available in the shop. Make CZK available from the ERP, "
        "then try again."
    )


def test_parameters_that_are_words_or_money_follow_the_reader():
    not_paid = allegro_notices.NOT_PAID(status=BUYER_STATUS(value="FILLED_IN")).stored()
    mismatch = allegro_notices.TOTAL_MISMATCH(
        total=money_param(Money("1378.00", "CZK")),
        to_pay=money_param(Money("1400.00", "CZK")),
        difference=money_param(Money("22.00", "CZK")),
    ).stored()

    assert "(Wypełnione, nieopłacone)" in said(not_paid, "pl")
    assert "(Filled in, not paid)" in said(not_paid, "en")
    assert "1\xa0378,00\xa0CZK" in said(mismatch, "pl")
    assert "1,378.00\xa0CZK" in said(mismatch, "en")


def test_text_nobody_coded_is_shown_as_it_came_and_an_unknown_code_shows_its_parts():
    assert said("Zwrot towaru", "en") == "Zwrot towaru"
    assert said('{"code": nope', "en") == '{"code": nope'
    gone = Notice("allegro.no_longer_there", {"form_id": "abc"}).stored()
    assert said(gone, "pl") == "allegro.no_longer_there abc"


def test_several_notices_in_one_field_are_said_line_by_line():
    reasons = "\n".join(
        [
            allegro_notices.MISSING_TAX_ID().stored(),
            "Klient dzwonił",
            erp_notices.DOCUMENT_CANCELLED(document="ZS/2026/000001").stored(),
        ]
    )

    assert said(reasons, "en").split("\n") == [
        "The buyer wants an invoice but gave no tax id: check with the buyer before invoicing.",
        "Klient dzwonił",
        "The ERP cancelled document ZS/2026/000001.",
    ]


def test_every_declared_sentence_is_said_in_both_languages():
    """So no known code shows Polish in the English UI or English in the Polish UI."""
    import erp.notices  # noqa: F401  (every app's sentences declared)
    from shop.notices import _CATALOGUE

    sentences = {code: t for code, t in _CATALOGUE.items() if isinstance(t, Promise)}
    assert len(sentences) > 60
    for code, template in sentences.items():
        with translation.override("pl"):
            polish = str(template)
        with translation.override("en"):
            english = str(template)
        assert polish != english, code


def test_a_code_is_declared_once():
    with pytest.raises(ValueError, match="declared twice"):
        notice_kind("allegro.conversion.converted", lambda params: "something else")


# --- someone else's words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "polish", "english"),
    [
        (
            "currency_unavailable",
            "Waluta zamówienia jest wyłączona w ERP",
            "The order's currency is switched off in the ERP",
        ),
        ("locked", "ERP rozpoczął już realizację", "The ERP has started on the order"),
        ("teapot", "ERP odmówił (HTTP 418, teapot)", "The ERP refused it (HTTP 418, teapot)"),
    ],
)
def test_the_erps_refusal_is_ours_by_its_code_with_its_own_words_kept(code, polish, english):
    stored = erp_notices.erp_refusal(
        code=code, status=418, message="currency CZK is not available"
    ).stored()

    assert said(stored, "pl").startswith(polish)
    assert said(stored, "en").startswith(english)
    # The ERP speaks English; its words are the detail, in either UI.
    assert said(stored, "pl").endswith("Komunikat ERP: currency CZK is not available")


def test_allegros_user_message_stays_allegros_inside_our_sentence():
    refused = AllegroClientError(
        "PUT /order/…: 422",
        errors=[{"userMessage": "Numer przesyłki jest nieprawidłowy"}],
        trace_id="t-1",
    )
    down = AllegroUnavailable("GET /order/events: 503 Service Unavailable")

    stored = allegro_notices.allegro_error_notice(refused).stored()
    assert said(stored, "en") == (
        "Allegro refused it: Numer przesyłki jest nieprawidłowy (trace-id: t-1)"
    )
    assert said(stored, "pl") == (
        "Allegro odmówiło: Numer przesyłki jest nieprawidłowy (trace-id: t-1)"
    )
    assert said(allegro_notices.allegro_error_notice(down).stored(), "pl").startswith(
        "Allegro nie odpowiedziało"
    )


# --- the pages: never the other language's sentence -----------------------------------------


def test_a_conversion_refusal_on_the_allegro_order_in_each_language(operator_client):
    order = make_allegro_order(
        conversion_problem=allegro_notices.CURRENCY_UNAVAILABLE(currency="HUF").stored()
    )
    url = reverse("allegro:orders:order_detail", args=[order.pk])

    polish = page(operator_client, url, "pl")
    english = page(operator_client, url, "en")

    assert "Waluta HUF nie jest dostępna w sklepie" in polish
    assert "The currency HUF is not available" not in polish
    assert "The currency HUF is not available in the shop" in english
    assert "Waluta HUF" not in english
    assert "allegro.conversion" not in polish + english  # never the code itself


def test_an_attention_reason_and_the_history_in_each_language(operator_client):
    order = make_sales_order(
        needs_attention=True,
        attention_reason=allegro_notices.CANCELLED_BY_BUYER(form_id="f-1").stored(),
    )
    url = reverse("sales:order_detail", args=[order.pk])

    assert "Kupujący anulował zamówienie w Allegro (f-1)" in page(operator_client, url, "pl")
    english = page(operator_client, url, "en")
    assert "The buyer cancelled the order in Allegro (f-1)" in english
    assert "Kupujący anulował" not in english


def test_the_audit_trails_actions_are_words():
    with translation.override("pl"):
        assert audit_action_label("allegro.account_paused") == "Wstrzymane konto Allegro"
    with translation.override("en"):
        assert audit_action_label("allegro.account_paused") == "Allegro account paused"
    assert audit_action_label("someone.elses_action") == "someone.elses_action"


# --- rows written before codes ----------------------------------------------------------------


def test_old_sentences_in_either_language_become_the_same_notice():
    legacy = LegacyTexts()
    with translation.override("pl"):
        polish = str(allegro_notices.CURRENCY_UNAVAILABLE(currency="CZK"))

    english = (
        "The currency CZK is not available in the shop. Make CZK available from the ERP, "
        "then try again."
    )
    expected = allegro_notices.CURRENCY_UNAVAILABLE(currency="CZK").stored()
    assert legacy.text(polish) == expected
    assert legacy.text(english) == expected
    assert legacy.text("Zadzwonić do klienta") == "Zadzwonić do klienta"


def _migrate(app: str, name: str, *, backward: bool = False) -> None:
    for operation in import_module(f"{app}.migrations.{name}").Migration.operations:
        step = operation.reverse_code if backward else operation.code
        step(apps, None)


def test_the_migration_turns_old_rows_into_notices_and_leaves_the_unknown_as_text(
    operator_client,
):
    account = make_account()
    order = make_allegro_order(
        account=account,
        # Written in Polish by an automatic job before codes existed.
        conversion_problem=(
            "Waluta HUF nie jest dostępna w sklepie. Udostępnij walutę HUF z systemu ERP i "
            "spróbuj ponownie."
        ),
    )
    marketplace = make_import_problem(
        account=account,
        reason=(
            "marketplace.id: unknown marketplace 'allegro-de'; the order is imported but "
            "cannot be converted until the shop knows this marketplace"
        ),
    )
    malformed = make_import_problem(account=account, reason="lineItems: is missing")
    sales = make_sales_order(
        needs_attention=True,
        attention_reason=(
            "The buyer cancelled the order in Allegro (f-9) after the sales order was created."
            " Do not ship it; cancel it or settle it with the buyer.\nKlient dzwonił"
        ),
    )
    link = ErpOrderLink.objects.create(
        order=sales,
        last_error=(
            "The ERP refused it (HTTP 422, currency_unavailable): currency HUF is not available"
        ),
    )
    run = ErpSyncRun.objects.create(
        trigger=ErpSyncRun.Trigger.MANUAL,
        state=ErpSyncRun.State.DONE,
        errors=[{"number": "", "order_id": None, "message": "ERP jest niedostępny: x"}],
    )

    _migrate("allegro", "0018_reasons_as_notices")
    _migrate("sales", "0010_reasons_as_notices")
    _migrate("erp", "0003_errors_as_notices")
    _migrate("erp", "0003_errors_as_notices")  # twice: nothing changes the second time

    order.refresh_from_db()
    assert said(order.conversion_problem, "en").startswith("The currency HUF is not available")
    problems = {p.pk: p.reason for p in AllegroImportProblem.objects.all()}
    assert said(problems[marketplace.pk], "pl").startswith("Nieznany rynek allegro-de:")
    assert said(problems[malformed.pk], "pl") == (
        "Formularz zakupowy nie pasuje do kontraktu Allegro i nie został zaimportowany: "
        "lineItems: is missing"
    )
    sales.refresh_from_db()
    assert said(sales.attention_reason, "pl").split("\n") == [
        "Kupujący anulował zamówienie w Allegro (f-9) po utworzeniu zamówienia sprzedaży."
        " Nie wysyłaj towaru: anuluj zamówienie albo wyjaśnij sprawę z kupującym.",
        "Klient dzwonił",  # nobody's code: as it was written
    ]
    link.refresh_from_db()
    assert said(link.last_error, "pl") == (
        "Waluta zamówienia jest wyłączona w ERP: włącz ją tam i zsynchronizuj ponownie. "
        "Komunikat ERP: currency HUF is not available"
    )
    run.refresh_from_db()
    assert said(run.errors[0]["message"], "en") == "The ERP is unavailable: x"

    english = page(operator_client, reverse("allegro:orders:order_detail", args=[order.pk]), "en")
    assert "Waluta HUF" not in english and "The currency HUF is not available" in english


def test_the_migration_back_writes_the_notices_out_in_the_shops_language():
    order = make_allegro_order(conversion_problem=allegro_notices.CANCELLED().stored())

    _migrate("allegro", "0018_reasons_as_notices", backward=True)

    assert AllegroOrder.objects.get(pk=order.pk).conversion_problem == (
        "Zamówienie zostało anulowane w Allegro: nie ma z czego tworzyć zamówienia."
    )


# --- date and file inputs in the page's language ----------------------------------------------


class _Dated(forms.Form):
    day = forms.DateField(widget=LocalDateInput())
    pdf = forms.FileField(widget=LabelledFileInput(), required=False)


@pytest.mark.parametrize(
    ("language", "typed", "shown", "placeholder"),
    [
        ("pl", "03.12.2026", "03.12.2026", "dd.mm.rrrr"),
        ("pl", "2026-12-03", "03.12.2026", "dd.mm.rrrr"),  # ISO still accepted
        ("en", "2026-12-03", "2026-12-03", "yyyy-mm-dd"),
    ],
)
def test_a_date_is_typed_and_shown_as_the_pages_language_writes_it(
    language, typed, shown, placeholder
):
    import datetime

    with translation.override(language):
        form = _Dated({"day": typed})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["day"] == datetime.date(2026, 12, 3)
        html = str(_Dated(initial={"day": datetime.date(2026, 12, 3)})["day"])

    assert 'type="text"' in html and f'value="{shown}"' in html
    assert f'placeholder="{placeholder}"' in html


def test_a_date_that_is_no_date_is_a_form_error():
    with translation.override("pl"):
        form = _Dated({"day": "31.02.2026"})
        assert not form.is_valid() and "day" in form.errors


def test_the_file_input_says_choose_and_none_chosen_in_the_pages_language():
    with translation.override("pl"):
        polish = str(_Dated()["pdf"])
    with translation.override("en"):
        english = str(_Dated()["pdf"])

    assert "Wybierz plik" in polish and "Nie wybrano pliku" in polish
    assert '<label class="btn file-input-button" for="id_pdf">' in polish
    assert "Choose file" in english and "No file chosen" in english


def test_the_audit_trail_says_what_was_done_and_to_which_field_in_words(administrator_client):
    from allegro.accounts.services import account_pause_set

    account = make_account(login="sklep_cz")
    account_pause_set(account_id=account.pk, paused=True, user=None)
    url = reverse("shop:audit")

    polish = page(administrator_client, url, "pl")
    english = page(administrator_client, url, "en")

    assert "Wstrzymane konto Allegro" in polish
    assert "Wstrzymany:</span> nie → <strong>tak</strong>" in polish
    assert "Allegro account paused" in english
    assert "Paused:</span> no → <strong>yes</strong>" in english
    assert ">allegro.account_paused<" not in polish + english


def test_the_history_says_an_invoices_kind_and_ksef_state_in_the_readers_words(settings, tmp_path):
    from decimal import Decimal

    from sales.models import SalesOrderEvent
    from sales.services import InvoiceData, sales_order_invoice_record

    settings.MEDIA_ROOT = tmp_path
    order = make_sales_order()
    sales_order_invoice_record(
        order_id=order.pk,
        data=InvoiceData(
            number="FV/17/2026",
            source_id="17",
            vat_rule_text="23 %",
            total=Decimal("49.99"),
            ksef_status="rejected",
            ksef_reason="Błąd weryfikacji semantyki dokumentu",
        ),
    )
    issued = SalesOrderEvent.objects.get(order=order, type="INVOICE_ISSUED").message
    ksef = SalesOrderEvent.objects.get(order=order, type="KSEF_STATUS_CHANGED").message

    assert said(issued, "pl") == "FV/17/2026 · Faktura VAT · 23 %"
    assert said(issued, "en") == "FV/17/2026 · VAT invoice · 23 %"
    assert said(ksef, "en") == (
        "FV/17/2026 · Rejected by KSeF · Błąd weryfikacji semantyki dokumentu"  # KSeF's words
    )
