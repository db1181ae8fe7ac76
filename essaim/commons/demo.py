"""The commons' demo: the events, resources and offer that the field's documents describe."""

import json
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction

from essaim.atlas.gazetteer import find_locality
from essaim.atlas.models import Organisation, Sector
from essaim.competences.models import Competence

from .actions import do_add_published_item
from .models import Event, Opportunity, Resource

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo_commons.json"
RELATIONS = ("organisations", "themes", "competences", "modules", "replaces", "provider")


def _moment(text: str, zone: str, *, end: bool = False) -> datetime:
    if "T" in text:
        moment = datetime.fromisoformat(text)
    else:  # a whole day: from its first to its last minute
        day = datetime.fromisoformat(text).date()
        moment = datetime.combine(day, time(23, 59) if end else time(0))
    return moment.replace(tzinfo=ZoneInfo(zone))


def _save(model, record: dict):
    fields = {key: value for key, value in record.items() if key not in RELATIONS}
    if model is Event:
        zone = fields.setdefault("time_zone", "Europe/Paris")
        fields["starts_at"] = _moment(fields.pop("start"), zone)
        fields["ends_at"] = _moment(fields.pop("end"), zone, end=True)
        if fields.get("locality"):
            place = find_locality(fields["locality"], fields["country"])
            fields["latitude"], fields["longitude"] = place.latitude, place.longitude
        if "allowance_amount" in fields:
            fields["allowance_amount"] = Decimal(fields["allowance_amount"])
    if "provider" in record:
        fields["provider"] = Organisation.objects.get(name=record["provider"])
    return do_add_published_item(
        model, fields,
        organisations=Organisation.objects.filter(name__in=record.get("organisations", [])),
        themes=Sector.objects.filter(code__in=record.get("themes", [])),
        competences=Competence.objects.filter(key__in=record.get("competences", [])),
        modules=record.get("modules", []), replaces=record.get("replaces", []),
    )  # fmt: skip


def load_demo_commons() -> int:
    """Add the demo items that are missing (by their French title); returns how many."""
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    created = 0
    with transaction.atomic():
        for key, model in (("events", Event), ("resources", Resource),
                           ("opportunities", Opportunity)):  # fmt: skip
            for record in data[key]:
                if not model.objects.filter(title_fr=record["title_fr"]).exists():
                    _save(model, record)
                    created += 1
    return created
