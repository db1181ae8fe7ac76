"""Every write of the membership register: the terms, applications, the board's decisions,
fees recorded as paid, resignations and exclusions, each kept in the member's history; and
the renewal reminders."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries

from essaim.accounts.models import User
from essaim.atlas.models import Family, LegalForm, Organisation
from essaim.contributions.actions import representatives, represents
from essaim.core.actions import audit
from essaim.core.mail import mail_after_commit
from essaim.core.permissions import NotAllowed, allows, check_moderator

from ..models import ACTIVE, Decision, Membership, Payment, Status, Terms


def current_terms() -> Terms:
    """The network's terms (the defaults until moderators set them)."""
    terms, _created = Terms.objects.get_or_create(pk=1)
    return terms


def do_save_terms(
    user, terms: Terms, families: list[Family], legal_forms: list[LegalForm]
) -> Terms:
    check_moderator(user)
    with transaction.atomic():
        terms.pk = 1
        terms.save()
        terms.families.set(families)
        terms.legal_forms.set(legal_forms)
        audit("membership.terms", terms, actor=user)
    return terms


def status_of(membership: Membership, day: date | None = None) -> str:
    return membership.status_on(day or timezone.localdate(), current_terms())


def current_members() -> list[Membership]:
    """The members who count today (current or in their grace period), by name."""
    terms, today = current_terms(), timezone.localdate()
    found = Membership.objects.select_related("organisation", "person")
    return sorted((m for m in found if m.status_on(today, terms) in ACTIVE),
                  key=lambda m: m.name.casefold())  # fmt: skip


def is_member_itself(user, membership: Membership) -> bool:
    """The individual, or one of the organisation's granted representatives."""
    if not user.is_authenticated:
        return False
    if membership.person_id:
        return membership.person_id == user.pk
    return bool(membership.organisation_id) and represents(user, membership.organisation)


def check_see_member(user, membership: Membership) -> None:
    """The member itself, or a moderator."""
    if not (allows(check_moderator, user) or is_member_itself(user, membership)):
        raise NotAllowed(_("Only the member, its representatives or a moderator see this."))


def check_act_for(user, membership: Membership) -> None:
    """The member itself, never a moderator in its place: resigning and being listed are
    the member's own choices."""
    if not is_member_itself(user, membership):
        raise NotAllowed(_("Only the member itself, or its representatives, do this."))


def refusals(organisation: Organisation | None, terms: Terms) -> list[str]:
    """Why an organisation does not meet the terms (none: it does). Individuals always may."""
    if organisation is None:
        return []
    found = []
    families = set(terms.families.all())
    if families and not families & set(organisation.families.all()):
        found.append(_("The network admits organisations of these families: %(names)s.")
                     % {"names": ", ".join(f.label for f in families)})  # fmt: skip
    forms = set(terms.legal_forms.all())
    if forms and organisation.legal_form not in forms:
        found.append(_("The network admits these legal forms: %(names)s.")
                     % {"names": ", ".join(f.label for f in forms)})  # fmt: skip
    if terms.countries and organisation.country.code not in terms.countries:
        names = ", ".join(str(countries.name(code)) for code in terms.countries)
        found.append(_("The network admits organisations of these countries: %(names)s.")
                     % {"names": names})  # fmt: skip
    return found


def _step(membership: Membership, step: str, user, reason: str = "", on: date | None = None):
    Decision.objects.create(membership=membership, step=step, on=on or timezone.localdate(),
                            by=user if user and user.is_authenticated else None,
                            reason=reason)  # fmt: skip
    audit(f"membership.{step}", membership, actor=user)


def do_apply(user, organisation: Organisation | None, listed: bool) -> Membership:
    """Apply for an organisation one represents, or as an individual (`organisation` None);
    a former member applies again on the same record, its history kept."""
    if not user.is_authenticated:
        raise NotAllowed()
    terms = current_terms()
    if organisation is not None and not (
        represents(user, organisation) or allows(check_moderator, user)
    ):
        raise NotAllowed(_("Only the organisation's representatives apply for it."))
    if reasons := refusals(organisation, terms):
        raise NotAllowed(" ".join(reasons))
    existing = (Membership.objects.filter(organisation=organisation).first() if organisation
                else Membership.objects.filter(person=user).first())  # fmt: skip
    today = timezone.localdate()
    if existing and existing.status_on(today, terms) in (*ACTIVE, Status.PENDING):
        raise NotAllowed(_("Already a member, or already applied."))
    if existing and existing.status_on(today, terms) == Status.EXCLUDED:
        raise NotAllowed(_("This member was excluded: only the board can reinstate it."))
    if existing and existing.status_on(today, terms) == Status.REFUSED:
        raise NotAllowed(_("The board refused this application: only the board can reopen it."))
    try:
        return _apply(user, organisation, listed, existing, terms, today)
    except IntegrityError:  # the same application sent twice at once
        raise NotAllowed(_("Already a member, or already applied.")) from None


def _apply(user, organisation, listed, existing, terms, today) -> Membership:
    with transaction.atomic():
        membership = existing or Membership(
            kind=Membership.Kind.ORGANISATION if organisation else Membership.Kind.INDIVIDUAL,
            organisation=organisation, person=None if organisation else user,
        )  # fmt: skip
        membership.applied_by = user
        membership.applied_on = today
        membership.approved_on = membership.refused_on = membership.resigned_on = None
        membership.paid_until = None  # its payments stay in its history
        membership.listed = listed
        membership.language = (translation.get_language() or "fr")[:2]
        membership.reason = ""
        if not terms.approval:
            membership.approved_on = today
        membership.save()
        _step(membership, Decision.Step.APPLIED, user)
        if not terms.approval:
            _step(membership, Decision.Step.APPROVED, user)
        else:
            moderators = User.objects.filter(is_moderator=True, is_active=True)
            mail_after_commit("network/email/application", settings.LANGUAGE_CODE,
                              [m.email for m in moderators], membership=membership)  # fmt: skip
    return membership


def _decide(user, membership: Membership, allowed: tuple[str, ...]) -> None:
    check_moderator(user)
    if status_of(membership) not in allowed:
        raise NotAllowed(_("Not possible in its present status."))


def do_approve(user, membership: Membership) -> None:
    _decide(user, membership, (Status.PENDING,))
    if membership.approved_on is not None:
        raise NotAllowed(_("Already approved: its fee is awaited."))
    with transaction.atomic():
        membership.approved_on = timezone.localdate()
        membership.save(update_fields=["approved_on"])
        _step(membership, Decision.Step.APPROVED, user)
        _tell(membership, "network/email/approved")


def do_refuse(user, membership: Membership, reason: str) -> None:
    _decide(user, membership, (Status.PENDING,))
    with transaction.atomic():
        membership.refused_on = timezone.localdate()
        membership.reason = reason
        membership.save(update_fields=["refused_on", "reason"])
        _step(membership, Decision.Step.REFUSED, user, reason)
        _tell(membership, "network/email/refused")


def next_year(day: date) -> date:
    """The day before the same date a year later: a year's cover from `day`."""
    try:
        return day.replace(year=day.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def do_record_payment(user, membership: Membership, paid_on: date, amount: Decimal) -> Payment:
    """A year's fee recorded: from the end of the last one if it is paid within its grace
    period, else from the day it is paid."""
    check_moderator(user)
    terms = current_terms()
    if status_of(membership) in (Status.RESIGNED, Status.EXCLUDED, Status.REFUSED):
        raise NotAllowed(_("Not possible in its present status."))
    start = paid_on
    if membership.paid_until and paid_on <= membership.paid_until + timedelta(
        days=terms.grace_days
    ):
        start = membership.paid_until + timedelta(days=1)
    with transaction.atomic():
        payment = Payment.objects.create(
            membership=membership, paid_on=paid_on, amount=amount,
            covers_until=next_year(start), recorded_by=user,
        )  # fmt: skip
        membership.paid_until = payment.covers_until
        membership.save(update_fields=["paid_until"])
        _step(membership, Decision.Step.PAID, user, on=paid_on,
              reason=f"{amount} EUR → {payment.covers_until.isoformat()}")  # fmt: skip
    return payment


def do_resign(user, membership: Membership) -> None:
    check_act_for(user, membership)
    if status_of(membership) in (Status.RESIGNED, Status.EXCLUDED, Status.REFUSED):
        raise NotAllowed(_("Not possible in its present status."))
    with transaction.atomic():
        membership.resigned_on = timezone.localdate()
        membership.save(update_fields=["resigned_on"])
        _step(membership, Decision.Step.RESIGNED, user)


def do_exclude(user, membership: Membership, reason: str) -> None:
    _decide(user, membership, (*ACTIVE, Status.PENDING, Status.EXPIRED))
    with transaction.atomic():
        membership.excluded_on = timezone.localdate()
        membership.reason = reason
        membership.save(update_fields=["excluded_on", "reason"])
        _step(membership, Decision.Step.EXCLUDED, user, reason)
        _tell(membership, "network/email/excluded")


def do_reinstate(user, membership: Membership) -> None:
    """The board takes back an exclusion (the member is as it was before it), or reopens a
    refused application (pending again)."""
    status = status_of(membership)
    _decide(user, membership, (Status.EXCLUDED, Status.REFUSED))
    with transaction.atomic():
        if status == Status.REFUSED:
            membership.approved_on = None
        membership.excluded_on = membership.refused_on = None
        membership.reason = ""
        membership.save(update_fields=["excluded_on", "refused_on", "approved_on", "reason"])
        _step(membership, Decision.Step.REINSTATED, user)


def do_set_listed(user, membership: Membership, listed: bool) -> None:
    check_act_for(user, membership)
    with transaction.atomic():
        membership.listed = listed
        membership.save(update_fields=["listed"])
        audit("membership.listed" if listed else "membership.unlisted", membership, actor=user)


def do_set_weight(user, membership: Membership, weight: int) -> None:
    """Its weight in the votes the board makes weighted."""
    check_moderator(user)
    with transaction.atomic():
        membership.weight = weight
        membership.save(update_fields=["weight"])
        audit("membership.weight", membership, actor=user, detail={"weight": weight})


def addresses_of(membership: Membership) -> list[str]:
    """Who hears for a member: the individual, or the organisation's representatives (else
    its public address)."""
    if membership.person_id:
        return [membership.person.email]
    found = [user.email for user in representatives(membership.organisation) if user.email]
    return found or [membership.organisation.email]


def _tell(membership: Membership, template: str, **context) -> None:
    mail_after_commit(template, membership.language, addresses_of(membership),
                      membership=membership, terms=current_terms(), **context)  # fmt: skip


def do_send_renewal_reminders(today: date | None = None) -> int:
    """Once a period, the members whose fee falls due within the notice are reminded."""
    terms = current_terms()
    if not terms.fee:
        return 0
    today = today or timezone.localdate()
    due = Membership.objects.filter(
        paid_until__gte=today, paid_until__lte=today + timedelta(days=terms.notice_days),
        approved_on__isnull=False, resigned_on=None, excluded_on=None, refused_on=None,
    ).select_related("organisation", "person")  # fmt: skip
    sent = 0
    with transaction.atomic():
        for membership in due:
            if membership.reminded_for == membership.paid_until:
                continue
            _tell(membership, "network/email/renewal")
            membership.reminded_for = membership.paid_until
            membership.save(update_fields=["reminded_for"])
            sent += 1
    return sent


def do_record_demo(
    explanation: str,
    families: list[Family],
    fee: Decimal,
    entries: list[tuple[Organisation, date, date | None, date | None]],
) -> int:
    """The demo network's terms and members (organisation, applied, approved, paid until), once;
    returns how many members were added."""
    if Membership.objects.exists():
        return 0
    with transaction.atomic():
        terms = current_terms()
        terms.explanation, terms.fee = explanation, fee
        terms.save()
        terms.families.set(families)
        for organisation, applied, approved, paid_until in entries:
            membership = Membership.objects.create(
                kind=Membership.Kind.ORGANISATION, organisation=organisation,
                applied_on=applied, approved_on=approved, paid_until=paid_until, listed=True,
            )  # fmt: skip
            Decision.objects.create(membership=membership, step=Decision.Step.APPLIED, on=applied)
            if approved:
                Decision.objects.create(membership=membership, step=Decision.Step.APPROVED,
                                        on=approved)  # fmt: skip
            if paid_until:
                paid_on = paid_until - timedelta(days=364)
                Payment.objects.create(membership=membership, paid_on=paid_on, amount=fee,
                                       covers_until=paid_until)  # fmt: skip
                Decision.objects.create(membership=membership, step=Decision.Step.PAID,
                                        on=paid_on)  # fmt: skip
    return len(entries)
