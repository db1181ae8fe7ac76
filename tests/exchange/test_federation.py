"""Federation: this instance follows another one, started for real on 127.0.0.1."""

import io
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from bench.serving import start_gunicorn
from essaim.atlas.models import Organisation
from essaim.exchange.models import Source
from tests.helpers import TESTS

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = TESTS.parent


def other_instance_env(data_dir: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "essaim.settings",
        "ESSAIM_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'essaim.sqlite3'}",
        "ESSAIM_SECRET_KEY": "other-instance-" + "s" * 40,
        "ESSAIM_SEARCH_CACHE_SIZE": "0",
    }


def in_other_instance(data_dir: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "essaim", *args], env=other_instance_env(data_dir), cwd=ROOT,
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


@pytest.fixture
def other(tmp_path):
    """Another Essaim instance with the demo atlas, served by gunicorn on its own database."""
    data_dir = tmp_path / "other"
    data_dir.mkdir()
    in_other_instance(data_dir, "migrate", "--no-input", "-v", "0")
    in_other_instance(data_dir, "load_demo")
    environment = other_instance_env(data_dir)
    server, port = start_gunicorn(data_dir, **{k: environment[k] for k in (
        "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "ESSAIM_SECRET_KEY", "ESSAIM_SEARCH_CACHE_SIZE",
    )})  # fmt: skip
    yield data_dir, f"http://127.0.0.1:{port}", server
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture
def empty_atlas(demo):
    Organisation.objects.all().delete()


def say(command: str, *args, **options) -> str:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command(command, *args, stdout=out, stderr=err, **options)
    return out.getvalue() + err.getvalue()


def test_two_instances_federate(client, empty_atlas, other):
    data_dir, url, server = other
    said = say("follow", url, name="other-atlas")

    count = int(in_other_instance(data_dir, "shell", "-c",
        "from essaim.atlas.models import Organisation; "
        "print(Organisation.objects.published().count())"))  # fmt: skip
    assert f"{count} created" in said
    emmaus = Organisation.objects.get(name="Emmaüs Connect")
    assert emmaus.source == "other-atlas"
    # Its id and page there are its provenance here.
    assert emmaus.source_url.endswith(f"/fr/atlas/{emmaus.source_id}/emmaus-connect/")
    assert client.get("/api/v1/organisations", {"q": "Emmaüs Connect"}).json()["count"] >= 1

    # There, a moderator corrects one entry and hides another.
    in_other_instance(data_dir, "shell", "-c", "\n".join([
        "from essaim.atlas import actions",
        "from essaim.atlas.models import Organisation",
        "actions.do_apply_facts(Organisation.objects.get(name='Emmaüs Connect'), "
        "{'locality': 'Lyon'})",
        "actions.do_set_organisation_status(Organisation.objects.get(name='Télécoop'), 'hidden')",
    ]))  # fmt: skip

    said = say("pull")
    assert "0 created, 1 updated, 0 unchanged, 1 archived, 0 rejected" in said
    emmaus.refresh_from_db()
    assert emmaus.locality == "Lyon"
    assert Organisation.objects.get(name="Télécoop").status == "archived"
    assert say("pull").count("0 created, 0 updated, 0 unchanged, 0 archived") == 1

    # It stops answering: a clear error, and nothing taken in is lost.
    position = Source.objects.get(name="other-atlas").feed_position
    server.terminate()
    server.wait(timeout=30)
    with pytest.raises(CommandError, match="did not answer"):
        say("pull")
    assert Source.objects.get(name="other-atlas").feed_position == position
    assert Organisation.objects.filter(source="other-atlas").count() == count


class FlakySource(BaseHTTPRequestHandler):
    """An instance whose second organisation breaks off the first time it is asked for."""

    failures_left = 1
    record = None

    def do_GET(self):  # noqa: N802 (the handler's name is http.server's)
        if self.path.startswith("/api/v1/changes"):
            since = int(self.path.split("since=")[1].split("&")[0])
            changes = [] if since else [
                {"sequence": n, "organisation": n, "action": "upsert", "fields": ["name"],
                 "at": "2026-11-30T10:00:00+00:00"} for n in (1, 2)
            ]  # fmt: skip
            return self._json({"changes": changes, "next_since": since or 2})
        pk = int(self.path.rstrip("/").rsplit("/", 1)[1])
        if pk == 2 and FlakySource.failures_left:
            FlakySource.failures_left -= 1
            self.send_response(503)
            self.end_headers()
            return None
        return self._json({**FlakySource.record, "id": pk, "name": f"Entrée {pk}"})

    def _json(self, data):
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_source_that_fails_mid_pull_loses_nothing_and_resumes(empty_atlas):
    FlakySource.record = {"country": "FR", "locality": "Brest", "url": "https://atlas.example.org/fr/atlas/1/",
                          "updated_at": "2026-11-30T10:00:00+00:00"}  # fmt: skip
    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakySource)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with pytest.raises(CommandError, match="did not answer"):
            say("follow", url, name="flaky")
        assert not Organisation.objects.filter(source="flaky").exists(), "the page is whole or not"
        assert Source.objects.get(name="flaky").feed_position == 0
        said = say("pull", "flaky")
        assert "2 created" in said
        assert sorted(
            Organisation.objects.filter(source="flaky").values_list("name", flat=True)
        ) == ["Entrée 1", "Entrée 2"]
    finally:
        server.shutdown()
        server.server_close()


def test_following_something_that_is_not_an_instance(empty_atlas):
    with pytest.raises(CommandError, match="does not answer"):
        say("follow", "http://127.0.0.1:9/")
    with pytest.raises(CommandError, match="Not a web address"):
        say("follow", "file:///etc/passwd")
