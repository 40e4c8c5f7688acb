import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shop.models import VAT_RATES, Product, ShopVariant, vat_rate_refusal
from shop.notices import audit_action_label
from shop.services import ROLES, validate_ean

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Dates a filter accepts: far enough either way for any order, near enough that the day after
# and the time-zone shift of either end are still dates Python and the database can hold.
FILTER_DATE_MIN = datetime.date(1900, 1, 1)
FILTER_DATE_MAX = datetime.date(2999, 12, 31)


class LocalDateInput(forms.DateInput):
    """A date typed as the page's language writes it: "03.12.2026" on a Polish page (ISO is
    accepted too: DATE_INPUT_FORMATS in config/formats/). Not `type="date"`: Chromium draws
    that in the browser's locale ("mm/dd/yyyy" on an English machine) whatever the page says."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={
                "placeholder": pgettext_lazy("date input placeholder", "yyyy-mm-dd"),
                "inputmode": "numeric",
                "autocomplete": "off",
                "size": 10,
                "class": "date-input",
                **(attrs or {}),
            }
        )


class LabelledFileInput(forms.FileInput):
    """A file input whose button and "no file" text are in the page's language: Chromium
    draws its own ("Choose file / No file chosen") in the browser's. The native input stays
    (hidden from sight, still focusable); shop/static/shop/app.js writes the chosen name."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"class": "file-input-native", **(attrs or {})})

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        native = super().render(name, value, attrs, renderer)
        input_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        empty = _("No file chosen")
        return format_html(
            '<span class="file-input">{}<label class="btn file-input-button" for="{}">{}</label>'
            ' <span class="file-input-name" data-empty="{}">{}</span></span>',
            native,
            input_id,
            _("Choose file"),
            empty,
            empty,
        )


class FilterDateField(forms.DateField):
    """An optional date of a list's filters; a date out of range is a form error (the list
    shows it and is not narrowed), never a failed page."""

    def __init__(self, *, label: "StrOrPromise") -> None:
        super().__init__(
            label=label,
            required=False,
            widget=LocalDateInput(),
            validators=[
                MinValueValidator(FILTER_DATE_MIN, _("Enter a date after 1900.")),
                MaxValueValidator(FILTER_DATE_MAX, _("Enter a date before 3000.")),
            ],
        )


class FilterSearchField(forms.CharField):
    """The free-text search of a list's filters; `placeholder` says what it looks in."""

    def __init__(self, *, placeholder: "StrOrPromise") -> None:
        super().__init__(
            label=_("Search"),
            required=False,
            max_length=100,
            widget=forms.TextInput(attrs={"type": "search", "placeholder": placeholder}),
        )


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


class AuditFilterForm(forms.Form):
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Action"), required=False)
    object = forms.CharField(label=_("Object"), required=False, max_length=100)
    at_from = FilterDateField(label=_("From"))
    at_to = FilterDateField(label=_("To"))

    def __init__(self, *args, actions: list[str] = [], **kwargs) -> None:  # noqa: B006
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [("", _("any")), *[(a, audit_action_label(a)) for a in actions]]


ROLE_CHOICES = [(role, _(role)) for role in ROLES]


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)


class UserUpdateForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    is_active = forms.BooleanField(label=_("Active (may sign in)"), required=False)
    password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput,
        strip=False,
        required=False,
        help_text=_("Leave empty to keep the current password."),
    )
