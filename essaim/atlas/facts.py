"""What an organisation says, as plain values: the unit of its history, of suggestions and of
the differences a moderator reviews.

Facts are JSON-ready: taxonomy terms by code, countries by ISO code, identifiers one field per
scheme. `facts_of` reads them from an organisation; `split_facts` turns them back into what
`actions.do_update_organisation` takes.
"""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .models import CONTENT_LANGUAGES, Identifier, Organisation
from .vocabulary import FACT_FACETS, MANY_TO_MANY, TERM_FIELDS, facet_labels

TEXT_FIELDS = [
    "name",
    "original_language",
    *[f"short_description_{code}" for code in CONTENT_LANGUAGES],
    *[f"description_{code}" for code in CONTENT_LANGUAGES],
]
PLACE_FIELDS = ["address", "postal_code", "locality", "region", "country", "latitude", "longitude"]
OTHER_FIELDS = [
    "territory", "website", "email", "phone", "opening_hours", "founding_year", "size_band",
]  # fmt: skip
# Facts of a standard, kept whole, which imports set and forms do not show (see lmn.py).
STANDARD_FIELDS = ["mediation"]
IDENTIFIER_FIELDS = {f"identifier_{scheme}": scheme for scheme in Identifier.Scheme.values}


def editable_fields() -> list[str]:
    """Every fact a contributor may propose, in the order forms and diffs show them."""
    return [
        *TEXT_FIELDS,
        *TERM_FIELDS,
        *MANY_TO_MANY,
        "languages",
        *OTHER_FIELDS,
        *PLACE_FIELDS,
        *IDENTIFIER_FIELDS,
    ]


# Where and when an entry was last vouched for: not facts (a revert leaves them), but they move
# its quality and its published record, so their changes are in the history and the feed too.
# (A source's "no longer listed" flag is for moderators only: not in the record, nor the feed.)
FRESHNESS_FIELDS = ("source_url", "source_updated_at", "confirmed_at")
FRESHNESS_DATES = frozenset(FRESHNESS_FIELDS[1:])


def facts_of(org: Organisation) -> dict:
    facts = {
        name: getattr(org, name)
        for name in TEXT_FIELDS + OTHER_FIELDS + PLACE_FIELDS + STANDARD_FIELDS
    }
    facts["mediation"] = dict(org.mediation or {})
    facts["country"] = str(org.country.code or "")
    facts["founding_year"] = org.founding_year
    for name in TERM_FIELDS:
        term = getattr(org, name)
        facts[name] = term.code if term else ""
    for name in MANY_TO_MANY:
        facts[name] = sorted(term.code for term in getattr(org, name).all()) if org.pk else []
    facts["languages"] = list(org.languages or [])
    identifiers = {i.scheme: i.value for i in org.identifiers.all()} if org.pk else {}
    for name, scheme in IDENTIFIER_FIELDS.items():
        facts[name] = identifiers.get(scheme, "")
    facts["status"] = org.status
    return facts


def differences(before: dict, after: dict) -> dict[str, list]:
    """{field: [old, new]} for every fact that changed."""
    names = dict.fromkeys([*before, *after])
    return {
        name: [before.get(name), after.get(name)]
        for name in names
        if before.get(name) != after.get(name)
    }


def changed_facts(current: dict, facts: dict) -> dict:
    """The facts of `facts` that differ from `current`, with their new values."""
    return {name: value for name, value in facts.items() if current.get(name) != value}


def split_facts(facts: dict) -> tuple[dict, dict, dict]:
    """(model fields, relations, identifiers) for `actions` from facts (any subset)."""
    fields, relations, identifiers = {}, {}, {}
    for name, value in facts.items():
        if name in TERM_FIELDS:
            fields[name] = TERM_FIELDS[name].objects.filter(code=value).first() if value else None
        elif name in MANY_TO_MANY:
            relations[name] = list(MANY_TO_MANY[name].objects.filter(code__in=value or []))
        elif name in IDENTIFIER_FIELDS:
            identifiers[IDENTIFIER_FIELDS[name]] = value or ""
        else:
            fields[name] = value
    return fields, relations, identifiers


def field_label(name: str) -> str:
    if name in IDENTIFIER_FIELDS:
        return str(Identifier.Scheme(IDENTIFIER_FIELDS[name]).label)
    if name == "status":
        return str(_("status"))
    return str(Organisation._meta.get_field(name).verbose_name)


def display_value(name: str, value) -> str:
    """A fact as a visitor reads it: labels instead of codes."""
    if value in (None, "", []):
        return ""
    facet = FACT_FACETS.get(name)
    if facet:
        codes = value if isinstance(value, list) else [value]
        labels = facet_labels(facet, codes)
        return ", ".join(labels[code] for code in codes)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{key}: {', '.join(map(str, item)) if isinstance(item, list) else item}"
            for key, item in value.items()
        )
    if name in FRESHNESS_DATES and (moment := parse_datetime(str(value))):
        return date_format(timezone.localtime(moment), "DATETIME_FORMAT")
    field = None if name in IDENTIFIER_FIELDS else Organisation._meta.get_field(name)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def facts_in_bulk(ids: list[int]) -> dict[int, dict]:
    """{id: facts} for these organisations, as `facts_of` gives them, read with a few plain
    queries (no model instances): an import compares thousands of entries a second this way."""
    columns = [*TEXT_FIELDS, *OTHER_FIELDS, *PLACE_FIELDS, *STANDARD_FIELDS, "status"]
    found = {}
    for row in Organisation.objects.filter(pk__in=ids).values(
        "pk", *columns, "languages", "legal_form__code", "sector__code"
    ):
        facts = {name: row[name] for name in columns}
        facts["legal_form"] = row["legal_form__code"] or ""
        facts["sector"] = row["sector__code"] or ""
        facts["languages"] = list(row["languages"] or [])
        facts["mediation"] = dict(row["mediation"] or {})
        facts.update({name: [] for name in MANY_TO_MANY})
        facts.update(dict.fromkeys(IDENTIFIER_FIELDS, ""))
        found[row["pk"]] = facts
    for name, model in MANY_TO_MANY.items():
        through = getattr(Organisation, name).through
        term = f"{model.__name__.lower()}__code"
        for pk, code in through.objects.filter(organisation_id__in=ids).values_list(
            "organisation_id", term
        ):
            found[pk][name].append(code)
    for facts in found.values():
        for name in MANY_TO_MANY:
            facts[name].sort()
    for pk, scheme, value in Identifier.objects.filter(organisation_id__in=ids).values_list(
        "organisation_id", "scheme", "value"
    ):
        found[pk][f"identifier_{scheme}"] = value
    return found
