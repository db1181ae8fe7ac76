"""The confirmation loop: organisations asked by email, confirming through a signed link."""

import io
import re
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from essaim.atlas import actions, indexing
from essaim.atlas.models import Organisation
from tests.helpers import committed

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(demo, commit):
    org = commit(actions.do_apply_facts, None, {
        "name": "Cyber-base de Lorient", "country": "FR", "locality": "Lorient",
        "email": "contact@cyberbase.example.org", "original_language": "fr",
    })  # fmt: skip
    Organisation.objects.filter(pk=org.pk).update(created_at=timezone.now() - timedelta(days=400))
    commit(indexing.index_organisations, [org.pk])
    org.refresh_from_db()
    return org


def ask(**options) -> str:
    out = io.StringIO()
    with translation.override("en"), committed():
        call_command("ask-confirmations", stdout=out, **options)
    return out.getvalue()


def link_in(message) -> str:
    return re.search(r"http://\S+/confirm/\S+/", message.body).group(0).split("8000", 1)[1]


def test_organisations_are_asked_once_in_their_language(listed):
    before = {org.pk for org in Organisation.objects.exclude(email="")} - {listed.pk}
    assert "organisations to ask" in ask(dry_run=True)
    assert mail.outbox == []

    ask()

    asked = [message for message in mail.outbox if message.to == [listed.email]]
    assert len(asked) == 1
    assert asked[0].subject == "Cyber-base de Lorient : votre fiche dans Essaim est-elle à jour ?"
    assert "/fr/atlas/confirm/" in asked[0].body
    # Entries created or confirmed within the year are not asked.
    assert not [m for m in mail.outbox if set(m.to) & {o.email for o in
                Organisation.objects.filter(pk__in=before)}]  # fmt: skip
    mail.outbox.clear()
    ask()
    assert mail.outbox == [], "asked once, not every day"


def test_the_link_confirms_without_an_account_and_refreshes_the_score(client, listed, commit):
    # Only a contact (15 of completeness), created 400 days ago (freshness 33):
    # (7 × 15 + 3 × 33 + 5) // 10.
    assert client.get(f"/api/v1/organisations/{listed.pk}").json()["quality"] == 20
    ask()
    link = link_in(mail.outbox[0])

    page = client.get(link)
    assert page.status_code == 200
    assert "Cyber-base de Lorient" in page.content.decode()
    response = commit(client.post, link)

    assert "la fiche est confirmée" in response.content.decode()
    listed.refresh_from_db()
    assert listed.confirmed_at is not None
    record = client.get(f"/api/v1/organisations/{listed.pk}").json()
    assert record["quality"] == 41  # freshness 100: (7 × 15 + 3 × 100 + 5) // 10
    assert record["confirmed_at"][:10] == timezone.now().date().isoformat()


def test_a_forged_old_or_outdated_link_does_nothing(client, listed, commit, monkeypatch):
    ask()
    link = link_in(mail.outbox[0])

    forged = link[:-6] + "AAAAA/"
    assert client.post(forged).status_code == 404

    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 61 * 24 * 3600)
    assert client.post(link).status_code == 404
    monkeypatch.setattr(time, "time", real_time)

    commit(actions.do_apply_facts, listed, {"email": "new@cyberbase.example.org"})
    response = client.post(link)
    assert response.status_code == 404
    assert "This link no longer works" in client.get(link.replace("/fr/", "/en/")).content.decode()
    listed.refresh_from_db()
    assert listed.confirmed_at is None
