import zoneinfo

from django import forms

from .models import ApiToken, Membership


class MemberAddForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.AGENT)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80)
    scopes = forms.MultipleChoiceField(
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiToken.Scope.READ, ApiToken.Scope.WRITE],
    )
    expires_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [("", "The tenant's time zone"), *((name, name.replace("_", " ")) for name in names)]


class ProfileForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    phone = forms.CharField(
        max_length=32,
        required=False,
        label="Your phone (rung first when you click to call)",
    )
    timezone = forms.ChoiceField(choices=timezone_choices, required=False, label="Time zone")
    notify_browser = forms.BooleanField(
        required=False, label="Browser notifications for new texts, missed calls and voicemail"
    )
    notify_sound = forms.BooleanField(required=False, label="Play a sound with them")
    notify_email = forms.BooleanField(
        required=False, label="Email me when I'm away (at most one email every 10 minutes)"
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        max_length=12,
        label="6-digit code from your authenticator app",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class SecurityForm(forms.Form):
    require_two_factor = forms.BooleanField(
        required=False, label="Every member signs in with a code from an authenticator app"
    )
