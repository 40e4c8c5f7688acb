import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from allegro.messaging.services import MAX_TEXT


class ThreadFilterForm(forms.Form):
    unread = forms.BooleanField(label=_("Unread only"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=128,
        widget=forms.TextInput(attrs={"placeholder": _("buyer, order number")}),
    )


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_TEXT}),
    )
    # One key per form shown: sending the same form twice keeps one reply.
    key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: object, text: str = "", **kwargs: object) -> None:
        kwargs.setdefault("initial", {"text": text, "key": uuid.uuid4()})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
