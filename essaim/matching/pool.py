"""Every offered profile, and every open need, as columns of numbers in each process's memory,
so that one need is compared with 100,000 volunteers (or one volunteer with 100,000 needs) in
a few vectorised passes. This first pass estimates the score from what can be counted — the
competences and kinds of help, the meaning of the texts, place, language, time, kind — and
keeps the best few hundred; `scoring.score` then scores those exactly, parts and words.

A pool reloads when its rows change: it asks the database for the number of rows and the
latest update (one indexed query), and reads only the rows updated since, unless some were
removed.
"""

import threading
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max

from essaim.search.embeddings import INT8_SCALE

from .facts import Competences, need_facts, profile_facts
from .models import Need, Profile
from .scoring import DEFAULT_WEIGHTS, FULL_MEANING, NO_MEANING, UNKNOWN_PLACE, Facts, weights

EARTH_KM = 6371.0088
DIMENSIONS = 512
CHUNK = 5000


@dataclass
class Columns:
    ids: np.ndarray
    facts: list[Facts]
    vectors: np.ndarray  # int8, n × DIMENSIONS
    latitude: np.ndarray  # radians, nan when unknown
    longitude: np.ndarray
    radius: np.ndarray  # km (offers), nan for needs
    remote: np.ndarray  # bool: an offer's "remotely too"; a need's "remote" or "either"
    on_site: np.ndarray  # bool: a need that can be on site
    hours: np.ndarray  # nan when unknown
    languages: np.ndarray  # bitmask
    kinds: np.ndarray  # bitmask
    competences: np.ndarray  # bool n × competences
    services: np.ndarray  # bool n × services
    asked: np.ndarray  # a need's count of asks (competences + services + skills)


class Codes:
    """Bit positions and columns for languages, kinds, competences and services."""

    def __init__(self) -> None:
        self.bits: dict[str, int] = {}
        self.competences = Competences()
        self.competence_column = {pk: i for i, pk in enumerate(sorted(self.competences.area))}
        self.services: dict[str, int] = {}

    def bit(self, code: str) -> int:
        if code not in self.bits:
            self.bits[code] = len(self.bits) % 63
        return 1 << self.bits[code]

    def mask(self, codes) -> int:
        value = 0
        for code in codes:
            value |= self.bit(code)
        return value

    def service_column(self, code: str) -> int:
        return self.services.setdefault(code, len(self.services))


def _columns(facts: list[Facts], codes: Codes, services_width: int = 64) -> Columns:
    n = len(facts)
    vectors = np.zeros((n, DIMENSIONS), dtype=np.int8)
    competences = np.zeros((n, len(codes.competence_column) or 1), dtype=bool)
    services = np.zeros((n, services_width), dtype=bool)
    for i, f in enumerate(facts):
        if f.vector is not None:
            vectors[i] = f.vector
        for pk in f.competences:
            if pk in codes.competence_column:
                competences[i, codes.competence_column[pk]] = True
        for code in f.services:
            column = codes.service_column(code)
            if column < services_width:
                services[i, column] = True

    def points(index: int) -> np.ndarray:
        return np.radians(
            np.array([f.point[index] if f.point else np.nan for f in facts], dtype=np.float64)
        )

    return Columns(
        ids=np.array([f.pk for f in facts], dtype=np.int64),
        facts=facts,
        vectors=vectors,
        latitude=points(0),
        longitude=points(1),
        radius=np.array(
            [f.radius_km if f.radius_km is not None else np.nan for f in facts], dtype=np.float64
        ),
        remote=np.array([f.remote or f.where in ("remote", "either") for f in facts], dtype=bool)
        if n and facts[0].kind == "need"
        else np.array([f.remote for f in facts], dtype=bool),
        on_site=np.array([f.where in ("on_site", "either") for f in facts], dtype=bool),
        hours=np.array([f.hours if f.hours else np.nan for f in facts], dtype=np.float64),
        languages=np.array([codes.mask(f.languages) for f in facts], dtype=np.int64),
        kinds=np.array([codes.mask(f.kinds) for f in facts], dtype=np.int64),
        competences=competences,
        services=services,
        asked=np.array(
            [len(f.competences) + len(f.services) + len(f.skills) for f in facts], dtype=np.float64
        ),
    )


def _joined(old: Columns, keep: np.ndarray, added: Columns) -> Columns:
    joined = {}
    for name in Columns.__dataclass_fields__:
        if name == "facts":
            joined[name] = [old.facts[i] for i in keep] + added.facts
        else:
            joined[name] = np.concatenate([getattr(old, name)[keep], getattr(added, name)])
    return Columns(**joined)


def _distance(lat: float, lon: float, latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    a = (
        np.sin((latitudes - lat) / 2) ** 2
        + np.cos(lat) * np.cos(latitudes) * np.sin((longitudes - lon) / 2) ** 2
    )
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(1.0, a)))


def _meaning(vectors: np.ndarray, vector: np.ndarray | None) -> np.ndarray:
    if vector is None:
        return np.full(len(vectors), np.nan)
    cos = (vectors.astype(np.float32) @ vector.astype(np.float32)) / (INT8_SCALE * INT8_SCALE)
    return np.clip((cos - NO_MEANING) / (FULL_MEANING - NO_MEANING), 0, 1)


def _weighted(parts: list[tuple[np.ndarray, float]], n: int) -> np.ndarray:
    total, weight = np.zeros(n), np.zeros(n)
    for values, w in parts:
        known = ~np.isnan(values)
        total += np.where(known, values, 0) * w
        weight += known * w
    return np.divide(total, weight, out=np.zeros(n), where=weight > 0)


class Pool:
    """Offered profiles (`Pool(Profile)`) or open needs (`Pool(Need)`)."""

    def __init__(self, model: type) -> None:
        self.model = model
        self._lock = threading.Lock()
        self._state: tuple | None = None
        self.codes = Codes()
        self.columns: Columns | None = None

    def _queryset(self):
        if self.model is Profile:
            return Profile.objects.filter(published_at__isnull=False, paused=False)
        return Need.objects.open()

    def _facts(self, rows: list) -> list[Facts]:
        if self.model is Profile:
            return profile_facts(rows, self.codes.competences)
        return need_facts(rows, self.codes.competences)

    def refresh(self) -> Columns:
        state = tuple(self._queryset().aggregate(n=Count("id"), last=Max("updated_at")).values())
        if state == self._state and self.columns is not None:
            return self.columns
        with self._lock:
            if state != self._state or self.columns is None:
                if not (self.columns is not None and self._state and self._update(state)):
                    self._reload()
                self._state = state
        return self.columns

    def _reload(self) -> None:
        self.codes = Codes()
        rows = list(self._queryset().order_by("pk"))
        facts = []
        for start in range(0, len(rows), CHUNK):
            facts += self._facts(rows[start : start + CHUNK])
        self.columns = _columns(facts, self.codes)

    def _update(self, state: tuple) -> bool:
        """Read only the rows updated since the last look; False when rows were removed
        meanwhile (a full reload then)."""
        last_seen = self._state[1]
        if last_seen is None:
            return False
        changed = set(
            self.model.objects.filter(updated_at__gte=last_seen).values_list("pk", flat=True)
        )
        if len(changed) > CHUNK:
            return False
        rows = list(self._queryset().filter(pk__in=changed).order_by("pk"))
        old = self.columns
        keep = np.flatnonzero(~np.isin(old.ids, list(changed)))
        if len(keep) + len(rows) != state[0]:
            return False
        added = _columns(self._facts(rows), self.codes, old.services.shape[1])
        self.columns = _joined(old, keep, added)
        return True

    # Estimates --------------------------------------------------------------------------

    def _common(self, c: Columns, query: Facts, query_is_need: bool) -> dict[str, np.ndarray]:
        n = len(c.ids)
        if query.point is None:
            distance = np.full(n, np.nan)
        else:
            lat, lon = np.radians(query.point[0]), np.radians(query.point[1])
            distance = _distance(lat, lon, c.latitude, c.longitude)
        reach = c.radius if query_is_need else np.full(n, query.radius_km or 0.0)
        site = np.where(
            np.isnan(distance),
            UNKNOWN_PLACE,
            np.where(distance <= reach, 1 - 0.5 * distance / np.maximum(reach, 1e-9), 0.0),
        )
        if query_is_need:
            remote_ok = c.remote & (query.where != "on_site")
            site_wanted = np.full(n, query.where != "remote")
        else:
            remote_ok = c.remote & query.remote
            site_wanted = c.on_site
        place = np.maximum(np.where(site_wanted, site, 0.0), np.where(remote_ok, 1.0, 0.0))
        mask = self.codes.mask(query.languages)
        language = np.where((c.languages & mask) != 0, 1.0, 0.0) if mask else np.full(n, np.nan)
        if query.hours:
            ratio = c.hours / query.hours if query_is_need else query.hours / c.hours
            availability = np.minimum(1.0, ratio)
        else:
            availability = np.full(n, np.nan)
        return {"place": place, "language": language, "availability": availability}

    def best_for_need(self, need: Facts, count: int) -> list[Facts]:
        """The `count` profiles whose estimated score for `need` is highest."""
        c = self.refresh()
        if not len(c.ids):
            return []
        n, w = len(c.ids), {**DEFAULT_WEIGHTS, **weights()}
        common = self._common(c, need, query_is_need=True)
        wanted = np.zeros(c.competences.shape[1])
        for pk in need.competences:
            if pk in self.codes.competence_column:
                wanted[self.codes.competence_column[pk]] = 1
        hits = c.competences @ wanted
        service_hits = np.zeros(n)
        for code in need.services:
            column = self.codes.services.get(code)
            if column is not None and column < c.services.shape[1]:
                service_hits += c.services[:, column]
        asked = len(need.competences) + len(need.services) + len(need.skills)
        skills = (hits + service_hits) / asked if asked else np.full(n, np.nan)
        kind_bit = self.codes.mask(need.kinds)
        kind = np.where((c.kinds & kind_bit) != 0, 1.0, 0.0)
        need_side = _weighted(
            [
                (skills, w["need.skills"]),
                (_meaning(c.vectors, need.vector), w["need.meaning"]),
                (common["place"], w["need.place"]),
                (common["language"], w["need.language"]),
                (common["availability"], w["need.availability"]),
            ],
            n,
        )
        offer_side = _weighted(
            [
                (kind, w["offer.kind"]),
                (common["place"], w["offer.place"]),
                (common["language"], w["offer.language"]),
                (common["availability"], w["offer.availability"]),
            ],
            n,
        )
        return self._top(c, need_side, offer_side, count)

    def best_for_offer(self, offer: Facts, count: int) -> list[Facts]:
        """The `count` needs whose estimated score with `offer` is highest."""
        c = self.refresh()
        if not len(c.ids):
            return []
        n, w = len(c.ids), {**DEFAULT_WEIGHTS, **weights()}
        common = self._common(c, offer, query_is_need=False)
        held = np.zeros(c.competences.shape[1])
        for pk in offer.competences:
            if pk in self.codes.competence_column:
                held[self.codes.competence_column[pk]] = 1
        hits = c.competences @ held
        for code in offer.services:
            column = self.codes.services.get(code)
            if column is not None and column < c.services.shape[1]:
                hits = hits + c.services[:, column]
        skills = np.divide(hits, c.asked, out=np.full(n, np.nan), where=c.asked > 0)
        kind = np.where((c.kinds & self.codes.mask(offer.kinds)) != 0, 1.0, 0.0)
        need_side = _weighted(
            [
                (skills, w["need.skills"]),
                (_meaning(c.vectors, offer.vector), w["need.meaning"]),
                (common["place"], w["need.place"]),
                (common["language"], w["need.language"]),
                (common["availability"], w["need.availability"]),
            ],
            n,
        )
        offer_side = _weighted(
            [
                (kind, w["offer.kind"]),
                (common["place"], w["offer.place"]),
                (common["language"], w["offer.language"]),
                (common["availability"], w["offer.availability"]),
            ],
            n,
        )
        return self._top(c, need_side, offer_side, count)

    @staticmethod
    def _top(c: Columns, need_side: np.ndarray, offer_side: np.ndarray, count: int) -> list[Facts]:
        total = need_side + offer_side
        estimate = np.divide(2 * need_side * offer_side, total, out=np.zeros(len(total)),
                             where=total > 0)  # fmt: skip
        count = min(count, len(estimate))
        best = np.argpartition(-estimate, count - 1)[:count]
        best = best[np.argsort(-estimate[best], kind="stable")]
        return [c.facts[i] for i in best]


_pools: dict[type, Pool] = {}
_pools_lock = threading.Lock()


def pool_of(model: type) -> Pool:
    with _pools_lock:
        if model not in _pools:
            _pools[model] = Pool(model)
        return _pools[model]
