"""The match score, 0–100, from named parts a person can read, for both sides.

Each side asks its own question. The organisation's: does this offer suit the need (skills,
meaning of the texts, place, language, availability, how responsive the offer has been)? The
volunteer's or provider's: does this need suit the offer (the kind of help, place, language,
availability, what they will not do, how responsive the organisation has been)? Each side's
score is the weighted mean of its parts that apply (a part without data is left out, not
counted as zero). The match's score is the harmonic mean of the two sides, so that a match
must suit both: 0.9 for one side and 0.3 for the other make 45, not 60.

Every part says in words what fits and what is missing; a missing skill warns, it never hides
an offer. The weights are settings (`ESSAIM_MATCHING_WEIGHTS`), documented in
docs/matching.md.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import median
from typing import Any

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from essaim.core import generation
from essaim.search.embeddings import INT8_SCALE
from essaim.search.query import distance_km
from essaim.search.text import fold

from .models import CHANGES, Weights

# Cosines of the multilingual model below this say nothing (unrelated texts score 0.05–0.2);
# from FULL_MEANING on, the texts say the same thing.
NO_MEANING = 0.15
FULL_MEANING = 0.5
# Credit for a competence of the same area as the one asked for, rather than the same one.
SAME_AREA = 0.5
# An offer whose place is unknown fits an on-site need this much (it may be near).
UNKNOWN_PLACE = 0.3
# Requests answered within these hours count fully; slower answers less.
FAST_HOURS = 48
SLOW_HOURS = 7 * 24

DEFAULT_WEIGHTS = {
    "need.skills": 40,
    "need.meaning": 20,
    "need.place": 15,
    "need.language": 10,
    "need.availability": 10,
    "need.responsiveness": 5,
    "offer.kind": 30,
    "offer.place": 25,
    "offer.language": 15,
    "offer.availability": 15,
    "offer.limits": 10,
    "offer.responsiveness": 5,
}


_weights: tuple[tuple, dict[str, float]] | None = None


def weights() -> dict[str, float]:
    """The defaults, then ESSAIM_MATCHING_WEIGHTS, then the moderators' page; read again only
    after a change (the matching counter)."""
    global _weights
    state = (settings.ESSAIM["INDEX_DIR"], generation.current(CHANGES))
    if _weights is None or _weights[0] != state:
        chosen = Weights.objects.filter(pk=1).values_list("values", flat=True).first() or {}
        found = {**DEFAULT_WEIGHTS, **settings.ESSAIM.get("MATCHING_WEIGHTS", {}), **chosen}
        _weights = (state, {k: float(v) for k, v in found.items() if k in DEFAULT_WEIGHTS})
    return _weights[1]


@dataclass(frozen=True)
class Responsiveness:
    """How one side has answered the requests it received."""

    asked: int = 0
    answered: int = 0
    accepted: int = 0
    median_hours: float | None = None

    @classmethod
    def of(cls, delays_hours: list[float | None], accepted: int) -> "Responsiveness":
        """From the delays of the requests received (None: not answered)."""
        answered = [d for d in delays_hours if d is not None]
        return cls(
            len(delays_hours), len(answered), accepted, median(answered) if answered else None
        )


@dataclass
class Facts:
    """What scoring needs of a need or an offer, as plain values."""

    kind: str  # "need", "profile" or "provider"
    pk: int
    name: str = ""
    text: str = ""
    competences: dict[int, int] = field(default_factory=dict)  # id → level (0: wanted)
    areas: dict[int, int] = field(default_factory=dict)  # competence id → area id
    labels: Any = None  # competence id → its label, in the language of the moment
    services: dict[str, Any] = field(default_factory=dict)  # code → the Service (or code)
    skills: dict[str, str] = field(default_factory=dict)  # folded → as written
    _words: frozenset | None = None  # the folded words of `text`, when first needed
    languages: frozenset = frozenset()
    point: tuple[float, float] | None = None
    radius_km: float | None = None  # None: a need's own place, or a provider's
    remote: bool = False
    where: str = "either"  # a need's
    hours: int | None = None
    kinds: frozenset = frozenset()  # an offer's kinds, or a need's one kind
    will_not_do: dict[str, str] = field(default_factory=dict)  # folded → as written
    vector: np.ndarray | None = None
    responsiveness: Responsiveness = field(default_factory=Responsiveness)
    place_name: str = ""
    url: str = ""  # a provider's page in the atlas
    summary: str = ""  # what is shown of it: a volunteer's presentation, a provider's summary

    @property
    def words(self) -> frozenset:
        """The folded words of its text (read only when a need names free skills or a
        volunteer says what they will not do)."""
        if self._words is None:
            self._words = frozenset(fold(self.text))
        return self._words


LABELS = {
    "skills": gettext_lazy("Skills"),
    "meaning": gettext_lazy("What the texts say"),
    "place": gettext_lazy("Place"),
    "language": gettext_lazy("Language"),
    "availability": gettext_lazy("Time"),
    "responsiveness": gettext_lazy("Answers"),
    "kind": gettext_lazy("Kind of help"),
    "limits": gettext_lazy("What they will not do"),
}


@dataclass(frozen=True)
class Part:
    side: str  # "need" or "offer"
    code: str
    value: float  # 0–1
    weight: float
    describe: Callable[[], str]
    missing: bool = False  # shown as a warning

    @property
    def label(self) -> str:
        return str(LABELS[self.code])

    @property
    def words(self) -> str:
        return self.describe()

    @property
    def percent(self) -> int:
        return round(self.value * 100)


@dataclass(frozen=True)
class Match:
    need: Facts
    offer: Facts
    parts: tuple[Part, ...]
    need_side: float
    offer_side: float
    score: int  # 0–100

    @property
    def warnings(self) -> list[Part]:
        """What is missing, once each (place, language and time count on both sides)."""
        found = {}
        for part in self.parts:
            if part.missing:
                found.setdefault(part.code, part)
        return list(found.values())

    def side(self, name: str) -> list[Part]:
        return [p for p in self.parts if p.side == name]


def _mean(parts: list[Part]) -> float:
    total = sum(p.weight for p in parts)
    return sum(p.value * p.weight for p in parts) / total if total else 0.0


def harmonic(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if a + b else 0.0


def score(need: Facts, offer: Facts, similarity: float | None = None,
          w: dict[str, float] | None = None) -> Match:  # fmt: skip
    """The match of `offer` for `need`, with its parts. `similarity` is the cosine of their
    texts when it is already known; `w` the weights, read once for a whole ranking. The
    parts' words are written when first read: ranking hundreds of candidates costs their
    numbers only."""
    w = w or weights()
    place = _place(need, offer)
    language = _language(need, offer)
    availability = _availability(need, offer)
    drafts = [
        ("need", "skills", _skills(need, offer)),
        ("need", "meaning", _meaning(need, offer, similarity)),
        ("need", "place", place),
        ("need", "language", language),
        ("need", "availability", availability),
        ("need", "responsiveness", _responsive(offer.responsiveness)),
        ("offer", "kind", _kind(need, offer)),
        ("offer", "place", place),
        ("offer", "language", language),
        ("offer", "availability", availability),
        ("offer", "limits", _limits(need, offer)),
        ("offer", "responsiveness", _responsive(need.responsiveness)),
    ]
    parts = tuple(
        Part(side, code, found[0], w[f"{side}.{code}"], found[1], found[2])
        for side, code, found in drafts
        if found is not None and w[f"{side}.{code}"] > 0
    )
    need_side = _mean([p for p in parts if p.side == "need"])
    offer_side = _mean([p for p in parts if p.side == "offer"])
    total = round(100 * harmonic(need_side, offer_side))
    return Match(need, offer, parts, need_side, offer_side, total)


# A part: its value, how to say it in words (called when read), whether something is missing.
Found = tuple[float, Callable[[], str], bool] | None


def _listed(items: list[str]) -> str:
    return ", ".join(items)


def _skills(need: Facts, offer: Facts) -> Found:
    """The share of what the need asks for that the offer has: a competence (1, or 1/2 for
    one of the same area), a kind of help (a service), a skill in words."""
    asked = len(need.competences) + len(need.services) + len(need.skills)
    if not asked:
        return None
    has, partly, lacks = [], [], []
    offer_areas = {offer.areas.get(c) for c in offer.competences}
    credit = 0.0
    for pk in need.competences:
        if pk in offer.competences:
            credit += 1
            has.append(("competence", pk))
        elif need.areas.get(pk) in offer_areas:
            credit += SAME_AREA
            partly.append(("competence", pk))
        else:
            lacks.append(("competence", pk))
    for code in need.services:
        if code in offer.services:
            credit += 1
            has.append(("service", code))
        else:
            lacks.append(("service", code))
    for folded in need.skills:
        if folded in offer.skills or all(w in offer.words for w in folded.split()):
            credit += 1
            has.append(("skill", folded))
        else:
            lacks.append(("skill", folded))

    def named(items: list[tuple[str, object]]) -> str:
        names = []
        for kind, key in items:
            if kind == "competence":
                names.append(need.labels.get(key, "") if need.labels else "")
            elif kind == "service":
                names.append(str(need.services[key]))
            else:
                names.append(need.skills[key])
        return _listed(names)

    def words() -> str:
        found = [
            ngettext("%(n)s of %(total)s asked for", "%(n)s of %(total)s asked for", len(has))
            % {"n": len(has), "total": asked}
        ]
        if has:
            found.append(_("has: %(items)s") % {"items": named(has)})
        if partly:
            found.append(_("close (same area): %(items)s") % {"items": named(partly)})
        if lacks:
            found.append(_("missing: %(items)s") % {"items": named(lacks)})
        return "; ".join(found)

    return credit / asked, words, bool(lacks)


def cosine(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    if a is None or b is None:
        return None
    return float(np.dot(a.astype(np.int32), b.astype(np.int32))) / (INT8_SCALE * INT8_SCALE)


def meaning_value(similarity: float) -> float:
    return min(1.0, max(0.0, (similarity - NO_MEANING) / (FULL_MEANING - NO_MEANING)))


def _meaning(need: Facts, offer: Facts, similarity: float | None) -> Found:
    if similarity is None:
        similarity = cosine(need.vector, offer.vector)
    if similarity is None:
        return None
    value = meaning_value(similarity)
    if value >= 0.6:
        return value, lambda: _("the texts say much the same thing"), False
    if value > 0:
        return value, lambda: _("the texts are related"), False
    return value, lambda: _("the texts speak of other things"), False


def site_fit(need: Facts, offer: Facts) -> tuple[float, Callable[[], str]]:
    """How well an offer reaches the need's place, and how far it is."""
    if need.point is None or offer.point is None:
        return UNKNOWN_PLACE, lambda: _("the distance is not known")
    km = distance_km(*need.point, *offer.point)
    reach = offer.radius_km
    if reach is None:  # a provider: near enough to go there
        reach = 50.0
    known = {"where": None, "reach": round(reach)}

    def within() -> str:
        known["where"] = _("%(km)s km away") % {"km": round(km)}
        return _("%(where)s, within the %(reach)s km they travel") % known

    def beyond() -> str:
        known["where"] = _("%(km)s km away") % {"km": round(km)}
        return _("%(where)s, beyond the %(reach)s km they travel") % known

    if km <= reach:
        return (1 - 0.5 * km / reach if reach else 1.0), within
    return 0.0, beyond


def _place(need: Facts, offer: Facts) -> Found:
    def remotely() -> str:
        return _("remotely, as both can")

    if need.where == "remote":
        if offer.remote:
            return 1.0, remotely, False
        return 0.0, lambda: _("the need is remote, the offer on site only"), True
    value, words = site_fit(need, offer)
    if need.where == "either" and offer.remote and value < 1.0:
        return 1.0, remotely, False
    return value, words, value == 0


def _language(need: Facts, offer: Facts) -> Found:
    if not need.languages or not offer.languages:
        return None
    common = sorted(need.languages & offer.languages)
    if common:
        return 1.0, lambda: _("in common: %(codes)s") % {"codes": ", ".join(common)}, False
    asked, spoken = ", ".join(sorted(need.languages)), ", ".join(sorted(offer.languages))
    return (
        0.0,
        lambda: (
            _("no language in common (%(need)s asked, %(offer)s spoken)")
            % {"need": asked, "offer": spoken}
        ),
        True,
    )


def time_step(offered: float, asked: float) -> float:
    """1 with enough time, 1/2 with half of it or more, 1/4 below: in steps, so that the
    part never tells the volunteer's exact hours before they accept."""
    if offered >= asked:
        return 1.0
    return 0.5 if offered * 2 >= asked else 0.25


def _availability(need: Facts, offer: Facts) -> Found:
    if need.hours is None or offer.hours is None:
        return None
    value = time_step(offer.hours, need.hours)
    if value >= 1:
        return 1.0, lambda: _("enough time for the hours asked"), False
    return value, lambda: _("less time than the hours asked"), True


def _responsive(facts: Responsiveness) -> Found:
    """Answered share × speed × (1/2 + 1/2 accepted share), shown as plain facts."""
    if not facts.asked:
        return 0.5, lambda: _("no request received yet"), False
    speed = 1.0
    if facts.median_hours is not None and facts.median_hours > FAST_HOURS:
        speed = 0.75 if facts.median_hours <= SLOW_HOURS else 0.5
    accepted_share = facts.accepted / facts.answered if facts.answered else 0
    value = facts.answered / facts.asked * speed * (0.5 + 0.5 * accepted_share)

    def words() -> str:
        found = ngettext(
            "%(answered)s of %(asked)s request answered",
            "%(answered)s of %(asked)s requests answered",
            facts.asked,
        ) % {"answered": facts.answered, "asked": facts.asked}
        if facts.median_hours is not None:
            days = max(1, round(facts.median_hours / 24))
            found += ", " + ngettext(
                "usually within %(days)s day", "usually within %(days)s days", days
            ) % {"days": days}
        return (
            found
            + ", "
            + ngettext("%(n)s accepted", "%(n)s accepted", facts.accepted) % {"n": facts.accepted}
        )

    return value, words, facts.answered < facts.asked / 2


def _kind(need: Facts, offer: Facts) -> Found:
    (kind,) = need.kinds
    if offer.kind == "provider":
        if kind == "service":
            return 1.0, lambda: _("a provider of services"), False
        return 0.5, lambda: _("a provider: usually a paid service"), False
    if kind in offer.kinds:
        return 1.0, lambda: _("offers this kind of help"), False
    return 0.0, lambda: _("does not offer this kind of help"), True


def _limits(need: Facts, offer: Facts) -> Found:
    if not offer.will_not_do:
        return None
    said = [written for folded, written in offer.will_not_do.items() if _says(need, folded)]
    if said:
        return 0.0, lambda: _("the need speaks of %(words)s") % {"words": _listed(said)}, True
    return 1.0, lambda: _("nothing they said they will not do"), False


def _says(need: Facts, folded: str) -> bool:
    return all(word in need.words for word in folded.split())
