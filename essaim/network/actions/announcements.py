"""Announcements: written by the animators in one to four languages, queued for their
recipients in the language each reads, sent in the background a bounded batch at a time with
a one-click unsubscribe, counted (delivered, failed, unsubscribed)."""

import logging

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from essaim.accounts.actions import do_set_newsletter_consent
from essaim.accounts.models import User
from essaim.core.actions import audit
from essaim.core.mail import site_context
from essaim.core.permissions import NotAllowed, check_moderator

from ..models import Announcement, Delivery, Unsubscription
from . import addresses_of, current_members

logger = logging.getLogger(__name__)
BATCH = 2000  # rows written at once when queuing: memory stays bounded for any audience
SALT = "essaim.network.unsubscribe"


def do_save_announcement(user, announcement: Announcement) -> Announcement:
    check_moderator(user)
    if announcement.pk and announcement.state != Announcement.State.DRAFT:
        raise NotAllowed(_("This announcement has been sent: it no longer changes."))
    with transaction.atomic():
        announcement.written_by = announcement.written_by or user
        announcement.save()
        audit("announcement.saved", announcement, actor=user)
    return announcement


def _recipients(announcement: Announcement):
    """(address, language) of each recipient, read a batch at a time."""
    if announcement.audience == Announcement.Audience.MEMBERS:
        for membership in current_members():
            for address in addresses_of(membership):
                yield address, membership.language
        return
    consented = User.objects.filter(is_active=True, newsletter_consented_at__isnull=False)
    yield from consented.values_list("email", "language").iterator(chunk_size=BATCH)


def do_send_announcement(user, announcement: Announcement) -> int:
    """Queue it for each recipient (once an address), in the language they read if it is
    written in it; returns how many. The sending runs in the background."""
    check_moderator(user)
    with transaction.atomic():
        announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
        if announcement.state != Announcement.State.DRAFT:
            raise NotAllowed(_("This announcement has been sent already."))
        batch = []
        for address, language in _recipients(announcement):
            if not address:
                continue
            batch.append(Delivery(announcement=announcement, address=address.lower(),
                                  language=announcement.text(language)["language"]))  # fmt: skip
            if len(batch) == BATCH:
                _queue(batch)
                batch = []
        _queue(batch)
        announcement.state = Announcement.State.SENDING
        announcement.sent_at = timezone.now()
        announcement.recipients = announcement.deliveries.count()
        announcement.save(update_fields=["state", "sent_at", "recipients"])
        audit("announcement.sent", announcement, actor=user,
              detail={"recipients": announcement.recipients})  # fmt: skip
    return announcement.recipients


def _queue(batch: list[Delivery]) -> None:
    Delivery.objects.bulk_create(batch, ignore_conflicts=True)  # an address once


def unsubscribe_token(address: str, announcement: Announcement) -> str:
    return signing.dumps([address.lower(), announcement.pk], salt=SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[str, int] | None:
    try:
        address, pk = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return address, pk


def do_unsubscribe(address: str, announcement_pk: int | None) -> bool:
    """The address leaves every announcement (and the newsletter); False: it had already."""
    address = address.lower()
    with transaction.atomic():
        entry, created = Unsubscription.objects.get_or_create(
            address=address,
            defaults={"announcement": Announcement.objects.filter(pk=announcement_pk).first()},
        )  # fmt: skip
        if not created:  # left again, after asking for the newsletter again perhaps
            entry.on = timezone.now()
            entry.save(update_fields=["on"])
        readers = User.objects.filter(email__iexact=address)
        for user in readers.exclude(newsletter_consented_at=None):
            do_set_newsletter_consent(user, False)
        if created:
            audit("announcement.unsubscribed", announcement_pk)
    return created


def _message(delivery: Delivery, connection_) -> EmailMessage:
    announcement = delivery.announcement
    text = announcement.text(delivery.language)
    link = site_context()["public_url"] + reverse(
        "network-unsubscribe", kwargs={"token": unsubscribe_token(delivery.address, announcement)}
    )
    with translation.override(text["language"] or settings.LANGUAGE_CODE):
        body = render_to_string("network/email/announcement.txt", {
            **site_context(), "text": text, "unsubscribe": link, "announcement": announcement,
        })  # fmt: skip
    return EmailMessage(
        subject=" ".join(text["subject"].split()), body=body, to=[delivery.address],
        connection=connection_,
        headers={"List-Unsubscribe": f"<{link}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )  # fmt: skip


def do_send_queued(limit: int | None = None) -> tuple[int, int]:
    """Send up to `limit` queued announcements (the setting's rate by default), skipping the
    unsubscribed; returns (delivered, failed). The batch is claimed (its rows taken off the
    queue) in a short transaction, then sent outside it: a run that stops half-way never
    sends a message twice, and the site's writes never wait for the mail server."""
    limit = limit or settings.ESSAIM["ANNOUNCEMENTS_PER_RUN"]
    with transaction.atomic():
        rows = Delivery.objects.select_related("announcement").order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        batch = list(rows[:limit])
        Delivery.objects.filter(pk__in=[d.pk for d in batch]).delete()
    gone = unsubscribed([d.address for d in batch])
    outcome: dict[int, dict[str, int]] = {}
    delivered = failed = 0
    mail = get_connection()
    try:
        mail.open()
        for delivery in batch:
            counts = outcome.setdefault(
                delivery.announcement_id, {"delivered": 0, "failed": 0, "skipped": 0}
            )
            if delivery.address in gone:
                counts["skipped"] += 1
                continue
            try:
                _message(delivery, mail).send()
            except Exception:  # one bad address or answer never stops the others
                logger.exception("Announcement %s not sent", delivery.announcement_id)
                counts["failed"] += 1
                failed += 1
            else:
                counts["delivered"] += 1
                delivered += 1
    finally:
        mail.close()
    with transaction.atomic():
        for pk, counts in outcome.items():
            Announcement.objects.filter(pk=pk).update(**{k: F(k) + v for k, v in counts.items()})
        Announcement.objects.filter(state=Announcement.State.SENDING).exclude(
            deliveries__isnull=False
        ).update(state=Announcement.State.SENT, finished_at=timezone.now())  # fmt: skip
    return delivered, failed


def unsubscribed(addresses: list[str]) -> set[str]:
    """The addresses that left, unless their owner asked for the newsletter again since."""
    left = dict(Unsubscription.objects.filter(address__in=addresses).values_list("address", "on"))
    back = {
        user.email.lower() for user in User.objects.annotate(address=Lower("email")).filter(
            address__in=list(left), newsletter_consented_at__isnull=False)
        if user.newsletter_consented_at > left.get(user.email.lower(), user.newsletter_consented_at)
    }  # fmt: skip
    return set(left) - back
