"""Needs, volunteers' profiles and the atlas's providers as the plain facts scoring reads
(`scoring.Facts`), and how responsive each side has been."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

import numpy as np
from django.db.models import F
from django.utils import timezone

from essaim.atlas.models import Organisation, Service, Territory
from essaim.competences.models import Competence, standing_for
from essaim.search.embeddings import get_embedder, quantise
from essaim.search.text import fold

from .models import Contact, Need, Profile, ProfileCompetence
from .scoring import Facts, Responsiveness

# The territories served from which a provider works remotely.
SERVING_REMOTELY = {Territory.REMOTE, Territory.NATIONAL, Territory.EUROPEAN}


def folded_terms(items: Iterable[str]) -> dict[str, str]:
    """{folded: as written} for free words ("WordPress", "Impression 3D")."""
    found = {}
    for item in items:
        folded = " ".join(fold(item))
        if folded:
            found.setdefault(folded, item)
    return found


def need_text(need: Need) -> str:
    return "\n".join([need.title, need.description, ", ".join(need.skills)])


def profile_text(profile: Profile) -> str:
    return "\n".join([profile.presentation, ", ".join(profile.skills)])


def vector_of(text: str) -> bytes | None:
    """The quantised meaning vector of a text, as stored on needs and profiles."""
    embedder = get_embedder()
    if embedder is None or not text.strip():
        return None
    return quantise(embedder.encode([text]))[0].tobytes()


def _vector(data: bytes | memoryview | None) -> np.ndarray | None:
    return np.frombuffer(bytes(data), dtype=np.int8) if data else None


class Labels:
    """Competences' labels in the language of the moment (the pools outlive a request)."""

    def __init__(self, competences: dict[int, Competence]) -> None:
        self._competences = competences

    def get(self, pk: int, default: str = "") -> str:
        found = self._competences.get(pk)
        return found.label if found else default


class Competences:
    """The framework's competences once: labels, areas, and those that stand for others."""

    def __init__(self) -> None:
        rows = list(Competence.objects.all())
        self.area = {c.pk: c.area_id for c in rows}
        self.label = Labels({c.pk: c for c in rows})
        self.standing = standing_for()

    def wanted(self, ids: Iterable[int]) -> dict[int, int]:
        return dict.fromkeys(ids, 0)

    def held(self, levels: dict[int, int]) -> dict[int, int]:
        """A volunteer's competences, with those that stand for them at the same level."""
        found = dict(levels)
        for pk, level in levels.items():
            for other in self.standing.get(pk, ()):
                found.setdefault(other, level)
        return found


def need_facts(needs: list[Need], competences: Competences | None = None) -> list[Facts]:
    competences = competences or Competences()
    ids = [n.pk for n in needs]
    wanted = defaultdict(list)
    for need_id, pk in Need.competences.through.objects.filter(need__in=ids).values_list(
        "need_id", "competence_id"
    ):
        wanted[need_id].append(pk)
    services = defaultdict(dict)
    known = {s.pk: s for s in Service.objects.all()}
    for need_id, pk in Need.services.through.objects.filter(need__in=ids).values_list(
        "need_id", "service_id"
    ):
        services[need_id][known[pk].code] = known[pk]
    responsive = organisation_responsiveness({n.organisation_id for n in needs})
    return [
        Facts(
            kind="need",
            pk=n.pk,
            name=n.title,
            text=need_text(n),
            competences=competences.wanted(wanted[n.pk]),
            areas=competences.area,
            labels=competences.label,
            services=services[n.pk],
            skills=folded_terms(n.skills),
            languages=frozenset(n.languages or [n.language]),
            point=n.point,
            where=n.where,
            hours=n.hours_per_week,
            kinds=frozenset([n.kind]),
            vector=_vector(n.vector),
            responsiveness=responsive.get(n.organisation_id, Responsiveness()),
            place_name=n.locality,
        )
        for n in needs
    ]


def profile_facts(profiles: list[Profile], competences: Competences | None = None) -> list[Facts]:
    competences = competences or Competences()
    ids = [p.pk for p in profiles]
    levels = defaultdict(dict)
    for row in ProfileCompetence.objects.filter(profile__in=ids).values(
        "profile_id", "competence_id", "level"
    ):
        levels[row["profile_id"]][row["competence_id"]] = row["level"]
    services = defaultdict(dict)
    for row in Profile.services.through.objects.filter(profile__in=ids).values(
        "profile_id", code=F("service__code")
    ):
        services[row["profile_id"]][row["code"]] = row["code"]
    responsive = profile_responsiveness(ids)
    return [
        Facts(
            kind="profile",
            pk=p.pk,
            name=p.name,
            text=profile_text(p),
            competences=competences.held(levels[p.pk]),
            areas=competences.area,
            labels=competences.label,
            services=services[p.pk],
            skills=folded_terms(p.skills),
            languages=frozenset(p.languages),
            point=p.point,
            radius_km=p.radius_km,
            remote=p.remote,
            hours=p.hours_per_week,
            kinds=frozenset(p.kinds),
            will_not_do=folded_terms(p.will_not_do.split(",")),
            vector=_vector(p.vector),
            responsiveness=responsive.get(p.pk, Responsiveness()),
            place_name=p.locality,
            summary=p.presentation,
        )
        for p in profiles
    ]


def provider_facts(
    organisations: list[Organisation], vectors: dict[int, np.ndarray] | None = None
) -> list[Facts]:
    """The atlas's organisations as offers: their services, texts, place and languages."""
    responsive = provider_responsiveness([o.pk for o in organisations])
    found = []
    for org in organisations:
        text = " ".join([org.short_description.text, org.description.text])
        found.append(
            Facts(
                kind="provider",
                pk=org.pk,
                name=org.name,
                text=text,
                services={s.code: s for s in org.services.all()},
                languages=frozenset(org.languages),
                point=(org.latitude, org.longitude) if org.has_coordinates else None,
                remote=org.territory in SERVING_REMOTELY,
                vector=(vectors or {}).get(org.pk),
                responsiveness=responsive.get(org.pk, Responsiveness()),
                place_name=org.locality,
                url=org.get_absolute_url(),
                summary=org.short_description.text or org.description.text,
            )
        )
    return found


def _responsiveness(contacts, key: str) -> dict[int, Responsiveness]:
    delays, accepted = defaultdict(list), defaultdict(int)
    for row in contacts.values(key, "created_at", "answered_at", "state"):
        answered = row["answered_at"]
        hours = (answered - row["created_at"]).total_seconds() / 3600 if answered else None
        delays[row[key]].append(hours)
        if row["state"] in (Contact.State.ACCEPTED, Contact.State.DONE):
            accepted[row[key]] += 1
    return {pk: Responsiveness.of(found, accepted[pk]) for pk, found in delays.items()}


# A request still waiting counts against the one asked only once it has waited this long.
ANSWER_EXPECTED_WITHIN = timedelta(days=7)


def _received(contacts):
    recent = timezone.now() - ANSWER_EXPECTED_WITHIN
    return contacts.exclude(state=Contact.State.WITHDRAWN).exclude(
        state=Contact.State.PROPOSED, created_at__gt=recent
    )


def profile_responsiveness(ids: list[int]) -> dict[int, Responsiveness]:
    asked = Contact.objects.filter(profile__in=ids, asked_by=Contact.Side.NEED)
    return _responsiveness(_received(asked), "profile_id")


def provider_responsiveness(ids: list[int]) -> dict[int, Responsiveness]:
    asked = Contact.objects.filter(provider__in=ids, asked_by=Contact.Side.NEED)
    return _responsiveness(_received(asked), "provider_id")


def organisation_responsiveness(ids: Iterable[int]) -> dict[int, Responsiveness]:
    asked = Contact.objects.filter(need__organisation__in=list(ids), asked_by=Contact.Side.OFFER)
    return _responsiveness(_received(asked).annotate(org=F("need__organisation_id")), "org")
