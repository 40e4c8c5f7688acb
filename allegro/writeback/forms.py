"""Forms of writing to Allegro: tracking numbers, the list of writes, and their settings."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from allegro.accounts.forms import AccountFilterField
from allegro.orders.models import FulfillmentStatus
from allegro.writeback.carriers import OTHER
from allegro.writeback.models import AllegroWrite
from allegro.writeback.selectors import ALL, HELD, WAITING
from sales.models import SalesOrderStatus
from sales.services import MAX_WAYBILL_LENGTH, SalesOrderRefused, waybill_normalize

# Allegro takes at most 30 characters of a carrier's name (only sent with OTHER).
CARRIER_NAME_MAX_LENGTH = 30

# In the mapping's selects: "" would read as a missing field, so "do not send" has a value.
NOT_SENT_CHOICE = "NOT_SENT"


class ShipmentAddForm(forms.Form):
    """A tracking number for an Allegro order. What a waybill may be is sales'
    waybill_normalize, asked here so that the form and the service say the same."""

    carrier = forms.ChoiceField(
        label=_("Carrier"), error_messages={"required": _("Choose the carrier.")}
    )
    waybill = forms.CharField(
        label=_("Tracking number"),
        required=False,  # empty is refused by clean_waybill, with the one message
        widget=forms.TextInput(attrs={"maxlength": MAX_WAYBILL_LENGTH}),
    )
    carrier_name = forms.CharField(
        label=_("Carrier name"),
        required=False,
        max_length=CARRIER_NAME_MAX_LENGTH,
        help_text=_("Only for “other”."),
    )

    def __init__(self, *args: Any, carriers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.carrier_names = dict(carriers)
        carrier = self.fields["carrier"]
        assert isinstance(carrier, forms.ChoiceField)
        # No carrier is assumed: the panel preselects the one of the order's delivery method.
        carrier.choices = [("", _("— choose —")), *carriers]

    def clean_waybill(self) -> str:
        try:
            return waybill_normalize(self.cleaned_data["waybill"])
        except SalesOrderRefused as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns; the stubs allow None
        if data.get("carrier") == OTHER and not data.get("carrier_name", "").strip():
            self.add_error("carrier_name", _("Name the carrier when it is “other”."))
        return data

    def carrier_name_to_keep(self) -> str:
        """The name typed for OTHER, else Allegro's name of the chosen carrier."""
        carrier = self.cleaned_data["carrier"]
        if carrier == OTHER:
            return self.cleaned_data["carrier_name"].strip()
        return self.carrier_names.get(carrier, "")


class WriteFilterForm(forms.Form):
    """The GET filters of Allegro ▸ Wysyłanie do Allegro; no state means the failed ones."""

    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[
            (AllegroWrite.State.FAILED, _("Failed")),
            (WAITING, _("Waiting too long")),
            (HELD, _("Held for attention")),
            (AllegroWrite.State.PENDING, _("Pending")),
            (AllegroWrite.State.DONE, _("Done")),
            (AllegroWrite.State.SKIPPED, _("Nothing to send")),
            (ALL, _("any")),
        ],
    )
    kind = forms.ChoiceField(
        label=_("What"), required=False, choices=[("", _("any")), *AllegroWrite.Kind.choices]
    )
    account = AccountFilterField()


class IdListField(forms.Field):
    """Row ids posted by a page; ids that are not numbers are dropped, not refused, since
    what may be done with each row is the service's decision anyway."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        return [int(v) for v in value or () if str(v).isdigit()]


class WriteBulkRetryForm(forms.Form):
    writes = IdListField()
    next = forms.CharField(required=False)


class WriteSwitchesForm(forms.Form):
    """Checkboxes: absent means off."""

    fulfillment_paused = forms.BooleanField(label=_("Pause status updates"), required=False)
    shipment_paused = forms.BooleanField(label=_("Pause tracking numbers"), required=False)
    invoice_paused = forms.BooleanField(label=_("Pause invoices"), required=False)
    invoices_for_everyone = forms.BooleanField(
        label=_("Send invoices to every buyer"),
        required=False,
        help_text=_("Otherwise only to buyers who asked for an invoice."),
    )


class StatusMappingForm(forms.Form):
    """One select per sales order status: the Allegro status it shows as, or none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (NOT_SENT_CHOICE, _("do not send")),
            *[
                (status.value, status.label)
                for status in FulfillmentStatus
                if status != FulfillmentStatus.RETURNED
            ],
        ]
        for status in SalesOrderStatus:
            self.fields[status.value] = forms.ChoiceField(label=status.label, choices=choices)

    @classmethod
    def for_mapping(cls, mapping: dict[str, str], **kwargs: Any) -> "StatusMappingForm":
        return cls(initial={s: v or NOT_SENT_CHOICE for s, v in mapping.items()}, **kwargs)

    def mapping(self) -> dict[str, str]:
        """{sales status: Allegro status, "" = not sent}, as the service takes it."""
        return {
            status: "" if value == NOT_SENT_CHOICE else value
            for status, value in self.cleaned_data.items()
        }
