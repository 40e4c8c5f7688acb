from django import forms
from django.utils.translation import gettext_lazy as _


class PeriodicSyncForm(forms.Form):
    periodic_sync = forms.BooleanField(label=_("Synchronize periodically"), required=False)
