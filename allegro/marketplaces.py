"""Allegro's marketplaces the shop knows (Allegro's `GET /marketplaces`): the one table.

Each marketplace says its currency, whether it is foreign (selling there needs the Enterprise or
B2B variant and its currency made available from the ERP) and whether it is a B2B marketplace.
business.allegro.pl (`allegro-business-pl`, since September 2025) is Polish and in PLN: domestic.
An order from a marketplace missing here is imported but cannot be converted.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class MarketplaceInfo:
    id: str
    name: str
    currency: str
    foreign: bool
    b2b: bool


MARKETPLACES: dict[str, MarketplaceInfo] = {
    market.id: market
    for market in (
        MarketplaceInfo("allegro-pl", "allegro.pl", "PLN", foreign=False, b2b=False),
        MarketplaceInfo(
            "allegro-business-pl", "business.allegro.pl", "PLN", foreign=False, b2b=True
        ),
        MarketplaceInfo("allegro-cz", "allegro.cz", "CZK", foreign=True, b2b=False),
        MarketplaceInfo(
            "allegro-business-cz", "allegro business .cz", "CZK", foreign=True, b2b=True
        ),
        MarketplaceInfo("allegro-sk", "allegro.sk", "EUR", foreign=True, b2b=False),
        MarketplaceInfo("allegro-hu", "allegro.hu", "HUF", foreign=True, b2b=False),
    )
}


MARKETPLACE_CHOICES = [(market.id, market.name) for market in MARKETPLACES.values()]


def marketplace_get(marketplace_id: str) -> MarketplaceInfo | None:
    """The shop's entry for an Allegro marketplace id; None when the table lacks it."""
    return MARKETPLACES.get(marketplace_id)


def marketplace_name(marketplace_id: str) -> str:
    """How staff read a marketplace: its name, or Allegro's id for one the shop does not know."""
    market = MARKETPLACES.get(marketplace_id)
    return market.name if market is not None else marketplace_id
