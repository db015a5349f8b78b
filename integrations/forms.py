from django import forms

from . import catalogue


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(max_length=2000, label="URL")
    description = forms.CharField(max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        choices=[(name, name) for name in catalogue.EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        initial=["message.received", "message.status_changed"],
    )


class ReplayFailedForm(forms.Form):
    since = forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
