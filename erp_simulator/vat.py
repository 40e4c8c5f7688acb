"""Which VAT the ERP charges: the seller is in Poland and the goods leave from Poland.

- DOMESTIC: destination PL, each line at the rate the shop sent (23/8/5/0);
- WDT (intra-community supply, art. 42 of the VAT act): destination another EU country, the
  buyer gave a VAT_EU tax id and Allegro marked it verified: 0 % on every line, reverse charge;
- OSS (the union scheme): destination another EU country otherwise (a consumer, or a company
  whose EU VAT number is not verified): the destination's standard rate on every line.

The destination is the delivery address's country, else the billing address's, else the
marketplace's. Delivery is a line of its own at the highest rate of the goods (DOMESTIC) or at
the rule's rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from erp_simulator.errors import invalid

SELLER_COUNTRY = "PL"
EU_MEMBERS = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU = frozenset(EU_MEMBERS.split(" "))
# The standard rates the simulator knows for OSS (others are refused at intake).
OSS_RATES = {
    "CZ": Decimal("21.00"),
    "SK": Decimal("23.00"),
    "HU": Decimal("27.00"),
    "DE": Decimal("19.00"),
    "AT": Decimal("20.00"),
}
MARKETPLACE_COUNTRIES = {
    "allegro-pl": "PL",
    "allegro-business-pl": "PL",
    "allegro-cz": "CZ",
    "allegro-sk": "SK",
    "allegro-hu": "HU",
}
DOMESTIC_TEXT = "Sprzedaż krajowa – stawki VAT według ustawy o VAT"
WDT_TEXT = "WDT – stawka 0% (art. 42 ustawy o VAT), odwrotne obciążenie: VAT rozlicza nabywca"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class VatRule:
    name: str  # DOMESTIC | WDT | OSS
    text: str
    country: str
    rate: Decimal | None  # every line's rate; None: each line's own (DOMESTIC)

    def line_rate(self, sent: Decimal) -> Decimal:
        return sent if self.rate is None else self.rate


def destination(order: dict[str, Any]) -> str | None:
    for key in ("delivery_address", "billing_address"):
        address = order.get(key)
        if address and address.get("country_code"):
            return str(address["country_code"])
    return MARKETPLACE_COUNTRIES.get(order.get("marketplace") or "")


def _verified_vat_payer(customer: dict[str, Any]) -> bool:
    has_vat_eu = any(tax["type"] == "VAT_EU" for tax in customer.get("tax_ids", []))
    return has_vat_eu and customer.get("vat_eu_verified") is True


def rule_for(order: dict[str, Any]) -> VatRule:
    """The rule of a normalised order, or 422 `delivery_address` when the simulator has none."""
    country = destination(order)
    if country is None:
        raise invalid("delivery_address", "no destination country: give an address or marketplace")
    if country == SELLER_COUNTRY:
        return VatRule("DOMESTIC", DOMESTIC_TEXT, country, None)
    if country not in EU:
        raise invalid(
            "delivery_address",
            f"destination {country} is outside the EU: export is not simulated",
        )
    if _verified_vat_payer(order["customer"]):
        return VatRule("WDT", WDT_TEXT, country, ZERO)
    rate = OSS_RATES.get(country)
    if rate is None:
        raise invalid(
            "delivery_address",
            f"no OSS rate for {country} in the simulator (known: {', '.join(OSS_RATES)})",
        )
    text = f"OSS – procedura unijna, VAT kraju konsumpcji ({country} {rate:.0f}%)"
    return VatRule("OSS", text, country, rate)


def delivery_rate(rule: VatRule, line_rates: list[Decimal]) -> Decimal:
    return max(line_rates) if rule.rate is None else rule.rate
