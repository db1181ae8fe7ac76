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
