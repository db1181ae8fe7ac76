"""The Schéma des lieux de médiation numérique (France; npm `@gouvfr-anct/lieux-de-mediation-
numerique` models it): a CSV of places, lists joined with |, hours in OSM opening_hours.

A place requires an id, a name, a "pivot" (its SIRET or RNA number, 00000000000000 when it
has none), an address (street, postal code, commune), a date of last update and at least one
of the schema's nine services: only organisations that have all of it, through services that
match the schema's, are exported.
"""

import io
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from essaim.core.spreadsheets import SafeDictWriter

from .datainclusion import date_maj, producer
from .reading import csv_records

COLUMNS = (
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse",
    "complement_adresse", "latitude", "longitude", "typologie", "telephone", "courriels",
    "site_web", "horaires", "presentation_resume", "presentation_detail", "source",
    "structure_parente", "date_maj", "services", "publics_specifiquement_adresses",
    "prise_en_charge_specifique", "frais_a_charge", "itinerance", "modalites_acces",
    "modalites_accompagnement", "fiche_acces_libre", "prise_rdv", "formations_labels",
    "autres_formations_labels", "dispositif_programmes_nationaux",
)  # fmt: skip
REQUIRED_COLUMNS = ("id", "nom")
NO_PIVOT = "00000000000000"
SEPARATOR = "|"
# The schema's services, and the Essaim services that offer them.
LMN_SERVICES = {
    "Aide aux démarches administratives": ["digital-mediation"],
    "Maîtrise des outils numériques du quotidien": ["digital-mediation", "training"],
    "Insertion professionnelle via le numérique": [],
    "Utilisation sécurisée du numérique": [],
    "Parentalité et éducation avec le numérique": [],
    "Loisirs et créations numériques": ["makerspace"],
    "Compréhension du monde numérique": ["training"],
    "Accès internet et matériel informatique": ["connectivity"],
    "Acquisition de matériel informatique à prix solidaire": ["equipment"],
}
# Essaim service -> the schema's services it stands for, for exports.
FROM_ESSAIM = {
    "digital-mediation": ["Aide aux démarches administratives",
                          "Maîtrise des outils numériques du quotidien"],
    "training": ["Compréhension du monde numérique"],
    "makerspace": ["Loisirs et créations numériques"],
    "connectivity": ["Accès internet et matériel informatique"],
    "equipment": ["Acquisition de matériel informatique à prix solidaire"],
}  # fmt: skip
# The "pivot" and publics are the schema's; Essaim's audiences map onto some of them.
PUBLICS = {"young-people": "Jeunes"}


def _text(record: dict, field: str) -> str:
    texts = record[field]
    return texts.get("fr") or texts.get(record["original_language"]) or ""


def place(record: dict) -> dict | None:
    """A public record as a place of the schema, or None when it lacks what the schema
    requires (see the module's description)."""
    offered = list(dict.fromkeys(
        name for code in record["services"] for name in FROM_ESSAIM.get(code, [])
    ))  # fmt: skip
    if not (offered and record["address"] and record["locality"] and record["postal_code"]):
        return None
    identifiers = record["identifiers"]
    summary = _text(record, "short_description")
    return {
        "id": f"{producer()}--{record['id']}",
        "pivot": identifiers.get("siret") or identifiers.get("rna") or NO_PIVOT,
        "nom": record["name"],
        "commune": record["locality"],
        "code_postal": record["postal_code"],
        "adresse": record["address"],
        "latitude": "" if record["latitude"] is None else record["latitude"],
        "longitude": "" if record["longitude"] is None else record["longitude"],
        "telephone": record["phone"],
        "courriels": record["email"],
        "site_web": record["website"],
        "horaires": record["opening_hours"],
        "presentation_resume": summary[:280],
        "presentation_detail": _text(record, "description"),
        "source": producer(),
        "date_maj": date_maj(record),
        "services": SEPARATOR.join(offered),
        "publics_specifiquement_adresses": SEPARATOR.join(
            PUBLICS[code] for code in record["audiences"] if code in PUBLICS
        ),
        "itinerance": "",
        "modalites_accompagnement": "",
    }


def csv_chunks(records: Iterable[dict]) -> Iterator[str]:
    """The records that make places, as the schema's CSV."""
    return places_csv(places(records))


def places_csv(rows: Iterable[dict]) -> Iterator[str]:
    """Places as the schema's CSV (UTF-8, comma-separated, header first)."""
    buffer = io.StringIO()
    writer = SafeDictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n", restval="")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writeheader()
    yield flush()
    for row in rows:
        writer.writerow(row)
        yield flush()


def places(records: Iterable[dict]) -> Iterator[dict]:
    """The records that make places of the schema, as places."""
    for record in records:
        if (row := place(record)) is not None:
            yield row


def read(raw, encoding: str | None = None, on_header=None):
    return csv_records(raw, encoding, on_header)


def _first(value: str) -> str:
    return next((item.strip() for item in (value or "").split(SEPARATOR) if item.strip()), "")


def to_fields(record: dict) -> dict:
    """Essaim's fields from a place of the schema (in France, written in French)."""
    fields = {"id": record.get("id"), "country": "FR", "original_language": "fr"}
    simple = {
        "nom": "name", "commune": "locality", "code_postal": "postal_code",
        "latitude": "latitude", "longitude": "longitude", "telephone": "phone",
        "horaires": "opening_hours", "presentation_resume": "short_description_fr",
        "presentation_detail": "description_fr", "date_maj": "source_updated_at",
    }  # fmt: skip
    for theirs, ours in simple.items():
        if theirs in record:
            fields[ours] = record[theirs]
    address = ", ".join(
        part.strip() for part in (record.get("adresse"), record.get("complement_adresse")) if part
    )
    if "adresse" in record:
        fields["address"] = address
    if "courriels" in record:
        fields["email"] = _first(record["courriels"])
    if "site_web" in record:
        fields["website"] = _first(record["site_web"])
    pivot = (record.get("pivot") or "").strip()
    if pivot and pivot != NO_PIVOT:
        fields["identifier_rna" if pivot.upper().startswith("W") else "identifier_siret"] = pivot
    if "services" in record:
        unknown = [name for name in record["services"].split(SEPARATOR)
                   if name.strip() and name.strip() not in LMN_SERVICES]  # fmt: skip
        if unknown:
            fields["__errors__"] = [("services", _unknown_service(unknown))]
        fields["services"] = sorted({
            code for name in record["services"].split(SEPARATOR)
            for code in LMN_SERVICES.get(name.strip(), [])
        })  # fmt: skip
    return fields


def _unknown_service(names: list[str]) -> str:
    return _("Not one of the schema's services: %(names)s.") % {"names": ", ".join(names)}
