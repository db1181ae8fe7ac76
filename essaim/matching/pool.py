"""Every offered profile, and every open need, as columns of numbers in each process's memory,
so that one need is compared with 100,000 volunteers (or one volunteer with 100,000 needs) in
a few vectorised passes. This first pass estimates the score from what can be counted — the
competences and kinds of help, the meaning of the texts, place, language, time, kind — and
keeps the best few hundred ids; `suggestions` reads those from the database and scores them
exactly (`scoring.score`), parts and words.

The matching actions bump a counter after each commit that changes a need or a profile
(`core/generation`, "matching-generation"); a pool that sees a new number reads only the rows
updated since it last looked. Rows removed otherwise (an erased account, an archived
organisation) stay in memory until the pool is reloaded, at most RELOAD_AFTER later: the
exact pass reads from the database and never shows them.
"""

import json
import threading
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db.models import Max

from essaim.core import generation
from essaim.search.embeddings import INT8_SCALE

from .facts import Competences
from .models import CHANGES, Need, Profile, ProfileCompetence
from .scoring import FULL_MEANING, NO_MEANING, UNKNOWN_PLACE, Facts, weights

RELOAD_AFTER = 3600  # seconds
UPDATE_AT_MOST = 5000  # rows read by an update; more, and the pool reloads
EARTH_KM = 6371.0088
DIMENSIONS = 512
SERVICES = 64  # columns for the atlas's kinds of help (a taxonomy of about twenty)


@dataclass
class Columns:
    ids: np.ndarray
    vectors: np.ndarray  # float32, n × DIMENSIONS, scaled to unit length (zeros: no text)
    has_vector: np.ndarray
    latitude: np.ndarray  # radians, nan when unknown
    longitude: np.ndarray
    radius: np.ndarray  # km (profiles), nan for needs
    remote: np.ndarray  # a profile's "remotely too"; a need that can be remote
    on_site: np.ndarray  # a need that can be on site
    hours: np.ndarray  # nan when unknown
    languages: np.ndarray  # bitmask
    kinds: np.ndarray  # bitmask
    competences: np.ndarray  # bool n × competences
    services: np.ndarray  # bool n × SERVICES
    asked: np.ndarray  # a need's count of asks (competences + services + skills)


class Codes:
    """Bit positions and columns for languages, kinds, competences and services."""

    def __init__(self) -> None:
        self.bits: dict[str, int] = {}
        self.competences = Competences()
        self.competence_column = {pk: i for i, pk in enumerate(sorted(self.competences.area))}
        self.services: dict[str, int] = {}

    def mask(self, codes) -> int:
        value = 0
        for code in codes:
            if code not in self.bits:
                self.bits[code] = len(self.bits) % 63
            value |= 1 << self.bits[code]
        return value

    def service_column(self, code: str) -> int | None:
        column = self.services.setdefault(code, len(self.services))
        return column if column < SERVICES else None


def _loaded(value) -> list:
    return json.loads(value) if isinstance(value, str) else (value or [])


def _rows(model: type, queryset, codes: Codes) -> Columns:
    """The columns of these rows, from plain queries (no model instance)."""
    is_need = model is Need
    names = ["pk", "latitude", "longitude", "hours_per_week", "languages", "vector"]
    if is_need:
        names += ["where", "kind", "language", "skills"]
    else:
        names += ["radius_km", "remote", "kinds"]
    rows = list(queryset.order_by("pk").values_list(*names))
    n = len(rows)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    position = {pk: i for i, pk in enumerate(ids.tolist())}
    competences = np.zeros((n, max(1, len(codes.competence_column))), dtype=bool)
    services = np.zeros((n, SERVICES), dtype=bool)
    asked = np.zeros(n)
    if is_need:
        links = Need.competences.through.objects.filter(need__in=queryset)
        pairs = links.values_list("need_id", "competence_id")
        service_pairs = Need.services.through.objects.filter(need__in=queryset).values_list(
            "need_id", "service__code"
        )
    else:
        pairs = ProfileCompetence.objects.filter(profile__in=queryset).values_list(
            "profile_id", "competence_id"
        )
        service_pairs = Profile.services.through.objects.filter(profile__in=queryset).values_list(
            "profile_id", "service__code"
        )
    standing = {} if is_need else codes.competences.standing
    for owner, competence in pairs.iterator(chunk_size=20000):
        row = position.get(owner)
        if row is None:
            continue
        for held in (competence, *standing.get(competence, ())):
            column = codes.competence_column.get(held)
            if column is not None and not competences[row, column]:
                competences[row, column] = True
                asked[row] += held == competence
    for owner, code in service_pairs.iterator(chunk_size=20000):
        row, column = position.get(owner), codes.service_column(code)
        if row is not None and column is not None:
            services[row, column] = True
            asked[row] += 1
    vectors = np.zeros((n, DIMENSIONS), dtype=np.float32)
    has_vector = np.zeros(n, dtype=bool)
    for i, r in enumerate(rows):
        if r[5]:
            vectors[i] = np.frombuffer(bytes(r[5]), dtype=np.int8)
            has_vector[i] = True
    vectors /= INT8_SCALE
    if is_need:
        where = [r[6] for r in rows]
        # Free skills are matched on words, which the estimate does not read: they are left
        # out of its count rather than counted as missing.
        languages = [_loaded(r[4]) or [r[8]] for r in rows]
        kinds = [[r[7]] for r in rows]
        radius = np.full(n, np.nan)
        remote = np.array([w in ("remote", "either") for w in where], dtype=bool)
        on_site = np.array([w in ("on_site", "either") for w in where], dtype=bool)
    else:
        languages = [_loaded(r[4]) for r in rows]
        kinds = [_loaded(r[8]) for r in rows]
        radius = np.array([r[6] for r in rows], dtype=np.float64)
        remote = np.array([r[7] for r in rows], dtype=bool)
        on_site = np.ones(n, dtype=bool)
    return Columns(
        ids=ids,
        vectors=vectors,
        has_vector=has_vector,
        latitude=np.radians(np.array([r[1] if r[1] is not None else np.nan for r in rows],
                                     dtype=np.float64)),
        longitude=np.radians(np.array([r[2] if r[2] is not None else np.nan for r in rows],
                                      dtype=np.float64)),
        radius=radius,
        remote=remote,
        on_site=on_site,
        hours=np.array([r[3] if r[3] else np.nan for r in rows], dtype=np.float64),
        languages=np.array([codes.mask(x) for x in languages], dtype=np.int64),
        kinds=np.array([codes.mask(x) for x in kinds], dtype=np.int64),
        competences=competences,
        services=services,
        asked=asked,
    )  # fmt: skip


def _without(old: Columns, drop: np.ndarray) -> Columns:
    keep = ~np.isin(old.ids, drop)
    return Columns(**{f.name: getattr(old, f.name)[keep] for f in fields(Columns)})


def _joined(old: Columns, added: Columns) -> Columns:
    return Columns(
        **{f.name: np.concatenate([getattr(old, f.name), getattr(added, f.name)])
           for f in fields(Columns)}
    )  # fmt: skip


def _distance(lat: float, lon: float, latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    a = (
        np.sin((latitudes - lat) / 2) ** 2
        + np.cos(lat) * np.cos(latitudes) * np.sin((longitudes - lon) / 2) ** 2
    )
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(1.0, a)))


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
        self._loaded_at = 0.0
        self._last_update = None
        self._snapshot: tuple[Codes, Columns] | None = None

    def _queryset(self):
        if self.model is Profile:
            return Profile.objects.filter(published_at__isnull=False, paused=False)
        return Need.objects.open()

    def refresh(self) -> tuple[Codes, Columns]:
        """The codes and the columns, as one snapshot (another thread may replace them)."""
        state = (Path(settings.ESSAIM["INDEX_DIR"]), generation.current(CHANGES))
        stale = time.monotonic() - self._loaded_at > RELOAD_AFTER
        snapshot = self._snapshot
        if state == self._state and snapshot is not None and not stale:
            return snapshot
        with self._lock:
            if state != self._state or self._snapshot is None or stale:
                same_place = self._state is not None and self._state[0] == state[0]
                if not (same_place and not stale and self._update()):
                    self._reload()
                self._state = state
            return self._snapshot

    def _reload(self) -> None:
        codes = Codes()
        self._last_update = self.model.objects.aggregate(last=Max("updated_at"))["last"]
        self._snapshot = (codes, _rows(self.model, self._queryset(), codes))
        self._loaded_at = time.monotonic()

    def _update(self) -> bool:
        """Read only the rows updated since the last look (those no longer offered or open
        leave the pool)."""
        if self._last_update is None:
            return False
        changed = self.model.objects.filter(updated_at__gte=self._last_update)
        found = list(changed.values_list("pk", "updated_at")[: UPDATE_AT_MOST + 1])
        if len(found) > UPDATE_AT_MOST:
            return False  # a bulk change: reloading costs less than a huge `IN`
        if not found:
            return True
        self._last_update = max(updated for _pk, updated in found)
        ids = np.array([pk for pk, _updated in found], dtype=np.int64)
        codes, columns = self._snapshot
        added = _rows(self.model, self._queryset().filter(pk__in=ids.tolist()), codes)
        self._snapshot = (codes, _joined(_without(columns, ids), added))
        return True

    # Estimates --------------------------------------------------------------------------

    @staticmethod
    def _common(codes: Codes, c: Columns, query: Facts,
                query_is_need: bool) -> dict[str, np.ndarray]:  # fmt: skip
        n = len(c.ids)
        if query.point is None:
            distance = np.full(n, np.nan)
        else:
            lat, lon = np.radians(query.point[0]), np.radians(query.point[1])
            distance = _distance(lat, lon, c.latitude, c.longitude)
        reach = c.radius if query_is_need else np.full(n, float(query.radius_km or 0))
        with np.errstate(invalid="ignore", divide="ignore"):
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
        mask = codes.mask(query.languages)
        language = np.full(n, np.nan)
        if mask:
            language = np.where(c.languages == 0, np.nan,
                                np.where((c.languages & mask) != 0, 1.0, 0.0))  # fmt: skip
        if query.hours:
            offered, asked = (c.hours, query.hours) if query_is_need else (query.hours, c.hours)
            availability = np.where(
                np.isnan(offered) | np.isnan(asked), np.nan,
                np.where(offered >= asked, 1.0, np.where(offered * 2 >= asked, 0.5, 0.25)),
            )  # fmt: skip
        else:
            availability = np.full(n, np.nan)
        meaning = np.full(n, np.nan)
        if query.vector is not None:
            cosine = c.vectors @ (query.vector.astype(np.float32) / INT8_SCALE)
            meaning = np.where(
                c.has_vector,
                np.clip((cosine - NO_MEANING) / (FULL_MEANING - NO_MEANING), 0, 1),
                np.nan,
            )
        return {"place": place, "language": language, "availability": availability,
                "meaning": meaning}  # fmt: skip

    @staticmethod
    def _held(codes: Codes, c: Columns, facts: Facts) -> np.ndarray:
        vector = np.zeros(c.competences.shape[1], dtype=np.float32)
        for pk in facts.competences:
            column = codes.competence_column.get(pk)
            if column is not None:
                vector[column] = 1
        hits = c.competences @ vector
        for code in facts.services:
            column = codes.services.get(code)
            if column is not None and column < SERVICES:
                hits = hits + c.services[:, column]
        return hits

    def best_for_need(self, need: Facts, count: int) -> list[int]:
        """The ids of the `count` profiles whose estimated score for `need` is highest."""
        codes, c = self.refresh()
        if not len(c.ids):
            return []
        asked = len(need.competences) + len(need.services)
        skills = self._held(codes, c, need) / asked if asked else np.full(len(c.ids), np.nan)
        kind = np.where((c.kinds & codes.mask(need.kinds)) != 0, 1.0, 0.0)
        common = self._common(codes, c, need, query_is_need=True)
        return self._top(c, common, skills, kind, count)

    def best_for_offer(self, offer: Facts, count: int) -> list[int]:
        """The ids of the `count` needs whose estimated score with `offer` is highest."""
        codes, c = self.refresh()
        if not len(c.ids):
            return []
        hits = self._held(codes, c, offer)
        skills = np.divide(hits, c.asked, out=np.full(len(c.ids), np.nan), where=c.asked > 0)
        kind = np.where((c.kinds & codes.mask(offer.kinds)) != 0, 1.0, 0.0)
        common = self._common(codes, c, offer, query_is_need=False)
        return self._top(c, common, skills, kind, count)

    @staticmethod
    def _top(c: Columns, common: dict, skills: np.ndarray, kind: np.ndarray,
             count: int) -> list[int]:  # fmt: skip
        n, w = len(c.ids), weights()
        need_side = _weighted(
            [(skills, w["need.skills"]), (common["meaning"], w["need.meaning"]),
             (common["place"], w["need.place"]), (common["language"], w["need.language"]),
             (common["availability"], w["need.availability"])], n,
        )  # fmt: skip
        offer_side = _weighted(
            [(kind, w["offer.kind"]), (common["place"], w["offer.place"]),
             (common["language"], w["offer.language"]),
             (common["availability"], w["offer.availability"])], n,
        )  # fmt: skip
        total = need_side + offer_side
        estimate = np.divide(2 * need_side * offer_side, total, out=np.zeros(n), where=total > 0)
        count = min(count, n)
        best = np.argpartition(-estimate, count - 1)[:count]
        best = best[np.argsort(-estimate[best], kind="stable")]
        return c.ids[best].tolist()


_pools: dict[type, Pool] = {}
_pools_lock = threading.Lock()


def pool_of(model: type) -> Pool:
    with _pools_lock:
        if model not in _pools:
            _pools[model] = Pool(model)
        return _pools[model]


POOLS = "matching"  # the change feed's topic of needs and profiles


def changed(_ids=()) -> None:
    """Applied from the change feed after needs or profiles changed: this server's processes'
    pools look again."""
    generation.bump(CHANGES)
