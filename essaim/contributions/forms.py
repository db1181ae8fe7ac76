"""The suggestion form: every fact of an organisation, as in the admin, for anyone."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from essaim.atlas.facts import facts_of
from essaim.atlas.forms import place_at_locality
from essaim.atlas.models import CONTENT_LANGUAGES, Organisation
from essaim.atlas.schema import EDITABLE
from essaim.atlas.vocabulary import current_vocabulary
from essaim.core.fields import Honeypot
from essaim.core.text import CheckedText

from .models import Report

# The fieldsets of the form, in order: each fact names its own (atlas/schema.py).
GROUPS = (
    ("text", _("Name and description")),
    ("facts", _("What it is and does")),
    ("contact", _("Contact")),
    ("place", _("Place")),
    ("identifiers", _("Identifiers")),
)


class OrganisationForm(CheckedText, forms.Form):
    """The facts of an organisation, one field per fact of atlas/schema.py, checked by the
    facts' own rules (those an import applies). `facts()` gives them in that shape."""

    required_css_class = "required"

    def __init__(self, *args, instance: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        facts = facts_of(instance) if instance is not None else None
        self.vocabulary = current_vocabulary()
        for name, fact in EDITABLE.items():
            self.fields[name] = fact.form_field(self.vocabulary)
        self.check_text_of(self.fields[name] for name in EDITABLE)
        self.fields["latitude"].help_text = _(
            "Leave the coordinates empty to place the organisation at its locality."
        )
        if facts:
            self.initial.update({name: facts[name] for name in EDITABLE if name in facts})
        elif translation.get_language() in CONTENT_LANGUAGES:
            # A visitor writes a new organisation's texts in the language of the page.
            self.initial["original_language"] = translation.get_language()

    def fieldsets(self) -> list[tuple[str, str, list]]:
        """The fields in groups, each shown as a fieldset: (key, legend, fields)."""
        groups = [
            *((key, legend, [name for name, fact in EDITABLE.items()
                             if fact.group == key]) for key, legend in GROUPS),
            ("about", _("About your suggestion"), ["contributor_email", "comment"]),
        ]  # fmt: skip
        return [
            (key, legend, [self[name] for name in names if name in self.fields])
            for key, legend, names in groups
            if any(name in self.fields for name in names)
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        for name, fact in EDITABLE.items():
            if name in cleaned:
                try:
                    cleaned[name] = fact.check(cleaned[name], self.vocabulary)
                except ValidationError as refused:
                    self.add_error(name, refused)
        place_at_locality(self, cleaned)
        return cleaned

    def facts(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in EDITABLE}


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
