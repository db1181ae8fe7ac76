"""The search engine's promises, through the API: the order of relevance (names first, words as
typed before their stems and their typos), `sort=updated`, facets counted disjunctively, and an
index that agrees with the database on quality after every kind of write."""

from datetime import timedelta

import pytest
from django.utils import timezone

from essaim.atlas import actions
from essaim.atlas.models import Status

pytestmark = pytest.mark.django_db


def names(client, **params) -> list[str]:
    found = client.get("/api/v1/organisations", {"page_size": 50, **params}).json()
    return [item["name"] for item in found["results"]]


def create(commit, name: str, **facts):
    return commit(actions.do_apply_facts, None, {"name": name, "country": "FR", **facts})


def test_a_name_outranks_a_description_and_words_as_typed_outrank_stems_and_typos(
    client, demo, commit
):
    create(commit, "Collectif Quenouille", short_description_fr="Ateliers de couture.")
    create(commit, "Atelier du Lin", short_description_fr="On y file la quenouille le soir.")
    create(commit, "Les Quenouilles", short_description_fr="Filature.")  # a stem of it
    create(commit, "Quenoille", short_description_fr="Un nom mal orthographié.")  # a typo
    found = names(client, q="quenouille", sort="relevance")
    assert found.index("Collectif Quenouille") < found.index("Atelier du Lin")
    assert found.index("Collectif Quenouille") < found.index("Les Quenouilles")
    assert found.index("Les Quenouilles") < found.index("Quenoille")
    assert found[-1] == "Quenoille", "a typo comes after every word found as typed or stemmed"


def test_sort_updated_puts_the_latest_change_first(client, demo, commit):
    first = create(commit, "Zorbal Un")
    create(commit, "Zorbal Deux")
    create(commit, "Zorbal Trois")
    assert names(client, q="zorbal", sort="updated") == ["Zorbal Trois", "Zorbal Deux", "Zorbal Un"]
    commit(actions.do_apply_facts, first, {"website": "https://zorbal.example.org"})
    assert names(client, q="zorbal", sort="updated") == ["Zorbal Un", "Zorbal Trois", "Zorbal Deux"]


def test_a_facet_with_a_selection_counts_its_other_values_and_the_rest_count_within_it(
    client, demo, commit
):
    create(commit, "Kalimbo Lyon", sector="reuse-refurbishing", locality="Lyon")
    create(commit, "Kalimbo Lille", sector="reuse-refurbishing", country="BE", locality="Liège")
    create(commit, "Kalimbo Rome", sector="digital-inclusion", country="IT", locality="Roma")

    def counts(**params):
        params = {"q": "kalimbo", "facets": "sector,country", **params}
        page = client.get("/api/v1/organisations", params).json()
        return page["count"], {name: {item["code"]: item["count"] for item in values}
                               for name, values in page["facets"].items()}  # fmt: skip

    total, facets = counts()
    assert total == 3
    assert facets["sector"] == {"reuse-refurbishing": 2, "digital-inclusion": 1}
    total, facets = counts(sector="reuse-refurbishing")
    assert total == 2
    # The chosen facet still shows what else there is; the others count within the choice.
    assert facets["sector"] == {"reuse-refurbishing": 2, "digital-inclusion": 1}
    assert facets["country"] == {"FR": 1, "BE": 1}


def test_the_index_agrees_with_the_records_on_quality_after_every_kind_of_write(
    client, demo, commit, moderator
):
    org = create(commit, "Vérité Qualité", locality="Lyon", email="qualite@example.org")

    def found(quality_min: int) -> set[int]:
        params = {"quality_min": quality_min, "q": "Vérité"}
        results = client.get("/api/v1/organisations", params).json()["results"]
        return {item["id"] for item in results}

    def agrees() -> int:
        quality = client.get(f"/api/v1/organisations/{org.pk}").json()["quality"]
        assert org.pk in found(quality) and org.pk not in found(quality + 1)
        return quality

    seen = [agrees()]
    commit(actions.do_apply_facts, org, {"description_fr": "Une description. " * 20})
    seen.append(agrees())
    old = timezone.now() - timedelta(days=500)
    commit(actions.do_confirm_organisation, org, old)
    seen.append(agrees())
    commit(actions.do_confirm_organisation, org, timezone.now())
    seen.append(agrees())
    commit(actions.do_set_organisation_status, org, Status.PUBLISHED, author=moderator)
    seen.append(agrees())
    assert len(set(seen)) > 1, "the writes above do move the quality"
