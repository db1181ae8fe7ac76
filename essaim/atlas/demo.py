"""The demo atlas: the organisations named in the field's documents, with true facts."""

import json
from pathlib import Path

from django.db import transaction

from . import actions
from .gazetteer import find_locality
from .models import LegalForm, Organisation, Sector
from .schema import RELATIONS

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_SOURCE = "essaim-demo"


def taxonomy_data() -> dict:
    return json.loads((DATA_DIR / "taxonomies.json").read_text(encoding="utf-8"))


def demo_records() -> list[dict]:
    return json.loads((DATA_DIR / "demo_organisations.json").read_text(encoding="utf-8"))


def record_fields(record: dict) -> tuple[dict, dict]:
    """Model fields and relations of a demo record; coordinates come from the gazetteer."""
    fields = {
        "name": record["name"],
        "original_language": record.get("original_language", "fr"),
        "legal_form": LegalForm.objects.get(code=record["legal_form"]),
        "sector": Sector.objects.get(code=record["sector"]),
        "languages": record.get("languages", []),
        "territory": record.get("territory", ""),
        "locality": record.get("locality", ""),
        "region": record.get("region", ""),
        "country": record["country"],
        "website": record.get("website", ""),
        "founding_year": record.get("founding_year"),
        "source": DEMO_SOURCE,
        "source_id": record["name"],
    }
    for language in ("fr", "en", "it", "es"):
        short, long = record.get(language, ["", ""])
        fields[f"short_description_{language}"] = short
        fields[f"description_{language}"] = long
    if fields["locality"]:
        place = find_locality(fields["locality"], fields["country"])
        if place is None:
            raise ValueError(f"Unknown locality {fields['locality']} ({fields['country']})")
        fields.update(latitude=place.latitude, longitude=place.longitude)
        fields["region"] = fields["region"] or place.region
    relations = {
        "families": record.get("families", []),
        "roles": record.get("roles", []),
        "services": record.get("services", []),
        "audiences": record.get("audiences", []),
    }
    relations = {
        name: list(RELATIONS[name].objects.filter(code__in=codes))
        for name, codes in relations.items()
    }
    return fields, relations


def load_demo(update: bool = False) -> tuple[int, int]:
    """Load taxonomies and demo organisations. Running it again adds what is missing and, with
    `update`, resets the demo organisations to the shipped facts (edits made since are lost).

    Returns (created, updated)."""
    created = updated = 0
    with transaction.atomic():
        if update or not Sector.objects.exists():
            actions.do_load_taxonomies(taxonomy_data())
        for record in demo_records():
            fields, relations = record_fields(record)
            existing = Organisation.objects.filter(
                source=DEMO_SOURCE, source_id=fields["source_id"]
            ).first()
            if existing and update:
                actions.do_update_organisation(existing, fields, relations)
                updated += 1
            elif existing:
                continue
            else:
                actions.do_create_organisation(fields, relations)
                created += 1
    return created, updated
