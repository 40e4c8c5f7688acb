"""The normal form of search terms and of what an operator types (shop.search)."""

import pytest

from shop.search import search_normalize, search_terms, search_variants


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("ZS/2026/000017", "zs2026000017"),
        ("Jan Kowalski-Łęcki", "jankowalskilecki"),
        ("Dvořák Trading s.r.o.", "dvoraktradingsro"),
        ("Łódź", "lodz"),
        ("  Straße ", "strasse"),
        ("jan.kowalski@example.com", "jankowalskiexamplecom"),
        ("— / —", ""),
    ],
)
def test_a_text_keeps_its_letters_and_digits_in_lower_case_without_accents(text, normal):
    assert search_normalize(text) == normal


def test_phones_keep_their_national_number_and_tax_ids_lose_the_country_prefix():
    terms = search_terms(
        [
            ("phone", "+48 601-234-567"),
            ("phone", "0048601234567"),
            ("phone", "601 234 567"),
            ("tax_id", "PL 781-176-76-96"),
            ("tax_id", "781-176-76-96"),
            ("tax_id", "CZ27654321"),
            ("name", ""),
        ]
    )

    assert terms == {("phone", "601234567"), ("tax_id", "7811767696"), ("tax_id", "27654321")}


@pytest.mark.parametrize(
    ("query", "variants"),
    [
        ("+48 601 234 567", ["48601234567", "601234567"]),
        ("601 234 567", ["601234567"]),
        ("PL 781-176-76-96", ["pl7811767696", "7811767696"]),
        ("CZ27654321", ["cz27654321", "27654321"]),
        # Two letters and digits that are no EU country: an invoice number stays whole.
        ("FV/2026/000017", ["fv2026000017"]),
        ("?!", []),
    ],
)
def test_a_query_is_also_tried_as_a_phone_number_or_a_vat_eu_number(query, variants):
    assert search_variants(query) == variants
