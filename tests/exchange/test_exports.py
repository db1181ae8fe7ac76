"""Open-data exports, read back with independent parsers."""

import csv
import io
import json

import geojson
import pytest
from pyld import jsonld

from essaim.atlas.models import Organisation

pytestmark = pytest.mark.django_db


def download(client, fmt, **params):
    response = client.get(f"/exports/organisations.{fmt}", params)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content).decode("utf-8")


def test_csv_reads_back_with_the_csv_module(client, demo):
    text = download(client, "csv")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == Organisation.objects.count()
    atena = next(row for row in rows if row["name"] == "Atena Informatique")
    assert atena["locality"] == "Rimouski"
    assert atena["country"] == "CA"
    assert atena["founding_year"] == "1984"
    assert atena["licence"] == "ODbL-1.0"
    assert set(atena["services"].split("|")) == {
        "equipment",
        "training",
        "consulting",
        "connectivity",
    }
    assert float(atena["latitude"]) == pytest.approx(48.449, abs=0.01)


def test_csv_of_the_current_search(client, demo):
    rows = list(csv.DictReader(io.StringIO(download(client, "csv", country="BE").lstrip("\ufeff"))))
    assert rows and {row["country"] for row in rows} == {"BE"}
    assert len(rows) == Organisation.objects.filter(country="BE").count()


def test_json_states_licence_and_date(client, demo):
    data = json.loads(download(client, "json"))
    assert data["licence"] == "ODbL-1.0"
    assert data["generated_at"][:4].isdigit()
    assert len(data["organisations"]) == Organisation.objects.count()


def test_geojson_is_valid_rfc_7946(client, demo):
    data = geojson.loads(download(client, "geojson", q="coop"))
    assert data.is_valid, data.errors()
    assert data["type"] == "FeatureCollection"
    located = [feature for feature in data["features"] if feature["geometry"]]
    assert located
    for feature in located:
        longitude, latitude = feature["geometry"]["coordinates"]
        assert -180 <= longitude <= 180 and -90 <= latitude <= 90
    atena = next(f for f in located if f["properties"]["name"] == "Atena Informatique")
    assert atena["geometry"]["coordinates"] == pytest.approx([-68.52, 48.45], abs=0.05)


def _schema_org_loader(url, options=None):
    # The schema.org context, offline: every term in the schema.org vocabulary.
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": {"@context": {"@vocab": "https://schema.org/"}},
    }


def test_json_ld_expands_with_a_json_ld_processor(client, demo):
    document = json.loads(download(client, "jsonld", country="IT"))
    expanded = jsonld.expand(document, {"documentLoader": _schema_org_loader})
    types = {node["@type"][0] for node in expanded}
    assert types == {"https://schema.org/Dataset", "https://schema.org/Organization"}
    egina = next(
        node
        for node in expanded
        if node.get("https://schema.org/name", [{}])[0].get("@value") == "EGINA"
    )
    address = egina["https://schema.org/address"][0]
    assert address["https://schema.org/addressLocality"][0]["@value"] == "Foligno"
    descriptions = {value["@language"] for value in egina["https://schema.org/description"]}
    assert descriptions == {"it", "fr", "en"}
    dataset = next(node for node in expanded if node["@type"][0].endswith("Dataset"))
    assert dataset["https://schema.org/license"]


def test_bad_search_in_an_export_is_refused_clearly(client, demo):
    response = client.get(
        "/exports/organisations.csv", {"sector": "nope"}, headers={"accept-language": "en"}
    )
    assert response.status_code == 400
    assert "Unknown value for sector: nope." in response.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "json", "geojson", "jsonld"])
def test_the_export_command_writes_what_the_web_export_serves(client, demo, tmp_path, fmt):
    from django.core.management import call_command

    out = tmp_path / "out"
    out.mkdir()
    target = out / f"atlas.{fmt}"
    err = io.StringIO()
    from django.utils import translation

    with translation.override("en"):  # the command speaks the active language
        call_command("export", format=fmt, output=str(target), filter=["country=CA"], stderr=err)
    written = target.read_bytes().decode("utf-8")
    served = download(client, fmt, country="CA")
    # The same records; the first line says when and from where it was made.
    assert written.splitlines()[1:] == served.splitlines()[1:]
    assert len(written.splitlines()) > 2
    expected = Organisation.objects.filter(country="CA").count()
    assert err.getvalue().startswith(f"{expected} organisations written to")
    assert [p.name for p in out.iterdir()] == [target.name], "no partial file is left"


def test_the_export_command_refuses_a_bad_search_and_writes_nothing(demo, tmp_path):
    from django.core.management import CommandError, call_command

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(CommandError, match="Atlantis"):
        call_command("export", format="csv", output=str(out / "x.csv"),
                     filter=["country=Atlantis"])  # fmt: skip
    assert list(out.iterdir()) == []
