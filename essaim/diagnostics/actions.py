"""Every change to diagnostics, each in one transaction, with the checks that guard it.

A respondent reaches their answers by a signed link (`response_link`), which lasts
`ESSAIM_DIAGNOSTIC_LINK_DAYS` after its last save; colleagues join an organisation's
diagnostic by its invitation link (`invitation_link`). Only an organisation's representatives
attach a diagnostic to it, share it or take it again in its name.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from essaim.atlas.models import Organisation
from essaim.contributions.actions import represents
from essaim.core.actions import audit
from essaim.core.permissions import LinkRefused, NotAllowed

from .models import Diagnostic, Response
from .questionnaire import questionnaire

RESPONSE_SALT = "essaim.diagnostics.response"
INVITATION_SALT = "essaim.diagnostics.invitation"


def response_token(response: Response) -> str:
    return signing.Signer(salt=RESPONSE_SALT).sign(str(response.pk))


def invitation_token(diagnostic: Diagnostic) -> str:
    return signing.Signer(salt=INVITATION_SALT).sign(str(diagnostic.pk))


def _unsigned(token: str, salt: str) -> int:
    try:
        return int(signing.Signer(salt=salt).unsign(token))
    except (signing.BadSignature, ValueError):
        raise LinkRefused(
            _("This link is not valid: check that it was copied whole, or start again."), 404
        ) from None


def response_for_token(token: str) -> Response:
    """The response a link leads to, or LinkRefused."""
    pk = _unsigned(token, RESPONSE_SALT)
    response = Response.objects.select_related("diagnostic__organisation").filter(pk=pk).first()
    if response is None:
        raise LinkRefused(_("These answers no longer exist."), 404)
    expires = response.updated_at + timedelta(days=settings.ESSAIM["DIAGNOSTIC_LINK_DAYS"])
    if expires < timezone.now():
        raise LinkRefused(
            _(
                "This link expired on %(date)s, %(days)s days after its answers were last saved. "
                "Take the diagnostic again: it takes about fifteen minutes."
            )
            % {
                "date": date_format(expires, "DATE_FORMAT"),
                "days": settings.ESSAIM["DIAGNOSTIC_LINK_DAYS"],
            },
            410,
        )
    return response


def diagnostic_for_invitation(token: str) -> Diagnostic:
    pk = _unsigned(token, INVITATION_SALT)
    diagnostic = Diagnostic.objects.select_related("organisation").filter(pk=pk).first()
    if diagnostic is None:
        raise LinkRefused(_("This diagnostic no longer exists."), 404)
    return diagnostic


# Checks -------------------------------------------------------------------------------------


def check_represents(user, organisation: Organisation) -> None:
    if not represents(user, organisation):
        raise NotAllowed(
            _(
                "Only the representatives of %(name)s can do this, and you are not (or no "
                "longer) one of them. Your answers are kept."
            )
            % {"name": organisation.name}
        )


def check_see(user, diagnostic: Diagnostic, response: Response | None = None) -> None:
    """Its respondents (by their link, or signed in) and its organisation's representatives
    see a diagnostic's result; nobody else, moderators included."""
    if response is not None and response.diagnostic_id == diagnostic.pk:
        return
    if user.is_authenticated and (
        diagnostic.responses.filter(user=user).exists()
        or (diagnostic.organisation and represents(user, diagnostic.organisation))
    ):
        return
    raise NotAllowed(
        _(
            "This diagnostic is private: only its respondents and its organisation's "
            "representatives see it."
        )
    )


def check_answer(response: Response) -> None:
    if response.submitted_at is not None:
        raise NotAllowed(
            _(
                "These answers were sent on %(date)s and are kept as they were sent. To answer "
                "again, take the diagnostic again: the new result will show the progress."
            )
            % {"date": date_format(response.submitted_at, "DATE_FORMAT")}
        )


def unanswered(response: Response) -> list[str]:
    """The codes of the questions the respondent has not answered yet ("don't know" is an
    answer)."""
    return [code for code in questionnaire().questions if code not in response.answers]


# Changes ------------------------------------------------------------------------------------


def _last_of(organisation: Organisation | None, but: Diagnostic | None = None) -> Diagnostic | None:
    if organisation is None:
        return None
    earlier = Diagnostic.objects.filter(
        organisation=organisation, responses__submitted_at__isnull=False
    )
    if but is not None:
        earlier = earlier.exclude(pk=but.pk).filter(created_at__lte=but.created_at)
    return earlier.order_by("-created_at", "-id").first()


def do_start(
    user,
    language: str,
    organisation: Organisation | None = None,
    previous: Diagnostic | None = None,
) -> Response:
    """A new diagnostic and its first respondent; in an organisation's name, by one of its
    representatives, measured against its last one."""
    if organisation is not None:
        check_represents(user, organisation)
    with transaction.atomic():
        diagnostic = Diagnostic.objects.create(
            questionnaire=questionnaire().key,
            organisation=organisation,
            previous=previous or _last_of(organisation),
            locality=previous.locality if previous else "",
            country=previous.country if previous else "",
            legal_form=previous.legal_form if previous else None,
        )
        response = Response.objects.create(
            diagnostic=diagnostic, user=user if user.is_authenticated else None, language=language
        )
        audit(
            "diagnostic.started",
            diagnostic,
            actor=user,
            detail={"organisation": organisation.pk if organisation else None},
        )
    return response


def do_take_again(user, diagnostic: Diagnostic, language: str) -> Response:
    """The same questionnaire again, later: its result will show the progress since this one.
    In an organisation's name, only its representatives start it."""
    return do_start(user, language, diagnostic.organisation, previous=diagnostic)


def do_join(user, diagnostic: Diagnostic, language: str) -> tuple[Response, bool]:
    """A colleague's own answers to an organisation's diagnostic; a member who already
    answered it gets their answers back, and False."""
    if user.is_authenticated:
        mine = diagnostic.responses.filter(user=user).first()
        if mine is not None:
            return mine, False
    with transaction.atomic():
        response = Response.objects.create(
            diagnostic=diagnostic, user=user if user.is_authenticated else None, language=language
        )
        audit("diagnostic.joined", diagnostic, actor=user)
    return response, True


def do_save_answers(
    response: Response, answers: dict, tools: list[str] | None = None, about: dict | None = None
) -> None:
    """Keep what a step answered; the rest of the answers stay as they were."""
    check_answer(response)
    with transaction.atomic():
        response.answers = {**response.answers, **answers}
        if tools is not None:
            response.tools = sorted(tools)
        if about is not None:
            response.role = about["role"]
            diagnostic = response.diagnostic
            if diagnostic.organisation_id is None:
                diagnostic.locality = about.get("locality", "")
                diagnostic.country = about.get("country", "")
                diagnostic.legal_form = about.get("legal_form")
                diagnostic.save(update_fields=["locality", "country", "legal_form"])
        response.save()


def do_submit(response: Response) -> None:
    check_answer(response)
    missing = unanswered(response)
    if missing:
        raise ValueError(missing)
    with transaction.atomic():
        response.submitted_at = timezone.now()
        response.save(update_fields=["submitted_at", "updated_at"])
        audit("diagnostic.answered", response.diagnostic, actor=response.user)


def do_attach(user, diagnostic: Diagnostic, organisation: Organisation) -> None:
    """A representative makes a diagnostic taken on its own their organisation's."""
    check_represents(user, organisation)
    if diagnostic.organisation_id not in (None, organisation.pk):
        raise NotAllowed(
            _(
                "This diagnostic already belongs to %(name)s: it cannot be given to another "
                "organisation. Take the diagnostic again for yours."
            )
            % {"name": diagnostic.organisation.name}
        )
    with transaction.atomic():
        diagnostic.organisation = organisation
        previous = diagnostic.previous
        if previous is None or previous.organisation_id != organisation.pk:
            diagnostic.previous = _last_of(organisation, but=diagnostic)
        diagnostic.save(update_fields=["organisation", "previous"])
        audit(
            "diagnostic.attached", diagnostic, actor=user, detail={"organisation": organisation.pk}
        )


def do_share(user, diagnostic: Diagnostic, share: bool) -> None:
    """Count it, or stop counting it, in the network's figures (never shown by itself)."""
    if diagnostic.organisation is None:
        raise NotAllowed(_("Only an organisation's diagnostic can be shared with the network."))
    check_represents(user, diagnostic.organisation)
    with transaction.atomic():
        diagnostic.shared_at = timezone.now() if share else None
        diagnostic.save(update_fields=["shared_at"])
        audit(
            "diagnostic.shared" if share else "diagnostic.unshared",
            diagnostic,
            actor=user,
            detail={"organisation": diagnostic.organisation_id},
        )


def do_record_diagnostic(
    organisation: Organisation,
    responses: list[dict],
    *,
    started,
    shared: bool,
    previous: Diagnostic | None = None,
) -> Diagnostic:
    """A diagnostic answered elsewhere (on paper in a workshop, or the demo's): each response
    a dict of role, answers, tools and language, all sent when it was started."""
    with transaction.atomic():
        diagnostic = Diagnostic.objects.create(
            questionnaire=questionnaire().key,
            organisation=organisation,
            previous=previous,
            shared_at=started if shared else None,
        )
        Diagnostic.objects.filter(pk=diagnostic.pk).update(created_at=started)
        for answered in responses:
            response = Response.objects.create(
                diagnostic=diagnostic, submitted_at=started, **answered
            )
            Response.objects.filter(pk=response.pk).update(created_at=started)
        audit("diagnostic.recorded", diagnostic, detail={"organisation": organisation.pk})
    diagnostic.refresh_from_db()
    return diagnostic
