"""What the order book stores for staff to read (shop.notices): refusals of the workflow kept on
bulk runs, the history's messages. Numbers, carriers and the ERP's VAT rule text ride as
parameters as they came; statuses and kinds are said in the reader's language."""

from django.utils.translation import gettext_lazy as _

from shop.notices import notice_kind

INVALID_TRANSITION = notice_kind(
    "sales.invalid_transition", _("An order that is “%(current)s” cannot become “%(target)s”.")
)
FULFILLED_OUTSIDE = notice_kind("sales.event.fulfilled_outside", _("Fulfilled outside the shop."))
DECISION = notice_kind("sales.event.decision", _("Decision: %(choice)s."))
# "FV/17/2026 · Faktura VAT · 0 % WDT": a list of parts, each in the reader's words.
PARTS = notice_kind("sales.event.parts", lambda params: params["parts"])

# Refusals of a new order: kept by the channel that asked (an Allegro order's conversion).
NO_LINES = notice_kind("sales.refused.no_lines", _("An order needs at least one line."))
CURRENCY_UNAVAILABLE = notice_kind(
    "sales.refused.currency_unavailable",
    _("The currency %(currency)s is not available in the shop."),
)
MIXED_CURRENCIES = notice_kind(
    "sales.refused.mixed_currencies", _("All amounts of an order must be in %(currency)s.")
)
QUANTITY = notice_kind("sales.refused.quantity", _("Every line needs a quantity of at least 1."))
UNKNOWN_BUYER_KIND = notice_kind("sales.refused.buyer_kind", _("Unknown buyer kind: %(kind)s."))
UNKNOWN_STATUS = notice_kind("sales.refused.status", _("Unknown order status: %(status)s."))
