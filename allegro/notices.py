"""What the Allegro channel stores for staff to read (shop.notices): conversion refusals, import
problems, errors of writes and accounts. Allegro's own words (`userMessage`, a field path of a
form that does not fit the contract) ride as parameters and are shown as they came."""

from django.utils.translation import gettext_lazy as _

from allegro.api.errors import (
    AllegroAuthError,
    AllegroClientError,
    AllegroConflict,
    AllegroError,
    AllegroRateLimited,
    AllegroUnavailable,
)
from shop.notices import LegacyTexts, Notice, audit_action_kind, notice_kind

# --- conversion: why an order cannot become a sales order -------------------------------------

CONVERTED = notice_kind("allegro.conversion.converted", _("A sales order was already created."))
SUPERSEDED = notice_kind(
    "allegro.conversion.superseded",
    _(
        "This checkout form was merged into %(form_id)s (the buyer paid several "
        "purchases together). Create the order from that one."
    ),
)
CANCELLED = notice_kind(
    "allegro.conversion.cancelled",
    _("The order was cancelled in Allegro; there is nothing to create."),
)
NOT_PAID = notice_kind(
    "allegro.conversion.not_paid",
    _(
        "The buyer has not paid for this order yet (%(status)s). Wait until the "
        "buyer pays: the order can be created once it is ready for processing."
    ),
)
MARKETPLACE_UNKNOWN = notice_kind(
    "allegro.conversion.marketplace_unknown",
    _(
        "Unknown marketplace %(marketplace)s: the shop does not know this Allegro "
        "marketplace, so the order cannot be converted. It has to be added to the shop first."
    ),
)
FULFILLED_OUTSIDE = notice_kind(
    "allegro.conversion.fulfilled_outside",
    _(
        "Allegro already shows this order as “%(status)s”. The sales order "
        "starts in the matching status, marked as fulfilled outside the shop: "
        "the ERP only issues its invoice and nothing is shipped again."
    ),
)
MALFORMED = notice_kind(
    "allegro.conversion.malformed",
    _("The stored checkout form cannot be read (%(reason)s); it cannot be converted."),
)
NEEDS_CONFIRMATION = notice_kind(
    "allegro.conversion.needs_confirmation", _("%(reason)s Confirm to create it.")
)
MARKETPLACE_VARIANT = notice_kind(
    "allegro.conversion.marketplace",
    _("Orders from %(marketplace)s need the Enterprise or B2B shop variant."),
)
CURRENCY_UNKNOWN = notice_kind(
    "allegro.conversion.currency_unknown",
    _("The shop does not know the currency %(currency)s; such an order cannot be created."),
)
CURRENCY_UNAVAILABLE = notice_kind(
    "allegro.conversion.currency_unavailable",
    _(
        "The currency %(currency)s is not available in the shop. Make %(currency)s "
        "available from the ERP, then try again."
    ),
)
UNMATCHED = notice_kind(
    "allegro.conversion.unmatched",
    _("No active shop product matches the offers %(offers)s. Choose the product for each of them."),
)
TOTAL_MISMATCH = notice_kind(
    "allegro.conversion.total_mismatch",
    _(
        "The order would total %(total)s, but the buyer pays %(to_pay)s in Allegro "
        "(difference %(difference)s). Check the order in Allegro."
    ),
)
UNEXPECTED_CONVERSION = notice_kind(
    "allegro.conversion.unexpected", _("Unexpected error while creating the order: %(error)s")
)

# --- attention asked of staff on the sales order ----------------------------------------------

MISSING_TAX_ID = notice_kind(
    "allegro.attention.missing_tax_id",
    _("The buyer wants an invoice but gave no tax id: check with the buyer before invoicing."),
)
CANCELLED_BY_ALLEGRO = notice_kind(
    "allegro.attention.auto_cancelled",
    _(
        "Allegro cancelled the order automatically (%(form_id)s) after the sales order "
        "was created. Do not ship it before checking the order in Allegro."
    ),
)
CANCELLED_BY_BUYER = notice_kind(
    "allegro.attention.buyer_cancelled",
    _(
        "The buyer cancelled the order in Allegro (%(form_id)s) after the sales order "
        "was created. Do not ship it; cancel it or settle it with the buyer."
    ),
)
CANCELLED_AFTER = notice_kind(
    "allegro.attention.cancelled",
    _(
        "The order was cancelled in Allegro (%(form_id)s) after the sales order was "
        "created. Do not ship it before checking the order in Allegro."
    ),
)

# --- the import -------------------------------------------------------------------------------

IMPORT_MALFORMED = notice_kind(
    "allegro.import.malformed",
    _("The checkout form does not fit Allegro's contract and was not imported: %(detail)s"),
)
IMPORT_MARKETPLACE_UNKNOWN = notice_kind(
    "allegro.import.marketplace_unknown",
    _(
        "Unknown marketplace %(marketplace)s: the order is imported but cannot be converted "
        "until the shop knows this marketplace."
    ),
)

# --- writes to Allegro ------------------------------------------------------------------------

WRITE_REMOVED = notice_kind(
    "allegro.write.removed", _("The tracking number was removed before it was sent.")
)
WRITE_CANCELLED = notice_kind(
    "allegro.write.cancelled", _("Not sent: the order was cancelled when it was checked.")
)
WRITE_FURTHER_ALONG = notice_kind(
    "allegro.write.further_along", _("Not sent: Allegro is further along (it shows %(status)s).")
)
WRITE_REPLACED = notice_kind("allegro.write.replaced", _("A later status replaced it."))
WRITE_NOT_FOR_BUYER = notice_kind(
    "allegro.write.not_for_buyer", _("Not sent: the buyer may not receive this invoice.")
)

# --- accounts ---------------------------------------------------------------------------------

ACCOUNT_DISCONNECTED = notice_kind(
    "allegro.account.disconnected", _("Disconnected by an administrator.")
)
ACCOUNT_TOKENS_UNREADABLE = notice_kind(
    "allegro.account.tokens_unreadable",
    _("The saved authorization cannot be read. Connect the account again."),
)
ACCOUNT_TOKENS_REVOKED = notice_kind(
    "allegro.account.tokens_revoked",
    _(
        "Allegro no longer accepts the saved authorization (revoked, password "
        "changed or expired). Connect the account again."
    ),
)

# --- Allegro's errors: our sentence around Allegro's own words --------------------------------

ALLEGRO_UNAVAILABLE = notice_kind(
    "allegro.error.unavailable",
    _("Allegro did not answer or failed; it will be tried again. Details: %(detail)s"),
)
ALLEGRO_RATE_LIMITED = notice_kind(
    "allegro.error.rate_limited",
    _("Allegro asked for fewer requests; it will be tried again. Details: %(detail)s"),
)
ALLEGRO_AUTH = notice_kind(
    "allegro.error.auth",
    _("Allegro did not accept the account's authorization. Details: %(detail)s"),
)
ALLEGRO_CONFLICT = notice_kind(
    "allegro.error.conflict",
    _("Allegro holds a newer version of the order; it will be tried again. Details: %(detail)s"),
)
ALLEGRO_REFUSED = notice_kind("allegro.error.refused", _("Allegro refused it: %(message)s"))
ALLEGRO_ERROR = notice_kind("allegro.error.other", _("Error talking to Allegro: %(detail)s"))

# A detail is Allegro's words and may be long; a short column (status_reason) keeps this much.
DETAIL_CHARS = 150


def allegro_error_notice(error: AllegroError, *, limit: int | None = None) -> Notice:
    """Our sentence for an Allegro error, with its own words (and trace-id) as the detail."""
    if isinstance(error, AllegroClientError) and error.user_message:
        return ALLEGRO_REFUSED(message=error.for_staff(error.user_message)[:limit])
    detail = error.for_staff()[:limit]
    if isinstance(error, AllegroRateLimited):
        return ALLEGRO_RATE_LIMITED(detail=detail)
    if isinstance(error, AllegroUnavailable):
        return ALLEGRO_UNAVAILABLE(detail=detail)
    if isinstance(error, AllegroAuthError):
        return ALLEGRO_AUTH(detail=detail)
    if isinstance(error, AllegroConflict):
        return ALLEGRO_CONFLICT(detail=detail)
    return ALLEGRO_ERROR(detail=detail)


# --- the audit trail's actions in words --------------------------------------------------------

for _action, _label in {
    "allegro.auto_conversion_set": _("Automatic orders switched"),
    "allegro.status_mapping_set": _("Status mapping changed"),
    "allegro.write_switches_set": _("Sending to Allegro switched"),
    "allegro.account_connected": _("Allegro account connected"),
    "allegro.account_disconnected": _("Allegro account disconnected"),
    "allegro.account_renamed": _("Allegro account renamed"),
    "allegro.account_paused": _("Allegro account paused"),
    "allegro.account_resumed": _("Allegro account resumed"),
}.items():
    audit_action_kind(_action, _label)


# --- text stored before codes (the data migration 0014) -------------------------------------


def legacy_texts() -> LegacyTexts:
    """Reasons and errors of orders, writes and accounts, as stored in Polish or English (a
    conversion refused by the order book too)."""
    return LegacyTexts()


def legacy_import_problems() -> LegacyTexts:
    """An import problem was the contract's own words (a field path and what is wrong with
    it) or the unknown marketplace note; both get their sentence around them now."""
    return LegacyTexts(
        lambda code: code == IMPORT_MARKETPLACE_UNKNOWN.code,
        extra={
            "marketplace.id: unknown marketplace '%(marketplace)s'; the order is imported but "
            "cannot be converted until the shop knows this marketplace": lambda found: (
                IMPORT_MARKETPLACE_UNKNOWN(**found)
            )
        },
        otherwise=lambda text: IMPORT_MALFORMED(detail=text),
    )
