"""Form fields and forms of every domain: languages typed as codes, web addresses that mean
https without it, dates picked in the browser, and the honeypot that public forms share."""

from django import forms
from django.conf.locale import LANG_INFO
from django.db import models
from django.utils.translation import gettext_lazy as _

from .text import CheckedText

ISO_639_1 = {code for code in LANG_INFO if len(code) == 2}


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always written YYYY-MM-DD: a date formatted the
    French way (05/12/2026) is no value to it, and the field would show empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """The browser's date and time picker, its value written the one way it reads."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class LanguagesField(forms.CharField):
    """Language codes typed as "fr, it", cleaned into a list without repeats."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Languages"))
        kwargs.setdefault("help_text", _("ISO 639-1 codes separated by commas, such as: fr, it."))
        super().__init__(required=False, max_length=60, **kwargs)

    def prepare_value(self, value) -> object:
        return ", ".join(value) if isinstance(value, list) else value

    def clean(self, value) -> list[str]:
        raw = super().clean(value)
        codes = [code.strip().lower() for code in raw.split(",") if code.strip()]
        unknown = [code for code in codes if code not in ISO_639_1]
        if unknown:
            raise forms.ValidationError(
                _("Unknown language code: %(codes)s."), params={"codes": ", ".join(unknown)}
            )
        return list(dict.fromkeys(codes))


def form_field(model_field, **kwargs) -> forms.Field:
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"  # "example.org" means https://example.org
    return model_field.formfield(**kwargs)


class Honeypot(CheckedText, forms.Form):
    """Left empty by people, filled by robots: a hidden field that rejects the submission."""

    nickname = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_nickname(self) -> str:
        if self.cleaned_data["nickname"]:
            raise forms.ValidationError(_("This field must stay empty."))
        return ""
