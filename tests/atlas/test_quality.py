"""The quality and freshness score: in the API, filterable, and shown to those who can act."""

from datetime import timedelta

import pytest
from django.utils import timezone

from essaim.atlas import actions, indexing
from essaim.atlas.models import Organisation

pytestmark = pytest.mark.django_db

FULL = {
    "name": "Coopérative complète",
    "short_description_fr": "Une coopérative de médiation numérique.",
    "description_fr": "Elle accompagne les associations. " * 10,
    "locality": "Nantes",
    "country": "FR",
    "latitude": 47.21,
    "longitude": -1.55,
    "email": "contact@complete.example.org",
    "sector": "digital-inclusion",
    "legal_form": "scic",
    "services": ["training"],
    "audiences": ["associations"],
    "identifier_siret": "55210055400013",
    "languages": ["fr"],
}


def quality_of(client, org) -> int:
    return client.get(f"/api/v1/organisations/{org.pk}").json()["quality"]


@pytest.fixture
def entries(demo, commit):
    full = commit(actions.do_apply_facts, None, FULL)
    bare = commit(actions.do_apply_facts, None, {"name": "Presque rien", "country": "FR"})
    stale = commit(actions.do_apply_facts, None, {**FULL, "name": "Complète mais ancienne"})
    long_ago = timezone.now() - timedelta(days=400)
    Organisation.objects.filter(pk=stale.pk).update(created_at=long_ago)
    commit(indexing.index_organisations, [stale.pk])
    return full, bare, stale


def test_the_score_follows_completeness_and_freshness(client, entries):
    full, bare, stale = entries
    # 70 % completeness + 30 % freshness (100 under 6 months, 66 under a year).
    assert quality_of(client, full) == 100
    assert quality_of(client, bare) == 30
    assert quality_of(client, stale) == 80  # (7 × 100 + 3 × 66 + 5) // 10


def test_a_confirmation_refreshes_the_score_in_the_filter_and_the_feed(client, entries, commit):
    _full, _bare, stale = entries
    since = client.get("/api/v1/changes", {"limit": 1000}).json()["next_since"]
    commit(actions.do_confirm_organisation, stale, timezone.now())
    assert quality_of(client, stale) == 100
    found = client.get("/api/v1/organisations", {"quality_min": 100, "page_size": 500}).json()
    assert stale.pk in {item["id"] for item in found["results"]}
    changes = client.get("/api/v1/changes", {"since": since}).json()["changes"]
    assert [(c["organisation"], c["fields"]) for c in changes] == [(stale.pk, ["confirmed_at"])]


def test_the_api_filters_by_quality(client, entries):
    full, bare, stale = entries
    found = client.get("/api/v1/organisations", {"quality_min": 90, "page_size": 500}).json()
    ids = {item["id"] for item in found["results"]}
    assert full.pk in ids and stale.pk not in ids and bare.pk not in ids
    assert all(item["quality"] >= 90 for item in found["results"])
    found = client.get("/api/v1/organisations", {"quality_min": 80, "page_size": 500}).json()
    ids = {item["id"] for item in found["results"]}
    assert {full.pk, stale.pk} <= ids and bare.pk not in ids
    every = client.get("/api/v1/organisations", {"page_size": 500}).json()["results"]
    assert found["count"] == len([item for item in every if item["quality"] >= 80])


def test_a_bad_quality_filter_is_a_clear_error(client, demo):
    response = client.get("/api/v1/organisations", {"quality_min": "high"})
    assert response.status_code == 400
    assert response.json()["parameter"] == "quality_min"


def test_moderators_see_what_would_improve_an_entry_visitors_do_not(client, entries, moderator):
    _full, bare, _stale = entries
    url = bare.get_absolute_url().replace("/fr/", "/en/")
    assert "Quality of this entry" not in client.get(url).content.decode()
    client.force_login(moderator)
    page = client.get(url).content.decode()
    assert "Quality of this entry: 30/100" in page
    assert "a way to get in touch (website, email or phone)" in page
    assert "an official identifier" in page
