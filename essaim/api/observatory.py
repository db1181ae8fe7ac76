"""The observatory's open data, read-only: indicators, their observations by territory and
period, goals with their progress, and the published results of surveys (small groups left
out, as on the site)."""

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from pydantic import Field

from essaim.exchange.records import public_url
from essaim.observatory.figures import progress
from essaim.observatory.models import Goal, Indicator, Observation, Survey
from essaim.observatory.results import GROUPINGS, group_minimum, survey_results

from .pages import Page, page_of
from .schemas import Error, RecordId, Schema

router = Router(tags=["observatory"])
PAGE_SIZE = 200


class IndicatorRecord(Schema):
    code: str
    url: str
    label: str
    unit: str = Field(description="organisations, jobs, people, places, euros, percent, other")
    definition: str
    computed: str = Field(description="'' (entered or imported), organisations or jobs")
    observations: int


class RevisionRecord(Schema):
    value: Decimal
    state: str
    source: str
    replaced_at: datetime


class ObservationRecord(Schema):
    indicator: str
    territory: str = Field(description="scheme:code, such as qc-mrc:64 or country:FR")
    territory_name: str
    family: str | None = Field(description="An ESS family's code; none for the whole economy.")
    period_start: date
    period_end: date
    value: Decimal
    state: str = Field(description="provisional or final")
    source: str
    method: str
    revisions: list[RevisionRecord]


class ObservationPage(Page):
    results: list[ObservationRecord]


class ObservationFilter(Schema):
    indicator: str | None = Field(None, max_length=60)
    territory: str | None = Field(None, max_length=40, description="scheme:code")
    page: int = Field(1, ge=1, le=100_000)


class GoalRecord(Schema):
    id: int
    url: str
    title: str
    owner: str
    indicator: str
    territory: str
    baseline_date: date
    baseline_value: Decimal
    target_date: date
    target_value: Decimal
    latest_value: Decimal | None
    latest_on: date | None
    expected: Decimal = Field(description="On the straight path, on the latest figure's date.")
    status: str = Field(description="reached, on-track, behind or unknown")


class ChoiceRecord(Schema):
    answer: str
    count: int
    share: Decimal = Field(description="Per cent of the organisations that answered.")


class QuestionRecord(Schema):
    id: int
    version: int
    text: str
    kind: str
    answered: int
    hidden: bool = Field(description="Too few answers: none of its figures is given.")
    choices: list[ChoiceRecord]
    others: list[str]
    mean: Decimal | None
    median: Decimal | None
    total: Decimal | None


class GroupRecord(Schema):
    group: str
    responses: int
    questions: list[QuestionRecord]


class SurveyResultsRecord(Schema):
    id: int
    title: str
    year: int
    invited: int
    responses: int
    minimum_group: int = Field(description="No group of fewer organisations is given.")
    questions: list[QuestionRecord]
    grouping: str
    groups: list[GroupRecord]
    hidden_groups: int


def _indicator(item: Indicator) -> dict:
    return {
        "code": item.code,
        "url": public_url(item.get_absolute_url()),
        "label": item.label,
        "unit": item.unit,
        "definition": item.description,
        "computed": item.computed,
        "observations": item.observations_count,
    }


def _observation(item: Observation) -> dict:
    return {
        "indicator": item.indicator.code,
        "territory": item.territory.key,
        "territory_name": item.territory.name,
        "family": item.family.code if item.family else None,
        "period_start": item.period_start,
        "period_end": item.period_end,
        "value": item.value,
        "state": item.state,
        "source": item.source,
        "method": item.method,
        "revisions": [
            {"value": r.value, "state": r.state, "source": r.source, "replaced_at": r.replaced_at}
            for r in item.revisions.all()
        ],
    }


@router.get("/indicators", response={200: list[IndicatorRecord], 400: Error},
            url_name="api-indicators", summary="The observatory's indicators")  # fmt: skip
def indicators(request) -> list[dict]:
    indicators = Indicator.objects.annotate(observations_count=Count("observations"))
    return [_indicator(item) for item in indicators]


@router.get("/observations", response={200: ObservationPage, 400: Error},
            url_name="api-observations",
            summary="Observations by territory and period")  # fmt: skip
def observations(request, filters: Query[ObservationFilter]) -> dict:
    found = Observation.objects.select_related("indicator", "territory", "family")
    if filters.indicator:
        found = found.filter(indicator__code=filters.indicator)
    if filters.territory:
        scheme, _colon, code = filters.territory.partition(":")
        found = found.filter(territory__scheme=scheme, territory__code=code)
    found = found.prefetch_related("revisions").order_by(
        "indicator__code", "territory__scheme", "territory__code", "period_start", "pk"
    )
    return page_of(request, found, filters.page, PAGE_SIZE, _observation)


@router.get("/goals", response={200: list[GoalRecord], 400: Error}, url_name="api-goals",
            summary="Goals and their progress against the straight path")  # fmt: skip
def goals(request) -> list[dict]:
    found = []
    for goal in Goal.objects.select_related("indicator", "territory"):
        status = progress(goal, goal.observed())
        found.append({
            "id": goal.pk, "url": public_url(goal.get_absolute_url()), "title": goal.title,
            "owner": goal.owner, "indicator": goal.indicator.code,
            "territory": goal.territory.key, "baseline_date": goal.baseline_date,
            "baseline_value": goal.baseline_value, "target_date": goal.target_date,
            "target_value": goal.target_value, "latest_value": status.value,
            "latest_on": status.on if status.value is not None else None,
            "expected": round(status.expected, 2), "status": status.status,
        })  # fmt: skip
    return found


def _question(item) -> dict:
    return {
        "id": item.question.pk,
        "version": item.question.version,
        "text": item.question.text,
        "kind": item.question.kind,
        "answered": item.answered,
        "hidden": item.hidden,
        "choices": [
            {"answer": c.label, "count": c.count, "share": round(c.share, 1)} for c in item.choices
        ],  # fmt: skip
        "others": item.others,
        "mean": round(item.mean, 2) if item.mean is not None else None,
        "median": item.median,
        "total": item.total,
    }


class ResultsFilter(Schema):
    by: str = Field("", pattern="^(|family|country|region)$",
                    description="Group by family, country or region.")  # fmt: skip


@router.get("/surveys/{survey_id}/results",
            response={200: SurveyResultsRecord, 400: Error, 404: Error},
            url_name="api-survey-results", summary="A published survey's results")  # fmt: skip
def results(request, survey_id: RecordId, filters: Query[ResultsFilter]) -> dict:
    survey = get_object_or_404(Survey, pk=survey_id, state=Survey.State.PUBLISHED)
    found = survey_results(survey, filters.by if filters.by in GROUPINGS else "")
    return {
        "id": survey.pk, "title": survey.title, "year": survey.year,
        "invited": found.invited, "responses": found.responses,
        "minimum_group": group_minimum(), "questions": [_question(q) for q in found.questions],
        "grouping": found.grouping,
        "groups": [{"group": g.label, "responses": g.responses,
                    "questions": [_question(q) for q in g.questions]} for g in found.groups],
        "hidden_groups": found.hidden_groups,
    }  # fmt: skip
