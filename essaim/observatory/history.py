"""Counts of the atlas's organisations on any date, from its history of changes: by family,
sector, legal form, country, region and French département, and the jobs their size bands
stand for. A count "on 1 January 2025" is the same whenever it is asked.

Today's counts come from the database in a few grouped queries; the organisations changed
since the date are then taken back to what they were, one change at a time, from newest to
oldest (each change keeps every fact's old value; a creation means "not there yet"; a deletion
keeps everything the entry said)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Min
from django.db.models.functions import Substr
from django.utils import timezone

from essaim.atlas.models import Change, Family, LegalForm, Organisation, Sector, SizeBand, Status

DIMENSIONS = ("family", "sector", "legal_form", "country", "region", "fr-departement", "size_band")
FACT_NAMES = ("status", "families", "sector", "legal_form", "country", "region", "postal_code",
              "size_band")  # fmt: skip
# The jobs a size band stands for, at least and at most (250+ has no upper bound: its least).
BAND_JOBS = {
    SizeBand.NONE: (0, 0),
    SizeBand.MICRO: (1, 9),
    SizeBand.SMALL: (10, 49),
    SizeBand.MEDIUM: (50, 249),
    SizeBand.LARGE: (250, 250),
}


def departement_of(postal_code: str) -> str:
    """The INSEE département of a French postal code: 97x overseas, Corsica split at 20200."""
    code = (postal_code or "").strip()
    if len(code) < 3 or not code[:3].isdigit():
        return ""
    if code.startswith("97") or code.startswith("98"):
        return code[:3]
    if code.startswith("20"):
        return "2A" if code[:3] in ("200", "201") else "2B"
    return code[:2]


@dataclass
class Snapshot:
    on: date
    total: int = 0
    counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    # Organisations with a size band, and the jobs they stand for at least and at most.
    with_band: int = 0
    jobs_low: int = 0
    jobs_high: int = 0
    changed_since: int = 0
    # The dimensions counted (size bands always: the total and the jobs come from them).
    dimensions: tuple[str, ...] = DIMENSIONS


def _keys(state: dict) -> dict[str, list[str]]:
    """The groups a published organisation counts in, per dimension."""
    keys = {
        "family": list(state.get("families") or []),
        "sector": [state.get("sector") or ""],
        "legal_form": [state.get("legal_form") or ""],
        "country": [state.get("country") or ""],
        "region": [f"{state.get('country') or ''}|{state.get('region') or ''}"],
        "size_band": [state.get("size_band") or ""],
        "fr-departement": [],
    }
    if state.get("country") == "FR" and (code := departement_of(state.get("postal_code") or "")):
        keys["fr-departement"] = [code]
    return keys


def _add(snapshot: Snapshot, state: dict | None, sign: int) -> None:
    if not state or state.get("status") != Status.PUBLISHED:
        return
    snapshot.total += sign
    for dimension, keys in _keys(state).items():
        if dimension not in snapshot.dimensions and dimension != "size_band":
            continue
        for key in keys:
            snapshot.counts[dimension][key] += sign
    band = state.get("size_band") or ""
    if band in BAND_JOBS:
        low, high = BAND_JOBS[band]
        snapshot.with_band += sign
        snapshot.jobs_low += sign * low
        snapshot.jobs_high += sign * high


def _today(snapshot: Snapshot) -> None:
    """Today's published organisations, grouped in the database: one query a dimension asked
    for, and one by size band (the total and the jobs)."""
    published = Organisation.objects.published()
    for band, n in published.values_list("size_band").annotate(n=Count("pk")).order_by():
        snapshot.total += n
        snapshot.counts["size_band"][band] += n
        if band in BAND_JOBS:
            snapshot.with_band += n
            snapshot.jobs_low += n * BAND_JOBS[band][0]
            snapshot.jobs_high += n * BAND_JOBS[band][1]
    wanted = snapshot.dimensions
    for dimension, model in (("sector", Sector), ("legal_form", LegalForm)):
        if dimension in wanted:
            codes = dict(model.objects.values_list("pk", "code"))
            for pk, n in published.values_list(dimension).annotate(n=Count("pk")).order_by():
                snapshot.counts[dimension][codes.get(pk, "")] += n
    if "country" in wanted:
        for country, n in published.values_list("country").annotate(n=Count("pk")).order_by():
            snapshot.counts["country"][country] += n
    if "region" in wanted:
        regions = published.values_list("country", "region").annotate(n=Count("pk")).order_by()
        for country, region, n in regions:
            snapshot.counts["region"][f"{country}|{region}"] += n
    if "family" in wanted:
        families = dict(Family.objects.values_list("pk", "code"))
        through = Organisation.families.through.objects.filter(
            organisation__status=Status.PUBLISHED
        )
        for pk, n in through.values_list("family").annotate(n=Count("pk")).order_by():
            snapshot.counts["family"][families[pk]] += n
    if "fr-departement" in wanted:
        prefixes = (
            published.filter(country="FR")
            .annotate(prefix=Substr("postal_code", 1, 3))
            .values_list("prefix")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for prefix, n in prefixes:
            if code := departement_of(prefix or ""):
                snapshot.counts["fr-departement"][code] += n


def _states_now(ids: list[int]) -> dict[int, dict]:
    """The counted facts of these organisations as they are now."""
    states = {}
    rows = Organisation.objects.filter(pk__in=ids).values(
        "pk", "status", "country", "region", "postal_code", "size_band",
        "sector__code", "legal_form__code",
    )  # fmt: skip
    for row in rows:
        states[row["pk"]] = {
            "status": row["status"], "country": row["country"], "region": row["region"],
            "postal_code": row["postal_code"], "size_band": row["size_band"],
            "sector": row["sector__code"], "legal_form": row["legal_form__code"], "families": [],
        }  # fmt: skip
    through = Organisation.families.through.objects.filter(organisation_id__in=ids)
    for pk, code in through.values_list("organisation_id", "family__code"):
        states[pk]["families"].append(code)
    return states


def end_of(day: date) -> datetime:
    """The first moment after `day`, in the site's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def counts_on(day: date, dimensions: tuple[str, ...] = DIMENSIONS) -> Snapshot:
    """The atlas's published organisations as they were at the end of `day`, by these
    dimensions."""
    snapshot = Snapshot(day, dimensions=tuple(dimensions))
    cutoff = end_of(day)
    firsts = [Organisation.objects.aggregate(first=Min("created_at"))["first"],
              Change.objects.aggregate(first=Min("created_at"))["first"]]  # fmt: skip
    if all(first is None or first >= cutoff for first in firsts):
        return snapshot  # before the atlas held anything
    _today(snapshot)
    later = list(
        Change.objects.filter(created_at__gte=cutoff)
        .order_by("-id")
        .values_list("organisation_id", "kind", "fields")
    )
    created_later = set(
        Organisation.objects.filter(created_at__gte=cutoff).values_list("pk", flat=True)
    )
    ids = sorted({pk for pk, _kind, _fields in later} | created_later)
    snapshot.changed_since = len(ids)
    if not ids:
        return snapshot
    now = {}
    for start in range(0, len(ids), 2000):
        now.update(_states_now(ids[start : start + 2000]))
    then: dict[int, dict | None] = {pk: dict(now.get(pk, {})) for pk in ids}
    for pk, kind, fields in later:  # newest first: each step goes one change back
        if kind == Change.Kind.CREATED:
            then[pk] = None
            continue
        state = then[pk] if then[pk] is not None else {}
        for name in FACT_NAMES:
            if name in fields:
                state[name] = fields[name][0]
        then[pk] = state
    for pk in created_later:  # whatever its changes say, it was not there yet
        then[pk] = None
    for pk in ids:
        _add(snapshot, now.get(pk), -1)
        _add(snapshot, then[pk], +1)
    return snapshot
