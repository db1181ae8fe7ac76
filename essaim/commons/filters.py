"""The filters of the lists (resources, events, opportunities) and of saved searches: plain
GET parameters, validated by forms; facet counts leave out their own filter."""

from urllib.parse import urlencode

from django import forms
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from essaim.atlas.forms import CountryField
from essaim.atlas.gazetteer import find_locality
from essaim.atlas.models import CONTENT_LANGUAGES, LegalForm, Sector
from essaim.atlas.places import (
    DEFAULT_RADIUS_KM,
    MAX_PLACE_LENGTH,
    MAX_RADIUS_KM,
    RADIUS_CHOICES,
    Place,
)
from essaim.atlas.queries import InvalidQuery, parse_where
from essaim.competences.models import Competence
from essaim.core.templatetags.essaim import language_name
from essaim.search.index import distance_km
from essaim.search.text import meaningful_words

from .models import Event, Opportunity, Resource


def words_query(text: str, text_fields, also_named=()) -> Q:
    """Each word of `text` (stop words aside) in one of the texts, in any language, or in one
    of the `also_named` related names: "Google Drive" finds the alternatives that replace it.
    """
    found = Q()
    for word in meaningful_words(text):
        anywhere = Q()
        for field in text_fields:
            for code in CONTENT_LANGUAGES:
                anywhere |= Q(**{f"{field}_{code}__icontains": word})
        for name in also_named:
            anywhere |= Q(**{f"{name}__icontains": word})
        found &= anywhere
    return found


class Filters(forms.Form):
    """The GET parameters of a list; `narrow` applies them; facet counts ignore their own."""

    q = forms.CharField(label=gettext_lazy("Words"), required=False, max_length=200)
    theme = forms.ModelChoiceField(
        label=gettext_lazy("Theme"), queryset=Sector.objects.all(), required=False,
        to_field_name="code", empty_label=gettext_lazy("All"),
    )  # fmt: skip
    competence = forms.ModelChoiceField(
        label=gettext_lazy("Digital competence"), queryset=Competence.objects.all(),
        required=False, to_field_name="key", empty_label=gettext_lazy("All"),
    )  # fmt: skip
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)
    text_fields: tuple[str, ...] = ()
    # Related names that a word may match too (the tools an alternative replaces).
    also_named: tuple[str, ...] = ()
    # filter name -> the field whose values are counted
    counted = {"theme": "themes__code", "competence": "competences__key"}

    # filter name -> its fixed choices (languages and countries are worked out)
    choices: dict[str, list] = {}

    def __init__(self, data, queryset):
        super().__init__(data)
        self.base = queryset
        for name, field in self.fields.items():
            if isinstance(field, forms.ChoiceField) and not isinstance(
                field, forms.ModelChoiceField
            ):
                field.choices = [("", _("All")), *self.choices_for(name)]

    def choices_for(self, name: str) -> list:
        if name == "language":
            return [(code, language_name(code)) for code in CONTENT_LANGUAGES]
        if name == "country":  # those where there is something to find
            codes = self.base.exclude(country="").values_list("country", flat=True).distinct()
            return sorted(((code, countries.name(code)) for code in codes), key=lambda c: c[1])
        return self.choices[name]

    def apply(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if name == "q":
            found = queryset.filter(words_query(value, self.text_fields, self.also_named))
            return found.distinct() if self.also_named else found
        if name == "theme":
            return queryset.filter(themes=value)
        if name == "competence":
            return queryset.filter(competences__in=value.equivalents()).distinct()
        if name == "language":
            return queryset.filter(
                Q(languages__icontains=f'"{value}"') | Q(languages=[], original_language=value)
            )
        return queryset.filter(**{name: value})

    def narrow(self, queryset: QuerySet | None = None, *, skip: str = "") -> QuerySet:
        queryset = self.base if queryset is None else queryset
        for name, value in self.cleaned_data.items():
            if value not in (None, "") and name != skip:
                queryset = self.apply(queryset, name, value)
        return queryset

    def counts(self) -> dict[str, dict]:
        """For each counted filter, how many items each of its values would give."""
        found = {}
        for name, field in self.counted.items():
            rows = self.narrow(skip=name).values(field).annotate(n=Count("id", distinct=True))
            found[name] = {row[field]: row["n"] for row in rows}
        return found

    def with_counts(self) -> "Filters":
        counts = self.counts()
        for name, values in counts.items():
            field = self.fields[name]
            if isinstance(field, forms.ModelChoiceField):
                key = field.to_field_name
                field.label_from_instance = lambda term, values=values, key=key: (
                    f"{term.label} ({values.get(getattr(term, key), 0)})"
                )
            else:
                field.choices = [
                    (code, f"{label} ({values.get(code, 0)})" if code else label)
                    for code, label in field.choices
                ]
        return self

    def query_string(self, **changes) -> str:
        params = {k: v for k, v in self.data.items() if k != "page" and v}
        params.update({k: v for k, v in changes.items() if v})
        return urlencode(params)


class RadiusField(forms.IntegerField):
    """Kilometres from 1 to 500, offered as a few choices in which no value, the default,
    shows as its own distance."""

    def prepare_value(self, value) -> object:
        return "" if value in (None, "", DEFAULT_RADIUS_KM, str(DEFAULT_RADIUS_KM)) else value


class PlaceFilters(Filters):
    """A place typed as for the atlas (town, region or country) and a radius: items within
    reach of a town, or in the region's or country's country; those reachable from anywhere
    (online events, remote offers) always."""

    where = forms.CharField(label=gettext_lazy("Near (town, region or country)"),
                            required=False, max_length=MAX_PLACE_LENGTH)  # fmt: skip
    radius_km = RadiusField(label=gettext_lazy("Within"), required=False, min_value=1,
                            max_value=MAX_RADIUS_KM, widget=forms.Select)  # fmt: skip
    place: Place | None = None

    def __init__(self, data, queryset):
        super().__init__(data, queryset)
        # No value means the default radius, shown in its place among the others.
        self.fields["radius_km"].widget.choices = [
            ("" if km == DEFAULT_RADIUS_KM else km, _("%(km)s km") % {"km": km})
            for km in RADIUS_CHOICES
        ]

    def clean_where(self) -> str:
        text = self.cleaned_data["where"].strip()
        if text:
            within = [self.data["country"]] if self.data.get("country") else []
            try:
                self.place = parse_where("where", text, within)[0]
            except InvalidQuery as error:
                raise forms.ValidationError(error.message) from error
        return text

    def everywhere(self) -> Q:
        """What is reachable from any place: by default, nothing (every item has a place)."""
        return Q(pk__in=[])

    def located(self, queryset) -> list[tuple[int, tuple[float, float] | None]]:
        """(pk, position) of the items of `queryset`: by default from their own latitude and
        longitude (None for those without)."""
        rows = queryset.values_list("pk", "latitude", "longitude")
        return [(pk, (lat, lon) if lat is not None and lon is not None else None)
                for pk, lat, lon in rows]  # fmt: skip

    def apply(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if name == "radius_km":
            return queryset  # read with `where`
        if name != "where" or self.place is None:
            return super().apply(queryset, name, value)
        place = self.place
        if place.kind != "locality":
            return queryset.filter(Q(country=place.country) | self.everywhere())
        radius = self.cleaned_data.get("radius_km") or DEFAULT_RADIUS_KM
        near = [pk for pk, point in self.located(queryset.exclude(self.everywhere()))
                if point and distance_km(*place.point, *point) <= radius]  # fmt: skip
        return queryset.filter(Q(pk__in=near) | self.everywhere())


class ResourceFilters(Filters):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    level = forms.ChoiceField(label=gettext_lazy("Level"), required=False)
    text_fields = ("title", "summary", "body")
    also_named = ("replaces__name",)
    counted = {"kind": "kind", "theme": "themes__code", "competence": "competences__key",
               "level": "level"}  # fmt: skip
    choices = {"kind": Resource.Kind.choices, "level": Resource.Level.choices}


class EventFilters(PlaceFilters):
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    month = forms.DateField(
        label=gettext_lazy("Month"), required=False, input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )  # fmt: skip
    mode = forms.ChoiceField(label=gettext_lazy("Format"), required=False)
    text_fields = ("title", "description")
    counted = {"country": "country", "mode": "mode", "theme": "themes__code",
               "competence": "competences__key"}  # fmt: skip
    choices = {"mode": Event.Mode.choices}

    def everywhere(self) -> Q:
        return ~Q(mode=Event.Mode.ON_SITE)  # online, or on site and online

    def apply(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if name == "month":
            return queryset.filter(starts_at__year=value.year, starts_at__month=value.month)
        if name == "mode" and value != Event.Mode.HYBRID:
            return queryset.filter(mode__in=[value, Event.Mode.HYBRID])
        return super().apply(queryset, name, value)


class OpportunityFilters(PlaceFilters):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    # Funding calls: those open to an organisation of this country, of this legal form.
    eligible_country = CountryField(label=gettext_lazy("Open to organisations of"), required=False)
    legal_form = forms.ModelChoiceField(
        label=gettext_lazy("Open to the legal form"), queryset=LegalForm.objects.all(),
        required=False, to_field_name="code", empty_label=gettext_lazy("All"),
    )  # fmt: skip
    text_fields = ("title", "description")
    counted = {"kind": "kind", "country": "country", "theme": "themes__code",
               "competence": "competences__key"}  # fmt: skip
    choices = {"kind": Opportunity.Kind.choices}

    def everywhere(self) -> Q:
        return Q(remote=True)

    def located(self, queryset: QuerySet) -> QuerySet:
        """Offers are placed by their locality, found in the gazetteer."""
        found = []
        for pk, locality, country in queryset.values_list("pk", "locality", "country"):
            town = find_locality(locality, country) if locality and country else None
            found.append((pk, (town.latitude, town.longitude) if town else None))
        return found

    def apply(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # No country or legal form listed: open to all.
        if name == "eligible_country":
            return queryset.filter(Q(eligible_countries="") | Q(eligible_countries__contains=value))
        if name == "legal_form":
            return queryset.filter(
                Q(eligible_legal_forms=None) | Q(eligible_legal_forms=value)
            ).distinct()
        return super().apply(queryset, name, value)

    def __init__(self, data, queryset):
        super().__init__(data, queryset)
        del self.fields["language"]  # an offer's language is in its text
