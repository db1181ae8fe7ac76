"""Several servers on one database: each keeps its own search index and follows the changes
the others make (the change feed), catches up by itself, and survives being killed."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from bench.serving import start_gunicorn
from essaim.accounts.models import ApiToken
from essaim.atlas import actions
from essaim.atlas.models import Organisation
from essaim.core import feed
from essaim.core.actions import do_record_change
from essaim.core.models import FeedEntry
from tests.factories import UserFactory
from tests.helpers import TESTS, committed

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = TESTS.parent


def database_url() -> str:
    """The test database, for the other processes."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    return f"postgres://{user}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/" + (
        settings["NAME"])  # fmt: skip


def server_environment(data_dir: Path) -> dict[str, str]:
    """A server of its own (its data directory, so its own index) on the test database."""
    return {
        "DATABASE_URL": database_url(),
        "ESSAIM_SECRET_KEY": "feed-tests-" + "s" * 40,
        "ESSAIM_DATA_DIR": str(data_dir),
        "ESSAIM_SEMANTIC_SEARCH": "0",
        "DJANGO_SETTINGS_MODULE": "essaim.settings",
    }


def essaim(data_dir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "essaim", *args], cwd=ROOT, text=True,
        env={**os.environ, **server_environment(data_dir)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def run(data_dir: Path, *args: str) -> str:
    process = essaim(data_dir, *args)
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    return output


def names_found(base: str, words: str) -> list[str]:
    address = f"{base}/api/v1/organisations?q={urllib.parse.quote(words)}"
    with urllib.request.urlopen(address, timeout=10) as answer:  # noqa: S310
        return [item["name"] for item in json.load(answer)["results"]]


def moderator_key() -> str:
    """An API key of a moderator (who may create and edit any organisation)."""
    moderator = UserFactory(username="moderator", is_moderator=True)
    key = ApiToken.new_key()
    ApiToken.objects.create(user=moderator, name="servers", digest=ApiToken.digest_of(key),
                            prefix=key[:8])  # fmt: skip
    return key


@pytest.fixture
def atlas(db):
    with committed():
        call = actions.do_create_organisation
        orgs = [call({"name": f"Atelier numérique {number}", "country": "FR",
                      "locality": "Arras"}) for number in range(3)]  # fmt: skip
    return orgs


def test_a_write_through_one_server_is_found_on_the_other_within_a_second(atlas, tmp_path):
    key = moderator_key()
    first, second = [], []
    for name, servers in (("first", first), ("second", second)):
        # Started as deployments start a server: what it keeps on its disk is prepared first.
        run(tmp_path / name, "reindex", "--if-needed")
        assert list((tmp_path / name / "gazetteer").glob("*.sqlite3")), "no gazetteer built"
        server, port = start_gunicorn(tmp_path / name, **server_environment(tmp_path / name))
        servers.extend([server, f"http://127.0.0.1:{port}"])
    try:
        started = time.monotonic()
        while not names_found(second[1], "Atelier"):  # a new server builds its index itself
            assert time.monotonic() - started < 30
            time.sleep(0.1)
        org = atlas[0]
        request = urllib.request.Request(  # noqa: S310
            f"{first[1]}/api/v1/organisations/{org.pk}",
            data=json.dumps({"facts": {"name": "Zéphyrine coopérative"}}).encode(),
            method="PATCH",
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        # Its gazetteer is ready (above): the first write does not wait seconds to build it.
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            assert answer.status == 200
        written = time.monotonic()
        assert names_found(first[1], "Zéphyrine") == ["Zéphyrine coopérative"], "at once there"
        while not names_found(second[1], "Zéphyrine"):
            assert time.monotonic() - written < 1.0, "not found on the second server in 1 s"
            time.sleep(0.05)
        assert names_found(second[1], "Zéphyrine") == ["Zéphyrine coopérative"]
    finally:
        for server in (first[0], second[0]):
            server.terminate()
            server.wait(timeout=30)


def test_a_server_killed_while_catching_up_starts_again_consistent(atlas, tmp_path, generated):
    server = tmp_path / "server"
    generated(3000)
    run(server, "reindex", "--if-needed")  # a server that follows the feed
    # Three thousand changes, written by another server while this one was away.
    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True)[:3000])
    with committed():
        Organisation.objects.filter(pk__in=ids).update(name="Repair café")
        for pk in ids:
            do_record_change(feed.ORGANISATIONS, [pk])
    position = server / "index" / "feed-position.json"
    before = position.read_text()
    catching_up = essaim(server, "reindex", "--if-needed")
    deadline = time.monotonic() + 120
    while position.read_text() == before:  # killed once it has saved part of the way
        assert catching_up.poll() is None, "caught up before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    catching_up.send_signal(signal.SIGKILL)
    catching_up.communicate(timeout=30)
    assert catching_up.returncode == -signal.SIGKILL

    run(server, "reindex", "--if-needed")
    run(server, "check-index")  # fails unless the index matches the database
    assert "3000" in run(server, "shell", "-c", "from essaim.search.index import get_index, "
                         "SearchQuery; print(get_index().search(SearchQuery(text='Repair café'"
                         ", limit=1)).total)")  # fmt: skip


def test_an_index_ahead_of_its_database_is_rebuilt_and_says_why(atlas, tmp_path):
    """A database restored from an older backup than the index: the index cannot be trusted,
    so it is built again from the database."""
    server = tmp_path / "server"
    run(server, "reindex", "--if-needed")
    with committed():
        gone = actions.do_create_organisation({"name": "Fablab d'Arras", "country": "FR"})
    run(server, "reindex", "--if-needed")
    # The database goes back to before that organisation (its row and its feed entry).
    Organisation.objects.filter(pk=gone.pk).delete()
    FeedEntry.objects.filter(pk=FeedEntry.objects.order_by("-pk")[0].pk).delete()
    output = run(server, "reindex", "--if-needed")
    assert "rebuilt from the database: the database is behind the index" in output
    run(server, "check-index")  # fails unless the index matches the database
