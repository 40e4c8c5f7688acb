from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _

from sales.models import CURRENCY_CHOICES, SalesOrderStatus
from sales.selectors import SOURCE_SEPARATOR
from shop.forms import FilterDateField, FilterSearchField

ANY = [("", _("any"))]


def source_choices(sources: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """ "allegro" for every marketplace of a channel, then "allegro:allegro-cz" for each one."""
    choices: list[tuple[str, str]] = []
    for channel, marketplace in sources:
        if (channel, channel) not in choices:
            choices.append((channel, channel))
        if marketplace:
            choices.append((f"{channel}{SOURCE_SEPARATOR}{marketplace}", f"— {marketplace}"))
    return choices


class SalesOrderFilterForm(forms.Form):
    """The GET filters of Sprzedaż ▸ Zamówienia; every field is optional."""

    q = FilterSearchField(placeholder=_("number, customer, login, e-mail, ref."))
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=ANY + SalesOrderStatus.choices
    )
    source = forms.ChoiceField(label=_("Channel"), required=False, choices=ANY)
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[*ANY, *CURRENCY_CHOICES]
    )
    created_from = FilterDateField(label=_("Created from"))
    created_to = FilterDateField(label=_("Created to"))
    needs_attention = forms.BooleanField(label=_("Needs attention"), required=False)

    def __init__(self, *args, sources: Iterable[tuple[str, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        source = self.fields["source"]
        assert isinstance(source, forms.ChoiceField)
        source.choices = [*ANY, *source_choices(sources)]


class StatusChangeForm(forms.Form):
    """One of the status buttons. Any status is accepted here: whether the order may go there
    is the workflow's decision (the service), which also catches a stale page."""

    status = forms.ChoiceField(choices=SalesOrderStatus.choices)
    # The status the page showed, to tell "someone changed it meanwhile" apart.
    from_status = forms.ChoiceField(choices=SalesOrderStatus.choices, required=False)


class InvoiceUploadForm(forms.Form):
    """The order's invoice added by hand; whether the file is a usable PDF is the service's
    decision, so the ERP's invoices pass the same check."""

    number = forms.CharField(label=_("Invoice number"), max_length=64)
    pdf = forms.FileField(
        label=_("PDF file"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
