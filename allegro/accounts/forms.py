"""Form fields about Allegro accounts that several Allegro pages use."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from allegro.accounts.models import AllegroAccount


class AccountFilterField(forms.ModelChoiceField):
    """A list filter: one Allegro account by its name, or any (empty)."""

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
