"""What an organisation says, as plain values: the unit of its history, of suggestions and of
the differences a moderator reviews.

Facts are JSON-ready: taxonomy terms by code, countries by ISO code, identifiers one field per
scheme (each declared in `schema.py`). `facts_of` reads them; `split_facts` turns them back
into what `actions.do_update_organisation` takes.
"""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .kinds import Fact
from .models import Organisation
from .schema import EDITABLE, FACTS, IDENTIFIER_FIELDS, entry_from_row, read_entries, stored
from .vocabulary import current_vocabulary, facet_labels

PLACE_FIELDS = [name for name, fact in FACTS.items() if fact.group == "place"]


def editable_fields() -> list[str]:
    """Every fact a contributor may propose, in the order forms and diffs show them."""
    return list(EDITABLE)


# Where and when an entry was last vouched for: not facts (a revert leaves them), but they move
# its quality and its published record, so their changes are in the history and the feed too.
# (A source's "no longer listed" flag is for moderators only: not in the record, nor the feed.)
FRESHNESS_FIELDS = ("source_url", "source_updated_at", "confirmed_at")
FRESHNESS_DATES = frozenset(FRESHNESS_FIELDS[1:])


def empty_facts() -> dict:
    """The facts of an entry that says nothing yet."""
    defaults = {field.attname: field.get_default() for field in Organisation._meta.concrete_fields}
    return entry_from_row({**defaults, "id": None}, {}, {}, None).facts


def facts_of(org: Organisation) -> dict:
    """The facts of an organisation as the database holds them (none before it is saved)."""
    if org.pk is None:
        return empty_facts()
    return read_entries([org.pk], current_vocabulary())[org.pk].facts


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
    result = stored(facts, current_vocabulary())
    return result.fields, result.relations, result.identifiers


def field_label(name: str) -> str:
    fact: Fact | None = FACTS.get(name)
    if fact is not None:
        return fact.label
    if name == "status":
        return str(_("status"))
    return str(Organisation._meta.get_field(name).verbose_name)


def display_value(name: str, value) -> str:
    """A fact as a visitor reads it: labels instead of codes."""
    if value in (None, "", []):
        return ""
    fact = FACTS.get(name)
    if fact is not None and (facet := fact.facet):
        codes = value if isinstance(value, list) else [value]
        labels = facet_labels(facet, codes)
        return ", ".join(str(labels[code]) for code in codes)
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
