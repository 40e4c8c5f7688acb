"""Django finds an app's models here; each sub-package owns its own (one migration history)."""

from allegro.accounts.models import AllegroAccount
from allegro.claims.models import RefundClaim
from allegro.conversion.models import OfferProductLink
from allegro.messaging.models import (
    AllegroMessage,
    AllegroMessageAttachment,
    AllegroReply,
    AllegroThread,
    ReplyTemplate,
)
from allegro.orders.models import (
    AllegroImportProblem,
    AllegroOrder,
    AllegroOrderEvent,
    AllegroOrderLine,
    AllegroOrderNote,
)
from allegro.returns.models import AllegroRefund, AllegroReturn, AllegroReturnLine, RefundLimit
from allegro.tracking.models import ParcelTracking, TrackingSettings
from allegro.writeback.models import AllegroWrite, FulfillmentStatusMapping

__all__ = [
    "AllegroAccount",
    "AllegroImportProblem",
    "AllegroMessage",
    "AllegroMessageAttachment",
    "AllegroOrder",
    "AllegroOrderEvent",
    "AllegroOrderLine",
    "AllegroOrderNote",
    "AllegroRefund",
    "AllegroReply",
    "AllegroReturn",
    "AllegroReturnLine",
    "AllegroThread",
    "AllegroWrite",
    "FulfillmentStatusMapping",
    "OfferProductLink",
    "ParcelTracking",
    "RefundClaim",
    "RefundLimit",
    "ReplyTemplate",
    "TrackingSettings",
]
