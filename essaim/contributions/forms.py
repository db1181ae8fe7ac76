"""The suggestion form: every fact of an organisation, as in the admin, for anyone."""

from django import forms
from django.conf.locale import LANG_INFO
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from essaim.atlas.facts import (
    IDENTIFIER_FIELDS,
    MANY_TO_MANY,
    OTHER_FIELDS,
    PLACE_FIELDS,
    TERM_FIELDS,
    TEXT_FIELDS,
    facts_of,
    field_label,
)
from essaim.atlas.gazetteer import find_locality, resolve_country
from essaim.atlas.hours import opening_hours_error
from essaim.atlas.identifiers import identifier_error, normalise, phone_error
from essaim.atlas.models import CONTENT_LANGUAGES, Organisation
from essaim.core.text import CheckedText

from .models import Report

LONG_TEXT = 5000
ISO_639_1 = {code for code in LANG_INFO if len(code) == 2}
MODEL_FIELDS = [*TEXT_FIELDS, *TERM_FIELDS, *MANY_TO_MANY, *OTHER_FIELDS, *PLACE_FIELDS]


class LanguagesField(forms.CharField):
    """Language codes typed as "fr, it", cleaned into a list without repeats."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Languages"))
        kwargs.setdefault("help_text", _("ISO 639-1 codes separated by commas, such as: fr, it."))
        super().__init__(required=False, max_length=60, **kwargs)

    def prepare_value(self, value):
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


def place_at_locality(form, cleaned: dict):
    """Check that both coordinates or neither are given; with neither, the gazetteer's place
    of the locality in the country, with its coordinates set in `cleaned` (or None)."""
    latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
    if (latitude is None) != (longitude is None):
        if not form.errors.get("latitude"):
            form.add_error("longitude", _("Give both coordinates, or neither."))
        return None
    if latitude is not None or not (cleaned.get("locality") and cleaned.get("country")):
        return None
    place = find_locality(cleaned["locality"], str(cleaned["country"]))
    if place is not None:
        cleaned["latitude"], cleaned["longitude"] = place.latitude, place.longitude
    return place


class IdentifierField(forms.CharField):
    """An official identifier, stored without the spaces people type, checked by its scheme."""

    def __init__(self, scheme: str, **kwargs):
        self.scheme = scheme
        super().__init__(required=False, max_length=60, **kwargs)

    def clean(self, value) -> str:
        text = normalise(self.scheme, super().clean(value))
        if error := identifier_error(self.scheme, text):
            raise forms.ValidationError(error)
        return text


class CountryField(forms.CharField):
    """A country typed by name or code: a plain text box, lighter than a list of 250 and
    filled in by browsers (autocomplete="country-name")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _("Its name, such as: Belgique, Italia, Spain."))
        super().__init__(max_length=60, **kwargs)
        self.widget.attrs["autocomplete"] = "country-name"

    def prepare_value(self, value):
        if isinstance(value, str) and countries.alpha2(value):
            return countries.name(countries.alpha2(value))
        return getattr(value, "name", value)

    def clean(self, value) -> str:
        text = super().clean(value)
        if not text:
            return ""
        code = resolve_country(text)
        if not code:
            raise forms.ValidationError(_("Unknown country: %(name)s."), params={"name": text})
        return code


def form_field(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"  # "example.org" means https://example.org
    return model_field.formfield(**kwargs)


class OrganisationForm(CheckedText, forms.ModelForm):
    """The facts of an organisation. `facts()` gives them in the shape of atlas/facts.py."""

    required_css_class = "required"

    languages = LanguagesField()
    country = CountryField(label=_("Country"))

    class Meta:
        model = Organisation
        fields = MODEL_FIELDS
        formfield_callback = form_field
        widgets = {
            **dict.fromkeys(MANY_TO_MANY, forms.CheckboxSelectMultiple),
            **{
                f"description_{code}": forms.Textarea(attrs={"rows": 5})
                for code in CONTENT_LANGUAGES
            },
        }

    def __init__(self, *args, instance: Organisation | None = None, **kwargs):
        if instance is not None and instance.pk:
            # A copy of the entry: validating a model form writes what was typed into its
            # instance, and the caller still needs the entry as it is.
            instance = Organisation.objects.get(pk=instance.pk)
        super().__init__(*args, instance=instance, **kwargs)
        # Terms by their stable codes, in the page as in the suggestion.
        for name in [*TERM_FIELDS, *MANY_TO_MANY]:
            self.fields[name].to_field_name = "code"
        for code in CONTENT_LANGUAGES:
            description = self.fields[f"description_{code}"]
            description.max_length = LONG_TEXT
            description.validators.append(MaxLengthValidator(LONG_TEXT))
            description.widget.attrs["maxlength"] = LONG_TEXT
        for name in IDENTIFIER_FIELDS:
            self.fields[name] = IdentifierField(IDENTIFIER_FIELDS[name], label=field_label(name))
        self.fields["latitude"].help_text = _(
            "Leave the coordinates empty to place the organisation at its locality."
        )
        if not self.instance.pk and translation.get_language() in CONTENT_LANGUAGES:
            # A visitor writes a new organisation's texts in the language of the page.
            self.initial["original_language"] = translation.get_language()
        if self.instance.pk:
            facts = facts_of(self.instance)
            for name in [*TERM_FIELDS, *MANY_TO_MANY, *IDENTIFIER_FIELDS]:
                self.initial[name] = facts[name]
            self.initial["languages"] = ", ".join(facts["languages"])

    def fieldsets(self) -> list[tuple[str, str, list]]:
        """The fields in groups, each shown as a fieldset: (key, legend, fields)."""
        groups = [
            ("text", _("Name and description"), TEXT_FIELDS),
            ("facts", _("What it is and does"), ["legal_form", "sector", *MANY_TO_MANY,
                                                 "languages", "territory",
                                                 "founding_year", "size_band"]),
            ("contact", _("Contact"), ["website", "email", "phone", "opening_hours"]),
            ("place", _("Place"), PLACE_FIELDS),
            ("identifiers", _("Identifiers"), list(IDENTIFIER_FIELDS)),
            ("about", _("About your suggestion"), ["contributor_email", "comment"]),
        ]  # fmt: skip
        return [
            (key, legend, [self[name] for name in names if name in self.fields])
            for key, legend, names in groups
            if any(name in self.fields for name in names)
        ]

    def clean_phone(self) -> str:
        text = " ".join(self.cleaned_data.get("phone", "").split())
        if error := phone_error(text):
            raise forms.ValidationError(error)
        return text

    def clean_opening_hours(self) -> str:
        text = " ".join(self.cleaned_data.get("opening_hours", "").split())
        if error := opening_hours_error(text):
            raise forms.ValidationError(error)
        return text

    def clean(self):
        cleaned = super().clean()
        if place := place_at_locality(self, cleaned):
            cleaned["region"] = cleaned.get("region") or place.region
        return cleaned

    def facts(self) -> dict:
        data = self.cleaned_data
        facts = {}
        for name in MODEL_FIELDS:
            value = data.get(name)
            if name in TERM_FIELDS:
                value = value.code if value else ""
            elif name in MANY_TO_MANY:
                value = sorted(term.code for term in value)
            elif name == "country":
                value = str(value or "")
            facts[name] = value
        facts["languages"] = data.get("languages", [])
        for name in IDENTIFIER_FIELDS:
            facts[name] = data.get(name, "")
        return facts


class Honeypot(CheckedText, forms.Form):
    """Left empty by people, filled by robots: a hidden field that rejects the submission."""

    nickname = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_nickname(self):
        if self.cleaned_data["nickname"]:
            raise forms.ValidationError(_("This field must stay empty."))
        return ""


class SuggestionForm(Honeypot, OrganisationForm):
    """The organisation's facts, and who suggests them: visitors leave an email address."""

    contributor_email = forms.EmailField(
        label=_("Your email address"),
        required=False,
        help_text=_("Only to tell you what became of your suggestion; never published."),
    )
    comment = forms.CharField(
        label=_("Comment for the moderators"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.is_authenticated:
            del self.fields["contributor_email"]
        else:
            self.fields["contributor_email"].required = True


class ReportForm(Honeypot):
    reason = forms.ChoiceField(
        label=_("What is the problem?"), choices=Report.Reason.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Details for the moderators"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    email = forms.EmailField(
        label=_("Your email address (optional)"),
        required=False,
        help_text=_("Only if a moderator may need to ask you something; never published."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and user.is_authenticated:
            del self.fields["email"]
