from django import forms
from django.utils.translation import gettext_lazy as _

from shop.models import Product, ShopVariant
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

    class Meta:
        model = Product
        fields = ["sku", "ean", "name", "vat_rate", "price", "is_active"]
        error_messages = {"sku": {"unique": _("A product with this SKU already exists.")}}
