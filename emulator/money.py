"""Money as Allegro sends it: decimal strings with two places. Never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def price(amount: Decimal | str, currency: str) -> dict[str, str]:
    return {"amount": str(quantize(Decimal(amount))), "currency": currency}


def amount_of(value: dict[str, str] | None) -> Decimal:
    return Decimal(value["amount"]) if value else Decimal("0")
