"""The search engine's promises, through the API: the order of relevance (names first, words as
typed before their stems and their typos), `sort=updated`, facets counted disjunctively, and an
index that agrees with the database on quality after every kind of write."""

import math
from datetime import timedelta

import pytest
from django.utils import timezone

from essaim.atlas import actions
from essaim.atlas.models import Service, Status

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


def test_a_label_finds_its_organisations_in_every_language_and_a_renamed_one_at_once(
    client, demo, commit
):
    weaving = ["weaving", "Tissage solidaire", "Solidarity weaving", "Tessitura solidale",
               "Tejido solidario"]  # fmt: skip
    commit(actions.do_load_taxonomies, {"service": [weaving]})
    create(commit, "Zorbal Atelier", services=["weaving"])
    create(commit, "Zorbal Autre")
    # As typed in each language, as a prefix, by a stem ("tissages"), with a typo ("tisage").
    for word in ("tissage", "weaving", "tessitura", "tejido", "tiss", "tissages", "tisage"):
        assert names(client, q=f"zorbal {word}") == ["Zorbal Atelier"], word
    assert names(client, q="zorbal", service="weaving") == ["Zorbal Atelier"]

    term = Service.objects.get(code="weaving")
    term.label_en = "Community looms"
    commit(actions.do_save_taxonomy_term, term)
    assert names(client, q="zorbal looms") == ["Zorbal Atelier"]
    assert names(client, q="zorbal weaving") == []
    assert names(client, q="zorbal loomz") == ["Zorbal Atelier"]  # a typo of the new label


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


def destination(latitude, longitude, bearing_degrees, km):
    """The point `km` away along a great circle (the test's own spherical trigonometry)."""
    phi, lam, theta = map(math.radians, (latitude, longitude, bearing_degrees))
    delta = km / 6371.0088
    phi2 = math.asin(math.sin(phi) * math.cos(delta)
                     + math.cos(phi) * math.sin(delta) * math.cos(theta))  # fmt: skip
    lam2 = lam + math.atan2(math.sin(theta) * math.sin(delta) * math.cos(phi),
                            math.cos(delta) - math.sin(phi) * math.sin(phi2))  # fmt: skip
    return math.degrees(phi2), (math.degrees(lam2) + 540) % 360 - 180


@pytest.mark.parametrize(
    ("centre", "country"),
    [((45.764, 4.8357), "FR"), ((-17.75, 179.95), "FJ"), ((78.22, 15.65), "NO")],
    ids=["lyon", "across-the-antimeridian", "near-the-pole"],
)
def test_a_radius_keeps_exactly_those_within_it_nearest_first(
    client, demo, commit, centre, country
):
    radius = 30
    # Every bearing, at distances from a few metres to just inside and just outside the edge.
    placed = {}
    for step, km in enumerate([0.01, 0.4, 3, 11, 22, 29.7, 29.97, 30.03, 30.4, 45, 300]):
        bearing = step * 47 % 360
        latitude, longitude = destination(*centre, bearing, km)
        sector = "reuse-refurbishing" if step % 2 else "digital-inclusion"
        org = create(commit, f"Rayon {step}", country=country, locality="Testville",
                     latitude=latitude, longitude=longitude, sector=sector)  # fmt: skip
        placed[org.pk] = (km, sector)
    near = f"{centre[0]},{centre[1]}"
    page = client.get("/api/v1/organisations", {
        "q": "rayon", "near": near, "radius_km": radius, "sort": "distance",
        "facets": "sector", "page_size": 50}).json()  # fmt: skip
    within = sorted((km, pk) for pk, (km, _sector) in placed.items() if km <= radius)
    assert [item["id"] for item in page["results"]] == [pk for _km, pk in within]
    assert page["count"] == len(within) == 7
    for item in page["results"]:
        assert item["distance_km"] == pytest.approx(placed[item["id"]][0], abs=0.01)
    # Page by page (following the API's cursor), the same order.
    first = client.get("/api/v1/organisations", {
        "q": "rayon", "near": near, "radius_km": radius, "sort": "distance",
        "page_size": 3}).json()  # fmt: skip
    second = client.get(first["next"]).json()
    pages = [item["id"] for item in first["results"] + second["results"]]
    assert pages == [pk for _km, pk in within[:6]]
    # A chosen sector still counts the other sector within the circle, and only there.
    chosen = client.get("/api/v1/organisations", {
        "q": "rayon", "near": near, "radius_km": radius, "sector": "reuse-refurbishing",
        "facets": "sector"}).json()  # fmt: skip
    sectors = [placed[pk][1] for _km, pk in within]
    assert {item["code"]: item["count"] for item in chosen["facets"]["sector"]} == {
        "reuse-refurbishing": sectors.count("reuse-refurbishing"),
        "digital-inclusion": sectors.count("digital-inclusion"),
    }
    assert chosen["count"] == sectors.count("reuse-refurbishing")
    # Without a radius, every organisation comes, the nearest first.
    everyone = client.get("/api/v1/organisations", {
        "q": "rayon", "near": near, "sort": "distance", "page_size": 50}).json()  # fmt: skip
    assert [item["id"] for item in everyone["results"]] == [
        pk for _km, pk in sorted((km, pk) for pk, (km, _sector) in placed.items())
    ]


def test_a_word_in_most_of_a_large_atlas_puts_the_names_first_and_loses_no_match(
    client, commit, settings
):
    # In a national register, "numérique" is in millions of descriptions: scoring them all
    # would cost more than the search. Made small here: a word in more than 2 entries.
    settings.ESSAIM = {**settings.ESSAIM, "NAME_FIRST_ABOVE": 2}
    for number in range(1, 6):
        create(commit, f"Collectif {number}", short_description_fr="Un atelier ondine.")
    create(commit, "Ondine Marseille", short_description_fr="Réparation.")
    create(commit, "Atelier Ondine", short_description_fr="Un atelier ondine, ondine.")
    create(commit, "Sans rapport", short_description_fr="Rien à voir.")
    found = names(client, q="ondine", sort="relevance")
    assert set(found[:2]) == {"Ondine Marseille", "Atelier Ondine"}
    # The others follow, the most recently changed first.
    assert found[2:] == [f"Collectif {number}" for number in range(5, 0, -1)]
    # Page after page, every match once, and the count exact.
    seen, url = [], "/api/v1/organisations?q=ondine&page_size=3"
    while url:
        page = client.get(url).json()
        assert page["count"] == 7
        seen += [item["name"] for item in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(found) and len(seen) == 7
