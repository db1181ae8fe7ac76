"""The member's own forms: newsletter consent, API tokens, account deletion."""

from django import forms
from django.utils.translation import gettext_lazy as _

from essaim.core.text import CheckedText


class ConsentForm(forms.Form):
    newsletter = forms.BooleanField(
        label=_("Send me the atlas newsletter"),
        required=False,
        help_text=_("At most once a month; you can stop it here at any time."),
    )


class TokenForm(CheckedText, forms.Form):
    name = forms.CharField(
        label=_("Name of the new key"),
        max_length=80,
        help_text=_("Say what will use it, such as: our website."),
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"), widget=forms.PasswordInput, strip=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(_("This is not your password."))
        return ""
