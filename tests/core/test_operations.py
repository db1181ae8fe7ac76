"""Running Essaim as a service: background jobs taken by several workers (retried, never run
twice, taken up when a worker dies), an import of any size followed on its page, health and
readiness, the requests' log, and the emails that name the site."""

import gzip
import json
import logging
import os
import re
import resource
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from bench.serving import start_gunicorn
from essaim.accounts.models import User
from essaim.atlas import actions
from essaim.atlas.models import Organisation
from essaim.core import jobs
from essaim.core.models import AuditEntry, WorkerBeat
from tests.core import job_examples
from tests.core.test_feed import moderator_key, server_environment
from tests.helpers import TESTS, committed, on_sqlite

ROOT = TESTS.parent
DATABASE_QUEUE = override_settings(TASKS={"default": {
    "BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "imports"]}})  # fmt: skip


def traces(action: str = "test.job_ran") -> list[int]:
    return sorted(AuditEntry.objects.filter(action=action).values_list("target_id", flat=True))


def workers(tmp_path, count: int, *options: str) -> list[subprocess.Popen]:
    """`count` workers in their own processes, on the test database."""
    environment = {**os.environ, **server_environment(tmp_path)}
    return [subprocess.Popen([sys.executable, "-m", "essaim", "worker", *options], cwd=ROOT,
                             env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True) for _ in range(count)]  # fmt: skip


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_run_each_job_once(tmp_path):
    for number in range(40):
        jobs.enqueue_at_once(job_examples.leave_a_trace, number)
    for worker in workers(tmp_path, 2, "--batch", "--interval", "0"):
        output, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0, output
    assert traces() == list(range(40)), "every job once, none twice"
    assert not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_tried_again_later_and_its_error_kept(client):
    jobs.enqueue_at_once(job_examples.fail_until_third_attempt, 7)
    for attempt in (1, 2, 3):
        call_command("worker", batch=True, interval=0)
        assert len(traces("test.job_tried")) == attempt
        waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY).first()
        if attempt < 3:
            # Not at once: after a delay that grows (30 s, then 60 s).
            delay = waiting.run_after - timezone.now()
            assert timedelta(seconds=25 * attempt) < delay <= jobs.BACKOFF * 2 ** (attempt - 1)
            DBTaskResult.objects.filter(pk=waiting.pk).update(run_after=timezone.now())
        else:
            assert waiting is None
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
    assert failed.count() == 2
    assert "the mail server does not answer" in failed.first().traceback
    admin = User.objects.create_superuser("admin", "admin@example.org", "pw-for-tests-only")
    client.force_login(admin)
    listed = client.get("/en/admin/django_tasks_database/dbtaskresult/?status__exact=FAILED")
    assert "fail_until_third_attempt" in listed.content.decode() or "run" in (
        listed.content.decode())  # fmt: skip


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_a_job_left_running_by_a_dead_worker_is_run_again(tmp_path):
    jobs.enqueue_at_once(job_examples.leave_a_trace, 1)
    # A worker claims it and dies at once (killed before it could finish or say so).
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING, worker_ids=["gone-worker"],
                                started_at=timezone.now() - timedelta(minutes=15))  # fmt: skip
    call_command("worker", batch=True, interval=0)
    lost = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert "WorkerLost" in lost.traceback
    assert traces() == [1], "run again, once"
    assert not WorkerBeat.objects.exists(), "a worker that stops says so"


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_scheduled_jobs_are_enqueued_once_whatever_the_number_of_workers(tmp_path):
    running = workers(tmp_path, 2, "--interval", "0.2")
    time.sleep(6)
    for worker in running:
        worker.send_signal(signal.SIGTERM)
    for worker in running:
        output, _ = worker.communicate(timeout=60)
        assert worker.returncode == 0, output
    announcements = [row for row in DBTaskResult.objects.all()
                     if row.args_kwargs["args"][1] == ["send_announcements"]]  # fmt: skip
    slots = {row.enqueued_at.replace(second=0, microsecond=0) for row in announcements}
    assert len(announcements) == len(slots), "each minute's run enqueued once"
    assert all(len(row.worker_ids) <= 1 for row in DBTaskResult.objects.all()), "none twice"
    assert not WorkerBeat.objects.exists()


def upload_rows(client, tmp_path, count: int) -> str:
    """An administrator uploads a file of `count` organisations to import at once; the
    address of the page that follows the import."""
    admin = User.objects.create_superuser("admin", "admin@example.org", "pw-for-tests-only")
    client.force_login(admin)
    rows = ["id,name,country,locality"] + [f"n-{n},Atelier {n},FR,Arras" for n in range(count)]
    path = tmp_path / "register.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    with path.open("rb") as file:
        response = client.post("/en/admin/exchange/source/import/",
                               {"file": file, "format": "csv", "source": "register"})  # fmt: skip
    assert response.status_code == 302
    return response["Location"]


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_an_import_uploaded_in_the_admin_is_followed_until_its_report(client, tmp_path):
    address = upload_rows(client, tmp_path, 1200)
    page = client.get(address).content.decode()
    assert "Waiting for a worker to start the import" in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert 'hx-trigger="every 2s"' in page, "with JavaScript, the state alone is asked again"
    call_command("worker", batch=True, interval=0)
    page = client.get(address).content.decode()
    assert "The import is finished" in page and "1200 organisations created" in page
    assert 'http-equiv="refresh"' not in page and "hx-trigger" not in page


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_died_is_followed_on_the_same_page(client, tmp_path):
    address = upload_rows(client, tmp_path, 300)
    # A worker claims it and is killed (its transaction, and so the import, rolled back).
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING, worker_ids=["gone-worker"],
                                started_at=timezone.now() - timedelta(minutes=15))  # fmt: skip
    call_command("worker", batch=True, interval=0)
    page = client.get(address, follow=True).content.decode()
    assert "The import is finished" in page and "300 organisations created" in page


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_an_import_shows_how_far_it_has_got_while_it_runs(client, tmp_path, settings):
    """The import is one transaction, which nobody sees before its end: its progress is told
    apart from it, and the page that follows it moves."""
    page_address = upload_rows(client, tmp_path, 8000)
    worker = workers(settings.DATA_DIR, 1, "--batch", "--interval", "0")[0]
    seen = set()
    while worker.poll() is None:
        page = client.get(page_address).content.decode()
        seen.update(int(percent) for percent in re.findall(r"Importing: (\d+) %", page))
        time.sleep(0.1)
    worker.communicate(timeout=60)
    assert any(0 < percent < 100 for percent in seen), seen
    page = client.get(page_address).content.decode()
    assert "8000 organisations created" in page


@pytest.mark.django_db
def test_health_and_readiness(client, demo, search_index_dir):
    assert client.get("/healthz").json() == {"status": "alive"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.content
    state = ready.json()
    assert state["database"] == "ok" and state["index"] == {"entries": 0, "stalled_seconds": 0}
    assert set(state["queue"]) >= {"waiting", "failed_last_day", "workers"}
    for path in search_index_dir.glob("feed-position.json"):
        path.unlink()  # an index that has never followed the database
    assert client.get("/readyz").status_code == 503


@pytest.mark.django_db
def test_each_request_is_one_json_line_of_the_log_when_asked(client, demo, caplog, settings):
    from essaim.core.middleware import JsonFormatter

    settings.MIDDLEWARE = ["essaim.core.middleware.RequestLogMiddleware", *settings.MIDDLEWARE]
    with caplog.at_level(logging.INFO, logger="essaim.requests"):
        client.get("/en/atlas/", {"q": "what someone typed"})
        client.get("/en/atlas/confirm/a-signed-secret/")
    searched, confirmed = (json.loads(JsonFormatter().format(record)) for record in
                           caplog.records if record.name == "essaim.requests")  # fmt: skip
    assert (searched["method"], searched["status"]) == ("GET", 200)
    assert searched["path"].endswith("atlas/") and searched["ms"] >= 0
    assert "confirm/<str:token>/" in confirmed["path"]
    logged = json.dumps([searched, confirmed])
    assert "typed" not in logged and "a-signed-secret" not in logged, "nothing anyone wrote"


@pytest.mark.django_db
def test_account_emails_name_the_site_not_the_host(client, settings):
    settings.ESSAIM = {**settings.ESSAIM, "SITE_NAME": "Atlas du numérique solidaire",
                       "PUBLIC_URL": "https://atlas.example.org"}  # fmt: skip
    client.post("/en/accounts/signup/", {"email": "ada@example.org",
                                         "password1": "a-long-pass-phrase-9",
                                         "password2": "a-long-pass-phrase-9"})  # fmt: skip
    message = mail.outbox[-1]
    assert message.subject.startswith("[Atlas du numérique solidaire] ")
    assert "testserver" not in message.subject + message.body


@DATABASE_QUEUE
@pytest.mark.django_db(transaction=True)
def test_the_hour_a_local_clock_repeats_in_autumn_has_its_minute_jobs_too():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    summer = datetime(2026, 10, 25, 2, 30, tzinfo=paris)  # before the clocks go back
    winter = summer.replace(fold=1)  # an hour later, the same time on the clock
    assert "send_announcements" in jobs.enqueue_due(summer)
    assert "send_announcements" in jobs.enqueue_due(winter)
    assert "send_announcements" not in jobs.enqueue_due(winter), "each minute once"


# The database away, or restarted ---------------------------------------------------------


def fetch(address: str, language: str = "en") -> tuple[int, str, dict]:
    request = urllib.request.Request(address, headers={"Accept-Language": language})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, answer.read().decode(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_a_database_out_of_reach_is_said_plainly_and_the_server_stays_up(tmp_path):
    """A server started while its database cannot be reached (a restart, a network cut):
    every page and API call says so with a 503 and a time to try again, in the visitor's
    language, and /readyz says it is not ready; /healthz still answers (the process is
    alive)."""
    # Nothing listens on port 9; in debug mode, pages need no collected static files.
    environment = {**server_environment(tmp_path), "ESSAIM_DEBUG": "1",
                   "DATABASE_URL": "postgres://essaim@127.0.0.1:9/essaim"}  # fmt: skip
    server, port = start_gunicorn(tmp_path, **environment)
    base = f"http://127.0.0.1:{port}"
    try:
        status, page, headers = fetch(f"{base}/fr/atlas/")
        assert status == 503 and headers["Retry-After"]
        assert "base de données" in page and "Traceback" not in page
        status, body, headers = fetch(f"{base}/api/v1/organisations?q=atelier", "es")
        assert status == 503 and headers["Retry-After"]
        assert "base de datos" in json.loads(body)["detail"]
        assert fetch(f"{base}/readyz")[0] == 503
        assert fetch(f"{base}/healthz")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.skipif(on_sqlite(), reason="SQLite has no server to restart")
@pytest.mark.django_db(transaction=True)
def test_after_the_database_restarts_requests_reconnect_and_lose_nothing(tmp_path):
    """The database server restarting cuts every connection the web server kept: the next
    requests reconnect by themselves, and a write then is kept."""
    key = moderator_key()
    with committed():
        before = actions.do_create_organisation({"name": "Avant le redémarrage", "country": "FR"})
    server, port = start_gunicorn(tmp_path, **server_environment(tmp_path))
    base = f"http://127.0.0.1:{port}"
    record = f"{base}/api/v1/organisations/{before.pk}"  # read from the database
    try:
        for _ in range(16):  # every thread of both workers keeps a connection
            assert fetch(record)[0] == 200
        with connection.cursor() as cursor:  # what a restart does to them
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                           "datname = current_database() AND pid <> pg_backend_pid()")  # fmt: skip
        statuses = [fetch(record)[0] for _ in range(16)]
        assert statuses == [200] * 16
        request = urllib.request.Request(  # noqa: S310
            f"{base}/api/v1/organisations", method="POST",
            data=json.dumps({"facts": {"name": "Après le redémarrage", "country": "FR"}}).encode(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            assert answer.status == 201
        assert Organisation.objects.filter(name="Après le redémarrage").exists()
    finally:
        server.terminate()
        server.wait(timeout=30)


# A full disk -----------------------------------------------------------------------------


def essaim_limited(data_dir, *args: str, largest_file: int | None = None):
    """`essaim *args` as a server of its own on the test database; with `largest_file`, no
    file it writes may grow past that many bytes (what a full disk does to a writer, without
    filling this machine's)."""

    def limit() -> None:
        if largest_file is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (largest_file, largest_file))

    return subprocess.run(
        [sys.executable, "-m", "essaim", *args], cwd=ROOT, text=True, capture_output=True,
        env={**os.environ, **server_environment(data_dir)}, preexec_fn=limit, timeout=300,
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_snapshots_that_cannot_be_written_say_so_and_leave_the_last_ones_whole(tmp_path, generated):
    server = tmp_path / "server"
    generated(1500)
    first = essaim_limited(server, "snapshot")
    assert first.returncode == 0, first.stderr
    folder = server / "snapshots"
    published = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert any(name.endswith(".csv.gz") for name in published)
    with committed():
        actions.do_create_organisation({"name": "Écrite après le disque plein", "country": "FR"})
    full = essaim_limited(server, "snapshot", largest_file=1024)
    assert full.returncode != 0 and "Traceback" not in full.stderr, full.stderr
    assert full.stderr.startswith("CommandError:") and "File too large" in full.stderr, full.stderr
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == published
    again = essaim_limited(server, "snapshot")  # once there is room
    assert again.returncode == 0, again.stderr
    [csv_file] = folder.glob("*.csv.gz")
    assert "Écrite après le disque plein" in gzip.decompress(csv_file.read_bytes()).decode()


@pytest.mark.django_db(transaction=True)
def test_an_index_that_cannot_be_written_keeps_what_it_had_and_catches_up_later(
    tmp_path, generated
):
    server = tmp_path / "server"  # a server of its own: this process keeps another index
    generated(1500)
    assert essaim_limited(server, "reindex", "--if-needed").returncode == 0
    with committed():  # a change made through another server
        org = actions.do_create_organisation({"name": "Zéphyrine", "country": "FR"})
    committed_state = (server / "index" / "meta.json").read_bytes()
    for command in (("reindex",), ("reindex", "--if-needed")):  # rebuilt whole, or followed
        full = essaim_limited(server, *command, largest_file=1024)
        # Said in one line with the system's reason (the command speaks the site's language).
        assert full.returncode != 0 and "Traceback" not in full.stderr, full.stderr
        assert full.stderr.startswith("CommandError:") and "File too large" in full.stderr
        # Nothing half-written was committed: the index holds what it held.
        assert (server / "index" / "meta.json").read_bytes() == committed_state
    behind = essaim_limited(server, "check-index", largest_file=1024)
    assert behind.returncode != 0 and str(org.pk) in behind.stdout  # only the new one missing
    caught_up = essaim_limited(server, "reindex", "--if-needed")  # once there is room
    assert caught_up.returncode == 0, caught_up.stderr
    assert essaim_limited(server, "check-index").returncode == 0  # level with the database
