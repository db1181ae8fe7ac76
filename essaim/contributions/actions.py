"""Every way a contribution changes. Views validate, then call these; accepted facts reach the
atlas through `atlas.actions`, which keeps the history, the change feed and the index."""

from datetime import timedelta
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.accounts.models import User
from essaim.atlas import actions as atlas_actions
from essaim.atlas.facts import changed_facts, facts_of, field_label
from essaim.atlas.models import Change, Organisation, Status
from essaim.core.actions import audit
from essaim.core.mail import mail_after_commit
from essaim.core.permissions import NotAllowed

from .models import DuplicateCandidate, Report, Representation, Suggestion, Vote


class Conflict(Exception):
    """The entry changed after the suggestion was made, on a field being accepted."""


class EntryGone(Exception):
    """The organisation a correction was about has been deleted since."""


class NothingChanged(Exception):
    """A correction that says what the entry already says."""


def do_submit_suggestion(
    org: Organisation | None,
    facts: dict,
    *,
    author=None,
    email: str = "",
    comment: str = "",
    language: str = "fr",
) -> tuple[Suggestion, bool]:
    """Record a suggestion: for `org`, only the facts that differ from it (NothingChanged if
    none does). Returns the suggestion and whether it is new: the same pending suggestion sent
    twice is kept once."""
    if org is None:
        # A new organisation's empty fields say nothing: the model's defaults stand.
        proposed = {name: value for name, value in facts.items() if value not in (None, "", [])}
        base = {}
    else:
        current = facts_of(org)
        proposed = changed_facts(current, facts)
        if not proposed:
            raise NothingChanged()
        base = {name: current.get(name) for name in proposed}
    member = author if author and author.is_authenticated else None
    who = {"author": member, "email": "" if member else email}
    with transaction.atomic():
        same = Suggestion.objects.filter(
            organisation=org,
            is_new=org is None,
            status=Suggestion.Status.PENDING,
            proposed=proposed,
            **who,
        ).first()
        if same:
            return same, False
        suggestion = Suggestion.objects.create(
            organisation=org,
            is_new=org is None,
            proposed=proposed,
            base=base,
            comment=comment,
            language=language,
            **who,
        )
        audit("suggestion.submitted", suggestion, actor=member, detail={
            "organisation": org.pk if org else None, "fields": sorted(proposed)})  # fmt: skip
        # The receipt, with the link to follow the suggestion until it is decided; to an
        # address nobody verified, only a few a day (a stranger could fill someone else's in).
        if member or receipts_sent_today(email) <= RECEIPTS_A_DAY:
            mail_after_commit("contributions/email/received", language,
                              [suggestion.contact_email], suggestion=suggestion,
                              fields=[field_label(name) for name in proposed])  # fmt: skip
    return suggestion, True


PLACE_FIELDS = ("latitude", "longitude", "region")
RECEIPTS_A_DAY = 3  # to one address given without an account


def receipts_sent_today(email: str) -> int:
    """Suggestions sent in the last day from an address given without an account."""
    since = timezone.now() - timedelta(days=1)
    return Suggestion.objects.filter(author=None, email__iexact=email, created_at__gte=since
                                     ).count()  # fmt: skip


def conflicts(suggestion: Suggestion, current: dict | None = None) -> set[str]:
    """Fields whose current value (`current`: the entry's facts, read if not given) is neither
    what the contributor saw nor what they propose."""
    if suggestion.organisation is None:
        return set()
    if current is None:
        current = facts_of(suggestion.organisation)
    return {
        name
        for name, value in suggestion.proposed.items()
        if current.get(name) != suggestion.base.get(name) and current.get(name) != value
    }


def do_accept_suggestion(
    suggestion: Suggestion,
    fields: list[str],
    moderator,
    overwrite: bool = False,
    corrections: dict | None = None,
) -> Organisation:
    """Publish the chosen fields of a pending suggestion (all of a new organisation's). A
    field changed on the entry since the suggestion is only taken with `overwrite`. The
    moderator's `corrections` of chosen values follow as their own change, on top of the
    suggestion's: the history shows what was suggested and what the moderator changed."""
    chosen = {name: suggestion.proposed[name] for name in fields if name in suggestion.proposed}
    with transaction.atomic():
        suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.pk)
        if not suggestion.is_new and suggestion.organisation is None:
            raise EntryGone()
        conflicting = set() if overwrite else conflicts(suggestion) & chosen.keys()
        if conflicting:
            raise Conflict(sorted(conflicting))
        org = atlas_actions.do_apply_facts(
            suggestion.organisation if not suggestion.is_new else None,
            suggestion.proposed if suggestion.is_new else chosen,
            author=suggestion.author,
            suggestion=suggestion,
        )
        published = suggestion.proposed if suggestion.is_new else chosen
        # A corrected locality brings its coordinates even where none were suggested.
        corrected = {name: value for name, value in (corrections or {}).items()
                     if name in published or name in PLACE_FIELDS}  # fmt: skip
        if corrected:
            org = atlas_actions.do_apply_facts(org, corrected, author=moderator)
        complete = suggestion.is_new or chosen.keys() == suggestion.proposed.keys()
        suggestion.organisation = org
        suggestion.status = Suggestion.Status.ACCEPTED if complete else Suggestion.Status.PARTIAL
        _decide(suggestion, moderator)
    return org


def do_vote(suggestion: Suggestion, user, approve: bool) -> Organisation | None:
    """A member's vote in the collaborative mode. Enough approvals and no objection publish the
    suggestion (unless the entry changed since, which a moderator must see); returns the
    organisation when it is published."""
    check_vote(user, suggestion)
    with transaction.atomic():
        Vote.objects.update_or_create(
            suggestion=suggestion, user=user, defaults={"approve": approve}
        )
        audit("suggestion.approved" if approve else "suggestion.objected", suggestion, actor=user)
        votes = suggestion.votes.all()
        approvals = sum(1 for vote in votes if vote.approve)
        objections = len(votes) - approvals
        if (
            objections == 0
            and approvals >= settings.ESSAIM["VOTES_TO_PUBLISH"]
            and not conflicts(suggestion)
            and (suggestion.is_new or suggestion.organisation is not None)
        ):
            return do_accept_suggestion(suggestion, list(suggestion.proposed), moderator=None)
    return None


def do_reject_suggestion(suggestion: Suggestion, reason: str, moderator) -> None:
    with transaction.atomic():
        suggestion.status = Suggestion.Status.REJECTED
        suggestion.reason = reason
        _decide(suggestion, moderator)


def _decide(suggestion: Suggestion, moderator) -> None:
    suggestion.decided_by = moderator
    suggestion.decided_at = timezone.now()
    suggestion.save()
    audit(f"suggestion.{suggestion.status}", suggestion, actor=moderator,
          detail={"organisation": suggestion.organisation_id})  # fmt: skip
    # Tell the contributor, in the language they wrote in, what became of their suggestion.
    mail_after_commit("contributions/email/decided", suggestion.language,
                      [suggestion.contact_email], suggestion=suggestion)  # fmt: skip


# Reports -------------------------------------------------------------------------------------


def counted_reporters(org: Organisation) -> int:
    """The distinct members with a verified email address who have an open report on the
    entry: only they count towards hiding it (an address typed in a form proves nothing)."""
    verified = EmailAddress.objects.filter(verified=True).values("user_id")
    return (
        org.reports.filter(status=Report.Status.OPEN, author__in=verified)
        .values("author")
        .distinct()
        .count()
    )


def recently_vouched(org: Organisation) -> bool:
    """Whether the organisation confirmed its entry, or a representative or a moderator
    changed it, within ESSAIM_REPORT_PROTECTION_DAYS: reports then never hide it without a
    moderator's look."""
    since = timezone.now() - timedelta(days=settings.ESSAIM["REPORT_PROTECTION_DAYS"])
    if org.confirmed_at and org.confirmed_at >= since:
        return True
    representatives = Representation.objects.filter(
        organisation=org, status=Representation.Status.GRANTED
    ).values("user_id")
    return Change.objects.filter(
        Q(author__is_moderator=True) | Q(author__in=representatives),
        organisation_id=org.pk,
        created_at__gte=since,
    ).exists()


def do_report(
    org: Organisation, reason: str, *, comment: str = "", author=None, email: str = ""
) -> tuple[Report, bool]:
    """Record a report (once per person and entry while open). When REPORTS_TO_HIDE distinct
    members with verified addresses have reported it, the entry is hidden until a moderator
    decides — unless it was vouched for recently — and the moderators are told either way.
    Returns the report and whether it is new."""
    member = author if author and author.is_authenticated else None
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=org.pk)
        mine = org.reports.filter(status=Report.Status.OPEN)
        mine = mine.filter(author=member) if member else mine.filter(author=None, email=email)
        if (member or email) and (existing := mine.first()):
            return existing, False
        report = Report.objects.create(
            organisation=org,
            reason=reason,
            comment=comment,
            author=member,
            email="" if member else email,
        )
        audit("report.submitted", report, actor=member,
              detail={"organisation": org.pk, "reason": reason})  # fmt: skip
        threshold = settings.ESSAIM["REPORTS_TO_HIDE"]
        if member and org.status == Status.PUBLISHED and counted_reporters(org) == threshold:
            hidden = not recently_vouched(org)
            if hidden:
                atlas_actions.do_set_organisation_status(org, Status.HIDDEN)
            # Every moderator is told (in the site's language) that reports reached the
            # threshold.
            moderators = User.objects.filter(is_moderator=True, is_active=True).exclude(email="")
            mail_after_commit(
                "contributions/email/reported", settings.LANGUAGE_CODE,
                moderators.values_list("email", flat=True), org=org, hidden=hidden,
                count=threshold, days=settings.ESSAIM["REPORT_PROTECTION_DAYS"],
            )  # fmt: skip
    return report, True


def do_decide_reports(org: Organisation, outcome: str, moderator) -> None:
    """Close the open reports on an entry: `keep` publishes it again (reports dismissed);
    `archive` or `hide` upholds them."""
    statuses = {"keep": Status.PUBLISHED, "archive": Status.ARCHIVED, "hide": Status.HIDDEN}
    with transaction.atomic():
        if org.status != statuses[outcome]:
            atlas_actions.do_set_organisation_status(org, statuses[outcome], author=moderator)
        org.reports.filter(status=Report.Status.OPEN).update(
            status=Report.Status.DISMISSED if outcome == "keep" else Report.Status.UPHELD,
            decided_by=moderator,
            decided_at=timezone.now(),
        )
        audit(f"report.{'dismissed' if outcome == 'keep' else 'upheld'}", org, actor=moderator,
              detail={"outcome": outcome})  # fmt: skip


# Representatives -----------------------------------------------------------------------------


def website_domain(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def has_verified_email_on(user, domain: str) -> bool:
    """Whether the member proved, by verifying it, an address on `domain` (or a subdomain)."""
    if not domain:
        return False
    for address in EmailAddress.objects.filter(user=user, verified=True):
        email_domain = address.email.rsplit("@", 1)[-1].lower()
        if email_domain == domain or email_domain.endswith("." + domain):
            return True
    return False


def do_claim(user, org: Organisation) -> Representation:
    """A member asks to represent an organisation: granted at once when one of their verified
    email addresses is on the organisation's website domain, otherwise left to a moderator."""
    with transaction.atomic():
        claim, created = Representation.objects.get_or_create(user=user, organisation=org)
        if claim.status == Representation.Status.PENDING and has_verified_email_on(
            user, website_domain(org.website)
        ):
            claim.status = Representation.Status.GRANTED
            claim.by_domain = True
            claim.decided_at = timezone.now()
            claim.save()
        if created:
            audit(f"representation.{claim.status}", claim, actor=user,
                  detail={"organisation": org.pk, "by_domain": claim.by_domain})  # fmt: skip
    return claim


def do_decide_claim(claim: Representation, grant: bool, moderator) -> None:
    with transaction.atomic():
        claim.status = Representation.Status.GRANTED if grant else Representation.Status.REFUSED
        claim.decided_by = moderator
        claim.decided_at = timezone.now()
        claim.save()
        audit(f"representation.{claim.status}", claim, actor=moderator,
              detail={"organisation": claim.organisation_id})  # fmt: skip


def represented_by(user) -> models.QuerySet:
    """The organisations a member represents (none for a visitor), by name."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        representations__user=user, representations__status=Representation.Status.GRANTED
    ).order_by("name")


def representatives(organisation: Organisation) -> list[User]:
    """The active members who represent an organisation."""
    return list(
        User.objects.filter(
            representations__organisation=organisation,
            representations__status=Representation.Status.GRANTED,
            is_active=True,
        )
    )


def represents(user, org: Organisation) -> bool:
    return (
        user.is_authenticated
        and Representation.objects.filter(
            user=user, organisation=org, status=Representation.Status.GRANTED
        ).exists()
    )


def check_vote(user, suggestion: Suggestion) -> None:
    if suggestion.author_id == user.pk:
        raise NotAllowed(_("You cannot vote on your own suggestion."))
    if suggestion.status != Suggestion.Status.PENDING:
        raise NotAllowed(_("This suggestion has been decided already."))


def check_edit(user, org: Organisation) -> None:
    """Its representatives and the moderators edit an organisation."""
    if not (user.is_authenticated and (user.can_moderate or represents(user, org))):
        raise NotAllowed(_("Only its representatives and moderators edit an organisation."))


def access_organisation_to_edit(user, pk: int) -> Organisation:
    org = get_object_or_404(Organisation, pk=pk)
    check_edit(user, org)
    return org


def do_edit_organisation(user, org: Organisation, facts: dict) -> Organisation:
    """A representative's or a moderator's edit is published at once, and kept in the history
    like any other."""
    check_edit(user, org)
    return atlas_actions.do_apply_facts(org, changed_facts(facts_of(org), facts), author=user)


# Duplicates ----------------------------------------------------------------------------------


def do_record_duplicate_candidates(found: dict[tuple[int, int], set[str]]) -> int:
    """Keep the pairs found for the moderators; a pair already decided is not proposed again,
    an open one gets its reasons brought up to date. Returns how many pairs are new."""
    created = 0
    with transaction.atomic():
        existing = {
            (row.first_id, row.second_id): row
            for row in DuplicateCandidate.objects.all().only("first", "second", "status", "reasons")
        }
        new = []
        for (first, second), reasons in found.items():
            row = existing.get((first, second))
            if row is None:
                new.append(DuplicateCandidate(first_id=first, second_id=second,
                                              reasons=sorted(reasons)))  # fmt: skip
            elif row.status == DuplicateCandidate.Status.OPEN and row.reasons != sorted(reasons):
                row.reasons = sorted(reasons)
                row.save(update_fields=["reasons"])
        DuplicateCandidate.objects.bulk_create(new, batch_size=1000)
        created = len(new)
        if created:
            audit("duplicate.found", detail={"pairs": created})
    return created


def do_mark_distinct(candidate: DuplicateCandidate, moderator) -> None:
    with transaction.atomic():
        candidate.status = DuplicateCandidate.Status.DISTINCT
        candidate.decided_by, candidate.decided_at = moderator, timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at"])
        audit("duplicate.distinct", candidate, actor=moderator)


def do_merge_duplicates(
    candidate: DuplicateCandidate, keep: Organisation, facts: dict, moderator
) -> Organisation:
    """Merge the pair into `keep`, which takes `facts` from the other entry (chosen field by
    field by the moderator)."""
    other = candidate.second if keep.pk == candidate.first_id else candidate.first
    with transaction.atomic():
        candidate.status = DuplicateCandidate.Status.MERGED
        candidate.decided_by, candidate.decided_at = moderator, timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at"])
        audit("duplicate.merged", candidate, actor=moderator, detail={"kept": keep.pk})
        # The candidate row goes with the merged entry (cascade); its decision is in the
        # history of both entries.
        return atlas_actions.do_merge_organisations(keep, other, facts, moderator)
