"""An import indexes the organisations it creates as it writes them, and commits that index
only once the database has: they are found at once, exactly as a rebuilt index finds them,
another server finds them through the change feed, and an import that writes nothing leaves
the index as it was."""

import io
import logging
import time

import pytest
from django.core.management import CommandError, call_command

from essaim.atlas.bulk import compare_index
from essaim.core import feed
from essaim.core.actions import do_record_change
from tests.exchange.test_imports import run_import, write_csv

pytestmark = pytest.mark.django_db

HEADER = ["id", "name", "locality", "country", "latitude", "longitude", "services", "siret",
          "languages", "territory"]  # fmt: skip
ROWS = [
    ["i-1", "Coopérative du Lien", "Nantes", "FR", "", "", "training|digital-mediation",
     "55210055400013", "fr|en", "local"],
    ["i-2", "Numérique Solidaire", "Lille", "France", "50.63", "3.06", "equipment", "", "fr",
     "regional"],
    ["i-3", "Rete Digitale", "Milano", "Italia", "", "", "", "", "it", ""],
    ["i-4", "Atelier du Réemploi", "Arras", "FR", "", "", "equipment|training", "", "", ""],
]  # fmt: skip
FACETS = "family,sector,service,legal_form,country,region,territory,language"


def answers(client) -> dict:
    """What searches of the API answer: words, a place, filters, every facet, quality."""
    found = {}
    for params in ({"q": "numérique"}, {"q": "lien"}, {"q": "lombarda"},
                   {"q": "reemploi"}, {"near": "Arras", "radius_km": "30"},
                   {"service": "training"}, {"country": "IT"}, {}):  # fmt: skip
        page = client.get("/api/v1/organisations", {**params, "facets": FACETS}).json()
        found[str(params)] = (
            page["count"],
            sorted(record["name"] for record in page["results"]),
            {name: sorted((item["code"], item["count"]) for item in values)
             for name, values in page["facets"].items()},
        )  # fmt: skip
    # The quality the index holds (an official identifier counts in it), at every threshold.
    found["quality"] = [
        client.get("/api/v1/organisations", {"quality_min": minimum}).json()["count"]
        for minimum in range(0, 101)
    ]
    return found


def test_what_an_import_creates_is_found_at_once_as_a_rebuilt_index_finds_it(
    client, atlas, commit, tmp_path, caplog
):
    out, _err = run_import(write_csv(tmp_path / "a.csv", ROWS, HEADER), commit)
    assert "4 created" in out
    found = answers(client)
    assert found["{'q': 'numérique'}"][1] == ["Coopérative du Lien", "Numérique Solidaire"]
    assert found["{'q': 'lien'}"][1] == ["Coopérative du Lien"]
    assert found["{'near': 'Arras', 'radius_km': '30'}"][1] == ["Atelier du Réemploi"]
    assert found["{'service': 'training'}"][1] == ["Atelier du Réemploi", "Coopérative du Lien"]
    assert found["{}"][0] == 4
    assert compare_index()[0] == {"missing": 0, "extra": 0, "stale": 0}
    assert feed.lag()["entries"] == 0  # the feed knows this server applied them

    call_command("reindex", stdout=io.StringIO())
    assert answers(client) == found

    # Again with a changed name: an update, found under its new name only.
    renamed = [["i-3", "Rete Digitale Lombarda", *ROWS[2][2:]], *ROWS[:2], ROWS[3]]
    out, _err = run_import(write_csv(tmp_path / "b.csv", renamed, HEADER), commit)
    assert "1 updated" in out
    names = client.get("/api/v1/organisations", {"q": "lombarda"}).json()["results"]
    assert [record["name"] for record in names] == ["Rete Digitale Lombarda"]
    assert compare_index()[0] == {"missing": 0, "extra": 0, "stale": 0}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_another_server_finds_what_an_import_created(
    client, atlas, commit, tmp_path, settings, search_index_dir
):
    other = tmp_path / "other-index"
    settings.ESSAIM = {**settings.ESSAIM, "INDEX_DIR": other}
    feed.follow()  # the other server is level with the database before the import
    settings.ESSAIM = {**settings.ESSAIM, "INDEX_DIR": search_index_dir}
    run_import(write_csv(tmp_path / "a.csv", ROWS, HEADER), commit)
    found = answers(client)

    settings.ESSAIM = {**settings.ESSAIM, "INDEX_DIR": other}
    assert feed.lag()["entries"] > 0
    feed.follow()
    assert answers(client) == found


@pytest.mark.parametrize("option", ["refused row", "dry run"])
def test_an_import_that_writes_nothing_leaves_the_index_as_it_was(
    client, atlas, commit, tmp_path, option
):
    before = answers(client)
    rows = [*ROWS, ["i-5", "Ailleurs", "Atlantis", "Atlantis", "", "", "", "", "", ""]]
    path = write_csv(tmp_path / "a.csv", rows, HEADER)
    if option == "dry run":
        out, _err = run_import(path, commit, dry_run=True, partial=True)
        assert "Dry run" in out
    else:
        with pytest.raises(CommandError):
            run_import(path, commit)
    assert answers(client) == before
    assert answers(client)["{}"][0] == 0
    assert compare_index()[0] == {"missing": 0, "extra": 0, "stale": 0}


def test_a_change_saved_during_a_long_import_does_not_wait_for_the_import(atlas, search_index_dir):
    """A web server applies the feed right after its own commits, waiting a little for another
    applier; an import holds the feed for minutes: nobody waits for it (it applies their
    changes once done)."""
    feed.follow()
    with feed.applying():  # as an import running in the worker does
        do_record_change("vocabulary")
        started = time.monotonic()
        assert feed.follow(wait=feed.WAIT_AFTER_COMMIT) == 0
        assert time.monotonic() - started < feed.WAIT_AFTER_COMMIT / 2
    assert feed.lag()["entries"] == 0  # applied as the import ended

    # An import killed while it held the feed leaves its mark behind: the lock is free.
    (search_index_dir / feed.LONG_APPLIER).write_text("4242")
    do_record_change("vocabulary")
    assert feed.follow(wait=feed.WAIT_AFTER_COMMIT) == 1
