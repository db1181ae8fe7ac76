"""An animator imports another network's file in the admin without writing a mapping: the
file's columns matched to Essaim's fields, its values to codes, a preview, warnings instead of
lost records, and the duplicates the import brought."""

import re
from pathlib import Path

import pytest

from essaim.accounts.models import User
from essaim.atlas.models import Organisation
from essaim.contributions.models import DuplicateCandidate
from essaim.exchange.models import Source

pytestmark = pytest.mark.django_db

NETWORK_FILE = Path(__file__).parent.parent / "data" / "rete_digitale.csv"
# The file's columns, as the animator matches them (the last one, internal notes, left out).
MATCHED = ["id", "name", "locality", "legal_form", "website", "phone", "opening_hours", "email",
           ""]  # fmt: skip
FORMS = {"Cooperativa sociale": "scic", "Associazione": "association", "APS": "association",
         "Cooperativa": "cooperative"}  # fmt: skip


@pytest.fixture
def animator(client, db):
    admin = User.objects.create_superuser("admin", "admin@example.org", "pw-for-tests-only")
    client.force_login(admin)
    return admin


def upload(client, path=NETWORK_FILE, **fields) -> str:
    """Upload the network's file to match its columns; the matching screen's address."""
    with path.open("rb") as file:
        data = {"file": file, "format": "csv", "source": "rete-digitale", "match_columns": "on",
                **fields}  # fmt: skip
        response = client.post("/en/admin/exchange/source/import/", data)
    assert response.status_code == 302
    return response["Location"]


def matched(**changes) -> dict:
    data = {f"column-{index}": name for index, name in enumerate(MATCHED)}
    return {**data, "default-country": "Italia", **changes}


def value_keys(page: str) -> dict[str, str]:
    """{value in the file: its select's name} on the matching screen."""
    return {value: key for key, value in re.findall(r'<label for="(value-\d+-\d+)">([^<]+)</label>',
                                                    page)}  # fmt: skip


def test_an_animator_matches_another_networks_file_and_imports_it(client, demo, animator,
                                                                  commit):  # fmt: skip
    screen = upload(client, partial="on")
    page = client.get(screen).content.decode()
    assert "Denominazione" in page and "Coop Alveare · Rete Civica Bassa · Officina" in page

    page = client.post(screen, {**matched(), "action": "preview"}).content.decode()
    keys = value_keys(page)
    assert set(keys) == set(FORMS), "each value of the legal form column, to match"
    assert "Coop Alveare" in page and "Bologna" in page and "Italy" in page
    assert "Not in OpenStreetMap" in page, "the preview says what would be left out"
    assert Organisation.objects.filter(name="Coop Alveare").count() == 0, "nothing written yet"

    codes = {keys[value]: code for value, code in FORMS.items()}
    response = commit(client.post, screen, {**matched(), **codes, "action": "import"},
                      follow=True)  # fmt: skip
    page = response.content.decode()
    assert "Imported" in page
    assert "19 organisations created" in page
    assert "1 record rejected" in page, "RT-06 has no name"
    assert "2 records kept without a value they gave" in page
    assert "Lun-Ven 9-17" in page and "chiamare la sera" in page
    coop = Organisation.objects.get(source="rete-digitale", source_id="RT-01")
    assert (coop.name, coop.legal_form.code, str(coop.country)) == ("Coop Alveare", "scic", "IT")
    bad_hours = Organisation.objects.get(source="rete-digitale", source_id="RT-03")
    assert bad_hours.opening_hours == "" and bad_hours.legal_form.code == "association"

    saved = Source.objects.get(name="rete-digitale").mapping
    assert saved["columns"]["Denominazione"] == "name" and saved["columns"]["Note interne"] == ""
    assert saved["values"]["legal_form"]["Cooperativa sociale"] == "scic"
    assert saved["defaults"] == {"country": "IT"}

    pairs = {
        frozenset((pair.first.name, pair.second.name)): pair.reasons
        for pair in DuplicateCandidate.objects.select_related("first", "second")
    }
    assert pairs[frozenset(("EGINA", "Formazione Egina"))] == ["website"]
    assert "branch" in pairs[frozenset(("Coop Alveare", "Coop Alveare Lab"))]
    listed = client.get(response.context["duplicates_url"]).content.decode()
    assert "Formazione Egina" in listed and "possibly a branch" in listed


def test_the_next_import_of_the_source_starts_from_its_saved_matching(client, demo, animator,
                                                                     commit):  # fmt: skip
    screen = upload(client, partial="on")
    page = client.post(screen, {**matched(), "action": "preview"}).content.decode()
    codes = {value_keys(page)[value]: code for value, code in FORMS.items()}
    commit(client.post, screen, {**matched(), **codes, "action": "import"})

    page = client.get(upload(client, partial="on")).content.decode()
    assert re.search(r'<option value="name" selected>', page)
    assert '<option value="scic" selected>' in page
    assert 'value="IT"' in page


def test_the_matching_screen_keeps_what_the_saved_mapping_says_beyond_the_file(
    client, demo, animator, commit, tmp_path
):
    """A value the sample does not show, a default the screen does not ask: the saved mapping's
    own stay; a list column's values ("Formazione|Mediazione") are matched one by one."""
    Source.objects.create(name="rete-digitale", mapping={
        "columns": {"Codice": "id", "Vecchia colonna": "email"},
        "values": {"legal_form": {"Fondazione": "foundation"}},
        "defaults": {"country": "IT", "languages": ["it"]},
    })  # fmt: skip
    file = tmp_path / "servizi.csv"
    file.write_text("Codice;Nome;Servizi\nS-1;Officina Servizi;Formazione|Mediazione\n"
                    "S-2;Bottega Servizi;Formazione\n", encoding="utf-8")  # fmt: skip
    screen = upload(client, path=file)
    data = {"column-0": "id", "column-1": "name", "column-2": "services", "default-country": "IT"}
    page = client.post(screen, {**data, "action": "preview"}).content.decode()
    keys = value_keys(page)
    assert set(keys) == {"Formazione", "Mediazione"}, "each service on its own"
    codes = {keys["Formazione"]: "training", keys["Mediazione"]: "digital-mediation"}
    commit(client.post, screen, {**data, **codes, "action": "import"})

    officina = Organisation.objects.get(source="rete-digitale", source_id="S-1")
    assert sorted(officina.services.values_list("code", flat=True)) == [
        "digital-mediation", "training"]  # fmt: skip
    assert officina.languages == ["it"], "the saved default the screen does not show"
    saved = Source.objects.get(name="rete-digitale").mapping
    assert saved["values"]["legal_form"] == {"Fondazione": "foundation"}
    assert saved["values"]["services"] == {"Formazione": "training",
                                           "Mediazione": "digital-mediation"}  # fmt: skip
    assert saved["columns"]["Vecchia colonna"] == "email" and saved["columns"]["Servizi"] == (
        "services")  # fmt: skip
    assert saved["defaults"] == {"country": "IT", "languages": ["it"]}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"column-2": "name"}, "The columns Denominazione, Comune are all matched to"),
        ({"column-1": ""}, "is required."),
        ({"column-0": ""}, "Id at the source (required)"),
        ({"default-country": ""}, "Match a column to the country, or give the country"),
        ({"default-country": "Atlantide"}, "Unknown country: Atlantide."),
        # An unknown field counts as left out: here the name's column, which is required.
        ({"column-1": "<script>alert(1)</script>"}, "is required."),
    ],
)
def test_a_matching_that_cannot_work_is_refused_in_words(client, demo, animator, changes,
                                                        message):  # fmt: skip
    screen = upload(client)
    page = client.post(screen, {**matched(**changes), "action": "import"}).content.decode()
    assert message in page
    assert "<script>alert(1)</script>" not in page
    assert not Organisation.objects.filter(source="rete-digitale").exists()


def test_only_administrators_who_may_import_see_an_upload(client, demo, animator, member):
    screen = upload(client)
    client.force_login(member)
    assert client.get(screen).status_code in (302, 403)
    client.force_login(animator)
    assert client.get(f"/en/admin/exchange/source/import/{'0' * 32}/columns/").status_code == 404
