from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from allegro.accounts.forms import AccountFilterField
from allegro.claims.models import ClaimStatus, RefundClaim
from allegro.claims.selectors import ClaimableLine


class RefundClaimForm(forms.Form):
    """Which line, and how many of its items, to claim the commission back for."""

    line = forms.TypedChoiceField(label=_("Line"), coerce=int)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)

    def __init__(self, *args: Any, lines: list[ClaimableLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [  # type: ignore[attr-defined]
            (row.line.pk, f"{row.line.offer_name} ({row.left} / {row.line.quantity})")
            for row in lines
            if row.left > 0
        ]


class RefundClaimFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("any")),
            (RefundClaim.State.PENDING, RefundClaim.State.PENDING.label),
            (RefundClaim.State.FAILED, RefundClaim.State.FAILED.label),
            *ClaimStatus.choices,
        ],
    )
    account = AccountFilterField()
