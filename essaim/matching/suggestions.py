"""The best offers for a need, and the needs that fit an offer, each with its score's parts.

Volunteers and needs come from the pools (`pool.py`: an estimate over all of them keeps the
best few hundred, read from the database and scored exactly here); providers from the atlas's
index (those offering the kinds of help asked for, near the need's place, or serving it
remotely) and from its meaning vectors (the organisations whose texts say what the need says,
in any language).
"""

from essaim.atlas.models import Organisation, Territory
from essaim.search.embeddings import get_embedder
from essaim.search.index import SearchQuery, get_index
from essaim.search.vectors import get_vector_store

from .facts import Competences, need_facts, profile_facts, provider_facts
from .models import Need, Profile
from .pool import pool_of
from .scoring import Facts, Match, score, weights

# How many estimated candidates are scored exactly.
EXACT = 100
PROVIDERS_NEAR_KM = 50
PROVIDER_CANDIDATES = 40


def _provider_candidates(need: Need, facts: Facts) -> tuple[list[Facts], dict[int, float]]:
    services = list(facts.services)
    ids: list[int] = []
    index = get_index()
    filters = {"service": services} if services else {}
    if facts.point is not None and need.where != "remote" and filters:
        # The most recently updated within reach, not the nearest: sorting millions of
        # entries by distance costs four times more, and the exact score weighs distance.
        near = SearchQuery(filters=filters, near=facts.point, radius_km=PROVIDERS_NEAR_KM,
                           sort="updated", limit=PROVIDER_CANDIDATES)  # fmt: skip
        ids += index.search(near).ids
    if filters:
        serving = [{**filters, "territory": [Territory.REMOTE, Territory.EUROPEAN]}]
        if need.country:
            serving.append({**filters, "territory": [Territory.NATIONAL],
                            "country": [str(need.country)]})  # fmt: skip
        for wider in serving:
            ids += index.search(SearchQuery(filters=wider, limit=PROVIDER_CANDIDATES // 2)).ids
    similarities = {}
    embedder = get_embedder()
    if embedder is not None and facts.vector is not None:
        store = get_vector_store(embedder.dimensions)
        for pk, similarity in store.nearest(facts.vector, PROVIDER_CANDIDATES):
            similarities[pk] = similarity
            ids.append(pk)
    ids = [pk for pk in dict.fromkeys(ids) if pk != need.organisation_id]
    found = Organisation.objects.published().prefetch_related("services").in_bulk(ids)
    organisations = [found[pk] for pk in ids if pk in found]
    return provider_facts(organisations), similarities


def offers_for(need: Need, count: int = 20, providers: bool = True) -> list[Match]:
    """The best offers for `need`: volunteers and mentors, and the atlas's providers."""
    competences = Competences()
    (facts,) = need_facts([need], competences)
    ids = pool_of(Profile).best_for_need(facts, EXACT)
    profiles = Profile.objects.filter(pk__in=ids, published_at__isnull=False, paused=False)
    w = weights()
    matches = [score(facts, offer, w=w) for offer in profile_facts(list(profiles), competences)]
    if providers:
        offers, similarities = _provider_candidates(need, facts)
        for offer in offers:
            similarity = similarities.get(offer.pk)
            matches.append(score(facts, offer, similarity if similarity is not None else 0.0, w))
    matches.sort(key=lambda m: (-m.score, m.offer.kind, m.offer.pk))
    return matches[:count]


def needs_for(profile: Profile, count: int = 20) -> list[Match]:
    """The open needs that fit a volunteer's profile best."""
    competences = Competences()
    (facts,) = profile_facts([profile], competences)
    ids = pool_of(Need).best_for_offer(facts, EXACT)
    needs = Need.objects.open().filter(pk__in=ids).select_related("organisation")
    w = weights()
    matches = [score(need, facts, w=w) for need in need_facts(list(needs), competences)]
    matches.sort(key=lambda m: (-m.score, -m.need.pk))
    return matches[:count]
