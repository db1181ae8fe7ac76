"""Every way a contribution changes. Views validate, then call these; accepted facts reach the
atlas through `atlas.actions`, which keeps the history, the change feed and the index."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from essaim.atlas import actions as atlas_actions
from essaim.atlas.facts import facts_of
from essaim.atlas.models import Organisation

from .models import Suggestion


class Conflict(Exception):
    """The entry changed after the suggestion was made, on a field being accepted."""


class EntryGone(Exception):
    """The organisation a correction was about has been deleted since."""


def do_submit_suggestion(
    org: Organisation | None,
    facts: dict,
    *,
    author=None,
    email: str = "",
    comment: str = "",
    language: str = "fr",
) -> tuple[Suggestion, bool]:
    """Record a suggestion: for `org`, only the facts that differ from it. Returns the
    suggestion and whether it is new: the same pending suggestion sent twice is kept once."""
    if org is None:
        proposed, base = facts, {}
    else:
        current = facts_of(org)
        proposed = {name: value for name, value in facts.items() if current.get(name) != value}
        base = {name: current.get(name) for name in proposed}
    with transaction.atomic():
        same = Suggestion.objects.filter(
            organisation=org,
            is_new=org is None,
            status=Suggestion.Status.PENDING,
            proposed=proposed,
            author=author if author and author.is_authenticated else None,
            email="" if author and author.is_authenticated else email,
        ).first()
        if same:
            return same, False
        suggestion = Suggestion.objects.create(
            organisation=org,
            is_new=org is None,
            proposed=proposed,
            base=base,
            comment=comment,
            author=author if author and author.is_authenticated else None,
            email="" if author and author.is_authenticated else email,
            language=language,
        )
    return suggestion, True


def conflicts(suggestion: Suggestion) -> set[str]:
    """Fields whose current value is neither what the contributor saw nor what they propose."""
    if suggestion.organisation is None:
        return set()
    current = facts_of(suggestion.organisation)
    return {
        name
        for name, value in suggestion.proposed.items()
        if current.get(name) != suggestion.base.get(name) and current.get(name) != value
    }


def do_accept_suggestion(
    suggestion: Suggestion, fields: list[str], moderator, overwrite: bool = False
) -> Organisation:
    """Publish the chosen fields of a pending suggestion (all of a new organisation's). A
    field changed on the entry since the suggestion is only taken with `overwrite`."""
    chosen = {name: suggestion.proposed[name] for name in fields if name in suggestion.proposed}
    with transaction.atomic():
        suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        if not suggestion.is_new and suggestion.organisation is None:
            raise EntryGone()
        if not overwrite and conflicts(suggestion) & chosen.keys():
            raise Conflict(sorted(conflicts(suggestion) & chosen.keys()))
        org = atlas_actions.do_apply_facts(
            suggestion.organisation if not suggestion.is_new else None,
            suggestion.proposed if suggestion.is_new else chosen,
            author=suggestion.author,
            suggestion=suggestion,
        )
        complete = suggestion.is_new or chosen.keys() == suggestion.proposed.keys()
        suggestion.organisation = org
        suggestion.status = Suggestion.Status.ACCEPTED if complete else Suggestion.Status.PARTIAL
        _decide(suggestion, moderator)
    return org


def do_reject_suggestion(suggestion: Suggestion, reason: str, moderator) -> None:
    with transaction.atomic():
        suggestion.status = Suggestion.Status.REJECTED
        suggestion.reason = reason
        _decide(suggestion, moderator)


def _decide(suggestion: Suggestion, moderator) -> None:
    suggestion.decided_by = moderator
    suggestion.decided_at = timezone.now()
    suggestion.save()
    transaction.on_commit(lambda: notify_contributor(suggestion))


def notify_contributor(suggestion: Suggestion) -> None:
    """Tell the contributor, in the language they wrote in, what became of their suggestion."""
    address = suggestion.contact_email
    if not address:
        return
    with translation.override(suggestion.language):
        context = {
            "suggestion": suggestion,
            "site_name": settings.ESSAIM["SITE_NAME"],
            "public_url": settings.ESSAIM["PUBLIC_URL"].rstrip("/"),
        }
        subject = render_to_string("contributions/email/decided_subject.txt", context).strip()
        body = render_to_string("contributions/email/decided.txt", context)
    send_mail(subject, body, None, [address])
