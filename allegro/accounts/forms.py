"""Form fields about Allegro accounts that several Allegro pages use."""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from allegro.accounts.models import AllegroAccount


class _AccountChoices(forms.models.ModelChoiceIterator):
    """A shop has a handful of accounts: one plain query, not Django's default server-side
    cursor (DECLARE, FETCH, CLOSE on PostgreSQL) on every list page."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for account in list(self.queryset):
            yield self.choice(account)


class AccountFilterField(forms.ModelChoiceField):
    """A list filter: one Allegro account by its name, or any (empty)."""

    iterator = _AccountChoices

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Account"))
        super().__init__(
            queryset=AllegroAccount.objects.order_by("name", "login"),
            required=False,
            empty_label=_("any"),
            **kwargs,
        )

    def label_from_instance(self, obj: AllegroAccount) -> str:
        return obj.display_name
