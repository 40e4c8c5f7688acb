from django import forms

from allegro.tracking.models import TrackingSettings


class TrackingSettingsForm(forms.ModelForm):
    class Meta:
        model = TrackingSettings
        fields = ["delivered_marks_picked_up"]
