"""Search terms: what an order is found by, and what an operator types, in one normal form.

Every app keeps the terms of its orders in a table of its own (sales: `SalesOrderSearchTerm`,
Allegro: `AllegroOrderSearchTerm`), one row per (order, kind, term). A term is kept
normalized: letters and digits only, lower case, without accents ("ZS/2026/000017" is
`zs2026000017`, "Łódź" is `lodz`, "123-456-32-18" is `1234563218`). The operator's text is
normalized the same way, so spaces, dashes, slashes, dots and case never decide a match.

On PostgreSQL the term column has a trigram index (pg_trgm, GIN) that answers `LIKE '%…%'`
from 3 characters on, and a pattern btree that answers shorter text as a prefix. SQLite has
neither: the same LIKE reads the table, which at the sizes shops run SQLite at is fine.
"""

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.operations.special import RunPython
from django.db.models import Q

# Trigrams need 3 characters; a shorter text is looked up as a prefix (the btree index).
MIN_CONTAINS = 3
# Longest term kept; longer texts (a note) are cut. 600 characters of 4 bytes at most stay
# under PostgreSQL's limit for a btree index entry (2,704 bytes).
MAX_TERM = 600
# Phone numbers are kept as their last 9 digits: the national number in PL, CZ and SK (and
# one digit of HU's country code), so "+48 600 100 200", "0048600100200" and "600-100-200"
# are one number.
PHONE_DIGITS = 9
# "PL1234563218", "CZ12345678": a VAT EU number is a country prefix and the national id
# (only the EU's prefixes: "FV2026000017" is an invoice number, not a tax id).
_EU_PREFIXES = "at be bg cy cz de dk ee el es fi fr hr hu ie it lt lu lv mt nl pl pt ro se si sk xi"
_VAT_EU = re.compile(rf"^(?:{'|'.join(_EU_PREFIXES.split())})(\d[\da-z]{{5,}})$")
_PHONE_LIKE = re.compile(r"^\+?[\d\s()./-]+$")
# Letters that have no decomposition to a base letter plus an accent.
_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe"})

# What a term is (shown nowhere yet; it keeps rows apart and tells why an order was found).
Terms = Iterable[tuple[str, str]]


def search_normalize(text: str) -> str:
    """Letters and digits only, case-folded, accents dropped: "Jan Kowalski-Łęcki" is
    `jankowalskilecki`."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    return "".join(ch for ch in folded if ch.isalnum())[:MAX_TERM]


def phone_normalize(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-PHONE_DIGITS:]


def tax_id_normalize(tax_id: str) -> str:
    """The national id without the VAT EU country prefix: PL 123-456-32-18 is `1234563218`."""
    term = search_normalize(tax_id)
    bare = _VAT_EU.match(term)
    return bare.group(1) if bare else term


# Kinds whose values are normalized by a rule of their own.
_NORMALIZERS = {"phone": phone_normalize, "tax_id": tax_id_normalize}


def search_terms(values: Terms) -> set[tuple[str, str]]:
    """(kind, term) rows for (kind, raw value) pairs: normalized, empty ones dropped, once."""
    rows = set()
    for kind, value in values:
        term = _NORMALIZERS.get(kind, search_normalize)(value or "")
        if term:
            rows.add((kind, term))
    return rows


def search_variants(query: str) -> list[str]:
    """The normal forms an operator's text may be kept under: itself, and when it looks like
    a phone number its last 9 digits ("+48 600 100 200"), when it looks like a VAT EU number
    the national id ("PL1234563218")."""
    term = search_normalize(query)
    if not term:
        return []
    variants = [term]
    if _PHONE_LIKE.match(query.strip()) and 10 <= len(term) <= 13:
        # With a country code; 9 digits or fewer are found as they are.
        variants.append(phone_normalize(query))
    bare = _VAT_EU.match(term)
    if bare:
        variants.append(bare.group(1))
    return list(dict.fromkeys(v for v in variants if v))


def search_condition(query: str, *, column: str = "term") -> Q | None:
    """The condition on a term column for the operator's text; None when the text has no
    letter or digit (nothing can match). The variants are ORed on the one column, which
    PostgreSQL answers by a BitmapOr of index scans."""
    condition = Q()
    for variant in search_variants(query):
        lookup = "contains" if len(variant) >= MIN_CONTAINS else "startswith"
        condition |= Q(**{f"{column}__{lookup}": variant})
    return condition or None


def term_index_sql(table: str) -> list[str]:
    """PostgreSQL's statements creating `table`.term's indexes: a trigram GIN index for text
    inside a term and a pattern btree for a prefix (a bulk load drops and makes them again)."""
    return [
        f"CREATE INDEX {table}_trgm ON {table} USING gin (term gin_trgm_ops)",
        f"CREATE INDEX {table}_prefix ON {table} (term text_pattern_ops)",
    ]


def term_indexes(table: str) -> Operation:
    """The migration operation that indexes `table`.term on PostgreSQL (term_index_sql).
    Nothing on other databases (the unique constraint's index serves them)."""

    def forward(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for sql in term_index_sql(table):
            schema_editor.execute(sql)

    def backward(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_trgm, {table}_prefix")

    return RunPython(forward, backward)
