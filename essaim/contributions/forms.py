"""The suggestion form: every fact of an organisation, as in the admin, for anyone."""

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

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
from essaim.atlas.forms import CountryField, IdentifierField, place_at_locality
from essaim.atlas.hours import opening_hours_error
from essaim.atlas.identifiers import phone_error
from essaim.atlas.models import CONTENT_LANGUAGES, Organisation
from essaim.core.fields import Honeypot, LanguagesField, form_field
from essaim.core.text import CheckedText

from .models import Report

MODEL_FIELDS = [*TEXT_FIELDS, *TERM_FIELDS, *MANY_TO_MANY, *OTHER_FIELDS, *PLACE_FIELDS]


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
