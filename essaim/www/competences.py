"""The competence frameworks as pages: every competence with what the commons offers to learn
it, and one competence's resources, trainings and opportunities."""

from django import forms
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essaim.commons.models import Event, Opportunity, Resource
from essaim.commons.models.base import Publication
from essaim.competences.models import Area, Competence, Framework, Level

SHOWN = 10


def competence_frameworks(request) -> HttpResponseBase:
    """Each framework: its areas, competences (with how many resources, upcoming events and
    open opportunities help with each) and proficiency levels."""
    competences = Competence.objects.annotate(
        resource_count=Count(
            "resources", distinct=True,
            filter=Q(resources__publication=Publication.PUBLISHED),
        ),
        event_count=Count(
            "events", distinct=True,
            filter=Q(events__publication=Publication.PUBLISHED,
                     events__ends_at__gte=timezone.now()),
        ),
    )  # fmt: skip
    frameworks = []
    for framework in Framework.objects.all():
        areas = list(Area.objects.filter(framework=framework))
        listed = [c for c in competences if c.framework_id == framework.pk]
        for area in areas:
            area.listed = [c for c in listed if c.area_id == area.pk]
        framework.listed_areas = areas
        framework.listed_levels = list(Level.objects.filter(framework=framework))
        frameworks.append(framework)
    return render(request, "www/competences.html", {"frameworks": frameworks})


def commons_for(competence: Competence) -> dict[str, QuerySet]:
    """The published resources, upcoming events and open opportunities tagged with the
    competence (or one that stands for it), by the name of their list's page."""
    tagged = {"competences__in": competence.equivalents()}
    return {
        "resources": Resource.objects.published().filter(**tagged).distinct()
        .order_by("-published_at"),
        "events": Event.objects.upcoming().filter(**tagged).distinct().order_by("starts_at"),
        "opportunities": Opportunity.objects.open().filter(**tagged).distinct()
        .order_by("deadline"),
    }  # fmt: skip


def competence_detail(request, key: str) -> HttpResponseBase:
    competence = get_object_or_404(Competence.objects.select_related("area", "framework"), key=key)
    groups = [
        (name, queryset.count(), list(queryset[:SHOWN]),
         reverse(name) + "?competence=" + competence.key)
        for name, queryset in commons_for(competence).items()
    ]  # fmt: skip
    return render(request, "www/competence.html", {"competence": competence, "groups": groups})


NOT_SURE = "?"
SHOWN_PER_COMPETENCE = 3


def self_check_scale(framework: Framework) -> list[tuple[str, str]]:
    """(value, label) of the answers: "not yet", each band of the framework's levels (with
    what its first level can do), and "not sure", counted apart."""
    bands = []
    for level in Level.objects.filter(framework=framework):
        if not bands or bands[-1][1] != level.band.text:
            bands.append((str(len(bands) + 1), level.band.text, level.description.text))
    return [
        ("0", _("Not yet")),
        *((value, f"{band} — {example}") for value, band, example in bands),
        (NOT_SURE, _("I am not sure")),
    ]


class SelfCheckForm(forms.Form):
    """One question per competence of the framework: how far one goes with it today."""

    def __init__(self, *args, framework: Framework, **kwargs):
        super().__init__(*args, **kwargs)
        self.framework = framework
        self.competences = list(
            Competence.objects.filter(framework=framework).select_related("area")
        )
        scale = self_check_scale(framework)
        self.answer_labels = dict(scale)
        self.top = len(scale) - 2  # the highest band's value
        for competence in self.competences:
            self.fields[competence.key] = forms.ChoiceField(
                label=competence.label,
                help_text=competence.description.text,
                choices=[("", _("Choose an answer")), *scale],
            )

    def areas(self) -> list[tuple[Area, list]]:
        """The questions by area, as the page shows them."""
        grouped: dict[int, tuple[Area, list]] = {}
        for competence in self.competences:
            grouped.setdefault(competence.area_id, (competence.area, []))[1].append(
                self[competence.key]
            )
        return list(grouped.values())

    def result(self) -> dict:
        """Scores per area and overall (0–100: the mean of the answers, "not sure" aside, over
        the highest band), the weakest competences with help for each, and the unsure ones."""
        answers = {competence: self.cleaned_data[competence.key] for competence in self.competences}
        known = {c: int(value) for c, value in answers.items() if value != NOT_SURE}

        def score(values: list[int]) -> int | None:
            return round(100 * sum(values) / (self.top * len(values))) if values else None

        areas = []
        for area, fields in self.areas():
            values = [v for c, v in known.items() if c.area_id == area.pk]
            points = score(values)
            areas.append((area, points, in_words(points), len(fields) - len(values)))
        lowest = sorted((v, c.position, c) for c, v in known.items() if v < self.top)
        weakest = [c for _v, _p, c in lowest[:3]]
        return {
            "overall": score(list(known.values())),
            "areas": areas,
            "weakest": [(c, self.answer_labels[answers[c]], help_for(c)) for c in weakest],
            "unsure": [c for c, value in answers.items() if value == NOT_SURE],
        }


def in_words(points: int | None) -> str:
    """A score as a person reads it."""
    if points is None:
        return _("not answered")
    for limit, words in ((25, _("just starting")), (50, _("getting there")),
                         (75, _("at ease"))):  # fmt: skip
        if points < limit:
            return words
    return _("confident")


def help_for(competence: Competence) -> dict:
    """Resources and upcoming trainings of the commons tagged with the competence (or one
    that stands for it)."""
    found = commons_for(competence)
    return {name: list(found[name][:SHOWN_PER_COMPETENCE]) for name in ("resources", "events")}


def self_check(request) -> HttpResponseBase:
    """A few minutes for a person (staff, volunteer) to place themself on each competence,
    ending with where to learn the weakest. Nothing is kept: the answers travel in the form
    and the result is the answer to it."""
    framework = Framework.objects.first()
    if framework is None:
        raise Http404
    form = SelfCheckForm(request.POST or None, framework=framework)
    result = form.result() if request.method == "POST" and form.is_valid() else None
    return render(
        request,
        "www/self_check.html",
        {"form": form, "framework": framework, "result": result},
        status=400 if request.method == "POST" and result is None else 200,
    )
