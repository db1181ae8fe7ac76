"""The field's standards: data·inclusion (checked by its own schema package) and the Schéma des
lieux de médiation numérique, exported and imported."""

import csv
import io
import json

import pytest
from data_inclusion.schema import v1
from django.core.management import call_command

from essaim.atlas.models import Organisation

from .test_imports import run_import

pytestmark = pytest.mark.django_db


def download(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content).decode("utf-8")


def test_data_inclusion_structures_pass_the_official_schema(client, demo):
    structures = json.loads(download(client, "/exports/data-inclusion/structures.json"))
    assert len(structures) == Organisation.objects.published().count()
    for structure in structures:
        v1.Structure.model_validate(structure, context={"ignore_warnings": False})
    emmaus = next(s for s in structures if s["nom"] == "Emmaüs Connect")
    org = Organisation.objects.get(name="Emmaüs Connect")
    assert emmaus["id"] == f"essaim--{org.pk}"
    assert emmaus["commune"] == org.locality
    assert emmaus["lien_source"].endswith(org.get_absolute_url().replace("/en/", "/fr/"))


def test_data_inclusion_services_pass_the_official_schema(client, demo):
    services = json.loads(download(client, "/exports/data-inclusion/services.json"))
    org = Organisation.objects.get(name="Emmaüs Connect")
    assert len(services) == sum(o.services.count() for o in Organisation.objects.published())
    for service in services:
        v1.Service.model_validate(service, context={"ignore_warnings": False})
    offered = {s["id"]: s for s in services if s["structure_id"] == f"essaim--{org.pk}"}
    assert set(offered) == {f"essaim--{org.pk}--{s.code}" for s in org.services.all()}
    equipment = offered[f"essaim--{org.pk}--equipment"]
    assert equipment["thematiques"] == ["numerique--acquerir-un-equipement"]
    assert equipment["nom"] == "Équipement reconditionné"


def test_data_inclusion_structures_and_services_import(client, demo, commit, tmp_path):
    structures = tmp_path / "structures.json"
    structures.write_text(json.dumps([
        {"source": "dora", "id": "dora--1", "nom": "Espace numérique de Lens",
         "date_maj": "2025-02-14", "commune": "Lens", "code_postal": "62300",
         "adresse": "2 rue de la Paix", "siret": "13003013300016",
         "courriel": "contact@lens.example.org", "site_web": "https://lens.example.org",
         "horaires_accueil": "Mo-Fr 09:00-12:00", "description": "Un lieu de médiation."},
        {"source": "dora", "id": "dora--2", "nom": "X", "date_maj": "2025-02-14"},
        {"source": "dora", "id": "dora--3", "nom": "Point relais", "date_maj": "2025-02-14",
         "siret": "123"},
    ]), encoding="utf-8")  # fmt: skip
    services = tmp_path / "services.json"
    services.write_text(json.dumps([
        {"source": "dora", "structure_id": "dora--1", "id": "dora--s1", "nom": "Équipement",
         "description": "Acheter un ordinateur", "date_maj": "2025-02-14",
         "thematiques": ["numerique--acquerir-un-equipement"]},
    ]), encoding="utf-8")  # fmt: skip

    out, _err = run_import(structures, commit, format="data-inclusion", source="dora",
                           services=str(services), partial=True)  # fmt: skip

    assert "1 created, 0 updated, 0 unchanged, 2 rejected" in out
    org = Organisation.objects.get(source="dora", source_id="dora--1")
    assert (org.locality, org.postal_code, org.country.code) == ("Lens", "62300", "FR")
    assert org.latitude is not None, "placed at its commune"
    assert org.opening_hours == "Mo-Fr 09:00-12:00"
    assert [s.code for s in org.services.all()] == ["equipment"]
    assert org.identifiers.get(scheme="siret").value == "13003013300016"
    with open(f"{structures}.rejects.csv", encoding="utf-8-sig") as file:
        rejects = {(row["id"], row["field"]) for row in csv.DictReader(file)}
    assert ("dora--2", "nom") in rejects, "the schema's own rule: 3 characters at least"
    assert ("dora--3", "siret") in rejects


LMN_ROW = {
    "id": "lmn-1", "pivot": "13003013300016", "nom": "Médiathèque de Rennes",
    "commune": "Rennes", "code_postal": "35000", "adresse": "10 cours des Alliés",
    "latitude": "48.1045", "longitude": "-1.6742", "courriels": "a@rennes.example.org|b@x.org",
    "site_web": "https://rennes.example.org", "horaires": "Tu-Sa 10:00-18:00",
    "presentation_resume": "Ateliers numériques pour tous.", "date_maj": "2025-01-10",
    "services": "Aide aux démarches administratives|Acquisition de matériel informatique à "
                "prix solidaire",
}  # fmt: skip


def write_lmn(path, rows):
    from essaim.exchange.lmn import COLUMNS

    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_lmn_import_then_export_gives_the_places_back(client, demo, commit, tmp_path):
    bad_services = {**LMN_ROW, "id": "lmn-2", "services": "Réparer des vélos"}
    bad_hours = {**LMN_ROW, "id": "lmn-3", "horaires": "le mardi"}
    path = write_lmn(tmp_path / "lieux.csv", [LMN_ROW, bad_services, bad_hours])

    out, _err = run_import(path, commit, format="lmn", source="cartographie", partial=True)

    assert "1 created, 0 updated, 0 unchanged, 2 rejected" in out
    org = Organisation.objects.get(source="cartographie")
    assert org.email == "a@rennes.example.org"
    assert sorted(s.code for s in org.services.all()) == ["digital-mediation", "equipment"]
    rows = list(csv.DictReader(io.StringIO(
        download(client, "/exports/lieux-de-mediation-numerique.csv")
    )))  # fmt: skip
    [place] = [row for row in rows if row["nom"] == LMN_ROW["nom"]]
    for column in ("pivot", "commune", "code_postal", "adresse", "horaires", "site_web",
                   "presentation_resume"):  # fmt: skip
        assert place[column] == LMN_ROW[column], column
    assert set(place["services"].split("|")) == {
        "Aide aux démarches administratives",
        "Maîtrise des outils numériques du quotidien",
        "Acquisition de matériel informatique à prix solidaire",
    }
    assert place["id"] == f"essaim--{org.pk}"
    assert float(place["latitude"]) == pytest.approx(48.1045)
    # Every exported place has what the schema requires.
    for row in rows:
        for column in ("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj",
                       "services"):  # fmt: skip
            assert row[column], (row["nom"], column)


def test_the_export_command_writes_the_standards_too(demo, tmp_path):
    target = tmp_path / "structures.json"
    call_command("export", format="data-inclusion", output=str(target), stderr=io.StringIO())
    structures = json.loads(target.read_text(encoding="utf-8"))
    assert len(structures) == Organisation.objects.published().count()
    v1.Structure.model_validate(structures[0])
