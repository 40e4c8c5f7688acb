"""The carriers a tracking number can name: Allegro's `/order/carriers`, cached for a day.

The list changes rarely and the sales order page must not wait for Allegro, so it is read
through Django's cache; when Allegro cannot be asked, a short built-in list stands in (and is
remembered for a few minutes only, so the page does not wait for a timeout on every load).
"""

import logging
import re
from dataclasses import dataclass

from django.core.cache import cache
from redis.exceptions import RedisError

from allegro.accounts.clients import client_for_account, request_gate_for
from allegro.accounts.models import AllegroAccount
from allegro.api.budget import WRITE
from allegro.api.errors import AllegroError

logger = logging.getLogger(__name__)


CACHE_KEY = "allegro:carriers:{account_id}"


CACHE_SECONDS = 24 * 60 * 60


FALLBACK_CACHE_SECONDS = 5 * 60


OTHER = "OTHER"  # Allegro's id for a carrier not on its list; the name is then required


# Carrier ids Allegro removed, and their names: never offered for a new tracking number (even
# if a list cached earlier still has them), but one stored before still shows by its name.
# WEDO went on 11 May 2026, ALLEGRO on 9 June 2026 (allegro-api #13154, #13267): such parcels
# go through "Wysyłam z Allegro", which fills in the waybill itself.
REMOVED_CARRIERS: dict[str, str] = {
    "ALLEGRO": "Allegro One",
    "WEDO": "WE|DO",
}


# Allegro's ids of the carriers this shop's marketplaces use most (as `/order/carriers` lists
# them now); OTHER covers the rest.
FALLBACK_CARRIERS: list[tuple[str, str]] = [
    ("INPOST", "InPost"),
    ("DPD", "DPD"),
    ("DHL", "DHL"),
    ("GLS", "GLS"),
    ("POCZTA_POLSKA", "Poczta Polska"),
    ("ORLEN_PACZKA", "ORLEN Paczka"),
    ("UPS", "UPS"),
    ("PACKETA", "Packeta"),
    ("PPL", "PPL"),
    (OTHER, OTHER),
]


@dataclass(frozen=True)
class CarrierChoices:
    choices: list[tuple[str, str]]
    from_allegro: bool  # False: the built-in list, because Allegro could not be asked


def _from_allegro(account: AllegroAccount) -> list[tuple[str, str]] | None:
    if not account.is_connected:
        return None
    try:
        # A 429 pause would make the client wait (or refuse): the page takes the short list.
        if request_gate_for(account.pk).paused_for() > 0:
            return None
        # Staff wait on this page: it goes with the writes, before the imports' reads.
        client = client_for_account(account, priority=WRITE)
        return [(c.id, c.name) for c in client.carriers()]
    except (AllegroError, RedisError) as error:
        logger.warning(
            "allegro.carriers.unavailable",
            extra={"account_id": account.pk, "error": str(error)},
        )
        return None


def _offered(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [
        (carrier_id, name) for carrier_id, name in choices if carrier_id not in REMOVED_CARRIERS
    ]


def carrier_label(carrier_code: str, carrier_name: str = "") -> str:
    """How a stored tracking number names its carrier, also one Allegro has since removed."""
    return carrier_name or REMOVED_CARRIERS.get(carrier_code) or carrier_code


def carriers_for(account: AllegroAccount) -> CarrierChoices:
    key = CACHE_KEY.format(account_id=account.pk)
    cached = cache.get(key)
    if cached is not None:
        return CarrierChoices(
            choices=_offered(cached["choices"]), from_allegro=cached["from_allegro"]
        )
    live = _offered(_from_allegro(account) or [])
    found = CarrierChoices(choices=live or FALLBACK_CARRIERS, from_allegro=bool(live))
    cache.set(
        key,
        {"choices": found.choices, "from_allegro": found.from_allegro},
        CACHE_SECONDS if found.from_allegro else FALLBACK_CACHE_SECONDS,
    )
    return found


# Words of Allegro's delivery method names ("Allegro Kurier DPD", "Allegro Wysyłka z Polski do
# Czech - Odbiór w Punkcie Packeta") and the carrier each names; the first that matches wins.
# No method means "Allegro One": since 9 June 2026 its parcels carry Allegro's own waybills.
DELIVERY_METHOD_WORDS: list[tuple[str, str]] = [
    (r"packeta|z[áa]silkovna|z-box", "PACKETA"),
    (r"inpost|paczkomat\w*", "INPOST"),
    (r"orlen|ruchu?", "ORLEN_PACZKA"),
    (r"dpd", "DPD"),
    (r"dhl", "DHL"),
    (r"gls", "GLS"),
    (r"ups", "UPS"),
    (r"fedex", "FEDEX"),
    (r"ppl", "PPL"),
    (r"poczta polska|pocztex", "POCZTA_POLSKA"),
    (r"[čc]esk[áa] po[šs]ta", "CESKA_POSTA"),
    (r"slovensk[áa] po[šs]ta", "SLOVENSKA_POSTA"),
    (r"magyar posta", "MAGYAR_POSTA"),
]


def carrier_for_delivery_method(method: str, choices: list[tuple[str, str]]) -> str:
    """The carrier to preselect for an order sent by `method`: one of `choices` (as Allegro
    lists them now), or "" when the name says nothing sure: staff then choose."""
    offered = {carrier_id for carrier_id, _name in choices}
    for words, carrier_id in DELIVERY_METHOD_WORDS:
        if carrier_id in offered and re.search(rf"\b(?:{words})\b", method, re.IGNORECASE):
            return carrier_id
    return ""
