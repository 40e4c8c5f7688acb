from django import forms
from django.utils.translation import gettext_lazy as _

from allegro.accounts.forms import AccountFilterField
from allegro.marketplaces import MARKETPLACE_CHOICES
from allegro.orders.models import BuyerStatus, FulfillmentStatus
from shop.forms import FilterDateField, FilterSearchField

ANY = [("", _("any"))]


class OrderFilterForm(forms.Form):
    """The GET filters of Allegro ▸ Zamówienia; every field is optional."""

    q = FilterSearchField(placeholder=_("number, buyer, phone, NIP, tracking, invoice, SKU…"))
    account = AccountFilterField()
    marketplace = forms.ChoiceField(
        label=_("Marketplace"), required=False, choices=[*ANY, *MARKETPLACE_CHOICES]
    )
    status = forms.ChoiceField(
        label=_("Buyer status"), required=False, choices=ANY + BuyerStatus.choices
    )
    fulfillment_status = forms.ChoiceField(
        label=_("Fulfillment"), required=False, choices=ANY + FulfillmentStatus.choices
    )
    bought_from = FilterDateField(label=_("Bought from"))
    bought_to = FilterDateField(label=_("Bought to"))
    not_converted = forms.BooleanField(label=_("Not converted yet"), required=False)
    conversion_failed = forms.BooleanField(label=_("Automatic conversion failed"), required=False)
