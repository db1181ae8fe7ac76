"""Announcements through their pages and commands: written in two languages, each member
reads it in theirs; sent in the background a bounded batch at a time, with a one-click
unsubscribe honoured at once; counted for the animators; kept in the archive and its feed."""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from essaim.network.models import Announcement, Membership
from tests.factories import UserFactory
from tests.network.test_votes import member_organisation


def write(client, moderator, audience: str = "members", **texts) -> Announcement:
    client.force_login(moderator)
    data = {"audience": audience}
    for code, (subject, body) in texts.items():
        data[f"subject_{code}"], data[f"body_{code}"] = subject, body
    saved = client.post("/en/network/announcements/new/", data)
    assert saved.status_code == 302, saved.context["form"].errors
    return Announcement.objects.latest("id")


def send_queued(commit, limit=None) -> str:
    out = io.StringIO()
    commit(call_command, "send_announcements", *(["--limit", str(limit)] if limit else []),
           stdout=out)  # fmt: skip
    return out.getvalue()


@pytest.mark.django_db
def test_members_read_it_in_their_language_and_leave_in_one_click(client, moderator, commit):
    for name, language in (("Ada", "fr"), ("Bea", "en"), ("Cy", "it")):
        member_organisation(name, language=language)
    assert set(Membership.objects.values_list("language", flat=True)) == {"fr", "en", "it"}
    item = write(client, moderator, fr=("Assemblée le 12", "Venez nombreux."),
                 en=("Assembly on the 12th", "Come along."))  # fmt: skip
    # A draft is not public yet.
    assert Client().get(f"/en/network/announcements/{item.pk}/").status_code == 403
    client.post(f"/en/network/announcements/{item.pk}/send/")
    item.refresh_from_db()
    assert item.state == "sending" and item.recipients == 3
    assert mail.outbox == []  # in the background
    assert "2 sent" in send_queued(commit, limit=2)
    assert "1 sent" in send_queued(commit, limit=2)
    received = {m.to[0].split("@")[0]: m for m in mail.outbox}
    assert received["ada"].subject == "Assemblée le 12"
    assert received["bea"].subject == "Assembly on the 12th"
    # Italian is not written: the site's language (French) is sent.
    assert received["cy"].subject == "Assemblée le 12"
    link = received["bea"].extra_headers["List-Unsubscribe"].strip("<>")
    assert received["bea"].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in received["bea"].body
    # The mail reader's one-click POST: no form, no cookie.
    path = link.split("://", 1)[-1].split("/", 1)[1]
    left = Client(enforce_csrf_checks=True).post(f"/{path}", {"List-Unsubscribe": "One-Click"})
    assert left.status_code == 200 and "no longer receives" in left.content.decode()
    page = client.get(f"/en/network/announcements/{item.pk}/")
    assert page.context["announcement"].delivered == 3 and page.context["unsubscribed"] == 1
    # The next announcement skips Bea's address.
    mail.outbox.clear()
    second = write(client, moderator, en=("News", "More news."))
    client.post(f"/en/network/announcements/{second.pk}/send/")
    send_queued(commit)
    second.refresh_from_db()
    assert sorted(m.to[0].split("@")[0] for m in mail.outbox) == ["ada", "cy"]
    assert (second.delivered, second.skipped, second.state) == (2, 1, "sent")
    # The archive and the feed, in the reader's language.
    archive = Client().get("/fr/network/announcements/").content.decode()
    assert "Assemblée le 12" in archive and "News" in archive
    feed = Client().get("/en/network/announcements/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "<title>Assembly on the 12th</title>" in feed.content.decode()


@pytest.mark.django_db
def test_the_newsletter_goes_to_those_who_consented_only(client, moderator, commit):
    yes = UserFactory(username="yes", email="yes@example.org", language="es",
                      newsletter_consented_at=timezone.now())  # fmt: skip
    UserFactory(username="no", email="no@example.org")
    item = write(client, moderator, audience="newsletter", es=("Noticias", "Hola."),
                 fr=("Nouvelles", "Bonjour."))  # fmt: skip
    client.post(f"/en/network/announcements/{item.pk}/send/")
    send_queued(commit)
    assert [(m.to, m.subject) for m in mail.outbox] == [(["yes@example.org"], "Noticias")]
    # Leaving by the link takes the consent back.
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    page = Client().get("/" + link.split("://", 1)[-1].split("/", 1)[1])
    assert "Stop sending" in page.content.decode()
    Client().post("/" + link.split("://", 1)[-1].split("/", 1)[1])
    yes.refresh_from_db()
    assert yes.newsletter_consented_at is None
    # Asking for it again brings the newsletter back.
    client.force_login(yes)
    client.post("/en/accounts/profile/", {"form": "consent", "newsletter": "on"})
    mail.outbox.clear()
    again = write(client, moderator, audience="newsletter", es=("Otra", "Hola de nuevo."))
    client.post(f"/en/network/announcements/{again.pk}/send/")
    send_queued(commit)
    assert [m.subject for m in mail.outbox] == ["Otra"]


@pytest.mark.django_db
def test_bad_announcements_and_links_are_refused(client, moderator):
    client.force_login(moderator)
    half = client.post("/en/network/announcements/new/", {"audience": "members",
                                                           "subject_fr": "Sans texte"})  # fmt: skip
    assert half.status_code == 400
    assert "Write its text, or leave its subject empty." in half.content.decode()
    assert half.context["form"]["subject_fr"].value() == "Sans texte"
    empty = client.post("/en/network/announcements/new/", {"audience": "members"})
    assert "Write it in one language at least." in empty.content.decode()
    forged = Client().post("/en/network/unsubscribe/not-a-token/")
    assert forged.status_code == 404 and "not valid" in forged.content.decode()
    member = UserFactory(username="someone")
    client.force_login(member)
    assert client.get("/en/network/announcements/new/").status_code == 403
    assert not Announcement.objects.exists()
