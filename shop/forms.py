from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shop.models import VAT_RATES, Product, ShopVariant, vat_rate_refusal
from shop.services import validate_ean


class VariantForm(forms.Form):
    variant = forms.ChoiceField(
        label=_("Shop variant"), choices=ShopVariant.choices, widget=forms.RadioSelect
    )


class CurrencyAvailabilityForm(forms.Form):
    code = forms.CharField(max_length=3)
    available = forms.BooleanField(required=False)


class ProductSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)


class ProductForm(forms.ModelForm):
    ean = forms.CharField(
        label=_("EAN"),
        required=False,
        max_length=13,
        validators=[validate_ean],
        help_text=_("8 or 13 digits; leave empty when the product has none."),
    )
    # A select of Poland's rates; the model's validator and constraint refuse any other.
    vat_rate = forms.TypedChoiceField(
        label=_("VAT rate (%)"),
        choices=[(str(rate), f"{rate} %") for rate in VAT_RATES],
        coerce=Decimal,
    )

    class Meta:
        model = Product
        fields = ["sku", "ean", "name", "vat_rate", "price", "is_active"]
        error_messages = {"sku": {"unique": _("A product with this SKU already exists.")}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Django fills this message's %(value)s: the % of the rates must be escaped.
        refusal = vat_rate_refusal().replace("%", "%%")
        self.fields["vat_rate"].error_messages["invalid_choice"] = refusal
        if self.instance.pk is not None:
            # 23.00 from the database is the choice "23".
            self.initial["vat_rate"] = f"{self.instance.vat_rate.normalize():f}"
