"""The commons: resources, events with registrations, opportunities, and saved searches.

Members contribute them; a moderator publishes or rejects what a member proposes (the same
path as suggestions to the atlas). Texts are stored once per language, like organisations'.
"""

from essaim.atlas.models import Organisation

from .base import (
    LANGUAGE_NAMES,
    TIME_ZONES,
    Contributed,
    EventQuerySet,
    OpportunityQuerySet,
    Publication,
    PublishedQuerySet,
    in_language,
)
from .events import Event, Registration
from .opportunities import Opportunity, SavedSearch
from .resources import CourseModule, Resource, Tool

__all__ = [
    "LANGUAGE_NAMES", "TIME_ZONES", "Contributed", "CourseModule", "Event", "EventQuerySet",
    "Opportunity", "OpportunityQuerySet", "Publication", "PublishedQuerySet", "Registration",
    "Resource", "SavedSearch", "Tool", "highlights", "in_language",
    "pending_contributions",
]  # fmt: skip


def pending_contributions() -> list:
    """What members proposed to the commons, oldest first, for the moderation queue."""
    items = [
        *Resource.objects.filter(publication=Publication.PENDING),
        *Event.objects.filter(publication=Publication.PENDING),
        *Opportunity.objects.filter(publication=Publication.PENDING),
    ]
    return sorted(items, key=lambda item: item.created_at)


def highlights(org: Organisation | None = None, count: int = 3) -> dict:
    """Upcoming events, new resources and open opportunities — an organisation's own, or all."""
    events = Event.objects.upcoming()
    resources = Resource.objects.published().order_by("-published_at", "-id")
    opportunities = Opportunity.objects.open().order_by("deadline", "-published_at")
    if org is not None:
        events, resources, opportunities = (
            queryset.filter(organisations=org) for queryset in (events, resources, opportunities)
        )
    return {
        "upcoming_events": list(events[:count]),
        "new_resources": list(resources.prefetch_related("organisations")[:count]),
        "open_opportunities": list(opportunities.prefetch_related("organisations")[:count]),
    }
