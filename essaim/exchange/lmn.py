"""The Schéma des lieux de médiation numérique (France; npm `@gouvfr-anct/lieux-de-mediation-
numerique` models it): a CSV of places, lists joined with |, hours in OSM opening_hours.

Every field of the schema is kept. Those Essaim has a field for (name, address, coordinates,
phone, hours, descriptions, SIRET or RNA, date of update) go there; the others — the place's
types, INSEE code, address complement, fees, access, support, programmes, labels, its own list
of services, every email and web address — are kept whole in `Organisation.mediation`, so that
a place goes out as it came in. The schema's services also set Essaim's `services` (for the
facets and the map); an organisation that did not come from the schema is exported with the
schema's services that its Essaim services stand for.

A place requires an id, a name, a "pivot" (its SIRET or RNA, 00000000000000 when it has none),
an address in France (street, five-digit postal code, commune), a date of update and at least
one service: only organisations that have all of it are exported. Phones are written in the
schema's international form (+33180059880), or left out when they cannot be.
"""

import io
import re
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from essaim.core.spreadsheets import SafeDictWriter
from essaim.core.text import control_character_error

from .datainclusion import date_maj, producer
from .reading import csv_records

# The schema's columns, in its order.
COLUMNS = (
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse",
    "complement_adresse", "latitude", "longitude", "typologie", "telephone", "courriels",
    "site_web", "horaires", "presentation_resume", "presentation_detail", "source",
    "itinerance", "structure_parente", "date_maj", "services",
    "publics_specifiquement_adresses", "prise_en_charge_specifique", "frais_a_charge",
    "dispositif_programmes_nationaux", "formations_labels", "autres_formations_labels",
    "modalites_acces", "modalites_accompagnement", "fiche_acces_libre", "prise_rdv",
)  # fmt: skip
REQUIRED_COLUMNS = ("id", "nom")
NO_PIVOT = "00000000000000"
SEPARATOR = "|"
# The schema's closed lists (as written in the schema and in the npm package's models).
CHOICES = {
    "services": (
        "Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien",
        "Insertion professionnelle via le numérique", "Utilisation sécurisée du numérique",
        "Parentalité et éducation avec le numérique", "Loisirs et créations numériques",
        "Compréhension du monde numérique", "Accès internet et matériel informatique",
        "Acquisition de matériel informatique à prix solidaire",
    ),
    "typologie": (
        "ACI", "ACIPHC", "AFPA", "AI", "ASE", "ASSO", "ASSO_CHOMEUR", "Autre", "AVIP", "BIB",
        "CAARUD", "CADA", "CAF", "CAP_EMPLOI", "CAVA", "CC", "CCAS", "CCONS", "CD", "CDAS",
        "CFP", "CHRS", "CHU", "CIAS", "CIDFF", "CITMET", "CMP", "CMS", "CPAM", "CPH", "CS",
        "CSAPA", "CSC", "DEETS", "DEPT", "DIPLP", "E2C", "EA", "EATT", "EI", "EITI", "ENM",
        "EPCI", "EPI", "EPIDE", "EPN", "ES", "ESAT", "ESS", "ETTI", "EVS", "FABLAB",
        "FABRIQUE", "FAIS", "FT", "GEIQ", "HUDA", "LA_POSTE", "MDE", "MDH", "MDEF", "MDPH",
        "MDS", "MJC", "ML", "MQ", "MSA", "MSAP", "MUNI", "OACAS", "ODC", "OF", "OIL", "OPCS",
        "PAD", "PENSION", "PI", "PIJ_BIJ", "PIMMS", "PJJ", "PLIE", "PREF", "PREVENTION",
        "REG", "RELAIS_LECTURE", "RESSOURCERIE", "RFS", "RS_FJT", "SCP", "SPIP",
        "TIERS_LIEUX", "UDAF",
    ),
    "frais_a_charge": ("Gratuit", "Gratuit sous condition", "Payant"),
    "modalites_acces": (
        "Se présenter", "Téléphoner", "Contacter par mail",
        "Envoyer un mail avec une fiche de prescription", "Prendre un RDV en ligne",
        "Ce lieu n'accueille pas de public",
    ),
    "modalites_accompagnement": (
        "En autonomie", "Accompagnement individuel", "Dans un atelier collectif", "À distance",
    ),
    "itinerance": ("Itinérant", "Fixe"),
    "publics_specifiquement_adresses": (
        "Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes",
    ),
    "prise_en_charge_specifique": (
        "Surdité", "Handicaps moteurs", "Handicaps mentaux", "Illettrisme",
        "Langues étrangères (anglais)", "Langues étrangères (autres)", "Déficience visuelle",
    ),
    "dispositif_programmes_nationaux": (
        "Aidants Connect", "Bibliothèques numérique de référence", "Certification PIX",
        "Conseillers numériques", "Emmaüs Connect", "France Services",
        "Grande école du numérique", "La Croix Rouge", "Point d'accès numérique CAF",
        "Promeneurs du net", "Relais numérique (Emmaüs Connect)",
    ),
    "formations_labels": (
        # The schema's pattern writes "illetrisme"; its documentation and the npm package
        # "illettrisme": both are read, and written back as they came.
        "Formé à « Mon Espace Santé »", "Formé à « DUPLEX » (illettrisme)",
        "Formé à « DUPLEX » (illetrisme)",
        "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
        "Collectif ressources et acteurs réemploi (Normandie)",
        "Étapes numériques (La Poste)", "Fabriques de Territoire",
        "Les Éclaireurs du numérique (Drôme)", "Mes Papiers (Métropole de Lyon)", "ORDI 3.0",
        "SUD LABS (PACA)",
    ),
}  # fmt: skip
# Lists of free values, joined with | too.
FREE_LISTS = ("autres_formations_labels", "courriels", "site_web")
# Single values kept as they are.
KEPT_TEXTS = ("code_insee", "complement_adresse", "structure_parente", "fiche_acces_libre",
              "prise_rdv")  # fmt: skip
INSEE_CODE = re.compile(r"([013-9]\d|2[AB1-9])\d{3}")
POSTAL_CODE = re.compile(r"\d{5}")
# The schema's telephone: the international form of France and its overseas territories,
# without spaces.
SCHEMA_PHONE = re.compile(r"(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)\d{6,9}")


def schema_phone(phone: str) -> str:
    """A phone as the schema writes it (+33180059880), or "" when it cannot be."""
    digits = re.sub(r"[\s.()/-]", "", phone or "")
    if digits.startswith("0") and len(digits) == 10:
        digits = "+33" + digits[1:]
    return digits if SCHEMA_PHONE.fullmatch(digits) else ""


URL_FIELDS = ("fiche_acces_libre", "prise_rdv")
# The schema's services -> the Essaim services that say the same (for facets and the map).
TO_ESSAIM = {
    "Aide aux démarches administratives": ["digital-mediation"],
    "Maîtrise des outils numériques du quotidien": ["digital-mediation", "training"],
    "Insertion professionnelle via le numérique": ["digital-mediation", "training"],
    "Utilisation sécurisée du numérique": ["digital-mediation", "training"],
    "Parentalité et éducation avec le numérique": ["digital-mediation", "training"],
    "Loisirs et créations numériques": ["makerspace"],
    "Compréhension du monde numérique": ["training"],
    "Accès internet et matériel informatique": ["connectivity"],
    "Acquisition de matériel informatique à prix solidaire": ["equipment"],
}
# Essaim service -> the schema's services it stands for, for entries not from the schema.
FROM_ESSAIM = {
    "digital-mediation": ["Aide aux démarches administratives",
                          "Maîtrise des outils numériques du quotidien"],
    "training": ["Compréhension du monde numérique"],
    "makerspace": ["Loisirs et créations numériques"],
    "connectivity": ["Accès internet et matériel informatique"],
    "equipment": ["Acquisition de matériel informatique à prix solidaire"],
}  # fmt: skip
# Essaim's audiences that are one of the schema's publics.
PUBLICS = {"young-people": "Jeunes"}
STORED = (*CHOICES, *FREE_LISTS, *KEPT_TEXTS)


def _text(record: dict, field: str) -> str:
    texts = record[field]
    return texts.get("fr") or texts.get(record["original_language"]) or ""


def _joined(values) -> str:
    return SEPARATOR.join(values or [])


def _offered(record: dict, kept: dict) -> list[str]:
    if kept.get("services"):
        return list(kept["services"])
    return list(dict.fromkeys(
        name for code in record["services"] for name in FROM_ESSAIM.get(code, [])
    ))  # fmt: skip


def place(record: dict) -> dict | None:
    """A public record as a place of the schema, or None when it lacks what the schema
    requires (see the module's description)."""
    kept = record.get("mediation") or {}
    offered = _offered(record, kept)
    if not (
        offered
        and record["country"] == "FR"
        and record["address"]
        and record["locality"]
        and POSTAL_CODE.fullmatch(record["postal_code"] or "")
    ):
        return None
    identifiers = record["identifiers"]
    summary = _text(record, "short_description")
    publics = kept.get("publics_specifiquement_adresses") or [
        PUBLICS[code] for code in record["audiences"] if code in PUBLICS
    ]
    row = {
        "id": f"{producer()}--{record['id']}",
        "pivot": identifiers.get("siret") or identifiers.get("rna") or NO_PIVOT,
        "nom": record["name"],
        "commune": record["locality"],
        "code_postal": record["postal_code"],
        "adresse": record["address"],
        "latitude": "" if record["latitude"] is None else record["latitude"],
        "longitude": "" if record["longitude"] is None else record["longitude"],
        "telephone": schema_phone(record["phone"]),
        "courriels": _joined(kept.get("courriels")) or record["email"],
        "site_web": _joined(kept.get("site_web")) or record["website"],
        "horaires": record["opening_hours"],
        "presentation_resume": summary[:280],
        "presentation_detail": _text(record, "description"),
        "source": producer(),
        "date_maj": date_maj(record),
        "services": _joined(offered),
        "publics_specifiquement_adresses": _joined(publics),
    }
    for name in (*CHOICES, "autres_formations_labels"):
        row.setdefault(name, _joined(kept.get(name)))
    for name in KEPT_TEXTS:
        row[name] = kept.get(name, "")
    return row


def csv_chunks(records: Iterable[dict]) -> Iterator[str]:
    """The records that make places, as the schema's CSV."""
    return places_csv(places(records))


def places_csv(rows: Iterable[dict]) -> Iterator[str]:
    """Places as the schema's CSV (UTF-8, comma-separated, header first, its columns in its
    order)."""
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


def read(raw, encoding: str | None = None, on_header=None) -> Iterator[dict]:
    return csv_records(raw, encoding, on_header)


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(SEPARATOR) if item.strip()]


def to_fields(record: dict) -> dict:
    """Essaim's fields from a place of the schema (in France, written in French). A value
    outside the schema's lists is an error of the record, with the column it is in."""
    fields = {"id": record.get("id"), "country": "FR", "original_language": "fr"}
    simple = {
        "nom": "name", "commune": "locality", "code_postal": "postal_code",
        "adresse": "address", "latitude": "latitude", "longitude": "longitude",
        "telephone": "phone", "horaires": "opening_hours",
        "presentation_resume": "short_description_fr", "presentation_detail": "description_fr",
        "date_maj": "source_updated_at",
    }  # fmt: skip
    for theirs, ours in simple.items():
        if theirs in record:
            fields[ours] = record[theirs]
    if "courriels" in record:
        fields["email"] = next(iter(_split(record["courriels"])), "")
    if "site_web" in record:
        fields["website"] = next(iter(_split(record["site_web"])), "")
    pivot = (record.get("pivot") or "").strip()
    if pivot and pivot != NO_PIVOT:
        fields["identifier_rna" if pivot.upper().startswith("W") else "identifier_siret"] = pivot
    errors, kept = [], {}
    for name in CHOICES:
        if name not in record:
            continue
        values = list(dict.fromkeys(_split(record[name])))
        if unknown := [value for value in values if value not in CHOICES[name]]:
            errors.append((name, _unknown_value(name, unknown)))
        elif values:
            kept[name] = values
    for name in FREE_LISTS:
        values = _split(record.get(name))
        # The first email and web address are the entry's own: kept here when there are more.
        if len(values) > (0 if name == "autres_formations_labels" else 1):
            kept[name] = values
    for name in KEPT_TEXTS:
        if text := (record.get(name) or "").strip():
            kept[name] = text
    if kept.get("code_insee") and not INSEE_CODE.fullmatch(kept["code_insee"]):
        errors.append(("code_insee", _("Not an INSEE code (five characters, such as 35238).")))
    if "services" in record:
        fields["services"] = sorted({
            code for name in kept.get("services", []) for code in TO_ESSAIM[name]
        })  # fmt: skip
    if any(name in record for name in STORED):
        fields["mediation"] = kept
    if errors:
        fields["__errors__"] = errors
    return fields


def check_mediation(value) -> str | None:
    """Why a `mediation` fact is not one the schema allows, or None (imports of Essaim's own
    exports carry it as they were written)."""
    if not isinstance(value, dict):
        return _("Not an object of the Schéma des lieux de médiation numérique's fields.")
    for name, item in value.items():
        if name not in STORED:
            return _("Not a field of the Schéma des lieux de médiation numérique: %(name)s.") % {
                "name": str(name)[:60]
            }
        if name in CHOICES or name in FREE_LISTS:
            if not isinstance(item, list) or not all(isinstance(one, str) for one in item):
                return _("%(name)s must be a list of texts.") % {"name": name}
            if name in CHOICES and (unknown := [one for one in item if one not in CHOICES[name]]):
                return _unknown_value(name, unknown)
        elif not isinstance(item, str) or len(item) > 500:
            return _("%(name)s must be a text of at most 500 characters.") % {"name": name}
        for text in item if isinstance(item, list) else [item]:
            if reason := control_character_error(text):
                return reason
    return None


def _unknown_value(name: str, values: list[str]) -> str:
    return _("Not one of the schema's values for %(name)s: %(values)s.") % {
        "name": name,
        "values": ", ".join(value[:60] for value in values[:5]),
    }
