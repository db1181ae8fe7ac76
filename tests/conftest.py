"""Shared fixtures: a fresh search index per test, the demo atlas, synthetic organisations."""

import io

import pytest
from django.core.management import call_command

from essaim.accounts.models import User

from .helpers import CommittingClient, committed


@pytest.fixture(autouse=True)
def search_index_dir(settings, tmp_path):
    settings.ESSAIM = {**settings.ESSAIM, "INDEX_DIR": tmp_path / "index"}
    return tmp_path / "index"


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


@pytest.fixture
def demo(db, commit):
    commit(call_command, "load_demo", stdout=io.StringIO())


@pytest.fixture
def generated(db, commit):
    def make(count: int, seed: int = 7):
        call_command("generate", count=count, seed=seed, no_progress=True, stdout=io.StringIO())

    return make


@pytest.fixture
def moderator(db):
    return User.objects.create_user(
        "moderator", "moderator@example.org", "pw-for-tests-only", is_moderator=True
    )


@pytest.fixture
def member(db):
    return User.objects.create_user("member", "member@example.org", "pw-for-tests-only")
