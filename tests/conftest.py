"""Shared fixtures: a fresh search index per test, the demo atlas, synthetic organisations."""

import io
import shutil
import socket

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import translation

from tests.factories import UserFactory
from tests.helpers import CommittingClient, committed

LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True, scope="session")
def offline():
    """Tests run offline: a connection to anywhere but this machine fails at once (the
    database server and the test servers are local)."""
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def refuse(address) -> None:
        if isinstance(address, tuple) and address[0] not in LOCAL_HOSTS:
            raise OSError(f"Tests run offline: no connection to {address[0]}")

    def guarded_connect(self, address):
        refuse(address)
        return connect(self, address)

    def guarded_connect_ex(self, address):
        refuse(address)
        return connect_ex(self, address)

    socket.socket.connect, socket.socket.connect_ex = guarded_connect, guarded_connect_ex
    yield
    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex


@pytest.fixture(autouse=True)
def search_index_dir(settings, tmp_path):
    settings.ESSAIM = {**settings.ESSAIM, "INDEX_DIR": tmp_path / "index"}
    return tmp_path / "index"


@pytest.fixture(autouse=True)
def site_language():
    """Each test starts in the site's language: a request through the test client leaves its
    page's language active in the thread, and tests run in random order."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    """Rate-limit counters kept outside the database (SQLite's file cache) start at zero."""
    from django.core.cache import caches

    if "ratelimit" in settings.CACHES:
        caches["ratelimit"].clear()


@pytest.fixture
def commit():
    """Run what actions schedule after commit (the index, the mail) as a real commit would."""

    def run(function, *args, **kwargs):
        with committed():
            return function(*args, **kwargs)

    return run


@pytest.fixture
def client():
    """A browser whose every request commits, as in production: what its writes schedule after
    the commit (the index, the mail) is done before the answer is read."""
    return CommittingClient()


@pytest.fixture(scope="session")
def demo_template(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo atlas built once per run: the rows `load_demo` adds (read back, then rolled
    back), and the search index and meaning vectors it builds."""
    root = tmp_path_factory.mktemp("demo")
    models = apps.get_models(include_auto_created=True)
    with django_db_blocker.unblock(), transaction.atomic():
        before = {model: set(model._base_manager.values_list("pk", flat=True)) for model in models}
        essaim = {**django_settings.ESSAIM, "INDEX_DIR": root / "index", "SEMANTIC_SEARCH": True}
        with override_settings(ESSAIM=essaim), committed():
            call_command("load_demo", stdout=io.StringIO())
        rows = {}
        for model in models:
            names = [field.attname for field in model._meta.concrete_fields]
            added = [row for row in model._base_manager.values_list(*names)
                     if row[names.index(model._meta.pk.attname)] not in before[model]]  # fmt: skip
            if added:
                rows[model] = (names, added)
        transaction.set_rollback(True)
    return rows, root


@pytest.fixture
def demo(db, demo_template, search_index_dir):
    """The demo atlas, restored from the run's template (rows, index, vectors) in a few
    milliseconds instead of being loaded again."""
    rows, root = demo_template
    with transaction.atomic():  # foreign keys are checked at the end (tables in any order)
        for model, (names, values) in rows.items():
            model._base_manager.bulk_create([model(**dict(zip(names, row, strict=True)))
                                             for row in values])  # fmt: skip
        sequences = connection.ops.sequence_reset_sql(no_style(), list(rows))
        if sequences:  # PostgreSQL: new rows are numbered after the restored ones
            with connection.cursor() as cursor:
                for statement in sequences:
                    cursor.execute(statement)
    shutil.copytree(root / "index", search_index_dir)
    if (root / "vectors").exists():
        shutil.copytree(root / "vectors", search_index_dir.with_name("vectors"))


@pytest.fixture
def generated(db):
    def make(count: int, seed: int = 7):
        with committed():  # the command's transactions commit, as they do outside the tests
            call_command("generate", count=count, seed=seed, no_progress=True,
                         stdout=io.StringIO())  # fmt: skip

    return make


@pytest.fixture
def moderator(db):
    return UserFactory(username="moderator", is_moderator=True)


@pytest.fixture
def member(db):
    return UserFactory(username="member")
