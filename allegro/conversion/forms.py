from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allegro.api.payloads import Line
from allegro.conversion.selectors import product_choices
from allegro.orders.models import AllegroOrder
from shop.forms import LocalDateInput


class ConversionForm(forms.Form):
    """The product picker of the detail page: one product and one "remember" per offer that
    matches no product. Offers that match need no field, so the form may have none. An
    order Allegro shows as fulfilled adds the operator's confirmation of it."""

    fulfilled_outside_confirmed = forms.BooleanField(
        label=_("Yes, create it as already fulfilled outside the shop"), required=False
    )

    def __init__(self, *args: Any, lines: Sequence[Line] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list({line.offer_id: line for line in lines}.values())
        for line in self.lines:
            label = _("Product for offer %(offer)s") % {"offer": line.offer_id}
            self.fields[f"product_{line.offer_id}"] = forms.ModelChoiceField(
                label=label,
                queryset=product_choices(),
                required=False,
                empty_label=_("— choose a product —"),
                widget=forms.Select(attrs={"aria-label": label}),
            )
            self.fields[f"remember_{line.offer_id}"] = forms.BooleanField(
                label=_("Remember for this offer"), required=False, initial=True
            )

    def picker(self) -> list[tuple[Line, forms.BoundField, forms.BoundField]]:
        return [
            (line, self[f"product_{line.offer_id}"], self[f"remember_{line.offer_id}"])
            for line in self.lines
        ]

    def products(self) -> dict[str, int]:
        """Offer id → the chosen product's id, for the offers given a product."""
        chosen = {
            line.offer_id: self.cleaned_data[f"product_{line.offer_id}"] for line in self.lines
        }
        return {offer_id: product.pk for offer_id, product in chosen.items() if product}

    def remembered(self) -> set[str]:
        return {
            line.offer_id for line in self.lines if self.cleaned_data[f"remember_{line.offer_id}"]
        }


class BulkConvertForm(forms.Form):
    orders = forms.ModelMultipleChoiceField(
        queryset=AllegroOrder.objects.only(
            "pk", "buyer_login", "checkout_form_id", "bought_at", "fulfillment_status"
        )
    )
    next = forms.CharField(required=False)


class AutoConversionForm(forms.Form):
    enabled = forms.BooleanField(label=_("Create orders for offers automatically"), required=False)
    since = forms.DateField(
        label=_("For orders bought since"),
        required=False,
        help_text=_("Empty: orders bought from the moment it is switched on."),
        widget=LocalDateInput(),
    )

    def since_datetime(self) -> datetime | None:
        """The chosen day's start in the shop's time zone."""
        day = self.cleaned_data.get("since")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time.min))
