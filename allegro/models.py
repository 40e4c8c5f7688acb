"""Django finds an app's models here; each sub-package owns its own (one migration history)."""

from allegro.accounts.models import AllegroAccount
from allegro.conversion.models import OfferProductLink
from allegro.orders.models import (
    AllegroImportProblem,
    AllegroOrder,
    AllegroOrderEvent,
    AllegroOrderLine,
    AllegroOrderNote,
)
from allegro.returns.models import AllegroRefund, AllegroReturn, AllegroReturnLine, RefundLimit
from allegro.writeback.models import AllegroWrite, FulfillmentStatusMapping

__all__ = [
    "AllegroAccount",
    "AllegroImportProblem",
    "AllegroOrder",
    "AllegroOrderEvent",
    "AllegroOrderLine",
    "AllegroOrderNote",
    "AllegroRefund",
    "AllegroReturn",
    "AllegroReturnLine",
    "AllegroWrite",
    "FulfillmentStatusMapping",
    "OfferProductLink",
    "RefundLimit",
]
