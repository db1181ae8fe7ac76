"""The competence frameworks as pages: every competence with what the commons offers to learn
it, and one competence's resources, trainings and opportunities."""

from django.db.models import Count, Q
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

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


def competence_detail(request, key: str) -> HttpResponseBase:
    competence = get_object_or_404(Competence.objects.select_related("area", "framework"), key=key)
    tagged = {"competences__in": competence.equivalents()}
    resources = Resource.objects.published().filter(**tagged).distinct()
    events = Event.objects.upcoming().filter(**tagged).distinct().order_by("starts_at")
    opportunities = Opportunity.objects.open().filter(**tagged).distinct()
    groups = [
        (name, queryset.count(), list(queryset[:SHOWN]),
         reverse(url) + "?competence=" + competence.key)
        for name, queryset, url in (
            ("resources", resources.order_by("-published_at"), "resources"),
            ("events", events, "events"),
            ("opportunities", opportunities.order_by("deadline"), "opportunities"),
        )
    ]  # fmt: skip
    return render(request, "www/competence.html", {"competence": competence, "groups": groups})
