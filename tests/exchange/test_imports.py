"""Imports through `essaim import`: round trips, re-imports, mappings, and every kind of bad file.

Files are written here as a user's spreadsheet or another atlas would write them; what the
atlas holds afterwards is read back through its exports, pages and API.
"""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from essaim.atlas.models import Change, Organisation
from tests.contributions.test_contributions import NEW_ORGANISATION

pytestmark = pytest.mark.django_db

HEADER = ["id", "name", "locality", "country", "latitude", "longitude", "services", "siret"]


def run_import(path, commit, **options):
    """Run `essaim import` in English; (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    options.setdefault("format", "csv")
    options.setdefault("source", "network")
    with translation.override("en"):
        commit(call_command, "import", str(path), no_progress=True, stdout=out, stderr=err,
               **options)  # fmt: skip
    return out.getvalue(), err.getvalue()


def write_csv(path, rows, header=HEADER, delimiter=",", encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def rejects_of(path) -> list[dict]:
    with open(f"{path}.rejects.csv", encoding="utf-8-sig", newline="") as rejects:
        return list(csv.DictReader(rejects))


ROWS = [
    ["a-1", "Coopérative du Lien", "Nantes", "FR", "", "", "training|digital-mediation", ""],
    ["a-2", "Numérique Solidaire", "Lille", "France", "50.63", "3.06", "equipment", ""],
    ["a-3", "Rete Digitale", "Milano", "Italia", "", "", "", ""],
]


def published_records(client) -> dict[str, dict]:
    data = json.loads(b"".join(client.get("/exports/organisations.json").streaming_content))
    return {record["name"]: record for record in data["organisations"]}


PROVENANCE = {"id", "url", "source", "source_id", "source_url", "source_updated_at",
              "created_at", "updated_at", "confirmed_at"}  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "json", "geojson"])
def test_round_trip_export_then_import_into_an_empty_atlas_gives_the_same_atlas(
    client, demo, commit, tmp_path, fmt
):
    from essaim.atlas.facts import facts_of

    before = published_records(client)
    # Every fact the database holds, read apart from the exporter and the importer: a field
    # both of them dropped would still be seen missing.
    facts = {org.name: facts_of(org) for org in Organisation.objects.published()}
    searched = client.get("/api/v1/organisations", {"q": "Emmaüs"}).json()["results"]
    exported = tmp_path / f"atlas.{fmt}"
    call_command("export", format=fmt, output=str(exported), stderr=io.StringIO())
    Organisation.objects.all().delete()
    assert published_records(client) == {}
    since = client.get("/api/v1/changes", {"since": 0, "limit": 500}).json()["next_since"]

    out, _err = run_import(exported, commit, format=fmt, source="other-atlas")

    assert f"{len(before)} created, 0 updated, 0 unchanged, 0 rejected" in out
    after = published_records(client)
    assert after.keys() == before.keys()
    for name, record in before.items():
        strip = lambda r: {k: v for k, v in r.items() if k not in PROVENANCE}  # noqa: E731
        assert strip(after[name]) == strip(record), name
        assert after[name]["source"] == "other-atlas"
        assert after[name]["source_id"] == str(record["id"])
        assert after[name]["source_url"] == record["url"]
    assert {org.name: facts_of(org) for org in Organisation.objects.published()} == facts
    # In the search index and the change feed, as any new entry.
    found = client.get("/api/v1/organisations", {"q": "Emmaüs"}).json()["results"]
    assert [item["name"] for item in found] == [item["name"] for item in searched]
    assert "Emmaüs Connect" in [item["name"] for item in found]
    feed = client.get("/api/v1/changes", {"since": since, "limit": 500}).json()
    assert {c["organisation"] for c in feed["changes"] if c["action"] == "upsert"} == {
        record["id"] for record in after.values()
    }


def test_reimporting_a_source_updates_never_duplicates_and_flags_what_is_gone(
    client, atlas, commit, tmp_path
):
    path = write_csv(tmp_path / "network.csv", ROWS)
    out, _err = run_import(path, commit)
    assert "3 created, 0 updated, 0 unchanged, 0 rejected" in out
    lien = Organisation.objects.get(name="Coopérative du Lien")
    assert lien.latitude == pytest.approx(47.2, abs=0.1), "placed at its locality"

    # Next month: a-1 moved to Rennes, a-3 is gone from the network's list.
    changed = [["a-1", "Coopérative du Lien", "Rennes", "FR", "", "", "training", ""], ROWS[1]]
    out, _err = run_import(write_csv(path, changed), commit)

    assert "0 created, 1 updated, 1 unchanged, 0 rejected; 1 no longer in the source" in out
    assert Organisation.objects.count() == 3
    lien.refresh_from_db()
    assert lien.locality == "Rennes"
    assert [s.code for s in lien.services.all()] == ["training"]
    history = client.get(lien.get_absolute_url() + "history/").content.decode()
    assert "Rennes" in history and "Nantes" in history
    gone = Organisation.objects.get(source_id="a-3")
    assert gone.missing_from_source_since is not None
    assert gone.status == "published", "flagged for a moderator, never removed by an import"

    # It comes back: the flag goes.
    run_import(write_csv(path, ROWS), commit)
    gone.refresh_from_db()
    assert gone.missing_from_source_since is None


def test_one_bad_record_writes_nothing_and_is_reported_with_line_field_and_reason(
    atlas, commit, tmp_path
):
    rows = [ROWS[0], ["a-2", "Numérique Solidaire", "Lille", "Atlantis", "", "", "", ""], ROWS[2]]
    path = write_csv(tmp_path / "network.csv", rows)

    with pytest.raises(CommandError, match="Nothing was imported: 1 records were rejected"):
        run_import(path, commit)

    assert Organisation.objects.count() == 0
    assert Change.objects.count() == 0
    [rejected] = rejects_of(path)
    assert rejected["line"] == "3"
    assert rejected["id"] == "a-2"
    assert rejected["field"] == "country"
    assert rejected["reason"] == "Unknown country: Atlantis."
    assert json.loads(rejected["record"])["name"] == "Numérique Solidaire"


def test_partial_keeps_the_valid_records(atlas, commit, tmp_path):
    rows = [ROWS[0], ["a-2", "", "Lille", "FR", "", "", "", ""], ROWS[2]]
    path = write_csv(tmp_path / "network.csv", rows)

    out, err = run_import(path, commit, partial=True)

    assert "2 created, 0 updated, 0 unchanged, 1 rejected" in out
    assert "Line 3 (id a-2), name: A name is required." in err
    assert sorted(Organisation.objects.values_list("source_id", flat=True)) == ["a-1", "a-3"]
    assert [row["line"] for row in rejects_of(path)] == ["3"]


def test_a_dry_run_says_what_would_happen_and_writes_nothing(atlas, commit, tmp_path):
    out, _err = run_import(write_csv(tmp_path / "n.csv", ROWS), commit, dry_run=True)
    assert "would have created 3" in out and "3 created" not in out
    assert "Dry run: nothing was written." in out
    assert Organisation.objects.count() == 0


def test_spreadsheet_files_semicolons_bom_and_windows_encoding(atlas, commit, tmp_path):
    semicolons = tmp_path / "excel.csv"
    write_csv(semicolons, ROWS, delimiter=";", encoding="utf-8-sig")
    out, _err = run_import(semicolons, commit)
    assert "3 created" in out
    assert Organisation.objects.filter(name="Coopérative du Lien").exists()

    tabs = write_csv(tmp_path / "tabs.tsv", ROWS, delimiter="\t")
    out, _err = run_import(tabs, commit, source="tabs")
    assert "3 created" in out

    windows = write_csv(tmp_path / "windows.csv", ROWS, delimiter=";", encoding="cp1252")
    with pytest.raises(CommandError, match=r"Line 2 is not valid UTF-8.*--encoding"):
        run_import(windows, commit, source="windows")
    assert not Organisation.objects.filter(source="windows").exists()
    out, _err = run_import(windows, commit, source="windows", encoding="cp1252")
    assert "3 created" in out
    assert Organisation.objects.filter(source="windows", name="Numérique Solidaire").exists()


def test_missing_and_extra_columns(atlas, commit, tmp_path):
    no_name = write_csv(tmp_path / "a.csv", [["a-1", "Nantes"]], header=["id", "locality"])
    with pytest.raises(CommandError, match="Missing column: name"):
        run_import(no_name, commit)

    extra = write_csv(tmp_path / "b.csv", [[*ROWS[0], "x"]], header=[*HEADER, "notes"])
    out, err = run_import(extra, commit)
    assert "1 created" in out
    assert "Column notes is not read" in err


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (["b-1", "Lien", "Nantes", "Atlantis", "", "", "", ""], "country",
         "Unknown country: Atlantis."),
        (["b-1", "", "Nantes", "FR", "", "", "", ""], "name", "A name is required."),
        (["b-1", "Lien", "Nantes", "FR", "", ""], "",
         "This line has 6 values where the header has 8 columns."),
    ],
)  # fmt: skip
def test_each_unreadable_record_is_rejected_with_its_reason(atlas, commit, tmp_path, row, field,
                                                           reason):  # fmt: skip
    path = write_csv(tmp_path / "bad.csv", [ROWS[0], row])
    with pytest.raises(CommandError):
        run_import(path, commit)
    assert [(r["line"], r["field"], r["reason"]) for r in rejects_of(path)] == [
        ("3", field, reason)
    ]


@pytest.mark.parametrize(
    ("row", "field", "reason"),
    [
        (["b-1", "Lien", "Nantes", "FR", "47.2", "", "", ""], "longitude",
         "Give both coordinates, or neither."),
        (["b-1", "Lien", "Nantes", "FR", "north", "2", "", ""], "latitude", "Not a number: north."),
        (["b-1", "Lien", "Nantes", "FR", "", "", "", "55210055400012"], "identifier_siret",
         "This SIRET has a wrong check digit: a figure is mistyped."),
        (["b-1", "Lien", "Nantes", "FR", "", "", "", "5521"], "identifier_siret",
         "Not a valid SIRET, which is written like 55210055400013."),
        (["b-1", "Lien", "Nantes", "FR", "", "", "hacking", ""], "services",
         "Unknown code: hacking."),
    ],
)  # fmt: skip
def test_each_bad_optional_value_is_left_out_with_its_reason(atlas, commit, tmp_path, row, field,
                                                            reason):  # fmt: skip
    path = write_csv(tmp_path / "bad.csv", [ROWS[0], row])
    out, err = run_import(path, commit)
    assert "2 created" in out and "0 rejected" in out
    assert f"Line 3 (id b-1), {field} = " in err and f": {reason}" in err
    org = Organisation.objects.get(source_id="b-1")
    assert not org.identifiers.exists() and not org.services.exists()
    assert org.latitude == pytest.approx(47.2, abs=0.1), "at its locality, not half a place"


def test_a_valid_siret_typed_with_spaces_is_kept_without_them(client, atlas, commit, tmp_path):
    row = ["c-1", "Lien", "Nantes", "FR", "", "", "", "552 100 554 00013"]
    run_import(write_csv(tmp_path / "ok.csv", [row]), commit)
    record = published_records(client)["Lien"]
    assert record["identifiers"] == {"siret": "55210055400013"}


def test_duplicate_ids_in_one_file(atlas, commit, tmp_path):
    path = write_csv(tmp_path / "dup.csv", [ROWS[0], ROWS[1], ["a-1", "Other", "Paris", "FR"]
                                            + [""] * 4])  # fmt: skip
    out, _err = run_import(path, commit, partial=True)
    assert "2 created" in out
    [rejected] = rejects_of(path)
    assert (rejected["line"], rejected["reason"]) == ("4", "Id a-1 is already used at line 2.")


def test_a_row_of_a_megabyte_is_not_fatal(atlas, commit, tmp_path):
    huge = ["d-1", "Huge", "Paris", "FR", "", "", "", "", "x" * 1_100_000]
    path = write_csv(tmp_path / "huge.csv", [[*ROWS[0], "Une coopérative."], huge],
                     header=[*HEADER, "description_fr"])  # fmt: skip
    out, err = run_import(path, commit, partial=True)
    assert "2 created, 0 updated, 0 unchanged, 0 rejected" in out
    assert "Line 3 (id d-1), description_fr = xxx" in err and "At most 5000 characters." in err
    assert Organisation.objects.get(source_id="d-1").description_fr == ""


def test_json_that_breaks_off_writes_nothing(atlas, commit, tmp_path):
    path = tmp_path / "cut.json"
    records = [{"id": "j-1", "name": "Un", "country": "FR"}, {"id": "j-2", "name": "Deux"}]
    path.write_text(json.dumps(records)[:-20], encoding="utf-8")
    with pytest.raises(CommandError, match="The JSON breaks off after record 1"):
        run_import(path, commit, format="json")
    assert Organisation.objects.count() == 0


def test_json_lines_are_read_with_their_line_numbers(atlas, commit, tmp_path):
    path = tmp_path / "lines.jsonl"
    path.write_text(
        '{"id": 1, "name": "Un", "country": "FR"}\n'
        '{"id": 2, "name": "Deux", "country": "FR", "email": "not-an-address"}\n',
        encoding="utf-8",
    )
    out, err = run_import(path, commit, format="json", partial=True)
    assert "2 created" in out
    assert "Line 2 (id 2), email = not-an-address: Not a valid email address" in err


def test_a_mapping_is_saved_with_its_source_and_reused(client, atlas, commit, tmp_path):
    header = ["Identifiant", "Nom", "Ville", "Statut", "Site"]
    rows = [["17", "Le Lien", "Nantes", "Association loi 1901", "lelien.example.org"]]
    path = write_csv(tmp_path / "reseau.csv", rows, header=header, delimiter=";")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({
        "columns": {"Identifiant": "id", "Nom": "name", "Ville": "locality",
                    "Statut": "legal_form", "Site": "website"},
        "values": {"legal_form": {"Association loi 1901": "association"}},
        "defaults": {"country": "FR"},
    }), encoding="utf-8")  # fmt: skip

    out, _err = run_import(path, commit, source="reseau", mapping=str(mapping))
    assert "1 created" in out
    record = published_records(client)["Le Lien"]
    assert (record["legal_form"], record["country"], record["website"]) == (
        "association", "FR", "https://lelien.example.org"
    )  # fmt: skip

    rows[0][2] = "Rennes"
    out, _err = run_import(write_csv(path, rows, header=header, delimiter=";"), commit,
                           source="reseau")  # fmt: skip
    assert "0 created, 1 updated" in out, "the saved mapping was used"
    assert published_records(client)["Le Lien"]["locality"] == "Rennes"


def test_opening_hours_are_checked_in_osm_syntax(client, atlas, commit, tmp_path):
    header = ["id", "name", "country", "opening_hours"]
    rows = [["h-1", "Ouvert", "FR", "Mo-Fr 09:00-12:30,14:00-17:00; PH off"],
            ["h-2", "Flou", "FR", "le lundi matin"]]  # fmt: skip
    path = write_csv(tmp_path / "hours.csv", rows, header=header)
    _out, err = run_import(path, commit)
    records = published_records(client)
    assert records["Ouvert"]["opening_hours"] == "Mo-Fr 09:00-12:30,14:00-17:00; PH off"
    assert records["Flou"]["opening_hours"] == ""
    assert "Line 3 (id h-2), opening_hours = le lundi matin: Not in OpenStreetMap's" in err


def upload(client, commit, path, **fields):
    with open(path, "rb") as file:
        data = {"file": file, "format": "csv", "source": "network", **fields}
        # A worker imports it (at once in the tests); the page that follows it shows the report.
        return commit(client.post, "/en/admin/exchange/source/import/", data, follow=True)


def test_an_administrator_imports_a_file_from_the_admin(client, atlas, commit, tmp_path):
    from essaim.accounts.models import User

    admin = User.objects.create_superuser("admin", "admin@example.org", "pw-for-tests-only")
    client.force_login(admin)
    rows = [*ROWS, ["a-4", "Sans Pays", "Nulle part", "Atlantis", "", "", "", ""]]
    path = write_csv(tmp_path / "network.csv", rows)

    page = upload(client, commit, path, dry_run="on").content.decode()
    assert "Dry run: nothing was written" in page
    assert "Unknown country: Atlantis." in page
    assert Organisation.objects.count() == 0

    page = upload(client, commit, path).content.decode()
    assert "Nothing was imported" in page
    assert Organisation.objects.count() == 0

    response = upload(client, commit, path, partial="on")
    page = response.content.decode()
    assert "Imported" in page
    assert Organisation.objects.count() == 3
    rejects_url = response.context["rejects_url"]
    rejects = b"".join(client.get(rejects_url).streaming_content).decode("utf-8-sig")
    assert "Atlantis" in rejects and rejects.startswith("line,id,field,reason,record")
    listed = client.get("/en/admin/exchange/source/").content.decode()
    assert "network" in listed and "created 3" in listed


def test_the_admin_import_is_for_those_who_may_add_organisations(client, atlas, tmp_path):
    from essaim.accounts.models import User

    staff = User.objects.create_user("staff", "staff@example.org", "pw-for-tests-only",
                                     is_staff=True)  # fmt: skip
    client.force_login(staff)
    path = write_csv(tmp_path / "network.csv", ROWS)
    with open(path, "rb") as file:
        response = client.post("/en/admin/exchange/source/import/",
                               {"file": file, "format": "csv", "source": "network"})  # fmt: skip
    assert response.status_code == 403
    assert Organisation.objects.count() == 0


def test_moderators_keep_or_archive_what_left_its_source(
    client, atlas, commit, moderator, tmp_path
):
    path = write_csv(tmp_path / "network.csv", ROWS)
    run_import(path, commit)
    run_import(write_csv(path, ROWS[:1]), commit)
    kept, archived = Organisation.objects.filter(source_id__in=["a-2", "a-3"]).order_by("source_id")

    client.force_login(moderator)
    queue = client.get("/en/moderation/").content.decode()
    assert "No longer in their source" in queue
    assert kept.name in queue and archived.name in queue
    since = client.get("/api/v1/changes", {"since": 0, "limit": 500}).json()["next_since"]

    commit(client.post, f"/en/moderation/missing/{kept.pk}/", {"outcome": "keep"})
    commit(client.post, f"/en/moderation/missing/{archived.pk}/", {"outcome": "archive"})

    kept.refresh_from_db()
    archived.refresh_from_db()
    assert (kept.status, kept.missing_from_source_since) == ("published", None)
    assert (archived.status, archived.missing_from_source_since) == ("archived", None)
    feed = client.get("/api/v1/changes", {"since": since}).json()["changes"]
    assert [(c["organisation"], c["action"]) for c in feed] == [(archived.pk, "delete")]
    assert "Every entry is still in its source." in client.get("/en/moderation/").content.decode()


def test_a_reimport_that_only_refreshes_provenance_moves_the_entry_as_its_record_says(
    client, atlas, commit, tmp_path, moderator
):
    from datetime import timedelta

    from django.utils import timezone

    from essaim.atlas import indexing

    header = [*HEADER, "source_updated_at"]
    long_ago = (timezone.now() - timedelta(days=400)).date().isoformat()
    row = ["a-1", "Coopérative du Lien", "Nantes", "FR", "", "", "training", "", long_ago]
    path = write_csv(tmp_path / "network.csv", [row], header)
    run_import(path, commit)
    org = Organisation.objects.get(source_id="a-1")
    # Known here for a long time: only its source's date can make it fresh.
    Organisation.objects.filter(pk=org.pk).update(created_at=timezone.now() - timedelta(days=800))
    commit(indexing.index_organisations, [org.pk])

    def record_and_filtered() -> tuple[int, bool]:
        quality = client.get(f"/api/v1/organisations/{org.pk}").json()["quality"]
        found = client.get("/api/v1/organisations", {"quality_min": quality}).json()["results"]
        return quality, org.pk in {item["id"] for item in found}

    stale_quality, listed = record_and_filtered()
    assert listed
    since = client.get("/api/v1/changes", {"limit": 1000}).json()["next_since"]

    today = timezone.now().date().isoformat()
    out, _err = run_import(write_csv(path, [[*row[:-1], today]], header), commit)
    assert "0 created, 0 updated, 1 unchanged" in out  # no fact changed
    fresh_quality, listed = record_and_filtered()
    assert fresh_quality > stale_quality and listed
    found = client.get("/api/v1/organisations", {"quality_min": fresh_quality}).json()
    assert org.pk in {item["id"] for item in found["results"]}
    # Followers of the feed learn of it, and the history says what moved.
    changes = client.get("/api/v1/changes", {"since": since}).json()["changes"]
    assert [(c["organisation"], c["fields"]) for c in changes] == [(org.pk, ["source_updated_at"])]
    client.force_login(moderator)  # who could revert a change, but not a source's date
    history = client.get(f"/en/atlas/{org.pk}/{org.slug}/history/").content.decode()
    newest, _created = history.split('<li id="change-')[1:3]
    assert "by its source, at an import" in newest and "Revert this change" not in newest
    client.logout()

    # The source's date goes back: so does the quality, in the filter as in the record.
    run_import(write_csv(path, [row], header), commit)
    quality, listed = record_and_filtered()
    assert quality == stale_quality and listed
    found = client.get("/api/v1/organisations", {"quality_min": fresh_quality}).json()
    assert org.pk not in {item["id"] for item in found["results"]}


OPTIONAL_REFUSALS = [
    ("description_fr", "x" * 5001, "5000 characters"),
    ("founding_year", "1700", "greater than or equal to 1800"),
    ("founding_year", "2150", "less than or equal to 2100"),
    ("languages", "xx", "Unknown language"),
    ("sector", "no-such-sector", "Unknown code: no-such-sector."),
    ("services", "no-such-service", "Unknown code: no-such-service."),
    ("territory", "galaxy", "Not one of local, regional"),
    ("size_band", "huge", "Not one of"),
    ("website", "http://", "Not a valid web address"),
    ("email", "someone@", "Not a valid email address: someone@."),
    ("phone", "call me", "Not a phone number"),
    ("opening_hours", "whenever", "opening_hours syntax"),
    ("latitude", "95", "Between -90 and 90."),
    ("identifier_siret", "123", "Not a valid SIRET"),
]
# The form's own name of a fact's box, where it differs: hours typed in the syntax itself.
FORM_KEYS = {"opening_hours": "opening_hours_6"}
REQUIRED_REFUSALS = [
    ("country", "Atlantis", "Unknown country: Atlantis."),
    ("name", "x" * 201, "200 characters"),
]


@pytest.mark.parametrize(("field", "value", "reason"), OPTIONAL_REFUSALS + REQUIRED_REFUSALS)
def test_the_suggestion_form_refuses_what_an_import_refuses(client, atlas, field, value, reason):
    """One rule per fact: a value an import refuses (below), the form refuses too."""
    key = FORM_KEYS.get(field, field)
    page = client.post("/en/atlas/suggest/", {**NEW_ORGANISATION, key: value})
    assert page.status_code == 200 and reason in page.content.decode()


@pytest.mark.parametrize(("field", "value", "reason"), OPTIONAL_REFUSALS)
def test_a_bad_optional_value_is_left_out_and_the_record_kept(atlas, commit, tmp_path, field,
                                                             value, reason):  # fmt: skip
    record = {"id": "z-1", "name": "Lien", "locality": "Nantes", "country": "FR", field: value}
    path = write_csv(tmp_path / "one.csv", [list(record.values())], header=list(record))
    out, err = run_import(path, commit)
    assert "1 created" in out and "0 rejected" in out
    assert "1 record kept without a value it gave, which was refused:" in err
    assert f"Line 2 (id z-1), {field} = " in err and reason in err
    org = Organisation.objects.get(source_id="z-1")
    assert org.name == "Lien" and org.locality == "Nantes"
    assert org.latitude == pytest.approx(47.2, abs=0.1), "placed at its locality all the same"


@pytest.mark.parametrize(("field", "value", "reason"), REQUIRED_REFUSALS)
def test_a_bad_required_value_rejects_the_record(atlas, commit, tmp_path, field, value, reason):
    record = {"id": "z-1", "name": "Lien", "locality": "Nantes", "country": "FR", field: value}
    path = write_csv(tmp_path / "one.csv", [list(record.values())], header=list(record))
    with pytest.raises(CommandError):
        run_import(path, commit)
    [rejected] = rejects_of(path)
    assert rejected["field"] == field and reason in rejected["reason"]
