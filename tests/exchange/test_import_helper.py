"""A long file's records are checked by a helper process while the import writes the earlier
ones (`core/parallel.py`): the report and the atlas are those of an import done alone, and a
helper that stops writes nothing."""

import io
import logging
import os

import pytest
from django.core.management import CommandError, call_command

from essaim.atlas import indexing
from essaim.atlas.models import Change, Organisation
from essaim.core import parallel
from essaim.exchange.cleaning import Cleaner
from tests.exchange.test_imports import ROWS, published_records, rejects_of, run_import, write_csv
from tests.helpers import use_a_helper

pytestmark = pytest.mark.django_db


def long_file(path):
    """60 rows: valid ones, refused optional values, unreadable records and an id used twice
    in different chunks of the helper's."""
    rows = []
    for number in range(60):
        row = [f"n-{number}", f"Réseau {number}", "Nantes", "FR", "", "", "training", ""]
        if number % 9 == 4:
            row[3] = "Atlantis"  # rejects the record
        if number % 11 == 5:
            row[7] = "5521"  # a bad SIRET, left out
        if number % 13 == 7:
            row = row[:5]  # too few values
        rows.append(row)
    rows.insert(45, ["n-2", "Autre", "Lille", "FR", "", "", "", ""])  # n-2 again, much later
    rows.append(ROWS[2])
    return write_csv(path, rows)


def test_a_file_checked_by_a_helper_gives_the_report_and_atlas_of_one_checked_alone(
    atlas, client, commit, tmp_path, monkeypatch, caplog
):
    path = long_file(tmp_path / "long.csv")
    monkeypatch.setattr(parallel, "ALONE_BELOW", 1_000_000)
    alone = run_import(path, commit, partial=True, dry_run=True)
    rejected_alone = rejects_of(path)
    alone_atlas = run_import(path, commit, partial=True, source="alone")
    records_alone = published_records(client)
    found_alone = found(client)
    Organisation.objects.all().delete()

    runs = use_a_helper(monkeypatch)
    monkeypatch.setattr(indexing, "INDEX_COMMIT_EVERY", 20)  # commits along the way, one writer
    shared = run_import(path, commit, partial=True, dry_run=True)
    assert runs, "the helper checked the records"
    assert [line for line in shared[0].splitlines() if not line.startswith("In ")] == [
        line for line in alone[0].splitlines() if not line.startswith("In ")
    ]
    assert shared[1] == alone[1]
    assert rejects_of(path) == rejected_alone
    assert len(rejected_alone) == 13  # 7 unknown countries, 5 short lines, 1 id used twice
    assert "Id n-2 is already used at line 4." in {row["reason"] for row in rejected_alone}

    out, err = run_import(path, commit, partial=True, source="alone")
    assert out.splitlines()[0] == alone_atlas[0].splitlines()[0]
    assert "49 created" in out and "13 rejected" in out
    assert err == alone_atlas[1]
    assert published_records(client).keys() == records_alone.keys()
    assert "Rete Digitale" in records_alone
    # The index, written after the commit.
    assert found(client) == found_alone
    assert len(found_alone) == 48 and "Réseau 0" in found_alone and "Réseau 4" not in found_alone
    call_command("reindex", stdout=io.StringIO())
    assert found(client) == found_alone
    # Nothing failed on the way (the feed applied after the commit, the helper stopped).
    assert [
        record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR
    ] == []


def found(client) -> set[str]:
    answer = client.get("/api/v1/organisations", {"q": "Réseau", "page_size": 100}).json()
    return {record["name"] for record in answer["results"]}


def test_a_helper_that_stops_writes_nothing_and_says_so(atlas, commit, tmp_path, monkeypatch):
    path = long_file(tmp_path / "long.csv")
    use_a_helper(monkeypatch)
    parent, clean = os.getpid(), Cleaner.clean

    def stopping(self, fields):
        if os.getpid() != parent and fields["id"] == "n-30":
            os._exit(9)  # killed in the middle of the file
        return clean(self, fields)

    monkeypatch.setattr(Cleaner, "clean", stopping)
    with pytest.raises(CommandError, match="the process that checks its records ended"):
        run_import(path, commit, partial=True)
    assert Organisation.objects.count() == 0
    assert Change.objects.count() == 0
