"""The network's figures: how many organisations took the diagnostic, and how the shared
results spread over the bands, dimension by dimension, for all of them and by family, country
or region — never for a group of fewer than ESSAIM_DIAGNOSTIC_GROUP_MIN organisations, so
that no organisation's result can be told from them.

Each organisation counts once, by its latest shared diagnostic with sent answers.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max
from django.utils import translation
from django_countries import countries

from essaim.atlas.models import Family, Organisation

from .models import Diagnostic, Response
from .questionnaire import questionnaire
from .scoring import BANDS, Result, mean, result_of, whole

GROUPINGS = ("family", "country", "region")


@dataclass
class Group:
    code: str
    label: str
    organisations: int
    # Per dimension code: the mean score, and how many organisations in each band.
    means: dict[str, int | None]
    bands: dict[str, list[int]]
    overall: int | None


def band_number(points: int) -> int:
    return next((n for n, (limit, _words) in enumerate(BANDS) if points < limit), len(BANDS))


def _group(code: str, label: str, results: list[Result]) -> Group:
    means, bands = {}, {}
    for index, dimension in enumerate(questionnaire().dimensions):
        lines = [r.dimensions[index] for r in results if r.dimensions[index].points is not None]
        # Means of the exact scores, rounded last; bands of the scores as shown.
        means[dimension.code] = whole(mean([line.exact for line in lines])) if lines else None
        counts = [0] * (len(BANDS) + 1)
        for line in lines:
            counts[band_number(line.points)] += 1
        bands[dimension.code] = counts
    overall = [r.overall_exact for r in results if r.overall_exact is not None]
    return Group(code, label, len(results), means, bands, whole(mean(overall)) if overall else None)


@dataclass
class Shared:
    """An organisation's latest shared result, with what it is grouped by."""

    result: Result
    country: str
    region: str
    families: list[str]


def shared_results() -> list[Shared]:
    """Each organisation's latest shared diagnostic with sent answers, and its result, from
    plain rows (the network's page reads thousands of them)."""
    shared = {"shared_at__isnull": False, "organisation__isnull": False}
    latest: dict[int, int] = {}  # organisation → its latest shared diagnostic
    rows = (Diagnostic.objects.filter(**shared, responses__submitted_at__isnull=False)
            .order_by("organisation_id", "created_at", "id")
            .values_list("organisation_id", "pk"))  # fmt: skip
    for organisation, pk in rows:
        latest[organisation] = pk
    wanted = set(latest.values())
    answers: dict[int, list[dict]] = defaultdict(list)
    sent = Response.objects.filter(
        submitted_at__isnull=False, **{f"diagnostic__{k}": v for k, v in shared.items()}
    ).values_list("diagnostic_id", "answers")
    for diagnostic, answered in sent:
        if diagnostic in wanted:
            answers[diagnostic].append(answered)
    families = defaultdict(list)
    through = Organisation.families.through.objects.filter(
        organisation__diagnostics__shared_at__isnull=False
    ).distinct()
    for organisation, code in through.values_list("organisation_id", "family__code"):
        families[organisation].append(code)
    places = Organisation.objects.filter(pk__in=Diagnostic.objects.filter(**shared).values(
        "organisation_id")).values_list("pk", "country", "region")  # fmt: skip
    found = []
    for organisation, country, region in places:
        if organisation in latest:
            result = result_of(questionnaire(), answers[latest[organisation]], per_question=False)
            found.append(Shared(result, country, region, families[organisation]))
    return found


# The figures last computed, per grouping and language, with the state of the data they were
# computed from: a page view asks one aggregate query when nothing changed (per web process).
_remembered: dict[str, tuple[tuple, dict]] = {}


def _state() -> tuple:
    """What changes when a result is sent, shared or unshared."""
    found = Diagnostic.objects.filter(shared_at__isnull=False).aggregate(
        shared=Count("id"), last_shared=Max("shared_at"), last=Max("id"),
        last_sent=Max("responses__submitted_at"),
    )  # fmt: skip
    taken = Response.objects.filter(submitted_at__isnull=False).aggregate(n=Count("id"))["n"]
    return (*found.values(), taken, settings.ESSAIM["DIAGNOSTIC_GROUP_MIN"])


def network_figures(by: str = "family", remembered: bool = True) -> dict:
    """Counts, all shared results together, and the groups of `by` big enough to show; the
    same as last time while no result was sent, shared or unshared (the grouping of an
    organisation that changed family or region follows at the next of those)."""
    state, key = _state(), f"{by}:{translation.get_language()}"  # the labels' language
    if remembered and key in _remembered and _remembered[key][0] == state:
        return _remembered[key][1]
    figures = _network_figures(by)
    _remembered[key] = (state, figures)
    return figures


def shown_groups(members: dict[str, list[int]], total: int, minimum: int) -> set[str]:
    """The groups that may be shown: those of `minimum` organisations or more, less those whose
    showing would let the few others be worked out by subtracting them from the whole
    network's figures (the smallest shown group is hidden too, until the organisations in no
    shown group are none or `minimum` or more)."""
    kept = {key for key, indexes in members.items() if len(indexes) >= minimum}
    while kept:
        covered = {i for key in kept for i in members[key]}
        left_out = total - len(covered)
        if left_out == 0 or left_out >= minimum:
            break
        kept.remove(min(kept, key=lambda key: (len(members[key]), key)))
    return kept


def _network_figures(by: str) -> dict:
    minimum = settings.ESSAIM["DIAGNOSTIC_GROUP_MIN"]
    taken = (
        Diagnostic.objects.filter(responses__submitted_at__isnull=False)
        .values("organisation")
        .distinct()
    )
    shared = shared_results()
    labels: dict[str, str] = {}
    families = {f.code: f.label for f in Family.objects.all()}
    members: dict[str, list[int]] = defaultdict(list)  # group → its organisations' indexes
    for index, one in enumerate(shared):
        if by == "family":
            keys = [(code, families.get(code, code)) for code in one.families]
        elif by == "country":
            keys = [(one.country, countries.name(one.country))] if one.country else []
        else:
            keys = [(f"{one.country}:{one.region}", f"{one.region} ({one.country})")]
            keys = keys if one.region else []
        for key, label in keys:
            members[key].append(index)
            labels[key] = str(label)
    kept = shown_groups(members, len(shared), minimum)
    shown = [
        _group(key, labels[key], [shared[i].result for i in members[key]])
        for key in sorted(kept, key=lambda key: labels[key])
    ]
    return {
        "by": by,
        "minimum": minimum,
        "organisations_taken": taken.exclude(organisation=None).count(),
        "diagnostics_taken": Diagnostic.objects.filter(responses__submitted_at__isnull=False)
        .distinct()
        .count(),
        "organisations_shared": len(shared),
        "all": _group("all", "", [one.result for one in shared])
        if len(shared) >= minimum
        else None,
        "groups": shown,
        "hidden_groups": len(members) - len(kept),
    }
