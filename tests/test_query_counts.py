"""How many database queries the busiest pages make, against a snapshot: a change that adds
queries per result (an N+1) shows up here, and in review.

After an intended change: UPDATE_SNAPSHOTS=1 pytest tests/test_query_counts.py (on SQLite and
on PostgreSQL: each database has its own counts)."""

import json
import os
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from essaim.atlas.models import Organisation
from essaim.contributions.models import Suggestion
from tests.contributions.test_contributions import NEW_ORGANISATION
from tests.helpers import page_of

pytestmark = pytest.mark.django_db
SNAPSHOT = Path(__file__).parent / "snapshots" / "queries.json"


def counted(request) -> int:
    """The queries of `request()` once the process has met it (its caches warm): what every
    later visitor costs."""
    request()
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code in (200, 302)
    return len(queries)


@pytest.fixture
def uncached(settings):
    """Answers computed, not remembered."""
    settings.ESSAIM = {**settings.ESSAIM, "SEARCH_CACHE_SIZE": 0}


def test_the_busiest_pages_keep_their_query_counts(client, demo, moderator, uncached):
    org = Organisation.objects.get(name="Emmaüs Connect")
    counts = {
        "atlas list": counted(lambda: client.get("/en/atlas/", {"q": "numérique"})),
        "organisation page": counted(lambda: client.get(page_of(org, "en"))),
        "API search with facets": counted(lambda: client.get(
            "/api/v1/organisations", {"q": "numérique", "facets": "sector,country,family"})),
    }  # fmt: skip
    client.post("/en/atlas/suggest/", NEW_ORGANISATION)
    suggestion = Suggestion.objects.get()
    client.force_login(moderator)
    review = f"/en/moderation/suggestions/{suggestion.pk}/"
    counts["a review"] = counted(lambda: client.get(review))
    with CaptureQueriesContext(connection) as queries:
        assert client.post(review, {"decision": "accept"}).status_code == 302
    counts["an accept"] = len(queries)

    snapshots = json.loads(SNAPSHOT.read_text()) if SNAPSHOT.exists() else {}
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snapshots[connection.vendor] = counts
        SNAPSHOT.write_text(json.dumps(snapshots, indent=2, sort_keys=True) + "\n")
    assert counts == snapshots[connection.vendor]
