"""Form fields and forms of every domain: languages typed by their names, web addresses that mean
https without it, dates picked in the browser, and the honeypot that public forms share."""

import unicodedata
from functools import lru_cache

from django import forms
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.db import models
from django.forms.renderers import TemplatesSetting
from django.urls import reverse_lazy
from django.utils import translation
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


class CheckboxList(forms.CheckboxSelectMultiple):
    """Boxes, each inside its label, in one list: no wrapper per box (long forms carry a few
    dozen of them, and every element weighs on old devices)."""

    template_name = "core/widgets/checkbox_list.html"


def folded(text: str) -> str:
    """`text` lowercased, without accents: how names typed are compared."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=1)
def _languages_by_name() -> dict[str, str]:
    """{folded name: code} for every language's code, English and own name, and its name in
    each of Essaim's languages ("italien", "italiano", "Italian", "it" all give "it")."""
    names = {}
    for code in ISO_639_1:
        info = LANG_INFO[code]
        if "name" not in info:
            continue
        names.update({folded(code): code, folded(info["name"]): code,
                      folded(info["name_local"]): code})  # fmt: skip
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                names.setdefault(folded(translation.gettext(info["name"])), code)
    return names


def language_code(name: str) -> str | None:
    return _languages_by_name().get(folded(name))


def language_name(code: str) -> str:
    """The language's name in the visitor's language ("italien" on a French page)."""
    return (
        str(translation.get_language_info(code)["name_translated"]) if code in LANG_INFO else code
    )


def languages_named(text: str, limit: int = 8) -> list[str]:
    """Names, in the visitor's language, of the languages whose names begin like `text`."""
    start = folded(text[:40])
    if not start:
        return []
    codes = dict.fromkeys(code for name, code in _languages_by_name().items()
                          if name.startswith(start))  # fmt: skip
    return sorted(language_name(code) for code in codes)[:limit]


class LanguagesField(forms.CharField):
    """Languages typed by their names (or ISO 639-1 codes), separated by commas, cleaned into
    a list of codes without repeats."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Languages"))
        kwargs.setdefault("help_text", _("Their names, separated by commas, such as: French, "
                                         "Italian."))  # fmt: skip
        super().__init__(required=False, max_length=200, **kwargs)
        self.widget.attrs.update(
            {"data-suggest": reverse_lazy("names", args=["languages"]), "data-separator": ","}
        )

    def prepare_value(self, value) -> object:
        if isinstance(value, list | tuple):
            return ", ".join(language_name(code) for code in value)
        return value

    def clean(self, value) -> list[str]:
        raw = super().clean(value)
        names = [name.strip() for name in raw.split(",") if name.strip()]
        unknown = [name for name in names if language_code(name) is None]
        if unknown:
            raise forms.ValidationError(
                _("Unknown language: %(names)s."), params={"names": ", ".join(unknown)}
            )
        return list(dict.fromkeys(language_code(name) for name in names))


NO_CHOICE = _("Choose…")  # an optional list's empty choice, instead of Django's "---------"


def form_field(model_field, **kwargs) -> forms.Field:
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"  # "example.org" means https://example.org
    field = model_field.formfield(**kwargs)
    if isinstance(field, forms.ModelChoiceField):  # its choices are read when shown
        if field.empty_label is not None:
            field.empty_label = NO_CHOICE
    elif isinstance(field, forms.ChoiceField) and field.choices and field.choices[0][0] == "":
        field.choices = [("", NO_CHOICE), *field.choices[1:]]
    return field


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


class FormRenderer(TemplatesSetting):
    """Django's renderer, with a checkbox before its label (and both on one line)."""

    field_template_name = "core/field.html"


class WrittenInOneLanguage:
    """A form whose texts are asked in the writer's language first (the entry's own when it
    has one, else the page's), those of the other languages folded behind "Add a
    translation"."""

    def writing_language(self) -> str:
        codes = [code for code, _name in settings.LANGUAGES]
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk and instance.original_language in codes:
            return instance.original_language
        language = translation.get_language()
        return language if language in codes else codes[0]

    def in_other_languages(self, names: list[str]) -> list[str]:
        """Those of `names` that are texts in another language than the writer's."""
        codes = {code for code, _name in settings.LANGUAGES} - {self.writing_language()}
        return [name for name in names if "_" in name and name.rsplit("_", 1)[1] in codes]
