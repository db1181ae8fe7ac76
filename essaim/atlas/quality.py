"""The quality and freshness score of an entry, from 0 to 100.

Completeness (70 % of the score) counts the key facts a visitor needs; freshness (30 %) falls
with the age of the entry's last confirmation: by the organisation itself (the confirmation
loop), by its source (its date of last update there), or its creation. The score is computed
from the same plain values by the index, the API and the pages, so they always agree.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essaim.search.query import microseconds

from .models import CONTENT_LANGUAGES, Identifier

LONG_DESCRIPTION = 200
DESCRIPTIONS = [f"description_{code}" for code in CONTENT_LANGUAGES]
SHORT_DESCRIPTIONS = [f"short_description_{code}" for code in CONTENT_LANGUAGES]
IDENTIFIERS = [f"identifier_{scheme}" for scheme in Identifier.Scheme.values]
# (key, points, what is missing when it is not there); points add up to 100.
CHECKS = [
    ("description", 20, _("a description of 200 characters or more")),
    ("short_description", 10, _("a one-sentence description")),
    ("place", 15, _("a locality placed on the map")),
    ("contact", 15, _("a way to get in touch (website, email or phone)")),
    ("classification", 15, _("a sector and a legal form")),
    ("services", 10, _("the services it offers")),
    ("audiences", 5, _("its audiences")),
    ("identifier", 5, _("an official identifier")),
    ("languages", 5, _("the languages it works in")),
]
# Age of the last confirmation -> freshness points; older than the last: 0.
FRESHNESS = [(timedelta(days=183), 100), (timedelta(days=365), 66), (timedelta(days=730), 33)]


@dataclass(frozen=True)
class Quality:
    score: int
    completeness: int
    freshness: int
    confirmed: datetime | None
    missing: list[str]


def passed_checks(values: dict) -> set[str]:
    """Which checks an entry's facts pass (see `schema.py`: texts per language as
    `description_fr`…, terms by code, identifiers as `identifier_siret`…)."""
    get = values.get
    passed = {
        "description": any(len(get(key) or "") >= LONG_DESCRIPTION for key in DESCRIPTIONS),
        "short_description": any(get(key) for key in SHORT_DESCRIPTIONS),
        "place": bool(get("locality") and get("latitude") is not None),
        "contact": bool(get("website") or get("email") or get("phone")),
        "classification": bool(get("sector") and get("legal_form")),
        "services": bool(get("services")),
        "audiences": bool(get("audiences")),
        "identifier": any(get(key) for key in IDENTIFIERS),
        "languages": bool(get("languages")),
    }
    return {key for key, ok in passed.items() if ok}


def completeness(values: dict) -> int:
    passed = passed_checks(values)
    return sum(points for key, points, _label in CHECKS if key in passed)


def confirmed_at(*moments: datetime | None) -> datetime | None:
    """The last confirmation: the latest of the moments given (confirmation, update at the
    source, creation)."""
    known = [moment for moment in moments if moment]
    return max(known) if known else None


def freshness(confirmed: datetime | None, now: datetime | None = None) -> int:
    if confirmed is None:
        return 0
    age = (now or timezone.now()) - confirmed
    return next((points for limit, points in FRESHNESS if age < limit), 0)


def score(completeness_points: int, freshness_points: int) -> int:
    # In whole numbers (7/10 and 3/10, rounded half up), so the index can filter exactly.
    return (7 * completeness_points + 3 * freshness_points + 5) // 10


def least_completeness(quality_min: int, freshness_points: int) -> int:
    """The least completeness that gives at least `quality_min` with this freshness."""
    return max(0, -(-(10 * quality_min - 5 - 3 * freshness_points) // 7))


def quality_thresholds(quality_min: int, now: datetime | None = None) -> tuple:
    """`quality_min` as the index's bounds (see `SearchQuery.thresholds`): for each freshness
    band, enough completeness and a confirmation recent enough; or enough completeness alone.
    To the minute, so that the same filter is the same search for a minute."""
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    bands = [
        (("completeness", least_completeness(quality_min, points)),
         ("confirmed", microseconds(now - age)))
        for age, points in FRESHNESS
    ]  # fmt: skip
    return (*bands, (("completeness", least_completeness(quality_min, 0)),))


def quality_of(values: dict, confirmed: datetime | None, now: datetime | None = None) -> Quality:
    passed = passed_checks(values)
    full = completeness(values)
    fresh = freshness(confirmed, now)
    missing = [str(label) for key, _points, label in CHECKS if key not in passed]
    return Quality(score(full, fresh), full, fresh, confirmed, missing)
