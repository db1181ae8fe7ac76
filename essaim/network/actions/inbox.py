"""Every write of the inbox: a message received (sorted by reason and sent where the reason
says), sorted again by a person (the inbox learns from it), answered through Essaim (the
organisation's address is never shown), closed; the reasons, examples and reply templates
the network writes."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.atlas.models import Organisation
from essaim.contributions.actions import representatives, represented_by
from essaim.core.actions import audit
from essaim.core.mail import mail_after_commit, site_context
from essaim.core.permissions import NotAllowed, allows, check_moderator

from ..inbox import DEFAULT_REASONS, reasons_by_code, sorter, text_of
from ..models import Example, Message, Reason, Reply, ReplyTemplate

REPLY_SALT = "essaim.network.reply"
REPLY_LINK_DAYS = 60


def is_administrator(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_superuser


def visible_messages(user) -> QuerySet:
    """The messages a person handles: those to the organisations they represent; for the
    moderators, the network's (spam included, to set right); personal data requests for the
    administrators only."""
    if not user.is_authenticated:
        return Message.objects.none()
    shown = Q(organisation__in=represented_by(user))
    # Spam to an organisation too: a message sorted there by mistake is set right by them.
    network = Q(organisation=None) | Q(via_network=True) | Q(reason__route=Reason.Route.HIDDEN)
    if is_administrator(user):
        shown |= network
    elif allows(check_moderator, user):
        shown |= network & ~Q(reason__route=Reason.Route.ADMINISTRATORS)
    return Message.objects.filter(shown).select_related("reason", "organisation")


def check_handle(user, message: Message) -> None:
    if not visible_messages(user).filter(pk=message.pk).exists():
        raise NotAllowed(_("This message is not addressed to you."))


def _staff(route: str) -> list[str]:
    people = User.objects.filter(is_active=True)
    if route == Reason.Route.ADMINISTRATORS:
        people = people.filter(is_superuser=True)
    else:
        people = people.filter(Q(is_moderator=True) | Q(is_superuser=True))
    return [person.email for person in people if person.email]


def reply_token(message: Message) -> str:
    return signing.dumps(message.pk, salt=REPLY_SALT)


def message_of_token(token: str) -> Message | None:
    try:
        pk = signing.loads(token, salt=REPLY_SALT, max_age=timedelta(days=REPLY_LINK_DAYS))
    except signing.BadSignature:
        return None
    return Message.objects.filter(pk=pk, organisation__isnull=False).first()


def _route(message: Message) -> None:
    """Tell whoever handles it, in the site's language; spam goes nowhere."""
    if message.hidden:
        return
    if message.organisation_id and not message.via_network:
        people = [u.email for u in representatives(message.organisation) if u.email]
        link = None
        if not people:  # nobody on Essaim: the organisation's address, with a link to reply
            people = [message.organisation.email]
            link = site_context()["public_url"] + reverse(
                "network-reply-by-link", kwargs={"token": reply_token(message)}
            )
        mail_after_commit("network/email/message_to_organisation", settings.LANGUAGE_CODE,
                          people, message=message, link=link)  # fmt: skip
        return
    route = message.reason.route if message.reason else Reason.Route.ANIMATORS
    mail_after_commit("network/email/message", settings.LANGUAGE_CODE, _staff(route),
                      message=message)  # fmt: skip


def default_reasons() -> dict[str, Reason]:
    """The reasons by code; the default ones are written while there is none."""
    found = reasons_by_code()
    if not found:
        with transaction.atomic():
            for position, (code, route, days, fr, en, it, es) in enumerate(DEFAULT_REASONS):
                Reason.objects.get_or_create(code=code, defaults={
                    "route": route, "answer_days": days, "position": position,
                    "label_fr": fr, "label_en": en, "label_it": it, "label_es": es,
                })  # fmt: skip
        found = reasons_by_code()
    return found


def do_receive(organisation: Organisation | None, sender_name: str, sender_email: str,
               subject: str, body: str, language: str) -> Message:  # fmt: skip
    """A message from the contact form or an organisation's page, sorted and routed."""
    via_network = organisation is not None and not may_write_to(organisation)
    sorting = sorter().sort(text_of(subject, body))
    reasons = default_reasons()
    with transaction.atomic():
        message = Message.objects.create(
            organisation=organisation, via_network=via_network,
            sender_name=sender_name, sender_email=sender_email,
            subject=subject, body=body, language=language[:2],
            reason=reasons.get(sorting.reason) or reasons.get("other"),
            confidence=sorting.confidence, why=sorting.why,
        )  # fmt: skip
        audit("message.received", message, detail={"reason": sorting.reason})
        _route(message)
    return message


def do_resort(user, message: Message, reason: Reason) -> None:
    """A person sets the reason right: the message becomes an example the next ones are
    sorted with, and goes where its new reason says."""
    check_handle(user, message)
    with transaction.atomic():
        before = message.reason
        message.reason, message.sorted_by, message.confidence = reason, user, 1.0
        message.save(update_fields=["reason", "sorted_by", "confidence"])
        if allows(check_moderator, user):  # the network's sorting learns from its moderators
            # Written again: a new example tells the sorter to take it in.
            Example.objects.filter(message=message).delete()
            Example.objects.create(message=message, reason=reason, added_by=user,
                                   text=text_of(message.subject, message.body))  # fmt: skip
        audit("message.sorted", message, actor=user, detail={"reason": reason.code})
        if before is None or before.route != reason.route:
            _route(message)


def do_reply(user, message: Message, body: str) -> Reply:
    """An answer sent to the sender by Essaim, from its address: the organisation's own
    never shows. `user` None: the organisation answers by the link it was sent."""
    if user is not None:
        check_handle(user, message)
    with transaction.atomic():
        reply = Reply.objects.create(message=message, body=body, by=user)
        message.state = Message.State.ANSWERED
        message.save(update_fields=["state"])
        audit("message.answered", message, actor=user)
        mail_after_commit("network/email/reply", message.language or settings.LANGUAGE_CODE,
                          [message.sender_email], message=message, reply=reply)  # fmt: skip
    return reply


def do_close(user, message: Message) -> None:
    check_handle(user, message)
    with transaction.atomic():
        message.state = Message.State.CLOSED
        message.save(update_fields=["state"])
        audit("message.closed", message, actor=user)


def do_save_reason(user, reason: Reason) -> Reason:
    return _save(user, reason, "reason.saved")


def do_add_example(user, reason: Reason, text: str) -> Example:
    check_moderator(user)
    with transaction.atomic():
        example = Example.objects.create(reason=reason, text=text, added_by=user)
        audit("reason.example", reason, actor=user)
    return example


def do_save_template(user, template: ReplyTemplate) -> ReplyTemplate:
    return _save(user, template, "reply-template.saved")


def _save(user, item: Reason | ReplyTemplate, action: str) -> Reason | ReplyTemplate:
    """What the moderators write for the inbox: its reasons and answer templates."""
    check_moderator(user)
    with transaction.atomic():
        item.save()
        audit(action, item, actor=user)
    return item


def overdue(user) -> list[Message]:
    """Personal data requests past or near their deadline, for the administrators."""
    today = timezone.localdate()
    waiting = visible_messages(user).filter(state=Message.State.NEW,
                                            reason__answer_days__isnull=False)  # fmt: skip
    return [m for m in waiting if m.answer_by and m.answer_by <= today + timedelta(days=7)]


def may_write_to(organisation: Organisation) -> bool:
    """Someone receives messages for it: a representative on Essaim, or its address."""
    return bool(organisation.email) or bool(representatives(organisation))
