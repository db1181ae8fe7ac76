"""The field's standards: data·inclusion (checked by its own schema package) and the Schéma des
lieux de médiation numérique, exported and imported."""

import csv
import io
import json
import re

import pytest
from data_inclusion.schema import v1
from django.core.management import call_command

from essaim.atlas.models import Organisation
from essaim.exchange import lmn
from tests.exchange.test_imports import run_import
from tests.helpers import TESTS

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


FULL_PLACES = [
    {**LMN_ROW, "code_insee": "35238", "complement_adresse": "Rez-de-chaussée, porte B",
     "typologie": "BIB|MUNI", "telephone": "+33299000000", "source": "Rennes Métropole",
     "presentation_detail": "Un lieu pour apprendre le numérique, avec ou sans rendez-vous.",
     "itinerance": "Fixe", "structure_parente": "Ville de Rennes",
     "services": "Aide aux démarches administratives|Insertion professionnelle via le numérique"
                 "|Accès internet et matériel informatique",
     "publics_specifiquement_adresses": "Jeunes|Seniors",
     "prise_en_charge_specifique": "Surdité|Handicaps moteurs",
     "frais_a_charge": "Gratuit", "modalites_acces": "Se présenter|Téléphoner",
     "modalites_accompagnement": "Accompagnement individuel|Dans un atelier collectif",
     "fiche_acces_libre": "https://acceslibre.beta.gouv.fr/app/35-rennes/a/bibliotheque/",
     "prise_rdv": "https://rdv.rennes.example.org/",
     "formations_labels": "Fabriques de Territoire", "autres_formations_labels": "Label local",
     "dispositif_programmes_nationaux": "Conseillers numériques|France Services"},
    {**LMN_ROW, "id": "lmn-2", "nom": "Bus numérique du Pays de Brocéliande",
     "pivot": "00000000000000", "itinerance": "Itinérant|Fixe", "courriels": "bus@example.org",
     "services": "Insertion professionnelle via le numérique", "frais_a_charge": "Payant",
     "date_maj": "2024-11-02"},
    {**LMN_ROW, "id": "lmn-3", "nom": "Espace public numérique de Lorient",
     "commune": "Lorient", "code_postal": "56100", "adresse": "2 rue de la Mairie",
     "latitude": "47.7483", "longitude": "-3.3702",
     "services": "Utilisation sécurisée du numérique|Parentalité et éducation avec le numérique"
                 "|Compréhension du monde numérique",
     "modalites_acces": "Prendre un RDV en ligne", "prise_rdv": "https://rdv.example.org/epn",
     "frais_a_charge": "Gratuit sous condition"},
    {**LMN_ROW, "id": "lmn-4", "nom": "Atelier solidaire de Vannes", "commune": "Vannes",
     "code_postal": "56000", "adresse": "8 place du Marché", "latitude": "47.6559",
     "longitude": "-2.7603", "pivot": "W561234567",
     "services": "Loisirs et créations numériques|Acquisition de matériel informatique à "
                 "prix solidaire|Maîtrise des outils numériques du quotidien",
     "modalites_accompagnement": "En autonomie|À distance"},
]  # fmt: skip
# What Essaim writes as its own, not the place's: it is the producer of the export.
REWRITTEN = {"id", "source", "date_maj"}


def test_lmn_round_trip_gives_back_every_field_of_a_valid_file(client, demo, commit, tmp_path):
    path = write_lmn(tmp_path / "lieux.csv", FULL_PLACES)
    out, _err = run_import(path, commit, format="lmn", source="cartographie")
    assert "4 created, 0 updated, 0 unchanged, 0 rejected" in out
    rows = list(csv.DictReader(io.StringIO(
        download(client, "/exports/lieux-de-mediation-numerique.csv")
    )))  # fmt: skip
    exported = {row["nom"]: row for row in rows}
    for original in FULL_PLACES:
        place = exported[original["nom"]]
        for column, value in original.items():
            if column in REWRITTEN:
                continue
            if column in ("latitude", "longitude"):
                assert float(place[column]) == pytest.approx(float(value)), column
            elif "|" in value or column in lmn.CHOICES:
                assert set(place[column].split("|")) == set(value.split("|")), column
            else:
                assert place[column] == value, (original["nom"], column)
        for column in set(lmn.COLUMNS) - set(original) - REWRITTEN:
            assert place[column] == "", (original["nom"], column, "nothing invented")
    first = Organisation.objects.get(source="cartographie", source_id="lmn-1")
    assert sorted(s.code for s in first.services.all()) == [
        "connectivity",
        "digital-mediation",
        "training",
    ]
    assert first.address == "10 cours des Alliés", "the complement stays apart"


def test_an_lmn_value_outside_the_schema_is_refused_with_its_column(demo, commit, tmp_path):
    rows = [{**LMN_ROW, "id": "bad-1", "services": "Réparer des vélos"},
            {**LMN_ROW, "id": "bad-2", "frais_a_charge": "Cher"},
            {**LMN_ROW, "id": "bad-3", "horaires": "le mardi"},
            {**LMN_ROW, "id": "bad-4", "code_insee": "ABCDE"},
            {**LMN_ROW, "id": "good"}]  # fmt: skip
    path = write_lmn(tmp_path / "lieux.csv", rows)
    out, err = run_import(path, commit, format="lmn", source="cartographie", partial=True)
    assert "3 created" in out, "a bad Essaim value is left out, the place kept"
    assert "(id bad-1), services = " in err and "(id bad-3), opening_hours = " in err
    with open(f"{path}.rejects.csv", encoding="utf-8-sig") as file:
        rejects = {(row["id"], row["field"]) for row in csv.DictReader(file)}
    assert rejects == {("bad-2", "frais_a_charge"), ("bad-4", "code_insee")}


def test_the_export_command_writes_the_standards_too(demo, tmp_path):
    target = tmp_path / "structures.json"
    call_command("export", format="data-inclusion", output=str(target), stderr=io.StringIO())
    structures = json.loads(target.read_text(encoding="utf-8"))
    assert len(structures) == Organisation.objects.published().count()
    v1.Structure.model_validate(structures[0])


SCHEMA = TESTS / "standards" / "lieux-de-mediation-numerique" / "schema.json"
# The schema's own erratum (see SOURCE.md beside it): its pivot pattern refuses the SIRET its
# description asks for.
PIVOT = re.compile(r"\d{14}|W[0-9A-Z]{9}|[a-zA-Z0-9]{9,10}")


def table_schema_errors(rows: list[dict], header: list[str], schema: dict) -> list[str]:
    """What the Table Schema's fields say that these rows break: the columns and their order,
    required values, types, patterns and lengths."""
    fields = schema["fields"]
    errors = []
    if header != [field["name"] for field in fields]:
        errors.append(f"columns {header} are not the schema's")
    for number, row in enumerate(rows, start=2):
        for field in fields:
            name, value = field["name"], row.get(field["name"], "")
            constraints = field.get("constraints", {})
            if not value:
                if constraints.get("required"):
                    errors.append(f"line {number}: {name} is required")
                continue
            if field["type"] == "number":
                try:
                    float(value)
                except ValueError:
                    errors.append(f"line {number}: {name} is not a number: {value}")
            if field["type"] == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                errors.append(f"line {number}: {name} is not a date: {value}")
            pattern = PIVOT.pattern if name == "pivot" else constraints.get("pattern")
            if pattern and not re.fullmatch(pattern, value):
                errors.append(f"line {number}: {name} does not match its pattern: {value}")
            if len(value) > constraints.get("maxLength", len(value)):
                errors.append(f"line {number}: {name} is too long")
    return errors


def test_the_lmn_export_validates_against_the_official_table_schema(client, demo, commit, tmp_path):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    run_import(write_lmn(tmp_path / "lieux.csv", FULL_PLACES), commit, format="lmn",
               source="cartographie")  # fmt: skip
    # Two entries not from the schema, written in Essaim's own shape: one French, whose
    # services and phone must be said in the schema's words, one Belgian, not a French place.
    own = tmp_path / "own.csv"
    own.write_text(
        "id,name,address,postal_code,locality,country,services,phone,short_description_fr\n"
        "o-1,Coop du Lien,3 rue Haute,59000,Lille,FR,digital-mediation|equipment,"
        "03 20 00 00 00," + "Très long résumé. " * 16 + "\n"
        "o-2,Coop de Liège,1 rue Neuve,4000,Liège,BE,digital-mediation,,\n",
        encoding="utf-8",
    )
    run_import(own, commit, source="own")
    text = download(client, "/exports/lieux-de-mediation-numerique.csv")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    assert {row["nom"] for row in rows} == {*(p["nom"] for p in FULL_PLACES), "Coop du Lien"}
    lille = next(row for row in rows if row["nom"] == "Coop du Lien")
    assert lille["telephone"] == "+33320000000"
    assert table_schema_errors(rows, reader.fieldnames, schema) == []


def test_the_table_schema_check_finds_what_breaks_it(client, demo):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    good = {field["name"]: "" for field in schema["fields"]}
    good.update({"id": "a", "pivot": "43493312300029", "nom": "N", "commune": "C",
                 "code_postal": "35000", "adresse": "1 rue", "date_maj": "2025-01-01",
                 "services": "Aide aux démarches administratives"})  # fmt: skip
    header = list(good)
    assert table_schema_errors([good], header, schema) == []
    for column, value in [("code_postal", "350"), ("services", "Réparer"), ("latitude", "nord"),
                          ("itinerance", "Parfois"), ("telephone", "02 99 00 00 00")]:  # fmt: skip
        assert table_schema_errors([{**good, column: value}], header, schema), column
    assert table_schema_errors([good], list(reversed(header)), schema)
