"""Every write of the observatory: territories, indicators and their observations (entered,
imported, counted from the atlas), goals, surveys from their sending to their publication,
and what people say read for its sentiment."""

import json
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from essaim.atlas.gazetteer import plain
from essaim.atlas.models import Family, Organisation
from essaim.commons.models import Event, Registration
from essaim.core.actions import audit, do_save_audited
from essaim.core.mail import mail_after_commit
from essaim.core.permissions import LinkRefused, NotAllowed, check_moderator
from essaim.matching.models import Feedback

from .history import Snapshot, counts_on
from .imports import Report, parse_period
from .models import (
    Answer,
    EventFeedback,
    Goal,
    Indicator,
    Invitation,
    Observation,
    Question,
    Response,
    Revision,
    Statement,
    Survey,
    Territory,
)
from .results import group_minimum
from .sentiment import reader

TERRITORIES = Path(__file__).resolve().parent / "data" / "territories.json"
SURVEY_SALT = "essaim.observatory.survey"
# Region-level schemes whose names the atlas's free-text regions are matched against.
REGION_SCHEMES = (Territory.Scheme.FR_REGION, Territory.Scheme.QC_REGION,
                  Territory.Scheme.CA_PROVINCE, Territory.Scheme.NUTS)  # fmt: skip


# Territories -----------------------------------------------------------------------------------


def do_load_territories(rows: Iterable[dict] | None = None) -> int:
    """Add or update territories (every country, then the shipped file's or `rows`), parents
    after children are known; returns how many were written."""
    if rows is None:
        with TERRITORIES.open(encoding="utf-8") as stream:
            rows = [{"scheme": "country", "code": code, "name": str(name), "parent": None}
                    for code, name in countries] + json.load(stream)  # fmt: skip
    rows = list(rows)
    with transaction.atomic():
        known = {t.key: t for t in Territory.objects.all()}
        for row in rows:
            key = f"{row['scheme']}:{row['code']}"
            territory = known.get(key) or Territory(scheme=row["scheme"], code=row["code"])
            territory.name = row["name"]
            territory.population = row.get("population") or None
            territory.population_year = row.get("population_year") or None
            territory.save()
            known[key] = territory
        for row in rows:
            parent = known.get(row.get("parent") or "")
            territory = known[f"{row['scheme']}:{row['code']}"]
            if territory.parent_id != (parent.pk if parent else None):
                territory.parent = parent
                territory.save(update_fields=["parent"])
    return len(rows)


# Observations ---------------------------------------------------------------------------------


def _write_observation(indicator, territory, family, start, end, value, state, source, method,
                       user, existing: Observation | None = None) -> str:  # fmt: skip
    """Create, revise (keeping the earlier value) or leave an observation; says which."""
    if existing is None:
        existing = Observation.objects.filter(
            indicator=indicator, territory=territory, family=family,
            period_start=start, period_end=end,
        ).first()  # fmt: skip
    if existing is None:
        Observation.objects.create(
            indicator=indicator, territory=territory, family=family, period_start=start,
            period_end=end, value=value, state=state, source=source, method=method,
        )  # fmt: skip
        return "created"
    if (existing.value, existing.state, existing.source, existing.method) == (
        value, state, source, method):  # fmt: skip
        return "unchanged"
    Revision.objects.create(observation=existing, value=existing.value, state=existing.state,
                            source=existing.source, replaced_by=user)  # fmt: skip
    existing.value, existing.state, existing.source, existing.method = value, state, source, method
    existing.save()
    return "revised"


def do_save_observation(user, indicator: Indicator, data: dict) -> str:
    check_moderator(user)
    with transaction.atomic():
        outcome = _write_observation(
            indicator, data["territory"], data.get("family"), data["start"], data["end"],
            data["value"], data["state"], data["source"], data.get("method", ""), user,
        )  # fmt: skip
        audit(f"observation.{outcome}", None, actor=user,
              detail={"indicator": indicator.code, "territory": data["territory"].key})  # fmt: skip
    return outcome


def do_import_observations(user, report: Report, *, partial: bool = False) -> Report:
    """Write a checked file: all of it or nothing, unless `partial` keeps the valid rows."""
    if user is not None:
        check_moderator(user)
    if report.rejects and not partial:
        return report
    with transaction.atomic():
        for row in report.rows:
            outcome = _write_observation(
                row.indicator, row.territory, row.family, row.start, row.end, row.value,
                row.state, row.source, row.method, user, row.existing,
            )  # fmt: skip
            setattr(report, outcome, getattr(report, outcome) + 1)
        audit("observation.imported", None, actor=user,
              detail={"created": report.created, "revised": report.revised})  # fmt: skip
    return report


def region_territories() -> dict[tuple[str, str], Territory]:
    """{(country, folded name): territory} for the region-level schemes."""
    found = {}
    for territory in Territory.objects.filter(scheme__in=REGION_SCHEMES).select_related(
        "parent__parent"
    ):
        country = territory.parent
        while country is not None and country.scheme != Territory.Scheme.COUNTRY:
            country = country.parent
        if country is not None:
            found.setdefault((country.code, plain(territory.name)), territory)
    return found


def atlas_figures(snapshot: Snapshot) -> list[tuple[Territory, int]]:
    """(territory, organisations) for what the atlas counted, by country, département and
    région (its free-text regions matched by name)."""
    territories = {t.key: t for t in Territory.objects.filter(
        scheme__in=[Territory.Scheme.COUNTRY, Territory.Scheme.FR_DEPARTEMENT])}  # fmt: skip
    regions = region_territories()
    figures: dict[Territory, int] = {}  # "Bretagne" and "BRETAGNE" are one région
    for scheme, dimension in (("country", "country"), ("fr-departement", "fr-departement")):
        for code, n in snapshot.counts[dimension].items():
            if n > 0 and (territory := territories.get(f"{scheme}:{code}")):
                figures[territory] = n
    for key, n in snapshot.counts["region"].items():
        country, _bar, region = key.partition("|")
        if n > 0 and region and (territory := regions.get((country, plain(region)))):
            figures[territory] = figures.get(territory, 0) + n
    return list(figures.items())


def do_record_atlas_counts(user, day: date) -> int:
    """The atlas's counts on `day` kept as observations of its computed indicators, by
    country, région and département: the series the territory pages draw."""
    if user is not None:
        check_moderator(user)
    snapshot = counts_on(day, ("country", "region", "fr-departement"))
    indicators = {i.computed: i for i in Indicator.objects.exclude(computed="")}
    indicator = indicators.get(Indicator.Computed.ORGANISATIONS)
    if indicator is None:
        return 0
    source = _("The Essaim atlas, counted from its history of changes")
    method = _("Published organisations at the end of %(day)s, counted from the atlas's history "
               "of changes.") % {"day": day.isoformat()}  # fmt: skip
    written = 0
    with transaction.atomic():
        for territory, value in atlas_figures(snapshot):
            _write_observation(indicator, territory, None, day, day, Decimal(value),
                               Observation.State.FINAL, source, method, user)  # fmt: skip
            written += 1
        audit("observation.counted", None, actor=user, detail={"day": day.isoformat()})
    return written


def do_save_indicator(user, indicator: Indicator) -> Indicator:
    check_moderator(user)
    return do_save_audited(indicator, actor=user)


def do_save_goal(user, goal: Goal) -> Goal:
    check_moderator(user)
    return do_save_audited(goal, actor=user)


# Surveys --------------------------------------------------------------------------------------


def do_save_survey(user, survey: Survey, families: list[Family]) -> Survey:
    check_moderator(user)
    if survey.pk:
        stored = Survey.objects.get(pk=survey.pk)
        if stored.state in (Survey.State.CLOSED, Survey.State.PUBLISHED):
            raise NotAllowed(_("The survey is closed: it no longer changes."))
        asked = (stored.country, set(stored.families.all()))
        if stored.state != Survey.State.DRAFT and asked != (survey.country, set(families)):
            raise NotAllowed(_("The survey is sent: the organisations it asks no longer change."))
    with transaction.atomic():
        if survey.pk is None:
            survey.created_by = user
        survey.save()
        survey.families.set(families)
        audit("survey.saved", survey, actor=user)
    return survey


def wording_of(question: Question) -> tuple:
    """What an answer was given to: changing it makes a new version."""
    return (question.text, question.kind, list(question.choices), question.allows_other)


def do_save_question(user, survey: Survey, question: Question, families: list[Family]) -> Question:
    """Add a question, or change one: a question with answers is kept as it was asked and
    replaced by a new version, so that no answer is ever read against other words."""
    check_moderator(user)
    if survey.state in (Survey.State.CLOSED, Survey.State.PUBLISHED):
        raise NotAllowed(_("The survey is closed: its questions no longer change."))
    if question.retired:
        raise NotAllowed(_("This wording was replaced by a newer version: change that one."))
    with transaction.atomic():
        old = Question.objects.get(pk=question.pk) if question.pk else None
        reworded = old is not None and wording_of(old) != wording_of(question)
        if reworded and question.answers.exists():
            old.retired = True
            old.save(update_fields=["retired"])
            question.pk = None
            question.previous = old
            question.version = old.version + 1
        question.survey = survey
        question.save()
        question.families.set(families)
        audit("survey.question", survey, actor=user, detail={"question": question.pk})
    return question


def do_remove_question(user, question: Question) -> None:
    check_moderator(user)
    if question.survey.state in (Survey.State.CLOSED, Survey.State.PUBLISHED):
        raise NotAllowed(_("The survey is closed: its questions no longer change."))
    if question.answers.exists():
        raise NotAllowed(_("This question has answers: change it instead (a new version)."))
    with transaction.atomic():
        question.delete()
        audit("survey.question.removed", question.survey, actor=user)


def survey_token(survey: Survey, organisation: Organisation) -> str:
    return signing.dumps({"s": survey.pk, "o": organisation.pk}, salt=SURVEY_SALT)


def survey_for_token(token: str) -> tuple[Survey, Organisation]:
    """The survey and the organisation a signed link is for, while the survey is open."""
    try:
        data = signing.loads(token, salt=SURVEY_SALT)
        survey = Survey.objects.get(pk=int(data["s"]))
        organisation = Organisation.objects.get(pk=int(data["o"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Survey.DoesNotExist,
            Organisation.DoesNotExist):  # fmt: skip
        raise LinkRefused(
            _("This link is not valid: check that it was copied whole."), 404
        ) from None
    if survey.state != Survey.State.OPEN or survey.closes_on < timezone.localdate():
        raise LinkRefused(_("This survey is closed: thank you all the same."), 410)
    return survey, organisation


def asked_organisations(survey: Survey) -> QuerySet[Organisation]:
    """The organisations a survey is sent to: published, with an email, of its families and
    country when it names them."""
    found = Organisation.objects.published().exclude(email="")
    families = list(survey.families.all())
    if families:
        found = found.filter(families__in=families)
    if survey.country:
        found = found.filter(country=survey.country)
    return found.distinct()


def _send(survey: Survey, invitations: list[tuple[Organisation, str]], template: str) -> None:
    for organisation, email in invitations:
        mail_after_commit(
            f"observatory/email/{template}", survey.language, [email], survey=survey,
            organisation=organisation, token=survey_token(survey, organisation),
            minimum=group_minimum(),
        )  # fmt: skip


def do_open_survey(user, survey: Survey) -> int:
    """Open a survey and send it to each organisation asked; returns how many."""
    check_moderator(user)
    if survey.state != Survey.State.DRAFT:
        raise NotAllowed(_("This survey has already been sent."))
    if not survey.questions.filter(retired=False).exists():
        raise NotAllowed(_("Add a question before sending the survey."))
    if survey.closes_on <= timezone.localdate():
        raise NotAllowed(_("The closing date must be after today."))
    now = timezone.now()
    with transaction.atomic():
        organisations = list(asked_organisations(survey))
        Invitation.objects.bulk_create([
            Invitation(survey=survey, organisation=org, email=org.email, sent_at=now)
            for org in organisations
        ], ignore_conflicts=True)  # fmt: skip
        survey.state = Survey.State.OPEN
        survey.save(update_fields=["state"])
        _send(survey, [(org, org.email) for org in organisations], "survey")
        audit("survey.opened", survey, actor=user, detail={"sent": len(organisations)})
    return len(organisations)


def do_remind_survey(user, survey: Survey, now=None) -> int:
    """Remind once the organisations that have not answered; returns how many."""
    if user is not None:
        check_moderator(user)
    if survey.state != Survey.State.OPEN:
        return 0
    now = now or timezone.now()
    answered = Response.objects.filter(survey=survey).values("organisation_id")
    waiting = list(
        survey.invitations.filter(reminded_at__isnull=True)
        .exclude(organisation_id__in=answered)
        .select_related("organisation")
    )
    with transaction.atomic():
        Invitation.objects.filter(pk__in=[i.pk for i in waiting]).update(reminded_at=now)
        _send(survey, [(i.organisation, i.email) for i in waiting], "survey_reminder")
        audit("survey.reminded", survey, actor=user, detail={"reminded": len(waiting)})
    return len(waiting)


def do_remind_surveys(now=None) -> int:
    """For the daily command: a reminder a week before each open survey closes, and the
    surveys past their date closed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reminded = 0
    for survey in Survey.objects.filter(state=Survey.State.OPEN):
        if survey.closes_on < today:
            do_close_survey(None, survey)
        elif survey.closes_on - today <= timedelta(days=7):
            reminded += do_remind_survey(None, survey, now)
    return reminded


def do_close_survey(user, survey: Survey) -> None:
    if user is not None:
        check_moderator(user)
    if survey.state != Survey.State.OPEN:
        raise NotAllowed(_("Only an open survey can be closed."))
    with transaction.atomic():
        survey.state = Survey.State.CLOSED
        survey.save(update_fields=["state"])
        audit("survey.closed", survey, actor=user)


def do_publish_survey(user, survey: Survey, minimum: int) -> None:
    check_moderator(user)
    if survey.state != Survey.State.CLOSED:
        raise NotAllowed(_("Close the survey before publishing its results."))
    if survey.responses.count() < minimum:
        raise NotAllowed(_("Fewer than %(n)s organisations answered: publishing the results "
                           "could tell who said what.") % {"n": minimum})  # fmt: skip
    with transaction.atomic():
        survey.state = Survey.State.PUBLISHED
        survey.published_at = timezone.now()
        survey.save(update_fields=["state", "published_at"])
        audit("survey.published", survey, actor=user)


def do_answer_survey(survey: Survey, organisation: Organisation, answers: dict[int, dict],
                     questions: list[Question]) -> Response:  # fmt: skip
    """Keep an organisation's answers (once: a second time is refused by the database as well),
    with its families and place at the time, and read its long texts."""
    if Response.objects.filter(survey=survey, organisation=organisation).exists():
        raise NotAllowed(_("Your organisation has already answered this survey."))
    try:
        return _keep_answers(survey, organisation, answers, questions)
    except IntegrityError:  # the same answers sent twice at once: the first one counts
        raise NotAllowed(_("Your organisation has already answered this survey.")) from None


def _keep_answers(survey, organisation, answers, questions) -> Response:
    with transaction.atomic():
        response = Response.objects.create(
            survey=survey, organisation=organisation, country=organisation.country.code or "",
            region=organisation.region,
            families=sorted(organisation.families.values_list("code", flat=True)),
        )  # fmt: skip
        Answer.objects.bulk_create([
            Answer(response=response, question=question, **answers[question.pk])
            for question in questions if question.pk in answers
        ])  # fmt: skip
        # Read now if the reader can; if it fails, the daily command reads it later.
        transaction.on_commit(do_read_statements, robust=True)
    return response


# What people say ------------------------------------------------------------------------------


def do_give_event_feedback(user, event: Event, text: str) -> EventFeedback:
    if not event.is_past:
        raise NotAllowed(_("You can say how it went once the event is over."))
    registered = Registration.objects.filter(
        event=event, email=user.email.lower(), status=Registration.Status.CONFIRMED
    ).exists()
    if not registered:
        raise NotAllowed(_("Only the people registered for this event say how it went."))
    with transaction.atomic():
        feedback, _created = EventFeedback.objects.update_or_create(
            event=event, user=user, defaults={"text": text}
        )
        Statement.objects.filter(origin=Statement.Origin.EVENT, origin_id=feedback.pk).delete()
        transaction.on_commit(do_read_statements, robust=True)
    return feedback


def _unread() -> list[tuple[str, int, str, date, str]]:
    """(origin, id, text, date, country) of what people said that is not read yet."""

    def read(origin: str) -> QuerySet:
        return Statement.objects.filter(origin=origin).values("origin_id")

    found = []
    feedback = Feedback.objects.exclude(comment="").exclude(pk__in=read(Statement.Origin.MATCH))
    for item in feedback.select_related("contact__need"):
        found.append((Statement.Origin.MATCH, item.pk, item.comment,
                      timezone.localdate(item.created_at), item.contact.need.country))  # fmt: skip
    events = EventFeedback.objects.exclude(pk__in=read(Statement.Origin.EVENT))
    for item in events.select_related("event"):
        found.append((Statement.Origin.EVENT, item.pk, item.text,
                      timezone.localdate(item.created_at), item.event.country))  # fmt: skip
    answers = Answer.objects.filter(question__kind=Question.Kind.LONG).exclude(text="")
    for item in answers.exclude(pk__in=read(Statement.Origin.SURVEY)).select_related("response"):
        found.append((Statement.Origin.SURVEY, item.pk, item.text,
                      timezone.localdate(item.response.submitted_at),
                      item.response.country))  # fmt: skip
    return found


def do_read_statements() -> int:
    """Read, for its sentiment and themes, all that people said and is not read yet."""
    unread = _unread()
    if not unread:
        return 0
    readings = reader().read_many([text for _origin, _pk, text, _day, _country in unread])
    with transaction.atomic():
        Statement.objects.bulk_create([
            Statement(origin=origin, origin_id=pk, text=text[:3000], said_on=day,
                      country=country or "", sentiment=reading.sentiment,
                      confidence=reading.confidence, themes=reading.themes,
                      reasons=[list(reason) for reason in reading.reasons])
            for (origin, pk, text, day, country), reading in zip(unread, readings, strict=True)
        ], ignore_conflicts=True)  # fmt: skip
    return len(unread)


def forget_statement(sender, instance, **kwargs) -> None:
    """What someone said is forgotten with its source: a deleted account takes its event
    feedback with it, and the reading of it goes too."""
    origin = {EventFeedback: Statement.Origin.EVENT, Feedback: Statement.Origin.MATCH,
              Answer: Statement.Origin.SURVEY}[sender]  # fmt: skip
    Statement.objects.filter(origin=origin, origin_id=instance.pk).delete()


for source in (EventFeedback, Feedback, Answer):
    post_delete.connect(forget_statement, sender=source, dispatch_uid=f"forget-{source.__name__}")


def do_check_statement(user, statement: Statement, sentiment: str) -> None:
    check_moderator(user)
    with transaction.atomic():
        statement.checked_sentiment = sentiment
        statement.checked_by = user
        statement.checked_at = timezone.now()
        statement.save(update_fields=["checked_sentiment", "checked_by", "checked_at"])
        audit("statement.checked", statement, actor=user, detail={"sentiment": sentiment})


# The demo ------------------------------------------------------------------------------------


def do_record_demo(indicators: list, observations: list, goals: list, survey: dict) -> int:
    """The demo's indicators, figures, goals and published survey (once: a second run leaves
    them); returns how many observations were added."""
    if Indicator.objects.filter(code=indicators[0][0]).exists():
        return 0
    territories = {t.key: t for t in Territory.objects.all()}
    with transaction.atomic():
        made = {}
        for code, unit, computed, labels in indicators:
            made[code] = Indicator.objects.create(
                code=code, unit=unit, computed=computed,
                **dict(zip(("label_fr", "label_en", "label_it", "label_es"), labels, strict=True)),
            )  # fmt: skip
        for code, key, period, value, source in observations:
            start, end = parse_period(period)
            _write_observation(made[code], territories[key], None, start, end, Decimal(value),
                               Observation.State.FINAL, source, "", None)  # fmt: skip
        for title, owner, code, key, (since, baseline), (until, target) in goals:
            Goal.objects.create(
                title=title, owner=owner, indicator=made[code], territory=territories[key],
                baseline_date=since, baseline_value=baseline, target_date=until,
                target_value=target,
            )  # fmt: skip
        _record_demo_survey(survey)
    return len(observations)


def _record_demo_survey(data: dict) -> None:
    now = timezone.now()
    survey = Survey.objects.create(
        title=data["title"], introduction=data["introduction"], language="en", year=data["year"],
        closes_on=data["closes_on"], state=Survey.State.PUBLISHED, published_at=now,
    )  # fmt: skip
    survey.families.set(data["families"])
    questions = [
        Question.objects.create(
            survey=survey, position=n, kind=kind, text=text, choices=choices, allows_other=other
        )  # fmt: skip
        for n, (kind, text, choices, other) in enumerate(data["questions"], start=1)
    ]
    Invitation.objects.bulk_create([
        Invitation(survey=survey, organisation=org, email=org.email, sent_at=now)
        for org in data["asked"]
    ])  # fmt: skip
    for organisation, (tools, tools_other, keeper, keeper_other, scale, people, text) in data[
        "answers"
    ]:
        response = Response.objects.create(
            survey=survey, organisation=organisation, country=organisation.country.code or "",
            region=organisation.region,
            families=sorted(organisation.families.values_list("code", flat=True)),
        )  # fmt: skip
        multiple, single, rating, number, long = questions
        Answer.objects.bulk_create([
            Answer(response=response, question=multiple,
                   choices=[multiple.choices[i] for i in tools], other=tools_other),
            Answer(response=response, question=single,
                   choices=[] if keeper_other else [single.choices[keeper]], other=keeper_other),
            Answer(response=response, question=rating, number=Decimal(scale)),
            Answer(response=response, question=number, number=Decimal(people)),
            Answer(response=response, question=long, text=text),
        ])  # fmt: skip
