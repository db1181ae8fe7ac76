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

from dataclasses import dataclass, field
from statistics import median
from typing import Any

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from essaim.search.embeddings import INT8_SCALE
from essaim.search.query import distance_km

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


def weights() -> dict[str, float]:
    return {**DEFAULT_WEIGHTS, **settings.ESSAIM.get("MATCHING_WEIGHTS", {})}


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
    words: frozenset = frozenset()  # the folded words of its texts
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


@dataclass(frozen=True)
class Part:
    side: str  # "need" or "offer"
    code: str
    label: str
    value: float  # 0–1
    weight: float
    words: str
    missing: bool = False  # shown as a warning

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


def score(need: Facts, offer: Facts, similarity: float | None = None) -> Match:
    """The match of `offer` for `need`, with its parts. `similarity` is the cosine of their
    texts when it is already known."""
    w = weights()
    place = _place(need, offer)
    language = _language(need, offer)
    availability = _availability(need, offer)
    drafts = [
        ("need", "skills", _("Skills"), _skills(need, offer)),
        ("need", "meaning", _("What the texts say"), _meaning(need, offer, similarity)),
        ("need", "place", _("Place"), place),
        ("need", "language", _("Language"), language),
        ("need", "availability", _("Time"), availability),
        ("need", "responsiveness", _("Answers"), _responsive(offer.responsiveness)),
        ("offer", "kind", _("Kind of help"), _kind(need, offer)),
        ("offer", "place", _("Place"), place),
        ("offer", "language", _("Language"), language),
        ("offer", "availability", _("Time"), availability),
        ("offer", "limits", _("What they will not do"), _limits(need, offer)),
        ("offer", "responsiveness", _("Answers"), _responsive(need.responsiveness)),
    ]
    parts = tuple(
        Part(side, code, label, found[0], w[f"{side}.{code}"], found[1], found[2])
        for side, code, label, found in drafts
        if found is not None and w[f"{side}.{code}"] > 0
    )
    need_side = _mean([p for p in parts if p.side == "need"])
    offer_side = _mean([p for p in parts if p.side == "offer"])
    total = round(100 * harmonic(need_side, offer_side))
    return Match(need, offer, parts, need_side, offer_side, total)


Found = tuple[float, str, bool] | None


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
        label = need.labels.get(pk, "") if need.labels else ""
        if pk in offer.competences:
            credit += 1
            has.append(label)
        elif need.areas.get(pk) in offer_areas:
            credit += SAME_AREA
            partly.append(label)
        else:
            lacks.append(label)
    for code, service in need.services.items():
        if code in offer.services:
            credit += 1
            has.append(str(service))
        else:
            lacks.append(str(service))
    for folded, written in need.skills.items():
        if folded in offer.skills or all(w in offer.words for w in folded.split()):
            credit += 1
            has.append(written)
        else:
            lacks.append(written)
    words = [
        ngettext("%(n)s of %(total)s asked for", "%(n)s of %(total)s asked for", len(has))
        % {"n": len(has), "total": asked}
    ]
    if has:
        words.append(_("has: %(items)s") % {"items": _listed(has)})
    if partly:
        words.append(_("close (same area): %(items)s") % {"items": _listed(partly)})
    if lacks:
        words.append(_("missing: %(items)s") % {"items": _listed(lacks)})
    return credit / asked, "; ".join(words), bool(lacks)


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
        words = _("the texts say much the same thing")
    elif value > 0:
        words = _("the texts are related")
    else:
        words = _("the texts speak of other things")
    return value, words, False


def site_fit(need: Facts, offer: Facts) -> tuple[float, str]:
    """How well an offer reaches the need's place, and how far it is."""
    if need.point is None or offer.point is None:
        return UNKNOWN_PLACE, _("the distance is not known")
    km = distance_km(*need.point, *offer.point)
    where = _("%(km)s km away") % {"km": round(km)}
    reach = offer.radius_km
    if reach is None:  # a provider: near enough to go there
        reach = 50.0
    if km <= reach:
        value = 1 - 0.5 * km / reach if reach else 1.0
        return value, _("%(where)s, within the %(reach)s km they travel") % {
            "where": where,
            "reach": round(reach),
        }
    return 0.0, _("%(where)s, beyond the %(reach)s km they travel") % {
        "where": where,
        "reach": round(reach),
    }


def _place(need: Facts, offer: Facts) -> Found:
    remote = (1.0, _("remotely, as both can")) if offer.remote else None
    if need.where == "remote":
        if remote:
            return (*remote, False)
        return 0.0, _("the need is remote, the offer on site only"), True
    value, words = site_fit(need, offer)
    if need.where == "either" and remote and remote[0] > value:
        return (*remote, False)
    return value, words, value == 0


def _language(need: Facts, offer: Facts) -> Found:
    if not need.languages or not offer.languages:
        return None
    common = sorted(need.languages & offer.languages)
    if common:
        return 1.0, _("in common: %(codes)s") % {"codes": ", ".join(common)}, False
    return (
        0.0,
        _("no language in common (%(need)s asked, %(offer)s spoken)")
        % {"need": ", ".join(sorted(need.languages)), "offer": ", ".join(sorted(offer.languages))},
        True,
    )


def _availability(need: Facts, offer: Facts) -> Found:
    if need.hours is None or offer.hours is None:
        return None
    value = min(1.0, offer.hours / need.hours)
    if value >= 1:
        return 1.0, _("enough time for the hours asked"), False
    return value, _("less time than the hours asked"), True


def _responsive(facts: Responsiveness) -> Found:
    """Answered share × speed × (1/2 + 1/2 accepted share), shown as plain facts."""
    if not facts.asked:
        return 0.5, _("no request received yet"), False
    speed = 1.0
    if facts.median_hours is not None and facts.median_hours > FAST_HOURS:
        speed = 0.75 if facts.median_hours <= SLOW_HOURS else 0.5
    accepted_share = facts.accepted / facts.answered if facts.answered else 0
    value = facts.answered / facts.asked * speed * (0.5 + 0.5 * accepted_share)
    words = ngettext(
        "%(answered)s of %(asked)s request answered",
        "%(answered)s of %(asked)s requests answered",
        facts.asked,
    ) % {"answered": facts.answered, "asked": facts.asked}
    if facts.median_hours is not None:
        days = max(1, round(facts.median_hours / 24))
        words += ", " + ngettext(
            "usually within %(days)s day", "usually within %(days)s days", days
        ) % {"days": days}
    words += ", " + ngettext("%(n)s accepted", "%(n)s accepted", facts.accepted) % {
        "n": facts.accepted
    }
    return value, words, facts.answered < facts.asked / 2


def _kind(need: Facts, offer: Facts) -> Found:
    (kind,) = need.kinds
    if offer.kind == "provider":
        if kind == "service":
            return 1.0, _("a provider of services"), False
        return 0.5, _("a provider: usually a paid service"), False
    if kind in offer.kinds:
        return 1.0, _("offers this kind of help"), False
    return 0.0, _("does not offer this kind of help"), True


def _limits(need: Facts, offer: Facts) -> Found:
    if not offer.will_not_do:
        return None
    said = [written for folded, written in offer.will_not_do.items() if _says(need, folded)]
    if said:
        return 0.0, _("the need speaks of %(words)s") % {"words": _listed(said)}, True
    return 1.0, _("nothing they said they will not do"), False


def _says(need: Facts, folded: str) -> bool:
    return all(word in need.words for word in folded.split())
