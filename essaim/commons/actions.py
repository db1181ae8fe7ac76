"""Every way the commons change. Views validate, then call these."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from essaim.atlas.gazetteer import find_locality
from essaim.contributions.actions import represents
from essaim.core.actions import audit, do_delete_audited, do_save_audited, kind_of
from essaim.core.mail import mail_after_commit
from essaim.core.permissions import NotAllowed, check_moderator

from .filters import OpportunityFilters
from .models import (
    Contributed,
    CourseModule,
    Event,
    Opportunity,
    Publication,
    Registration,
    Resource,
    SavedSearch,
    Tool,
)

CANCEL_SALT = "essaim.commons.registration"
# Changes to these make calendar clients replace their copy (iCalendar SEQUENCE).
CALENDAR_FIELDS = (
    *(f"{name}_{code}" for name in ("title", "description") for code in ("fr", "en", "it", "es")),
    "starts_at", "ends_at", "all_day", "time_zone", "mode", "venue", "address", "postal_code",
    "locality", "country", "latitude", "longitude", "online_url",
)  # fmt: skip


def _mail(template: str, language: str, address: str, **context) -> None:
    mail_after_commit(f"commons/email/{template}", language, [address], **context)


# Contributions and moderation ----------------------------------------------------------------


def check_manage(user, item: Contributed) -> None:
    """Moderators, the member who proposed it, and representatives of its organisations."""
    if not (user.is_authenticated and (
        user.can_moderate
        or (item.pk and item.contributed_by_id == user.pk)
        or (item.pk and any(represents(user, org) for org in item.organisations.all()))
    )):  # fmt: skip
        raise NotAllowed(
            _("Only moderators, the member who proposed it and its organisations' "
              "representatives manage it.")
        )  # fmt: skip


def access_event_to_manage(user, pk: int) -> Event:
    event = get_object_or_404(Event, pk=pk)
    check_manage(user, event)
    return event


def do_save_contribution(form, user, parts=None) -> Contributed:
    """Save a resource, event or opportunity from its validated form (and a course's modules
    from their validated formset, `parts`), all or nothing.

    A moderator's work, and an organiser's edit of what is already published, are published at
    once; what a member proposes waits for a moderator."""
    item = form.instance
    is_new = item.pk is None
    if not is_new:
        check_manage(user, item)
    with transaction.atomic():
        if is_new:
            item.contributed_by = user
            item.contributor_language = translation.get_language() or "fr"
        if user.can_moderate or (not is_new and item.is_published):
            if not item.is_published:
                item.publication, item.published_at = Publication.PUBLISHED, timezone.now()
            item.decided_by = item.decided_by or (user if user.can_moderate else None)
        else:
            item.publication = Publication.PENDING
        if isinstance(item, Event) and not is_new:
            before = Event.objects.select_for_update().get(pk=item.pk)
            if any(getattr(before, name) != getattr(item, name) for name in CALENDAR_FIELDS):
                item.sequence = before.sequence + 1
        item = form.save()
        if parts is not None:
            parts.instance = item
            parts.save()
        verb = "published" if is_new and item.is_published else (
            "proposed" if is_new else "edited")  # fmt: skip
        audit(f"{kind_of(item)}.{verb}", item, actor=user,
              detail={"fields": sorted(form.changed_data)} if not is_new else None)  # fmt: skip
        if isinstance(item, Event):
            promote_waiting(item)
    return item


def set_replaced_tools(item: Resource, names: list[str]) -> None:
    """The big-platform tools an alternative replaces, by name; unknown names become tools.
    Part of the resource's save (its form's relations), inside its transaction."""
    tools = []
    for name in names:
        slug = slugify(name)[:80] or "tool"
        tool, _created = Tool.objects.get_or_create(slug=slug, defaults={"name": name[:80]})
        tools.append(tool)
    item.replaces.set(tools)


def do_add_published_item(model, fields: dict, *, organisations=(), themes=(), competences=(),
                          modules=(), replaces=()) -> Contributed:  # fmt: skip
    """Add a resource, event or opportunity published at once, with its relations and a
    course's modules (the demo's loader; an import of the commons would do the same)."""
    with transaction.atomic():
        item = model.objects.create(
            **fields, publication=Publication.PUBLISHED, published_at=timezone.now()
        )
        item.organisations.set(organisations)
        item.themes.set(themes)
        item.competences.set(competences)
        for position, module in enumerate(modules, start=1):
            CourseModule.objects.create(resource=item, position=position, **module)
        if replaces:
            set_replaced_tools(item, list(replaces))
        audit(f"{kind_of(item)}.published", item)
    return item


def do_save_from_admin(form, formsets, *, actor, creating: bool) -> Contributed:
    """Save what the admin's form and inlines (a course's modules) hold, all or nothing: as
    through the pages, calendars see an event's change and freed places go to those waiting."""
    item = form.instance
    with transaction.atomic():
        if isinstance(item, Event) and not creating and any(
                name in form.changed_data for name in CALENDAR_FIELDS):  # fmt: skip
            item.sequence += 1
        item.save()
        form.save_m2m()
        for formset in formsets:
            formset.instance = item
            formset.save()
        audit(f"{kind_of(item)}.{'created' if creating else 'edited'}", item, actor=actor,
              detail={"fields": sorted(form.changed_data), "admin": True})  # fmt: skip
        if isinstance(item, Event):
            promote_waiting(item)
    return item


def do_delete_item(item: Contributed, *, actor) -> None:
    """Delete a resource, event or opportunity (its registrations go with an event)."""
    check_moderator(actor)
    do_delete_audited(item, actor=actor)


def do_save_tool(tool: Tool, *, actor) -> Tool:
    return do_save_audited(tool, actor=actor, detail={"name": tool.name})


def do_delete_tool(tool: Tool, *, actor) -> None:
    do_delete_audited(tool, actor=actor, detail={"name": tool.name})


def do_publish(item: Contributed, moderator) -> None:
    check_moderator(moderator)
    with transaction.atomic():
        item.publication, item.published_at = Publication.PUBLISHED, timezone.now()
        item.decided_by, item.rejection_reason = moderator, ""
        item.save(update_fields=["publication", "published_at", "decided_by", "rejection_reason"])
        audit(f"{kind_of(item)}.published", item, actor=moderator)
        _tell_contributor(item)


def do_reject(item: Contributed, moderator, reason: str) -> None:
    check_moderator(moderator)
    with transaction.atomic():
        item.publication, item.decided_by = Publication.REJECTED, moderator
        item.rejection_reason = reason
        item.save(update_fields=["publication", "decided_by", "rejection_reason"])
        audit(f"{kind_of(item)}.rejected", item, actor=moderator)
        _tell_contributor(item)


def _tell_contributor(item: Contributed) -> None:
    author = item.contributed_by
    if author is None or author == item.decided_by or not author.email:
        return
    _mail("decided", item.contributor_language, author.email, item=item)


# Registrations -------------------------------------------------------------------------------


class RegistrationRefused(Exception):
    """Registration is not open; the message says why, in the visitor's language."""


class AlreadyRegistered(Exception):
    pass


def registration_refusal(event: Event) -> str | None:
    state = event.registration_state()
    return {
        "open": None,
        "none": _("This event does not take registrations here."),
        "not-yet": _("Registration for this event has not opened yet."),
        "closed": _("Registration for this event is closed."),
        "past": _("This event is over."),
    }[state]


def confirmed_count(event: Event) -> int:
    return event.registrations.filter(status=Registration.Status.CONFIRMED).count()


def do_register(event: Event, *, language: str, **answers) -> Registration:
    """Register someone, or put them on the waiting list when every place is taken.

    The event's row is locked while places are counted, so two people asking for the last
    place at the same moment get one place and one waiting-list position."""
    answers["email"] = answers["email"].strip().lower()
    place = None
    if answers.get("seat_locality") and answers.get("seat_country"):
        place = find_locality(answers["seat_locality"], str(answers["seat_country"]))
    try:
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event.pk)
            if (refusal := registration_refusal(event)) is not None:
                raise RegistrationRefused(refusal)
            if event.registrations.filter(
                email=answers["email"], status__in=Registration.ACTIVE
            ).exists():
                raise AlreadyRegistered
            full = event.capacity is not None and confirmed_count(event) >= event.capacity
            registration = Registration.objects.create(
                event=event,
                language=language,
                status=Registration.Status.WAITING if full else Registration.Status.CONFIRMED,
                seat_latitude=place.latitude if place else None,
                seat_longitude=place.longitude if place else None,
                **answers,
            )
            audit(f"registration.{registration.status}", registration,
                  detail={"event": event.pk})  # fmt: skip
    except IntegrityError as error:  # the same address, at the same moment
        raise AlreadyRegistered from error
    _mail("registered", language, registration.email, registration=registration,
          cancel_url=cancel_url(registration), allowance=allowance_of(registration))  # fmt: skip
    return registration


def allowance_of(registration: Registration) -> "Allowance | None":
    """The travel allowance decision for one registration (None: the event has none)."""
    event = registration.event
    return allowances(event, event.registrations.all()).get(registration.pk)


def cancel_url(registration: Registration) -> str:
    token = signing.dumps(registration.pk, salt=CANCEL_SALT)
    with translation.override(registration.language):
        return reverse("registration-cancel", kwargs={"token": token})


def registration_for_token(token: str) -> Registration | None:
    try:
        pk = signing.loads(token, salt=CANCEL_SALT)
    except signing.BadSignature:
        return None
    return Registration.objects.select_related("event").filter(pk=pk).first()


def do_cancel(registration: Registration, *, actor=None) -> list[Registration]:
    """Cancel a registration; the people waiting first take the places that frees (each is
    told by email). Returns them."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=registration.event_id)
        registration = Registration.objects.get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            return []
        registration.status, registration.cancelled_at = (
            Registration.Status.CANCELLED,
            timezone.now(),
        )
        registration.save(update_fields=["status", "cancelled_at"])
        audit("registration.cancelled", registration, actor=actor, detail={"event": event.pk})
        promoted = promote_waiting(event)
    return promoted


def promote_waiting(event: Event) -> list[Registration]:
    """Give free places to the waiting list, first come first served; each promoted person is
    told by email once the transaction commits. Call it inside a transaction."""
    event = Event.objects.select_for_update().get(pk=event.pk)  # one counter at a time
    if event.is_past:
        return []
    waiting = event.registrations.filter(status=Registration.Status.WAITING).order_by(
        "created_at", "id"
    )
    if event.capacity is not None:
        free = event.capacity - confirmed_count(event)
        waiting = waiting[: max(free, 0)]
    promoted = list(waiting)
    now = timezone.now()
    for registration in promoted:
        registration.status, registration.promoted_at = Registration.Status.CONFIRMED, now
        registration.save(update_fields=["status", "promoted_at"])
        audit("registration.promoted", registration, detail={"event": event.pk})
    for registration in promoted:
        _mail("promoted", registration.language, registration.email,
              registration=registration, cancel_url=cancel_url(registration),
              allowance=allowance_of(registration))  # fmt: skip
    return promoted


def do_check_in(registration: Registration, *, actor, present: bool = True) -> None:
    """The organiser marks a registered person present (or not) on the day."""
    with transaction.atomic():
        registration.checked_in_at = timezone.now() if present else None
        registration.save(update_fields=["checked_in_at"])
        audit("registration.checked_in" if present else "registration.not_checked_in",
              registration, actor=actor, detail={"event": registration.event_id})  # fmt: skip


ERASED_DOMAIN = "erased.invalid"


def do_forget_registrations(now=None) -> int:
    """Erase the names and addresses of people registered for events that ended more than
    REGISTRATION_RETENTION_DAYS ago; organisations, statuses and counts stay for the record.
    Returns how many registrations were erased."""
    now = now or timezone.now()
    limit = now - timedelta(days=settings.ESSAIM["REGISTRATION_RETENTION_DAYS"])
    old = Registration.objects.filter(event__ends_at__lt=limit).exclude(
        email__endswith=f"@{ERASED_DOMAIN}"
    )
    erased = 0
    with transaction.atomic():
        for registration in old.only("pk"):
            # Unique per registration: the constraint on active addresses still holds.
            registration.name, registration.email = "", f"{registration.pk}@{ERASED_DOMAIN}"
            registration.save(update_fields=["name", "email"])
            erased += 1
        if erased:
            audit("registration.erased", detail={"count": erased})
    return erased


# Travel allowances ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    # None: it cannot be decided from what we know; the organiser checks.
    eligible: bool | None
    reason: str
    amount: Decimal | None = None


def allowances(event: Event, registrations) -> dict[int, Allowance]:
    """The travel allowance decision for each registration, by the event's rule: an amount for
    an organisation (first taking part, if the rule says so) whose seat is farther from the
    venue than the rule's distance, great-circle; one per organisation, to the earliest
    registration of it that qualifies. Waiting and cancelled registrations get none."""
    if event.allowance_amount is None:
        return {}
    limit = event.allowance_min_distance_km
    granted: set[str] = set()
    decisions = {}
    for registration in sorted(registrations, key=lambda r: (r.created_at, r.pk)):
        distance = registration.seat_distance_km()
        if registration.status != Registration.Status.CONFIRMED:
            decision = Allowance(False, _("Only confirmed registrations receive it."))
        elif not event.has_coordinates:
            decision = Allowance(None, _("The venue has no coordinates: the organiser checks."))
        elif event.allowance_first_time_only and not registration.first_participation:
            decision = Allowance(False, _("Not the organisation's first participation."))
        elif distance is None:
            decision = Allowance(
                None, _("The seat's locality could not be placed: the organiser checks.")
            )
        elif distance <= limit:
            decision = Allowance(
                False,
                _("The seat is %(distance)s km from the venue, not more than %(limit)s km.")
                % {"distance": f"{distance:.1f}", "limit": f"{limit:g}"},
            )
        elif registration.organisation_key in granted:
            decision = Allowance(False, _("Already granted to this organisation."))
        else:
            granted.add(registration.organisation_key)
            decision = Allowance(
                True,
                _("The seat is %(distance)s km from the venue.") % {"distance": f"{distance:.1f}"},
                event.allowance_amount,
            )
        decisions[registration.pk] = decision
    return decisions


# Saved searches ------------------------------------------------------------------------------


def do_save_search(user, query: str, language: str) -> SavedSearch:
    """The member receives, each day, the new opportunities this search finds (once per
    query)."""
    with transaction.atomic():
        search, created = SavedSearch.objects.get_or_create(
            user=user, query=query, defaults={"language": language}
        )
        if created:
            audit("saved_search.created", search, actor=user)
    return search


def do_forget_search(user, pk: int) -> None:
    """Stop sending this search (only the member's own)."""
    with transaction.atomic():
        if SavedSearch.objects.filter(user=user, pk=pk).delete()[0]:
            audit("saved_search.deleted", pk, actor=user)


def do_send_digests(now=None) -> int:
    """Email each member the opportunities published since their searches were last checked,
    one email per member; returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    searches = SavedSearch.objects.select_related("user").order_by("user_id", "id")
    by_user: dict = {}
    for search in searches:
        by_user.setdefault(search.user, []).append(search)
    for user, saved in by_user.items():
        found = []
        for search in saved:
            fresh = Opportunity.objects.open().filter(
                published_at__gt=search.checked_at, published_at__lte=now
            )
            filters = OpportunityFilters(QueryDict(search.query), Opportunity.objects.open())
            if filters.is_valid() and (matches := list(filters.narrow(fresh).order_by("deadline"))):
                found.append((search, matches))
        if found and user.email:
            with translation.override(saved[0].language):
                manage_url = reverse("saved-searches")
            _mail("digest", saved[0].language, user.email, found=found,
                  count=sum(len(matches) for _search, matches in found),
                  manage_url=manage_url)  # fmt: skip
            sent += 1
        SavedSearch.objects.filter(pk__in=[search.pk for search in saved]).update(checked_at=now)
    if by_user:
        audit("saved_search.checked", detail={"members": len(by_user), "sent": sent})
    return sent
