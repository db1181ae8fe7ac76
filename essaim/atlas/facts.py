"""What an organisation says, as plain values: the unit of its history, of suggestions and of
the differences a moderator reviews.

Facts are JSON-ready: taxonomy terms by code, countries by ISO code, identifiers one field per
scheme. `facts_of` reads them from an organisation; `split_facts` turns them back into what
`actions.do_update_organisation` takes.
"""

from django.utils.translation import gettext_lazy as _

from .models import CONTENT_LANGUAGES, Identifier, LegalForm, Organisation, Sector

TEXT_FIELDS = [
    "name",
    "original_language",
    *[f"short_description_{code}" for code in CONTENT_LANGUAGES],
    *[f"description_{code}" for code in CONTENT_LANGUAGES],
]
TERM_FIELDS = {"legal_form": LegalForm, "sector": Sector}
PLACE_FIELDS = ["address", "postal_code", "locality", "region", "country", "latitude", "longitude"]
OTHER_FIELDS = ["territory", "website", "email", "phone", "founding_year", "size_band"]
IDENTIFIER_FIELDS = {f"identifier_{scheme}": scheme for scheme in Identifier.Scheme.values}


def many_to_many():
    from .actions import MANY_TO_MANY  # the relations the search index also knows

    return MANY_TO_MANY


def editable_fields() -> list[str]:
    """Every fact a contributor may propose, in the order forms and diffs show them."""
    return [
        *TEXT_FIELDS,
        *TERM_FIELDS,
        *many_to_many(),
        "languages",
        *OTHER_FIELDS,
        *PLACE_FIELDS,
        *IDENTIFIER_FIELDS,
    ]


def facts_of(org: Organisation) -> dict:
    facts = {name: getattr(org, name) for name in TEXT_FIELDS + OTHER_FIELDS + PLACE_FIELDS}
    facts["country"] = str(org.country.code or "")
    facts["founding_year"] = org.founding_year
    for name in TERM_FIELDS:
        term = getattr(org, name)
        facts[name] = term.code if term else ""
    for name in many_to_many():
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


def split_facts(facts: dict) -> tuple[dict, dict, dict]:
    """(model fields, relations, identifiers) for `actions` from facts (any subset)."""
    fields, relations, identifiers = {}, {}, {}
    relation_models = many_to_many()
    for name, value in facts.items():
        if name in TERM_FIELDS:
            fields[name] = TERM_FIELDS[name].objects.filter(code=value).first() if value else None
        elif name in relation_models:
            relations[name] = list(relation_models[name].objects.filter(code__in=value or []))
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
    if name in TERM_FIELDS:
        term = TERM_FIELDS[name].objects.filter(code=value).first()
        return term.label if term else value
    relation_models = many_to_many()
    if name in relation_models:
        terms = {t.code: t.label for t in relation_models[name].objects.filter(code__in=value)}
        return ", ".join(terms.get(code, code) for code in value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    field = None if name in IDENTIFIER_FIELDS else Organisation._meta.get_field(name)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)
