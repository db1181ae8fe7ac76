"""The best offers for a need, and the needs that fit an offer, each with its score's parts.

Volunteers and needs come from the pools (`pool.py`: an estimate over all of them, then the
exact score of the best few hundred); providers from the atlas's index (those offering the
kinds of help asked for, near the need's place, or serving it remotely) and from its meaning
vectors (the organisations whose texts say what the need says, in any language).
"""

from dataclasses import replace

from essaim.atlas.models import Organisation, Territory
from essaim.search.embeddings import get_embedder
from essaim.search.index import SearchQuery, get_index
from essaim.search.vectors import get_vector_store

from .facts import (
    need_facts,
    organisation_responsiveness,
    profile_facts,
    profile_responsiveness,
    provider_facts,
)
from .models import Need, Profile
from .pool import pool_of
from .scoring import Facts, Match, score

# How many estimated candidates are scored exactly.
EXACT = 200
PROVIDERS_NEAR_KM = 50
PROVIDER_CANDIDATES = 60


def _fresh_responsiveness(facts: list[Facts], kind: str) -> list[Facts]:
    """The pool's facts with today's answers (the pool may be older than the last answer)."""
    ids = [f.pk for f in facts]
    found = (profile_responsiveness if kind == "profile" else _need_responsiveness)(ids)
    return [replace(f, responsiveness=found[f.pk]) if f.pk in found else f for f in facts]


def _need_responsiveness(need_ids: list[int]) -> dict:
    organisations = dict(Need.objects.filter(pk__in=need_ids).values_list("pk", "organisation"))
    by_organisation = organisation_responsiveness(set(organisations.values()))
    return {pk: by_organisation[o] for pk, o in organisations.items() if o in by_organisation}


def _provider_candidates(need: Need, facts: Facts) -> tuple[list[Facts], dict[int, float]]:
    services = list(facts.services)
    ids: list[int] = []
    index = get_index()
    filters = {"service": services} if services else {}
    if facts.point is not None and need.where != "remote" and filters:
        near = SearchQuery(filters=filters, near=facts.point, radius_km=PROVIDERS_NEAR_KM,
                           sort="distance", limit=PROVIDER_CANDIDATES)  # fmt: skip
        ids += index.search(near).ids
    if filters:
        serving = [{**filters, "territory": [Territory.REMOTE, Territory.EUROPEAN]}]
        if need.country:
            serving.append({**filters, "territory": [Territory.NATIONAL],
                            "country": [str(need.country)]})  # fmt: skip
        for wider in serving:
            ids += index.search(SearchQuery(filters=wider, limit=PROVIDER_CANDIDATES // 2)).ids
    vectors = {}
    embedder = get_embedder()
    if embedder is not None and facts.vector is not None:
        store = get_vector_store(embedder.dimensions)
        for pk, similarity in store.nearest(facts.vector, PROVIDER_CANDIDATES):
            vectors[pk] = similarity
            ids.append(pk)
    organisations = [
        o
        for o in Organisation.objects.published().in_order(list(dict.fromkeys(ids)))
        if o.pk != need.organisation_id
    ]
    return provider_facts(organisations), vectors


def offers_for(need: Need, count: int = 20, providers: bool = True) -> list[Match]:
    """The best offers for `need`: volunteers and mentors, and the atlas's providers."""
    (facts,) = need_facts([need])
    candidates = pool_of(Profile).best_for_need(facts, EXACT)
    matches = [score(facts, offer) for offer in _fresh_responsiveness(candidates, "profile")]
    if providers:
        offers, similarities = _provider_candidates(need, facts)
        for offer in offers:
            similarity = similarities.get(offer.pk)
            matches.append(score(facts, offer, similarity if similarity is not None else 0.0))
    matches.sort(key=lambda m: (-m.score, m.offer.kind, m.offer.pk))
    return matches[:count]


def needs_for(profile: Profile, count: int = 20) -> list[Match]:
    """The open needs that fit a volunteer's profile best."""
    (facts,) = profile_facts([profile])
    candidates = pool_of(Need).best_for_offer(facts, EXACT)
    fresh = _fresh_responsiveness(candidates, "need")
    matches = [score(need, facts) for need in fresh]
    matches.sort(key=lambda m: (-m.score, -m.need.pk))
    return matches[:count]
