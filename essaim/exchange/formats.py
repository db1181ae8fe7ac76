"""Open-data exports of the atlas, streamed so that memory stays flat at any size.

CSV (UTF-8, columns in docs/exports.md), JSON, GeoJSON (RFC 7946) and JSON-LD (schema.org).
Each states its licence and date.
"""

import io
import json
from collections.abc import Iterable, Iterator

from essaim.atlas.models import CONTENT_LANGUAGES, Organisation
from essaim.core.spreadsheets import SafeWriter

from . import datainclusion, lmn
from .jsonld import organisation_jsonld
from .records import IDENTIFIER_SCHEMES, licence

LIST_SEPARATOR = "|"
CSV_COLUMNS = [
    "id",
    "url",
    "name",
    *[f"short_description_{code}" for code in CONTENT_LANGUAGES],
    *[f"description_{code}" for code in CONTENT_LANGUAGES],
    "original_language",
    "legal_form",
    "families",
    "roles",
    "sector",
    "services",
    "audiences",
    "languages",
    "territory",
    "address",
    "postal_code",
    "locality",
    "region",
    "country",
    "latitude",
    "longitude",
    "website",
    "email",
    "phone",
    "opening_hours",
    "mediation",
    *IDENTIFIER_SCHEMES,
    "founding_year",
    "size_band",
    "source",
    "source_id",
    "source_url",
    "source_updated_at",
    "quality",
    "confirmed_at",
    "updated_at",
    "licence",
]


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def csv_rows(records: Iterable[dict]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\r\n")
    about = licence()

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield "\ufeff" + flush()  # the BOM lets spreadsheet programs read UTF-8
    for record in records:
        row = []
        for column in CSV_COLUMNS:
            if column.startswith(("short_description_", "description_")):
                field, code = column.rsplit("_", 1)
                value = record[field][code]
            elif column in IDENTIFIER_SCHEMES:
                value = record["identifiers"].get(column, "")
            elif column == "licence":
                value = about["licence"]
            else:
                value = record[column]
            if isinstance(value, list):
                value = LIST_SEPARATOR.join(value)
            elif isinstance(value, dict):
                value = _dumps(value) if value else ""
            row.append("" if value is None else value)
        writer.writerow(row)
        yield flush()


def json_chunks(records: Iterable[dict]) -> Iterator[str]:
    header = _dumps(licence())[:-1]
    yield header + ', "organisations": ['
    for number, record in enumerate(records):
        yield ("," if number else "") + "\n" + _dumps(record)
    yield "\n]}\n"


def geojson_chunks(records: Iterable[dict]) -> Iterator[str]:
    # Foreign members (licence, generated_at) are allowed by RFC 7946 section 6.1.
    header = _dumps({"type": "FeatureCollection", **licence()})[:-1]
    yield header + ', "features": ['
    for number, record in enumerate(records):
        geometry = None
        if record["latitude"] is not None and record["longitude"] is not None:
            geometry = {
                "type": "Point",
                "coordinates": [round(record["longitude"], 6), round(record["latitude"], 6)],
            }
        properties = {
            key: value for key, value in record.items() if key not in ("latitude", "longitude")
        }
        feature = {
            "type": "Feature",
            "id": record["id"],
            "geometry": geometry,
            "properties": properties,
        }
        yield ("," if number else "") + "\n" + _dumps(feature)
    yield "\n]}\n"


def jsonld_chunks(organisations: Iterable[Organisation], catalogue_url: str) -> Iterator[str]:
    about = licence()
    dataset = {
        "@type": "Dataset",
        "@id": catalogue_url,
        "name": f"{about['publisher']} — organisations",
        "license": about["licence_url"],
        "dateModified": about["generated_at"],
    }
    yield '{"@context": "https://schema.org", "@graph": [' + _dumps(dataset)
    for org in organisations:
        node = organisation_jsonld(org)
        del node["@context"]
        yield ",\n" + _dumps(node)
    yield "\n]}\n"


FORMATS = {
    "csv": ("text/csv; charset=utf-8", csv_rows),
    "json": ("application/json", json_chunks),
    "geojson": ("application/geo+json", geojson_chunks),
    "jsonld": ("application/ld+json", jsonld_chunks),
    "data-inclusion": ("application/json", datainclusion.structures_chunks),
    "data-inclusion-services": ("application/json", datainclusion.services_chunks),
    "lmn": ("text/csv; charset=utf-8", lmn.csv_chunks),
}
# Format -> the name of its download (essaim-<name>-<date>.<extension>).
FILE_NAMES = {
    "data-inclusion": ("structures", "json"),
    "data-inclusion-services": ("services", "json"),
    "lmn": ("lieux-mediation-numerique", "csv"),
}
