"""The suggestion form: every fact of an organisation, as in the admin, for anyone."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from essaim.atlas.facts import facts_of
from essaim.atlas.forms import check_place, place_at_locality
from essaim.atlas.gazetteer import resolve_country
from essaim.atlas.identifiers import SCHEME_COUNTRIES, schemes_of_country
from essaim.atlas.models import CONTENT_LANGUAGES, Organisation
from essaim.atlas.schema import EDITABLE
from essaim.atlas.vocabulary import current_vocabulary
from essaim.core.fields import Honeypot, WrittenInOneLanguage
from essaim.core.text import CheckedText

from .models import Report, Suggestion

# The fieldsets of the form, in order: each fact names its own (atlas/schema.py).
GROUPS = (
    ("text", _("Name and description")),
    ("facts", _("What it is and does")),
    ("place", _("Place")),
    ("contact", _("Contact")),
    ("identifiers", _("Identifiers")),
)
# What each fieldset folds away behind a line to open (<details>): the facts few know or need
# at once. The texts in other languages and the identifiers of other countries are folded too.
FOLDED = {
    "facts": (
        _("More about it: legal form, families, audiences, languages, size"),
        ["legal_form", "families", "roles", "audiences", "languages", "territory",
         "founding_year", "size_band"],
    ),
    "place": (_("Region and exact position"), ["region", "latitude", "longitude"]),
}  # fmt: skip
# The country a new entry is likely in, by the page's language (English says nothing).
COUNTRY_OF_LANGUAGE = {"fr": "FR", "it": "IT", "es": "ES"}


class OrganisationForm(WrittenInOneLanguage, CheckedText, forms.Form):
    """The facts of an organisation, one field per fact of atlas/schema.py, checked by the
    facts' own rules (those an import applies). `facts()` gives them in that shape."""

    required_css_class = "required"

    def __init__(self, *args, instance: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        facts = facts_of(instance) if instance is not None else None
        self.vocabulary = current_vocabulary()
        for name, fact in EDITABLE.items():
            self.fields[name] = fact.form_field(self.vocabulary)
        self.check_text_of(self.fields[name] for name in EDITABLE)
        # forms.js shows first the identifiers of the country typed, as the server does.
        for scheme, countries in SCHEME_COUNTRIES.items():
            widget = self.fields[f"identifier_{scheme}"].widget
            widget.attrs["data-countries"] = " ".join(sorted(countries))
        self.fields["latitude"].help_text = _(
            "Leave the coordinates empty to place the organisation at its locality."
        )
        if facts:
            self.initial.update({name: facts[name] for name in EDITABLE if name in facts})
        elif translation.get_language() in CONTENT_LANGUAGES:
            # A visitor writes a new organisation's texts in the language of the page.
            self.initial["original_language"] = translation.get_language()

    def country(self) -> str:
        """The entry's country as far as the form knows it: typed, stored or likely."""
        typed = resolve_country(str(self.data.get("country", ""))) if self.is_bound else ""
        if typed or self.is_bound:
            return typed
        if self.instance is not None:
            return self.instance.country.code or ""
        return COUNTRY_OF_LANGUAGE.get(translation.get_language() or "", "")

    def _folded(self, key: str, names: list[str]) -> tuple[list[str], str, list[str]]:
        """(names shown, summary, names folded) of a fieldset."""
        if key == "text":
            other = self.in_other_languages(names)
            return [n for n in names if n not in other], _("Add a translation"), other
        if key == "identifiers":
            first = {f"identifier_{scheme}" for scheme in schemes_of_country(self.country())}
            other = [name for name in names if name not in first]
            return [n for n in names if n in first], _("Other identifier"), other
        summary, folded = FOLDED.get(key, ("", []))
        return [n for n in names if n not in folded], summary, [n for n in names if n in folded]

    def fieldsets(self) -> list[dict]:
        """The fields in groups, each shown as a fieldset: its key, legend, fields, and those
        folded behind `summary` (open when one of them is filled in or refused)."""
        groups = [
            *((key, legend, [name for name, fact in EDITABLE.items()
                             if fact.group == key]) for key, legend in GROUPS),
            ("about", _("About your suggestion"), ["contributor_email", "comment"]),
        ]  # fmt: skip
        sets = []
        for key, legend, names in groups:
            names = [name for name in names if name in self.fields]
            if not names:
                continue
            shown, summary, folded = self._folded(key, names)
            folded_fields = [self[name] for name in folded]
            sets.append({
                "key": key,
                # Each field in its own box: the postcode beside the locality, and the
                # identifiers that forms.js moves with the country.
                "wrapped": key in ("place", "identifiers"),
                "legend": legend,
                "fields": [self[name] for name in shown],
                "summary": summary,
                "folded": folded_fields,
                "open": any(field.errors for field in folded_fields) or (
                    key in ("text", "identifiers")
                    and any(field.value() not in (None, "", []) for field in folded_fields)
                ),
            })  # fmt: skip
        return sets

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


class ReviewForm(CheckedText, forms.Form):
    """Each suggested value as the moderator may correct it before publishing, checked by the
    fact's own rule. `corrections()` gives those the moderator changed."""

    def __init__(self, *args, suggestion: Suggestion, **kwargs):
        super().__init__(*args, prefix="edit", **kwargs)
        self.suggestion = suggestion
        self.vocabulary = current_vocabulary()
        self.placed: set[str] = set()  # place fields moved with a corrected locality
        for name, value in suggestion.proposed.items():
            if name in EDITABLE:
                field = self.fields[name] = EDITABLE[name].form_field(self.vocabulary)
                field.label = _("%(field)s, to publish") % {"field": field.label}
                self.initial[name] = value
        self.check_text_of(self.fields.values())

    def clean(self) -> dict:
        cleaned = super().clean()
        for name in self.fields:
            if name in cleaned:
                try:
                    cleaned[name] = EDITABLE[name].check(cleaned[name], self.vocabulary)
                except ValidationError as refused:
                    self.add_error(name, refused)
        if not self.errors:
            self._replace(cleaned)
        return cleaned

    def _replace(self, cleaned: dict) -> None:
        """A locality or country corrected, its coordinates not: the place moves to the
        gazetteer's point of the new locality (or to none, if it knows no such place), as the
        suggestion form would have placed it."""
        changed = self._changed(cleaned)
        if not changed & {"locality", "country"} or changed & {"latitude", "longitude"}:
            return
        place = {**self.suggestion.proposed, **cleaned, "latitude": None, "longitude": None}
        if "region" not in changed:
            place["region"] = ""
        check_place(place)
        for name in ("latitude", "longitude", "region"):
            moved = place.get(name) != self.suggestion.proposed.get(name)
            if moved and (name != "region" or place.get(name)):
                cleaned[name] = place.get(name)
                self.placed.add(name)

    def _changed(self, cleaned: dict) -> set[str]:
        proposed = self.suggestion.proposed
        return {name for name, value in cleaned.items()
                if name in self.fields and not same_value(value, proposed.get(name))}  # fmt: skip

    def corrections(self) -> dict:
        """The values the moderator changed, and the place that follows a corrected locality."""
        changed = self._changed(self.cleaned_data) | self.placed
        return {name: self.cleaned_data[name] for name in changed}


def same_value(corrected, proposed) -> bool:
    """Whether a value sent back is the one proposed (a text's line endings aside: browsers
    send them as \r\n)."""
    if isinstance(corrected, str) and isinstance(proposed, str):
        return corrected.replace("\r\n", "\n").strip() == proposed.replace("\r\n", "\n").strip()
    return corrected == proposed or (corrected in (None, "", []) and proposed in (None, "", []))


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
        widget=forms.Textarea(attrs={"rows": 2}),
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
