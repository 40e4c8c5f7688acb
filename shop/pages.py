"""What the views of every app do alike with a posted form: go back to the page it was sent
from, and say its errors in one line."""

from django import forms
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_or(request: HttpRequest, default: str) -> str:
    """The form's `next` (the page it was sent from) when it is one of this site's, else
    `default`: a link from elsewhere never redirects off the site."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def form_errors(form: forms.Form) -> str:
    """A form's errors in one line, each field's under its label."""
    parts = []
    for name, field_errors in form.errors.items():
        text = " ".join(map(str, field_errors))
        parts.append(f"{form[name].label}: {text}" if name in form.fields else text)
    return "; ".join(parts)
