"""The data·inclusion schema, v1 (PyPI `data-inclusion-schema`): structures and services.

Exports: each published organisation is a `Structure`; each service it offers is a `Service`
of that structure, with the schema's `numerique--…` thematiques where one fits. Imports read
structures (JSON, JSON Lines or CSV, as data·inclusion publishes them), checked with the
schema package itself, and optionally their services, whose thematiques become Essaim
services. data·inclusion describes France: imported structures are placed in France.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import BinaryIO

import pydantic
from data_inclusion.schema import v1
from django.conf import settings
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from essaim.atlas.models import Service as EssaimService
from essaim.atlas.models import Territory

from .reading import _json_start, csv_records, json_records

REQUIRED_COLUMNS = ("id", "nom")
COLUMNS = frozenset(v1.Structure.model_fields)

# Essaim service -> (data·inclusion type of service, thematiques).
SERVICES = {
    "training": ("formation", ["numerique--maitriser-les-fondamentaux-du-numerique"]),
    "digital-mediation": (
        "accompagnement",
        [
            "numerique--acceder-a-des-services-en-ligne",
            "numerique--maitriser-les-fondamentaux-du-numerique",
        ],
    ),  # fmt: skip
    "equipment": ("aide-materielle", ["numerique--acquerir-un-equipement"]),
    "connectivity": ("aide-materielle", ["numerique--acceder-a-une-connexion-internet"]),
    "consulting": ("accompagnement", None),
    "funding": ("aide-financiere", None),
    "events": ("atelier", None),
    "makerspace": ("atelier", None),
    "skills-volunteering": ("accompagnement", None),
    "research": ("information", None),
    "data": ("information", None),
    "online-platform": ("information", ["numerique--acceder-a-des-services-en-ligne"]),
}
# data·inclusion thematique -> the Essaim services it means, for imports.
THEMATIQUES = {
    "numerique--acceder-a-des-services-en-ligne": ["digital-mediation"],
    "numerique--acceder-a-une-connexion-internet": ["connectivity"],
    "numerique--acquerir-un-equipement": ["equipment"],
    "numerique--maitriser-les-fondamentaux-du-numerique": ["training", "digital-mediation"],
}
TYPES = {"formation": ["training"], "atelier": ["events"], "aide-financiere": ["funding"]}


def producer() -> str:
    """Essaim's name as a data·inclusion producer ("source"): the site's name as a slug."""
    return slugify(settings.ESSAIM["SITE_NAME"]) or "essaim"


def _text(record: dict, field: str) -> str:
    texts = record[field]
    return (
        texts.get("fr")
        or texts.get(record["original_language"])
        or next((text for text in texts.values() if text), "")
    )


def _postal_code(code: str) -> str | None:
    return code if len(code) == 5 and code.isdigit() else None


def _common(record: dict) -> dict:
    """The place and contact fields structures and services share, valid for the schema."""
    return {
        "commune": record["locality"] or None,
        "code_postal": _postal_code(record["postal_code"]),
        "adresse": record["address"] or None,
        "latitude": record["latitude"],
        "longitude": record["longitude"],
        "telephone": record["phone"] or None,
        "courriel": record["email"] or None,
        "lien_source": record["url"],
    }


def date_maj(record: dict) -> str:
    """The day of the last update, as the schemas want it (never in the future, which they
    refuse: a clock a little ahead would otherwise invalidate today's records)."""
    return min(record["updated_at"][:10], date.today().isoformat())


def structure(record: dict) -> dict:
    """A public record as a data·inclusion `Structure`."""
    name = record["name"][:150]
    description = _text(record, "description") or _text(record, "short_description")
    siret = record["identifiers"].get("siret")
    return {
        "source": producer(),
        "id": f"{producer()}--{record['id']}",
        "nom": name if len(name) >= 3 else f"{name} ({record['locality'] or record['country']})",
        "date_maj": date_maj(record),
        "description": description[:10000] if len(description) >= 5 else None,
        "siret": siret if siret and len(siret) == 14 else None,
        "site_web": record["website"] or None,
        "horaires_accueil": record["opening_hours"] or None,
        "accessibilite_lieu": None,
        "reseaux_porteurs": None,
        "code_insee": None,
        "complement_adresse": None,
        **_common(record),
    }


def services(record: dict, labels: dict[str, str]) -> Iterator[dict]:
    """One data·inclusion `Service` per service the organisation offers."""
    summary = _text(record, "short_description") or _text(record, "description")
    remote = record["territory"] == Territory.REMOTE
    for code in record["services"]:
        kind, thematiques = SERVICES.get(code, (None, None))
        label = labels.get(code, code)
        description = summary if len(summary) >= 5 else f"{label} — {record['name']}"
        yield {
            "source": producer(),
            "structure_id": f"{producer()}--{record['id']}",
            "id": f"{producer()}--{record['id']}--{code}",
            "nom": label[:150] if len(label) >= 3 else f"{label} — {record['name']}"[:150],
            "description": description[:10000],
            "date_maj": date_maj(record),
            "type": kind,
            "thematiques": thematiques,
            "modes_accueil": ["a-distance"] if remote else ["en-presentiel"],
            "horaires_accueil": record["opening_hours"] or None,
            **_common(record),
        }


def _array(items: Iterable[dict]) -> Iterator[str]:
    # data·inclusion publishes plain arrays: the licence goes in the HTTP headers and DCAT.
    yield "["
    for number, item in enumerate(items):
        yield ("," if number else "") + "\n" + json.dumps(item, ensure_ascii=False)
    yield "\n]\n"


def structures_chunks(records: Iterable[dict]) -> Iterator[str]:
    return _array(structure(record) for record in records)


def services_chunks(records: Iterable[dict]) -> Iterator[str]:
    with translation.override("fr"):
        labels = {term.code: term.label for term in EssaimService.objects.all()}
    return _array(item for record in records for item in services(record, labels))


# Imports -------------------------------------------------------------------------------------


def read_structures(
    raw: BinaryIO, encoding: str | None = None, on_header=None, services: BinaryIO | None = None
) -> Iterator[tuple[int, dict]]:
    """Structures from JSON, JSON Lines or CSV; with `services`, each structure gets the
    thematiques and types of its services under "__services__"."""
    offered = _services_by_structure(services) if services else {}
    if _json_start(raw) in (b"[", b"{"):
        records = json_records(raw, ("structures",))
    else:
        records = csv_records(raw, encoding, on_header)
    for line, record in records:
        if offered:
            record["__services__"] = offered.get(str(record.get("id", "")), [])
        yield line, record


def _services_by_structure(raw: BinaryIO) -> dict[str, list[str]]:
    found = defaultdict(list)
    for _line, service in json_records(raw, ("services",)):
        codes = [*(service.get("thematiques") or []), service.get("type") or ""]
        found[str(service.get("structure_id", ""))] += [code for code in codes if code]
    return found


def to_fields(record: dict) -> dict:
    """Essaim's fields from a structure; the schema package's own checks come first, and
    what it refuses is reported under "__errors__"."""
    record = {key: value for key, value in record.items() if value not in ("", None)}
    offered = record.pop("__services__", None)
    fields = {"id": record.get("id"), "__errors__": _schema_errors(record)}
    simple = {
        "nom": "name", "description": "description_fr", "lien_source": "source_url",
        "siret": "identifier_siret", "commune": "locality", "code_postal": "postal_code",
        "latitude": "latitude", "longitude": "longitude", "telephone": "phone",
        "courriel": "email", "site_web": "website", "horaires_accueil": "opening_hours",
        "date_maj": "source_updated_at",
    }  # fmt: skip
    for theirs, ours in simple.items():
        if theirs in record:
            fields[ours] = record[theirs]
    address = ", ".join(part for part in (record.get("adresse"), record.get("complement_adresse"))
                        if part)  # fmt: skip
    if address:
        fields["address"] = address
    fields["country"] = "FR"
    fields["original_language"] = "fr"
    if offered is not None:
        codes = [ours for code in offered for ours in THEMATIQUES.get(code, TYPES.get(code, []))]
        fields["services"] = sorted(set(codes))
    return fields


def _schema_errors(record: dict) -> list[tuple[str, str]]:
    """The data·inclusion schema's own verdict on a structure, as (field, reason)."""
    data = {key: value for key, value in record.items() if not key.startswith("__")}
    if isinstance(data.get("reseaux_porteurs"), str):
        data["reseaux_porteurs"] = [item for item in data["reseaux_porteurs"].split("|") if item]
    try:
        v1.Structure.model_validate(data)
    except pydantic.ValidationError as error:
        return [
            (".".join(str(part) for part in problem["loc"]) or "",
             _("data·inclusion schema: %(message)s") % {"message": problem["msg"]})
            for problem in error.errors()
        ]  # fmt: skip
    return []
