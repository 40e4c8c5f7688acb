from collections.abc import Iterable
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from sales.models import CURRENCY_CHOICES, SalesOrder, SalesOrderStatus
from sales.selectors import SOURCE_SEPARATOR, sales_order_list, sales_order_sources
from sales.services import MAX_NOTE_LENGTH
from shop.forms import FilterDateField, FilterSearchField, LabelledFileInput

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

    q = FilterSearchField(placeholder=_("number, buyer, phone, NIP, tracking, invoice, SKU…"))
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
        widget=LabelledFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"),
        max_length=MAX_NOTE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("seen only by the shop's staff")}),
    )


# "All matching the filter" takes at most this many orders: more is a filter to narrow.
BULK_MAX_ORDERS = 10_000
# A printout of more pages than this is no morning's work and would hold the request long.
BULK_PRINT_MAX = 500
PRINT_PACKING_LISTS = "print_packing_lists"
PRINT_ORDER_SHEETS = "print_order_sheets"
PRINT_PICK_LIST = "print_pick_list"
CHANGE_STATUS = "status"
PRINTS = (PRINT_PICK_LIST, PRINT_PACKING_LISTS, PRINT_ORDER_SHEETS)
SCOPE_SELECTED = "selected"
SCOPE_ALL = "all"


class BulkActionForm(forms.Form):
    """What the list's bulk bar posts: an action and the orders it is for, either the ticked
    rows or every order the list's filter (posted as its query string) matches."""

    ACTIONS = [
        (CHANGE_STATUS, _("Change status")),
        (PRINT_PICK_LIST, _("Pick list")),
        (PRINT_PACKING_LISTS, _("Packing lists")),
        (PRINT_ORDER_SHEETS, _("Order sheets")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    scope = forms.ChoiceField(
        label=_("Orders"),
        choices=[(SCOPE_SELECTED, _("selected")), (SCOPE_ALL, _("all matching the filter"))],
        required=False,
    )
    orders = forms.ModelMultipleChoiceField(
        label=_("Orders"), queryset=SalesOrder.objects.only("pk"), required=False
    )
    status = forms.ChoiceField(
        label=_("New status"), choices=[("", "—"), *SalesOrderStatus.choices], required=False
    )
    filters = forms.CharField(label=_("Filter"), required=False, max_length=2000)

    def __init__(self, *args: Any, actions: Iterable[tuple[str, Any]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        action.choices = [*self.ACTIONS, *actions]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        action = data.get("action")
        if action == CHANGE_STATUS and not data.get("status") and "status" not in self.errors:
            self.add_error("status", _("Choose the new status."))
        if data.get("scope") == SCOPE_ALL:
            ids = self._matching(data.get("filters") or "")
        else:
            ids = sorted(order.pk for order in data.get("orders") or [])
            if not ids and "orders" not in self.errors:
                self.add_error("orders", _("Select the orders first."))
        if ids is not None and len(ids) > BULK_MAX_ORDERS:
            self.add_error(
                None,
                _("More than %(max)d orders match: narrow the filter.") % {"max": BULK_MAX_ORDERS},
            )
        elif ids is not None and action in PRINTS and len(ids) > BULK_PRINT_MAX:
            self.add_error(
                None, _("At most %(max)d orders can be printed at once.") % {"max": BULK_PRINT_MAX}
            )
        data["order_ids"] = ids or []
        return data

    def _matching(self, query: str) -> list[int] | None:
        """The ids the list's filter matches (oldest first), or None with the form's error."""
        filters = SalesOrderFilterForm(QueryDict(query), sources=sales_order_sources())
        if not filters.is_valid():
            self.add_error(None, _("The list's filter is not valid; correct it first."))
            return None
        matching: Any = filters.cleaned_data
        ids = list(
            sales_order_list(filters=matching)
            .order_by("id")
            .values_list("id", flat=True)[: BULK_MAX_ORDERS + 1]
        )
        if not ids:
            self.add_error(None, _("No order matches the filter."))
        return ids
