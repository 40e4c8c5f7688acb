"""What the ERP synchronization stores for staff to read (shop.notices). The ERP's refusal
carries a code (erp_simulator/PROTOCOL.md, "Errors"): a known code is our sentence in the
reader's language, and the ERP's own words follow as they came, as the detail."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from shop.notices import LegacyTexts, Notice, audit_action_kind, notice_kind

# --- the ERP not reached, or answering what the protocol does not allow -----------------------

UNAVAILABLE = notice_kind("erp.unavailable", _("The ERP is unavailable: %(error)s"))
TIMEOUT = notice_kind(
    "erp.unavailable.timeout",
    _("The ERP did not answer in %(seconds)s s; the next synchronization tries again."),
)
UNREACHABLE = notice_kind(
    "erp.unavailable.unreachable",
    _("The ERP cannot be reached (%(error)s); the next synchronization tries again."),
)
HTTP_FAILED = notice_kind(
    "erp.unavailable.http",
    _("The ERP answered HTTP %(status)s; the next synchronization tries again."),
)
BAD_RESPONSE = notice_kind(
    "erp.bad_response", _("The ERP's answer does not fit the protocol: %(detail)s")
)

# --- the ERP said no: by its code ---------------------------------------------------------------

REFUSED = notice_kind(
    "erp.refused", _("The ERP refused it (HTTP %(status)s, %(code)s). The ERP says: %(message)s")
)
REFUSED_BY_CODE = {
    "validation_error": notice_kind(
        "erp.refused.validation_error",
        _("The ERP found the order invalid. The ERP says: %(message)s"),
    ),
    "currency_unavailable": notice_kind(
        "erp.refused.currency_unavailable",
        _(
            "The order's currency is switched off in the ERP: switch it on there, then "
            "synchronize again. The ERP says: %(message)s"
        ),
    ),
    "locked": notice_kind(
        "erp.refused.locked",
        _("The ERP has started on the order and takes no more changes. The ERP says: %(message)s"),
    ),
    "not_found": notice_kind(
        "erp.refused.not_found", _("The ERP does not know it. The ERP says: %(message)s")
    ),
    "unauthorized": notice_kind(
        "erp.refused.unauthorized",
        _("The ERP did not accept the shop's token (ERP_API_TOKEN). The ERP says: %(message)s"),
    ),
    "bad_request": notice_kind(
        "erp.refused.bad_request",
        _("The ERP could not read the shop's request. The ERP says: %(message)s"),
    ),
}


def erp_refusal(*, code: str, status: object, message: str) -> Notice:
    """The ERP's refusal: our sentence for its code, its own words kept as the detail."""
    kind = REFUSED_BY_CODE.get(code)
    if kind is not None:
        return kind(message=message)
    return REFUSED(status=str(status or "?"), code=code or "?", message=message)


# --- the synchronization's own -----------------------------------------------------------------

CURRENCIES = notice_kind("erp.sync.currencies", _("Currencies: %(error)s"))
UNKNOWN_ORDER = notice_kind("erp.sync.unknown_order", _("The ERP does not know order %(number)s."))
LATE_CHANGE = notice_kind(
    "erp.sync.late_change",
    _("Changed in the shop after the ERP started on it; the change was not sent."),
)
ABANDONED = notice_kind("erp.sync.abandoned", _("Abandoned: no progress for too long."))

# --- attention asked of staff on the sales order ------------------------------------------------

DOCUMENT_CANCELLED = notice_kind(
    "erp.attention.cancelled", _("The ERP cancelled document %(document)s.")
)
KSEF_REJECTED = notice_kind(
    "erp.attention.ksef_rejected",
    _(
        "KSeF rejected invoice %(number)s: %(reason)s. It is not an invoice and was not"
        " sent to the buyer; have it corrected in the ERP."
    ),
)
NO_REASON = notice_kind("erp.attention.no_reason", _("no reason given"))
KSEF_NOT_SENT = notice_kind(
    "erp.attention.ksef_not_sent",
    _(
        "Invoice %(number)s to a company was not sent to KSeF, so it does not go to the"
        " buyer; check it in the ERP."
    ),
)

audit_action_kind("erp.periodic_set", _("Periodic ERP synchronization switched"))


# --- text stored before codes (the data migration 0003) -------------------------------------


def legacy_texts() -> LegacyTexts:
    """Errors of orders and runs as stored: any known sentence in Polish or English, the ERP's
    refusal as "The ERP refused it (HTTP 422, code): its words" (by its code now), and the
    backend's English reasons for an unavailable ERP after our translated prefix."""
    extra = {
        "The ERP refused it (HTTP %(status)s, %(code)s): %(message)s": lambda found: erp_refusal(
            **found
        ),
        "The ERP refused it (HTTP %(status)s): %(message)s": lambda found: erp_refusal(
            code="", **found
        ),
    }
    for language in ("en", "pl"):
        with override(language):
            prefix = str(UNAVAILABLE.template).replace("%(error)s", "")
        extra |= {
            prefix + "The ERP did not answer in %(seconds)s s.": lambda found: TIMEOUT(**found),
            prefix + "The ERP cannot be reached (%(error)s).": lambda found: UNREACHABLE(**found),
            prefix + "The ERP answered HTTP %(status)s.": lambda found: HTTP_FAILED(**found),
        }
    return LegacyTexts(extra=extra)
