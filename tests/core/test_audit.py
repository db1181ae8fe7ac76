"""Every change of the commons, the contributions and the accounts leaves an entry in the
audit trail, which administrators read in the admin: who did what to which item, never the
address of a person who registered or suggested."""

import re

import pytest
from django.core import mail

from essaim.accounts.models import User
from essaim.atlas import actions as atlas_actions
from tests.commons.test_commons import cancel_link, event_form, register
from tests.contributions.test_contributions import NEW_ORGANISATION
from tests.factories import EventFactory
from tests.helpers import CommittingClient

pytestmark = pytest.mark.django_db


def audit_trail() -> list[str]:
    """The actions listed by the admin's audit trail, newest first."""
    administrator = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "administrator", "administrator@example.org", "pw-for-tests-only")  # fmt: skip
    reader = CommittingClient()
    reader.force_login(administrator)
    page = reader.get("/en/admin/core/auditentry/").content.decode()
    assert "@example.org" not in page.replace("administrator@example.org", "")
    return re.findall(r'<td class="field-action">([^<]+)</td>', page)


def test_the_commons_changes_are_in_the_audit_trail(client, member, moderator):
    client.force_login(member)
    client.post("/en/events/new/", event_form())
    client.post("/en/opportunities/saved/", {"kind": "internship"})
    client.force_login(moderator)
    from essaim.commons.models import Event

    proposed = Event.objects.get(title_en="Repair café")
    client.post(f"/en/moderation/commons/event/{proposed.pk}/", {"decision": "publish"})
    client.logout()
    event = EventFactory(capacity=1)
    register(client, event, "ada@example.org")
    register(client, event, "grace@example.org")  # waits
    client.post(cancel_link(mail.outbox[-2]))  # Ada's confirmation: Grace gets the place

    trail = audit_trail()
    for action in ("event.proposed", "saved_search.created", "event.published",
                   "registration.confirmed", "registration.waiting", "registration.cancelled",
                   "registration.promoted"):  # fmt: skip
        assert action in trail


def test_the_contributions_are_in_the_audit_trail(client, demo, member, moderator, commit):
    client.post("/en/atlas/suggest/", NEW_ORGANISATION)
    from essaim.contributions.models import Suggestion

    suggestion = Suggestion.objects.get()
    client.force_login(moderator)
    client.post(f"/en/moderation/suggestions/{suggestion.pk}/", {"decision": "accept"})
    org = commit(atlas_actions.do_apply_facts, None, {"name": "Atelier Lumière", "country": "FR"})
    client.force_login(member)
    client.post(f"/en/atlas/{org.pk}/{org.slug}/report/", {"reason": "gone"})
    client.post(f"/en/atlas/{org.pk}/{org.slug}/represent/")

    trail = audit_trail()
    for action in ("suggestion.submitted", "suggestion.accepted", "report.submitted",
                   "representation.pending"):  # fmt: skip
        assert action in trail


def test_the_accounts_changes_are_in_the_audit_trail(client, member):
    client.force_login(member)
    client.post("/en/accounts/profile/", {"form": "consent", "newsletter": "on"})
    client.post("/en/accounts/profile/", {"form": "token", "name": "My script"})
    token = member.api_tokens.get()
    client.post(f"/en/accounts/profile/keys/{token.pk}/revoke/")
    client.post("/en/accounts/profile/delete/", {"password": "pw-for-tests-only"})

    assert audit_trail()[:4] == ["account.deleted", "api_token.revoked", "api_token.created",
                                 "account.newsletter_consent"]  # fmt: skip
