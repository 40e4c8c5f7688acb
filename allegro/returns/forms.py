import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from allegro.accounts.forms import AccountFilterField
from allegro.returns.models import AllegroReturn, RejectionCode, ReturnStatus
from sales.models import CURRENCY_CHOICES
from shop.forms import FilterDateField, FilterSearchField

ANY = [("", _("any"))]


class ReturnFilterForm(forms.Form):
    """The GET filters of Allegro ▸ Zwroty; every field is optional."""

    q = FilterSearchField(placeholder=_("buyer login, reference, waybill, order id"))
    account = AccountFilterField()
    status = forms.ChoiceField(
        label=_("Status on Allegro"), required=False, choices=ANY + ReturnStatus.choices
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=ANY + [c for c in AllegroReturn.Decision.choices if c[0]],
    )
    waiting = forms.BooleanField(label=_("Waiting for a decision"), required=False)
    created_from = FilterDateField(label=_("Declared from"))
    created_to = FilterDateField(label=_("Declared to"))


class RejectForm(forms.Form):
    code = forms.ChoiceField(label=_("Reason"), choices=RejectionCode.choices)
    reason = forms.CharField(
        label=_("Explanation for the buyer"),
        required=False,
        max_length=250,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommandForm(forms.Form):
    """A refund's commandId, made when the form is shown: pressing twice sends the same one."""

    command_id = forms.UUIDField(widget=forms.HiddenInput)

    @classmethod
    def fresh(cls, **kwargs: object) -> "CommandForm":
        return cls(initial={"command_id": uuid.uuid4()}, **kwargs)  # type: ignore[arg-type]


class RefundForm(CommandForm):
    """A refund by hand: quantities per line, delivery, surcharges (fields added per order)."""

    delivery = forms.DecimalField(
        label=_("Delivery"), required=False, min_value=Decimal("0"), decimal_places=2
    )
    comment = forms.CharField(label=_("Comment for the buyer"), required=False, max_length=250)

    def __init__(
        self,
        *args: object,
        lines: list[tuple[str, str, int]] = (),  # type: ignore[assignment]
        surcharges: list[tuple[str, Decimal]] = (),  # type: ignore[assignment]
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.line_ids = [line_id for line_id, _name, _left in lines]
        for line_id, name, left in lines:
            self.fields[f"line_{line_id}"] = forms.IntegerField(
                label=name, required=False, min_value=0, max_value=max(left, 0), initial=0
            )
        self.surcharge_ids = [sid for sid, _paid in surcharges]
        for index, (sid, paid) in enumerate(surcharges, start=1):
            self.fields[f"surcharge_{sid}"] = forms.DecimalField(
                label=_("Surcharge %(n)s (up to %(paid)s)") % {"n": index, "paid": paid},
                required=False,
                min_value=Decimal("0"),
                decimal_places=2,
            )

    def line_fields(self) -> list[forms.BoundField]:
        return [self[f"line_{line_id}"] for line_id in self.line_ids]

    def surcharge_fields(self) -> list[forms.BoundField]:
        return [self[f"surcharge_{sid}"] for sid in self.surcharge_ids]


class RefundLimitForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    amount = forms.DecimalField(
        label=_("Limit"),
        required=False,
        min_value=Decimal("0"),
        decimal_places=2,
        help_text=_("Empty: no limit."),
    )
