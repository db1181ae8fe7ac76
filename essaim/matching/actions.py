"""Every change to needs, profiles and contacts, each in one transaction, with the checks
that guard it.

A need is posted for an organisation by its representatives or a moderator (the network's
animator). A profile belongs to its member, private until published. A contact is asked by one
side and answered by the other — signed in, or from the email's signed link, which works once
(an answered contact has no question left to answer). Addresses are shown to each other only
once the side that was asked accepts.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.atlas.models import Organisation, Status
from essaim.contributions.actions import representatives, represents
from essaim.core import feed
from essaim.core.actions import audit, do_record_change
from essaim.core.mail import mail_after_commit
from essaim.core.permissions import LinkRefused, NotAllowed

from .facts import need_text, profile_text, vector_of
from .models import (
    NEED_EDITABLE,
    PLACE_FIELDS,
    PROFILE_EDITABLE,
    Contact,
    Feedback,
    Need,
    Participant,
    Profile,
    ProfileCompetence,
    Programme,
    Weights,
)
from .pool import POOLS
from .suggestions import needs_for

ANSWER_SALT = "essaim.matching.answer"
ANSWER_LINK_DAYS = 30
REMIND_AFTER = timedelta(days=3)


# Who is on each side -------------------------------------------------------------------------


def _pools_changed() -> None:
    """Needs or profiles changed: every server's matching pools look again, once this
    transaction commits (the change feed, `core/feed.py`)."""
    do_record_change(POOLS)
    feed.follow_after_commit()


def check_manage_need(user, organisation: Organisation) -> None:
    """Its representatives, and moderators (who animate the network), post and manage an
    organisation's needs."""
    if not (user.is_authenticated and (user.can_moderate or represents(user, organisation))):
        raise NotAllowed(
            _("Only the representatives of %(name)s and the network's moderators do this.")
            % {"name": organisation.name}
        )


def is_need_side(user, contact: Contact) -> bool:
    """The organisation's representatives; a moderator only for the requests they sent (a
    coordinator pushing a need to someone), never for the others'."""
    if not user.is_authenticated:
        return False
    if represents(user, contact.need.organisation):
        return True
    return user.can_moderate and contact.sender_id == user.pk


def is_offer_side(user, contact: Contact) -> bool:
    if not user.is_authenticated:
        return False
    if contact.profile_id:
        return contact.profile.user_id == user.pk
    return contact.provider_id is not None and represents(user, contact.provider)


def side_of(user, contact: Contact) -> str | None:
    if is_offer_side(user, contact):
        return Contact.Side.OFFER
    if is_need_side(user, contact):
        return Contact.Side.NEED
    return None


def check_see_contact(user, contact: Contact) -> str:
    side = side_of(user, contact)
    if side is None:
        raise NotAllowed(_("This request is private to the two sides it joins."))
    return side


def check_need_open(need: Need) -> None:
    if need.organisation.status != Status.PUBLISHED:
        raise NotAllowed(
            _("%(name)s is no longer in the atlas: its needs wait, and nothing is lost.")
            % {"name": need.organisation.name}
        )
    if need.status != Need.State.OPEN:
        raise NotAllowed(_("This need is no longer open."))


# Needs ----------------------------------------------------------------------------------------


def _set_need(need: Need, data: dict) -> None:
    for name in (*NEED_EDITABLE, *PLACE_FIELDS):
        if name in data:
            setattr(need, name, data[name])
    need.vector = vector_of(need_text(need))


def do_post_need(user, organisation: Organisation, data: dict, from_question: str = "") -> Need:
    check_manage_need(user, organisation)
    with transaction.atomic():
        need = Need(organisation=organisation, author=user, from_question=from_question,
                    language=data["language"])  # fmt: skip
        _set_need(need, data)
        need.save()
        need.competences.set(data.get("competences", []))
        need.services.set(data.get("services", []))
        audit("need.posted", need, actor=user, detail={"organisation": organisation.pk})
        _pools_changed()
    return need


def do_edit_need(user, need: Need, data: dict) -> Need:
    check_manage_need(user, need.organisation)
    with transaction.atomic():
        _set_need(need, data)
        need.save()
        need.competences.set(data.get("competences", []))
        need.services.set(data.get("services", []))
        audit("need.edited", need, actor=user)
        _pools_changed()
    return need


def do_close_need(user, need: Need, found: bool) -> None:
    """Close a need (help found, or no longer needed); its waiting requests are withdrawn."""
    check_manage_need(user, need.organisation)
    with transaction.atomic():
        need.status = Need.State.FILLED if found else Need.State.CLOSED
        need.save(update_fields=["status", "updated_at"])
        need.contacts.filter(state=Contact.State.PROPOSED).update(
            state=Contact.State.WITHDRAWN, answered_at=timezone.now()
        )
        audit(f"need.{need.status}", need, actor=user)
        _pools_changed()


def do_reopen_need(user, need: Need) -> None:
    check_manage_need(user, need.organisation)
    with transaction.atomic():
        need.status = Need.State.OPEN
        need.save(update_fields=["status", "updated_at"])
        audit("need.reopened", need, actor=user)
        _pools_changed()


# Profiles -------------------------------------------------------------------------------------


def do_save_profile(user, data: dict) -> Profile:
    """Create or change the member's own profile (private until published)."""
    if not user.is_authenticated:
        raise NotAllowed(_("Sign in to offer your help."))
    with transaction.atomic():
        profile = Profile.objects.filter(user=user).first() or Profile(user=user)
        creating = profile.pk is None
        for name in ("language", *PROFILE_EDITABLE, *PLACE_FIELDS):
            if name in data:
                setattr(profile, name, data[name])
        profile.vector = vector_of(profile_text(profile))
        profile.save()
        profile.services.set(data.get("services", []))
        ProfileCompetence.objects.filter(profile=profile).delete()
        ProfileCompetence.objects.bulk_create(
            ProfileCompetence(profile=profile, competence_id=pk, level=level)
            for pk, level in data.get("competences", {}).items()
        )
        audit("profile.created" if creating else "profile.edited", profile, actor=user)
        _pools_changed()
    return profile


def do_set_profile_visibility(user, profile: Profile, *, published: bool, paused: bool) -> None:
    if profile.user_id != user.pk:
        raise NotAllowed(_("Only its owner changes a profile."))
    with transaction.atomic():
        if published and profile.published_at is None:
            profile.published_at = timezone.now()
        if not published:
            profile.published_at = None
        profile.paused = paused
        profile.save(update_fields=["published_at", "paused", "updated_at"])
        state = "paused" if paused else "published" if published else "unpublished"
        audit(f"profile.{state}", profile, actor=user)
        _pools_changed()


# Contacts -------------------------------------------------------------------------------------


def answer_token(contact: Contact) -> str:
    return signing.TimestampSigner(salt=ANSWER_SALT).sign(str(contact.pk))


def contact_for_token(token: str) -> Contact:
    try:
        pk = int(
            signing.TimestampSigner(salt=ANSWER_SALT).unsign(
                token, max_age=timedelta(days=ANSWER_LINK_DAYS)
            )
        )
    except signing.SignatureExpired:
        raise LinkRefused(
            _("This link has expired: sign in to answer the request from your account."), 410
        ) from None
    except (signing.BadSignature, ValueError):
        raise LinkRefused(
            _("This link is not valid: check that it was copied whole."), 404
        ) from None
    contact = _contacts().filter(pk=pk).first()
    if contact is None:
        raise LinkRefused(_("This request no longer exists."), 404)
    return contact


def _contacts():
    return Contact.objects.select_related(
        "need__organisation", "need__author", "profile__user", "provider"
    )


def offer_addresses(contact: Contact) -> list[str]:
    """Where the offer side is written to: the volunteer, or the provider's representatives
    (else its public address)."""
    if contact.profile_id:
        found = [contact.profile.user.email]
    elif contact.provider_id:
        found = [u.email for u in representatives(contact.provider)] or [contact.provider.email]
    else:
        found = []
    return [address for address in found if address]


def need_addresses(contact: Contact) -> list[str]:
    need = contact.need
    found = [u.email for u in representatives(need.organisation)]
    author = need.author
    still = (
        author is not None
        and author.is_active
        and (author.can_moderate or represents(author, need.organisation))
    )
    if still and author.email and author.email not in found:
        found.append(author.email)
    return [address for address in found or [need.organisation.email] if address]


def check_ask(user, need: Need, profile: Profile | None, provider: Organisation | None) -> str:
    """Who asks: the need's side asks an offer; a volunteer (or a provider's representative)
    offers to help. Returns the side asking."""
    check_need_open(need)
    if profile is not None and profile.user_id == getattr(user, "pk", None):
        if not profile.is_offered:
            raise NotAllowed(_("Publish your profile first: the organisation will read it."))
        return Contact.Side.OFFER
    if provider is not None and represents(user, provider):
        return Contact.Side.OFFER
    check_manage_need(user, need.organisation)
    if profile is not None and not profile.is_offered:
        raise NotAllowed(_("This volunteer is not offering help at the moment."))
    if provider is not None and provider.status != Status.PUBLISHED:
        raise NotAllowed(_("This organisation is no longer in the atlas."))
    return Contact.Side.NEED


def do_ask(user, need: Need, message: str, *, profile: Profile | None = None,
           provider: Organisation | None = None, score: int | None = None) -> Contact:  # fmt: skip
    asked_by = check_ask(user, need, profile, provider)
    open_one = Contact.objects.filter(
        Q(profile=profile) if profile else Q(provider=provider),
        need=need,
        state__in=[Contact.State.PROPOSED, Contact.State.ACCEPTED],
    )
    if open_one.exists():
        raise NotAllowed(_("A request between them is already open."))
    with transaction.atomic():
        contact = Contact.objects.create(need=need, profile=profile, provider=provider,
                                         asked_by=asked_by, sender=user, message=message,
                                         score=score)  # fmt: skip
        audit("contact.asked", contact, actor=user, detail={"need": need.pk, "by": asked_by})
        _mail(contact, "matching/email/asked", to=contact.answered_by)
    return contact


def _mail(contact: Contact, template: str, to: str) -> None:
    contact = _contacts().get(pk=contact.pk)
    addresses = offer_addresses(contact) if to == Contact.Side.OFFER else need_addresses(contact)
    language = (
        contact.need.language
        if to == Contact.Side.NEED
        else (contact.profile.language if contact.profile else settings.LANGUAGE_CODE)
    )
    mail_after_commit(
        template,
        language,
        addresses,
        contact=contact,
        need=contact.need,
        answer_path=reverse("help-answer", args=[answer_token(contact)]),
        contact_path=reverse("help-contact", args=[contact.pk]),
    )


def check_answer(user, contact: Contact, by_link: bool) -> None:
    if contact.state != Contact.State.PROPOSED:
        raise NotAllowed(_("This request has been answered already."))
    if not by_link and side_of(user, contact) != contact.answered_by:
        raise NotAllowed(_("Only the side that was asked answers a request."))
    check_need_open(contact.need)


def do_answer(user, contact: Contact, accept: bool, answer: str = "", *,
              by_link: bool = False) -> None:  # fmt: skip
    """Accept (the addresses are shown to both) or decline (with a reason, kept for the
    asker). From the email's link, `user` may be a visitor: the link is the proof."""
    check_answer(user, contact, by_link)
    with transaction.atomic():
        contact.state = Contact.State.ACCEPTED if accept else Contact.State.DECLINED
        contact.answer = answer
        contact.answered_at = timezone.now()
        contact.save(update_fields=["state", "answer", "answered_at"])
        audit(f"contact.{contact.state}", contact, actor=user,
              detail={"by_link": by_link})  # fmt: skip
        _mail(contact, "matching/email/answered", to=contact.asked_by)


def do_withdraw(user, contact: Contact) -> None:
    if side_of(user, contact) != contact.asked_by or contact.state != Contact.State.PROPOSED:
        raise NotAllowed(_("Only the one who asked withdraws a request still waiting."))
    with transaction.atomic():
        contact.state = Contact.State.WITHDRAWN
        contact.answered_at = timezone.now()
        contact.save(update_fields=["state", "answered_at"])
        audit("contact.withdrawn", contact, actor=user)


def do_mark_done(user, contact: Contact) -> None:
    if side_of(user, contact) is None or contact.state != Contact.State.ACCEPTED:
        raise NotAllowed(_("Only an accepted request is marked done, by one of its sides."))
    with transaction.atomic():
        contact.state = Contact.State.DONE
        contact.done_at = timezone.now()
        contact.save(update_fields=["state", "done_at"])
        audit("contact.done", contact, actor=user)
        other = Contact.Side.NEED if side_of(user, contact) == Contact.Side.OFFER else "offer"
        _mail(contact, "matching/email/done", to=other)


def do_give_feedback(user, contact: Contact, helped: str, again: bool, comment: str) -> Feedback:
    side = side_of(user, contact)
    if side is None or contact.state != Contact.State.DONE:
        raise NotAllowed(_("Feedback is given by the two sides once the help is done."))
    if contact.feedback.filter(side=side).exists():
        raise NotAllowed(_("Your side has given its feedback already. Thank you."))
    with transaction.atomic():
        feedback = Feedback.objects.create(contact=contact, side=side, helped=helped,
                                           again=again, comment=comment)  # fmt: skip
        audit("contact.feedback", contact, actor=user, detail={"side": side})
    return feedback


def do_send_reminders(now=None) -> int:
    """Remind the side that was asked, once, of a request waiting for REMIND_AFTER."""
    now = now or timezone.now()
    waiting = _contacts().filter(
        state=Contact.State.PROPOSED, reminded_at__isnull=True, created_at__lte=now - REMIND_AFTER
    )
    sent = 0
    for contact in waiting:
        with transaction.atomic():
            contact.reminded_at = now
            contact.save(update_fields=["reminded_at"])
            _mail(contact, "matching/email/reminder", to=contact.answered_by)
        sent += 1
    return sent


# The demo ------------------------------------------------------------------------------------


def do_record_demo(volunteers: list[dict], needs: list[dict], contacts: list[dict]) -> int:
    """The demo's volunteers (members without a password, who cannot sign in), needs and
    requests, in one transaction; how many needs were added."""
    with transaction.atomic():
        profiles = {}
        for data in volunteers:
            user = User.objects.create(username=data["username"], email=data["email"],
                                       first_name=data["name"])  # fmt: skip
            user.set_unusable_password()
            user.save(update_fields=["password"])
            profile = do_save_profile(user, data)
            profile.published_at = timezone.now()
            profile.save(update_fields=["published_at"])
            profiles[data["username"]] = profile
        posted = {}
        for data in needs:
            need = Need(organisation=data["organisation"], language=data["language"],
                        from_question=data.get("from_question", ""))  # fmt: skip
            _set_need(need, data)
            need.save()
            need.competences.set(data.get("competences", []))
            need.services.set(data.get("services", []))
            posted[data["key"]] = need
        for data in contacts:
            asked_at = timezone.now() - timedelta(days=data["days_ago"])
            contact = Contact.objects.create(
                need=posted[data["need"]], profile=profiles[data["volunteer"]],
                asked_by=data["asked_by"], message=data["message"], state=data["state"],
                answer=data.get("answer", ""),
            )  # fmt: skip
            Contact.objects.filter(pk=contact.pk).update(
                created_at=asked_at,
                answered_at=asked_at + timedelta(hours=data["answer_hours"])
                if data["state"] != Contact.State.PROPOSED
                else None,
                done_at=asked_at + timedelta(days=14) if data["state"] == "done" else None,
            )
            for side, helped, again in data.get("feedback", []):
                Feedback.objects.create(contact=contact, side=side, helped=helped, again=again)
        _pools_changed()
    return len(posted)


# Programmes ----------------------------------------------------------------------------------


def check_animate(user) -> None:
    if not (user.is_authenticated and user.can_moderate):
        raise NotAllowed(_("Programmes are run by the network's moderators."))


def do_create_programme(user, name: str, kind: str) -> Programme:
    check_animate(user)
    with transaction.atomic():
        programme = Programme.objects.create(name=name, kind=kind, animator=user)
        audit("programme.created", programme, actor=user)
    return programme


def do_add_participant(
    user, programme: Programme, *, need: Need | None = None, profile: Profile | None = None,
    capacity: int = 1,
) -> Participant:  # fmt: skip
    check_animate(user)
    if programme.state == Programme.State.CONFIRMED:
        raise NotAllowed(_("This programme is confirmed: it takes no one else."))
    already = programme.participants.filter(need=need) if need else None
    if profile is not None:
        already = programme.participants.filter(profile=profile)
    if already is not None and already.exists():
        raise NotAllowed(_("Already in this programme."))
    with transaction.atomic():
        participant = Participant.objects.create(programme=programme, need=need,
                                                 profile=profile, capacity=capacity)  # fmt: skip
        audit("programme.joined", programme, actor=user, detail={"participant": participant.pk})
    return participant


def is_participant(user, participant: Participant) -> bool:
    """The volunteer themselves, or a representative of the need's organisation."""
    if not user.is_authenticated:
        return False
    if participant.profile_id:
        return participant.profile.user_id == user.pk
    return represents(user, participant.need.organisation)


def check_rank(user, participant: Participant) -> None:
    if participant.programme.state == Programme.State.CONFIRMED:
        raise NotAllowed(_("This programme is confirmed: its rankings are closed."))
    if not is_participant(user, participant):
        check_animate(user)


def do_rank(user, participant: Participant, ranking: list[int]) -> None:
    """Save a participant's ranking of the other side (ids, the preferred first)."""
    check_rank(user, participant)
    others = set(
        participant.programme.participants.filter(
            need__isnull=participant.need_id is not None
        ).values_list("pk", flat=True)
    )
    with transaction.atomic():
        participant.ranking = [pk for pk in dict.fromkeys(ranking) if pk in others]
        participant.ranked_at = timezone.now()
        participant.save(update_fields=["ranking", "ranked_at"])
        programme = participant.programme
        if programme.state == Programme.State.PROPOSED:  # proposed on the old rankings
            programme.state, programme.proposal = Programme.State.RANKING, []
            programme.save(update_fields=["state", "proposal"])
        audit("programme.ranked", participant.programme, actor=user,
              detail={"participant": participant.pk})  # fmt: skip


def do_propose_assignment(user, programme: Programme, proposal: list[list[int]]) -> None:
    check_animate(user)
    if programme.state == Programme.State.CONFIRMED:
        raise NotAllowed(_("This programme is confirmed already."))
    with transaction.atomic():
        programme.proposal = proposal
        programme.state = Programme.State.PROPOSED
        programme.save(update_fields=["proposal", "state"])
        audit("programme.proposed", programme, actor=user, detail={"pairs": len(proposal)})


def do_confirm_assignment(user, programme: Programme) -> list[Contact]:
    """Each proposed pair becomes an accepted request: both ranked each other, so both have
    said yes, and their addresses are shown to each other."""
    check_animate(user)
    if programme.state != Programme.State.PROPOSED:
        raise NotAllowed(_("Propose an assignment before confirming it."))
    participants = programme.participants.select_related("need__organisation", "profile").in_bulk()
    made = []
    with transaction.atomic():
        now = timezone.now()
        for host, guest in programme.proposal:
            if host not in participants or guest not in participants:
                continue  # left the programme since the proposal
            pair = [participants[host], participants[guest]]
            need = next(p.need for p in pair if p.need_id)
            profile = next(p.profile for p in pair if p.profile_id)
            # Both still ranked each other themselves, still offer and still need.
            consented = all(
                p.ranked_at and (host if p.pk == guest else guest) in p.ranking for p in pair
            )
            already = need.contacts.filter(
                profile=profile, state__in=[Contact.State.PROPOSED, Contact.State.ACCEPTED]
            )
            if not (consented and profile.is_offered and need.is_open) or already.exists():
                continue
            contact = Contact.objects.create(
                need=need, profile=profile, asked_by=Contact.Side.NEED, sender=user,
                message=_("Assigned by the programme “%(name)s”.") % {"name": programme.name},
                state=Contact.State.ACCEPTED, answered_at=now,
            )  # fmt: skip
            made.append(contact)
            for side in (Contact.Side.NEED, Contact.Side.OFFER):
                _mail(contact, "matching/email/answered", to=side)
        programme.state = Programme.State.CONFIRMED
        programme.confirmed_at = now
        programme.save(update_fields=["state", "confirmed_at"])
        audit("programme.confirmed", programme, actor=user, detail={"pairs": len(made)})
    return made


# The daily digest ----------------------------------------------------------------------------

DIGEST_MIN_SCORE = 50


def do_send_help_digests(now=None) -> int:
    """Email each volunteer who asked for it the needs posted since their last digest that
    fit them (a score of DIGEST_MIN_SCORE or more), once a day; how many were sent."""
    now = now or timezone.now()
    sent = 0
    waiting = Profile.objects.filter(digest=True, published_at__isnull=False, paused=False)
    for profile in waiting.select_related("user"):
        since = profile.digest_sent_at or profile.published_at
        fitting = [
            m for m in needs_for(profile, count=50)
            if m.score >= DIGEST_MIN_SCORE and m.need.pk in _posted_since(since)
        ]  # fmt: skip
        with transaction.atomic():
            profile.digest_sent_at = now
            profile.save(update_fields=["digest_sent_at"])
            if fitting:
                needs = Need.objects.in_bulk([m.need.pk for m in fitting])
                mail_after_commit(
                    "matching/email/digest", profile.language, [profile.user.email],
                    rows=[(needs[m.need.pk], m.score) for m in fitting if m.need.pk in needs],
                    for_me_path=reverse("help-for-me"),
                )  # fmt: skip
                sent += 1
    return sent


def _posted_since(moment) -> set[int]:
    return set(Need.objects.open().filter(created_at__gt=moment).values_list("pk", flat=True))


# The weights of the score ----------------------------------------------------------------------


def do_set_weights(user, values: dict[str, int]) -> None:
    """The moderators' weights (an empty dict goes back to the defaults and the settings)."""
    check_animate(user)
    with transaction.atomic():
        Weights.objects.update_or_create(pk=1, defaults={"values": values, "changed_by": user})
        audit("weights.changed", 1, actor=user, detail={"weights": values})
        _pools_changed()


def do_record_demo_programme(name: str, kind: str, entries: list[tuple]) -> Programme:
    """The demo's round, waiting for its participants' rankings: (need, profile, places)."""
    with transaction.atomic():
        programme = Programme.objects.create(name=name, kind=kind)
        for need, profile, capacity in entries:
            Participant.objects.create(programme=programme, need=need, profile=profile,
                                       capacity=capacity)  # fmt: skip
        audit("programme.created", programme, detail={"demo": True})
    return programme
