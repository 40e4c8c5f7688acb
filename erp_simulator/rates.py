"""SIMULATED NBP table A mid rates (offline, deterministic) and the art. 31a business-day rule.

A real ERP takes the average rate published by Narodowy Bank Polski in table A
(https://api.nbp.pl/api/exchangerates/tables/A/) for the last business day before the day the
tax obligation arises (art. 31a ust. 1 of the Polish VAT act). There is no network here, so the
simulator invents plausible rates: a smooth wave plus day-level jitter around a realistic centre,
a pure function of (currency, date), so the same date always gives the same rate. Table numbers
`NNN/A/NBP/YYYY` count NBP business days (Mon-Fri minus Polish public holidays) in the year,
as the real ones do.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

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


def rate_for_sale(currency: str, sale_date: date) -> NbpRate:
    """Art. 31a: the mid rate of the last business day before the sale (tax point) date."""
    return mid_rate(currency, previous_business_day(sale_date))
