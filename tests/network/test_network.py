"""The membership register through its pages and commands: the network's terms, an
organisation that applies through its representative, approval, fees, statuses over time
(current, grace, expired), renewal reminders, resignation, exclusion; who may do what; an
individual member's data, erased with their account."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from essaim.accounts.actions import do_delete_account
from essaim.atlas import actions as atlas_actions
from essaim.atlas.demo import taxonomy_data
from essaim.atlas.models import Family
from essaim.contributions.models import Representation
from essaim.network.actions import next_year
from essaim.network.models import Membership
from tests.factories import UserFactory


def organisation(name: str, family: str):
    return atlas_actions.do_create_organisation(
        {"name": name, "country": "FR", "email": f"{name.lower()}@example.org"},
        relations={"families": list(Family.objects.filter(code=family))},
    )


def representative(org, username: str):
    user = UserFactory(username=username)
    Representation.objects.create(user=user, organisation=org, status="granted")
    return user


def on(day):
    """Essaim's calendar set to `day` (the clock itself runs on: sessions stay open)."""
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def statuses(client) -> dict[str, str]:
    page = client.get("/en/network/members/")
    return {m.name: status for m, status in page.context["rows"]}


@pytest.fixture
def terms(client, moderator, commit):
    atlas_actions.do_load_taxonomies(taxonomy_data())
    client.force_login(moderator)
    saved = client.post("/en/network/terms/", {
        "explanation": "Together.", "families": [Family.objects.get(code="digital-commons").pk],
        "approval": "on", "fee": "50", "grace_days": "60", "notice_days": "30",
    })  # fmt: skip
    assert saved.status_code == 302
    client.logout()


@pytest.mark.django_db
def test_an_organisation_joins_pays_and_its_status_follows_the_dates(
    client, moderator, terms, commit
):
    commons = organisation("Commons", "digital-commons")
    other = organisation("Other", "popular-education")
    rep = representative(commons, "rep")
    Representation.objects.create(user=rep, organisation=other, status="granted")
    client.force_login(rep)
    refused = client.post("/en/network/join/", {"member": str(other.pk), "listed": "on"})
    assert refused.status_code == 409
    assert "Digital commons" in refused.content.decode()
    assert refused.context["form"]["member"].value() == str(other.pk)
    assert not Membership.objects.exists()
    applied = client.post("/en/network/join/", {"member": str(commons.pk), "listed": "on"})
    assert applied.status_code == 302
    membership = Membership.objects.get()
    assert [m.to for m in mail.outbox] == [[moderator.email]]
    assert client.post("/en/network/join/", {"member": str(commons.pk)}).status_code == 409
    # The representative cannot approve; a moderator does, then records the fee.
    assert client.post(f"/en/network/members/{membership.pk}/decide/",
                       {"step": "approve"}).status_code == 302  # fmt: skip
    membership.refresh_from_db()
    assert membership.approved_on is None
    client.force_login(moderator)
    decide = f"/en/network/members/{membership.pk}/decide/"
    client.post(decide, {"step": "approve"})
    assert statuses(client) == {"Commons": "pending"}  # approved, its fee awaited
    today = timezone.localdate()
    client.post(decide, {"step": "pay", "paid_on": today.isoformat(), "amount": "50"})
    membership.refresh_from_db()
    assert membership.paid_until == next_year(today) == today.replace(year=today.year + 1) - \
        timedelta(days=1)  # fmt: skip
    assert statuses(client) == {"Commons": "current"}
    # The public list shows it, as it agreed, while the atlas shows it.
    assert "Commons" in client.get("/fr/network/").content.decode()
    atlas_actions.do_set_organisation_status(commons, "hidden")
    assert "Commons" not in client.get("/fr/network/").content.decode()
    atlas_actions.do_set_organisation_status(commons, "published")
    # A reminder once, within the notice; grace after the due date, then expired.
    due = membership.paid_until
    mail.outbox.clear()
    with on(due - timedelta(days=10)):
        commit(call_command, "remind_renewals", stdout=io.StringIO())
        commit(call_command, "remind_renewals", stdout=io.StringIO())
    assert [m.to for m in mail.outbox] == [[rep.email]]
    with on(due + timedelta(days=30)):
        assert statuses(client) == {"Commons": "grace"}
        assert "Commons" in client.get("/en/network/").content.decode()
    with on(due + timedelta(days=61)):
        assert statuses(client) == {"Commons": "expired"}
        assert "Commons" not in client.get("/en/network/").content.decode()
    # Paid within the grace period: the new year runs from the end of the old one.
    with on(due + timedelta(days=30)):
        client.post(decide, {"step": "pay", "paid_on": (due + timedelta(days=30)).isoformat(),
                             "amount": "50"})  # fmt: skip
    membership.refresh_from_db()
    assert membership.paid_until == next_year(due + timedelta(days=1))
    # A moderator cannot resign it in its place; the representative does, once confirmed.
    client.post(decide, {"step": "resign", "confirm": "on"})
    assert statuses(client) == {"Commons": "current"}
    client.force_login(rep)
    client.post(decide, {"step": "resign"})
    membership.refresh_from_db()
    assert membership.resigned_on is None
    client.post(decide, {"step": "resign", "confirm": "on"})
    client.force_login(moderator)
    assert statuses(client) == {"Commons": "resigned"}
    page = client.get(f"/en/network/members/{membership.pk}/")
    steps = [d.step for d in page.context["history"]]
    assert steps == ["applied", "approved", "paid", "paid", "resigned"]


@pytest.mark.django_db
def test_the_register_and_its_decisions_are_the_moderators(client, moderator, terms):
    commons = organisation("Commons", "digital-commons")
    rep = representative(commons, "rep")
    client.force_login(rep)
    client.post("/en/network/join/", {"member": str(commons.pk)})
    membership = Membership.objects.get()
    stranger = UserFactory(username="stranger")
    client.force_login(stranger)
    assert client.get("/en/network/members/").status_code == 403
    assert client.get(f"/en/network/members/{membership.pk}/").status_code == 403
    client.post(f"/en/network/members/{membership.pk}/decide/", {"step": "resign"})
    membership.refresh_from_db()
    assert membership.resigned_on is None
    client.force_login(moderator)
    decide = f"/en/network/members/{membership.pk}/decide/"
    client.post(decide, {"step": "refuse", "reason": ""})
    membership.refresh_from_db()
    assert membership.refused_on is None  # a refusal says why
    mail.outbox.clear()
    client.post(decide, {"step": "refuse", "reason": "Not in our territory."})
    membership.refresh_from_db()
    assert membership.refused_on and "Not in our territory." in mail.outbox[0].body
    assert statuses(client) == {"Commons": "refused"}
    # Refused, it cannot apply again on its own; the board reopens it, pending again.
    client.force_login(rep)
    assert client.post("/en/network/join/", {"member": str(commons.pk)}).status_code == 409
    client.force_login(moderator)
    client.post(decide, {"step": "reinstate"})
    membership.refresh_from_db()
    assert membership.refused_on is None and membership.approved_on is None
    assert membership.reason == ""
    assert statuses(client) == {"Commons": "pending"}


@pytest.mark.django_db
def test_an_individual_member_is_in_their_data_and_erased_with_their_account(
    client, moderator, terms
):
    person = UserFactory(username="ada", first_name="Ada", last_name="L.")
    client.force_login(person)
    assert client.post("/en/network/join/", {"member": "individual"}).status_code == 302
    data = client.get("/en/accounts/profile/data.json").json()
    assert data["membership"]["applied_on"] == timezone.localdate().isoformat()
    assert data["membership"]["listed"] is False
    # An organisation's membership stays when the person who applied for it goes.
    commons = organisation("Commons", "digital-commons")
    rep = representative(commons, "rep")
    client.force_login(rep)
    client.post("/en/network/join/", {"member": str(commons.pk)})
    do_delete_account(person)
    do_delete_account(rep)
    assert [m.name for m in Membership.objects.all()] == ["Commons"]


@pytest.mark.django_db
def test_a_merged_organisation_keeps_its_membership(client, moderator, terms, commit):
    kept = organisation("Kept", "digital-commons")
    twin = organisation("Twin", "digital-commons")
    rep = representative(twin, "rep")
    client.force_login(rep)
    client.post("/en/network/join/", {"member": str(twin.pk)})
    atlas_actions.do_merge_organisations(kept, twin, {}, moderator)
    (membership,) = Membership.objects.all()
    assert membership.organisation == kept
    assert [d.step for d in membership.history.all()] == ["applied"]
