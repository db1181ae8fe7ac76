"""The public API contract: filters, cursors, errors, taxonomies and map clusters."""

import gzip
import json
import os
import unicodedata

import pytest

from essaim.accounts.models import User
from essaim.atlas import actions
from essaim.atlas.documents import LAYOUT, documents_for
from essaim.atlas.models import Family, Organisation, Status
from essaim.core import generation
from essaim.search.index import SearchIndex
from tests.helpers import TESTS

pytestmark = pytest.mark.django_db
SNAPSHOT = TESTS / "snapshots" / "openapi.json"


def get(client, url, **params):
    response = client.get(url, params)
    return response.status_code, response.json()


def test_openapi_document_matches_the_snapshot(client):
    """Any change to the public contract shows up here, and in review.

    After an intended change: UPDATE_SNAPSHOTS=1 pytest tests/api/test_api.py"""
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    rendered = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(rendered, encoding="utf-8")
    assert rendered == SNAPSHOT.read_text(encoding="utf-8")


def test_search_with_text_and_filters(client, demo):
    status, data = get(client, "/api/v1/organisations", q="reconditionnement", country="FR")
    assert status == 200
    names = {item["name"] for item in data["results"]}
    assert {"Envie", "Ecodair", "Label Emmaüs"} <= names
    assert all(item["country"] == "FR" for item in data["results"])
    assert data["count"] == len(data["results"])


def name_words(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name.lower())
    return "".join(c if c.isalnum() else " " for c in plain if not unicodedata.combining(c)).split()


def test_prefixes_complete_names_from_two_letters_and_texts_from_three(client, demo):
    _status, two = get(client, "/api/v1/organisations", q="Ré", page_size=100)
    assert two["count"] > 0
    assert all(any(w.startswith("re") for w in name_words(i["name"])) for i in two["results"])
    _status, three = get(client, "/api/v1/organisations", q="rés", page_size=100)
    by_text = [i for i in three["results"] if not any(
        w.startswith("res") for w in name_words(i["name"])
    )]  # fmt: skip
    assert by_text, "three letters complete words of the descriptions and labels too"


def test_every_facet_filters(client, demo):
    org = Organisation.objects.get(name="Fundación Esplai")
    filters = {
        "family": "popular-education",
        "sector": "digital-inclusion",
        "service": "digital-mediation",
        "legal_form": "foundation",
        "country": "ES",
        "region": "Cataluña",
        "language": "es",
        "territory": "national",
        "role": "offers-digital",
        "audience": "young-people",
    }
    status, data = get(client, "/api/v1/organisations", **filters)
    assert status == 200
    assert [item["id"] for item in data["results"]] == [org.pk]
    # Values Fundación Esplai does not have: each filter alone excludes it.
    others = {
        "family": "digital-commons",
        "sector": "free-software",
        "service": "hosting",
        "legal_form": "scop",
        "country": "FR",
        "region": "Bretagne",
        "language": "it",
        "territory": "local",
        "role": "uses-digital",
        "audience": "trainers",
    }
    for name, value in others.items():
        status, data = get(client, "/api/v1/organisations", **{**filters, name: value})
        assert status == 200, name
        assert data["count"] == 0, name


def test_facet_counts_on_request(client, demo):
    status, data = get(client, "/api/v1/organisations", q="coop", facets="country,sector")
    assert status == 200
    countries = {item["code"]: item["count"] for item in data["facets"]["country"]}
    for code, number in countries.items():
        assert get(client, "/api/v1/organisations", q="coop", country=code)[1]["count"] == number
    assert sum(countries.values()) == data["count"]
    assert get(client, "/api/v1/organisations", facets="colour")[0] == 400
    assert get(client, "/api/v1/organisations")[1]["facets"] is None


def test_bbox_and_radius(client, demo):
    _status, quebec = get(client, "/api/v1/organisations", bbox="-80,44,-60,50", page_size=100)
    assert {item["country"] for item in quebec["results"]} == {"CA"}
    # Those with coordinates, and those known only by their region (placed at its centre).
    placed = Organisation.objects.filter(country="CA").exclude(latitude__isnull=True, region="")
    assert quebec["count"] == placed.count()
    assert placed.filter(latitude__isnull=True).exists()
    _status, near = get(
        client, "/api/v1/organisations", near="48.4488,-68.5240", radius_km=5, sort="distance"
    )
    assert [item["name"] for item in near["results"]] == ["Atena Informatique"]
    assert near["results"][0]["distance_km"] < 1


def test_language_of_texts(client, demo):
    org = Organisation.objects.get(name="EGINA")
    _status, data = get(client, f"/api/v1/organisations/{org.pk}", lang="it")
    assert data["localized"]["language"] == "it"
    assert data["localized"]["is_fallback"] is False
    _status, data = get(client, f"/api/v1/organisations/{org.pk}", lang="es")
    assert data["localized"]["is_fallback"] is True
    assert data["localized"]["language"] == "it", "falls back to the original language"


def test_cursor_pages_stay_stable_while_data_changes(client, generated, commit):
    generated(30)
    _status, first = get(client, "/api/v1/organisations", page_size=10)
    seen = [item["id"] for item in first["results"]]
    # A new organisation and a deletion between two pages must not shift the next page.
    commit(actions.do_create_organisation, {"name": "Arrivée en cours de route", "country": "FR"})
    commit(actions.do_delete_organisation, Organisation.objects.get(pk=seen[0]))
    cursor = first["next_cursor"]
    while cursor:
        _status, page = get(client, "/api/v1/organisations", page_size=10, cursor=cursor)
        seen += [item["id"] for item in page["results"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 31
    assert seen == sorted(seen)


def test_updated_since(client, demo, commit):
    org = Organisation.objects.get(name="Télécoop")
    commit(actions.do_update_organisation, org, {"phone": "+33 1 00 00 00 00"})
    org.refresh_from_db()
    _status, data = get(client, "/api/v1/organisations", updated_since=org.updated_at.isoformat())
    assert [item["name"] for item in data["results"]] == ["Télécoop"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"sector": "unknown"}, "sector"),
        ({"country": "XX"}, "country"),
        ({"bbox": "0,0,1"}, "bbox"),
        ({"bbox": "0,50,1,40"}, "bbox"),
        ({"near": "91,0", "radius_km": "5"}, "near"),
        ({"radius_km": "5"}, "radius_km"),
        ({"page_size": "501"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "eyJvZmZzZXQiOiAtMX0"}, "cursor"),
        ({"lang": "de"}, "lang"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"sort": "distance"}, "sort"),
    ],
)
def test_bad_values_are_400_with_a_message(client, demo, params, parameter):
    status, data = get(client, "/api/v1/organisations", **params)
    assert status == 400
    assert data["parameter"] == parameter
    assert data["detail"]


def test_errors_are_translated(client, demo):
    response = client.get(
        "/api/v1/organisations", {"lang": "de"}, headers={"accept-language": "es"}
    )
    assert response.json()["detail"] == "Idioma desconocido: de. Elija uno de: fr, en, it, es."


def test_hidden_organisations_are_not_served(client, demo, commit):
    org = Organisation.objects.get(name="Make.org")
    commit(actions.do_set_organisation_status, org, Status.HIDDEN)
    assert client.get(f"/api/v1/organisations/{org.pk}").status_code == 404
    names = [item["name"] for item in get(client, "/api/v1/organisations", q="make")[1]["results"]]
    assert "Make.org" not in names


def test_taxonomies_list_codes_in_four_languages(client, demo):
    _status, data = get(client, "/api/v1/taxonomies")
    sector = next(term for term in data["sector"] if term["code"] == "reuse-refurbishing")
    assert sector["labels"]["it"] == "Riuso e ricondizionamento"
    assert sector["color"].startswith("#")
    assert {term["code"] for term in data["territory"]} == {
        "local",
        "regional",
        "national",
        "european",
        "remote",
    }
    assert (
        next(t for t in data["territory"] if t["code"] == "remote")["labels"]["fr"] == "À distance"
    )


def test_taxonomy_changes_show_in_answers_at_once(client, demo, commit):
    org = Organisation.objects.get(name="Make.org")
    url = "/api/v1/organisations?q=make.org&page_size=5"
    assert get(client, url)[1]["results"][0]["families"] == ["solidarity-platforms"]
    family = Family.objects.get(code="solidarity-platforms")
    family.code = "platform-cooperatives"
    commit(actions.do_save_taxonomy_term, family)
    assert get(client, url)[1]["results"][0]["families"] == ["platform-cooperatives"]
    # A term deleted in the admin leaves the organisations that listed it, and their answers.
    admin = User.objects.create_superuser("admin", "admin@example.org", "pw-for-tests-only")
    client.force_login(admin)
    response = commit(
        client.post, f"/en/admin/atlas/family/{family.pk}/delete/", {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert get(client, url)[1]["results"][0]["families"] == []
    assert org.pk in [item["id"] for item in get(client, url)[1]["results"]]


def test_map_clusters_count_what_the_list_counts(client, generated):
    generated(300)
    box = "-6,41,10,52"  # mainland France and Belgium
    # Counted from the database, not through the search code under test.
    in_the_box = Organisation.objects.published().filter(
        sector__code="reuse-refurbishing", longitude__gte=-6, longitude__lte=10,
        latitude__gte=41, latitude__lte=52).count()  # fmt: skip
    for zoom in (3, 5, 8):
        _status, clusters = get(
            client, "/api/v1/map/clusters", bbox=box, zoom=zoom, sector="reuse-refurbishing"
        )
        _status, listed = get(
            client, "/api/v1/organisations", bbox=box, page_size=1, sector="reuse-refurbishing"
        )
        counts = [feature["properties"]["count"] for feature in clusters["features"]]
        assert sum(counts) == clusters["total"] == listed["count"] == in_the_box > 0
        assert len(clusters["features"]) <= 500
    singles = [f for f in clusters["features"] if f["properties"]["count"] == 1]
    assert singles and all(f["properties"]["url"].startswith("/") for f in singles)
    # Compressed for slow connections when the client accepts it; pages with secrets are not.
    compressed = client.get(
        "/api/v1/map/clusters",
        {"bbox": box, "zoom": 8, "sector": "reuse-refurbishing"},
        headers={"accept-encoding": "gzip"},
    )
    assert compressed["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(compressed.content)) == clusters
    page = client.get("/en/atlas/", headers={"accept-encoding": "gzip"})
    assert page.status_code == 200 and not page.has_header("Content-Encoding")
    _status, italian = get(client, "/api/v1/map/clusters", bbox=box, zoom=8, lang="it")
    urls = [f["properties"]["url"] for f in italian["features"] if "url" in f["properties"]]
    assert urls and all(url.startswith("/it/atlas/") for url in urls)


def test_answers_follow_what_another_process_writes(client, generated, search_index_dir):
    generated(30)
    assert get(client, "/api/v1/organisations", q="Zéphyrine")[1]["count"] == 0
    mapped = get(client, "/api/v1/map/clusters", bbox="-6,41,10,52", zoom=3)[1]["total"]
    # Another web worker or a command saves an organisation, writes its own index handle and
    # bumps the data's generation, as the write path does after a commit.
    org = Organisation.objects.create(
        name="Atelier Zéphyrine", country="FR", latitude=45.76, longitude=4.84
    )
    SearchIndex(search_index_dir, LAYOUT).write(documents_for([org.pk])[0])
    generation.bump()
    _status, found = get(client, "/api/v1/organisations", q="zephyrine")
    assert [item["name"] for item in found["results"]] == ["Atelier Zéphyrine"]
    assert get(client, "/api/v1/organisations", q="Zéphyrine")[1]["count"] == 1
    assert get(client, "/api/v1/map/clusters", bbox="-6,41,10,52", zoom=3)[1]["total"] == mapped + 1


def test_map_clusters_need_a_box_and_a_sane_zoom(client, demo):
    assert client.get("/api/v1/map/clusters", {"zoom": 3}).status_code == 400
    assert client.get("/api/v1/map/clusters", {"bbox": "0,0,1,1", "zoom": 40}).status_code == 400


def test_facet_counts_are_estimated_over_very_many_matches(client, generated, settings):
    generated(400)
    exact = get(client, "/api/v1/organisations", facets="country")[1]
    assert exact["facets_approximate"] is False
    assert sum(item["count"] for item in exact["facets"]["country"]) == 400
    settings.ESSAIM = {**settings.ESSAIM, "FACET_SAMPLE_ABOVE": 100}
    # (Another query than the first: answers are remembered until the index changes.)
    estimated = get(client, "/api/v1/organisations", facets="country", page_size=5)[1]
    assert estimated["facets_approximate"] is True
    assert estimated["count"] == 400, "the number of matches stays exact"
    counts = [item["count"] for item in estimated["facets"]["country"]]
    assert counts and all(count % 16 == 0 for count in counts)
    assert 400 / 3 < sum(counts) < 400 * 3
    html = client.get("/en/atlas/").content.decode()
    assert "Counts marked ≈ are estimates." in html


def test_map_clusters_are_estimated_over_a_very_full_view(client, generated, settings):
    generated(400)
    box = {"bbox": "-25,34,45,71", "zoom": 4}
    exact = get(client, "/api/v1/map/clusters", **box)[1]
    assert "estimated" not in exact
    # Counted from the database, not through the search code under test.
    in_europe = {"longitude__gte": -25, "longitude__lte": 45, "latitude__gte": 34,
                 "latitude__lte": 71}  # fmt: skip
    mapped = Organisation.objects.published().filter(**in_europe).count()
    assert exact["total"] == mapped > 300
    settings.ESSAIM = {**settings.ESSAIM, "MAP_SAMPLE_ABOVE": 100}
    # (Another view than the first: answers are remembered until the index changes.)
    estimated = get(client, "/api/v1/map/clusters", **{**box, "zoom": 5})[1]
    assert estimated["estimated"] is True
    counts = [feature["properties"]["count"] for feature in estimated["features"]]
    assert counts and all(count % 16 == 0 for count in counts)
    assert all(feature["properties"]["estimated"] for feature in estimated["features"])
    assert mapped / 3 < estimated["total"] < mapped * 3
    # Never a single organisation's link, nor "all at one place", from an estimate.
    assert not any("url" in feature["properties"] or "same_place" in feature["properties"]
                   for feature in estimated["features"])  # fmt: skip
    # A view holding fewer than the threshold is counted exactly.
    city = get(client, "/api/v1/map/clusters", bbox="2.2,48.8,2.5,48.95", zoom=12)[1]
    assert city["total"] > 0 and "estimated" not in city


def test_places_complete_a_locality_name(client):
    _status, places = get(client, "/api/v1/places", q="saint-e", country="fr")
    assert places[0]["name"] == "Saint-Étienne"
    assert places[0]["region"] == "Auvergne-Rhône-Alpes"
    assert len(places) <= 10
    assert get(client, "/api/v1/places", q="s", country="FR")[1] == []
    assert get(client, "/api/v1/places", q="saint", country="")[1] == []


BAD_VALUES = {
    "q": "x" * 201,
    "bbox": "1,2",
    "near": "95,200",
    "where": "Zzyxqwvkk",
    "radius_km": "30",  # without a town: it means nothing
    "updated_since": "yesterday",
    "quality_min": "200",
}


@pytest.mark.parametrize("path", ["/api/v1/organisations", "/api/v1/map/clusters"])
def test_every_search_parameter_the_document_declares_is_read(client, demo, path):
    """The OpenAPI document and the code share one list of search parameters: each one the
    document declares is read (a bad value is refused, naming it; an unknown region, which is
    free text, leaves nothing)."""
    document = client.get("/api/v1/openapi.json").json()
    declared = {parameter["name"]: parameter
                for parameter in document["paths"][path]["get"]["parameters"]}  # fmt: skip
    own = {"sort", "lang", "page_size", "cursor", "facets", "zoom"}
    searched = sorted(set(declared) - own)
    assert {"q", "sector", "country", "where", "radius_km", "quality_min"} <= set(searched)
    for name in searched:
        several = declared[name]["schema"].get("type") == "array"
        bad = "no-such-code" if several else BAD_VALUES[name]
        params = {"bbox": "-6,41,10,52", name: bad} if name != "bbox" else {name: bad}
        status, data = get(client, path, **params)
        if name == "region":
            everywhere = get(client, path, bbox="-6,41,10,52")[1]
            assert status == 200 and data.get("count", data.get("total")) == 0
            assert everywhere.get("count", everywhere.get("total")) > 0
        else:
            assert (status, data.get("parameter")) == (400, name), name


def test_each_record_links_to_its_own_organisation_page(client, demo, settings, commit):
    """Records of one page share their address's pattern, each with its own id and name."""
    settings.ESSAIM = {**settings.ESSAIM, "PUBLIC_URL": "https://atlas.example.org/"}
    commit(actions.do_create_organisation, {"name": "{Café} 100 % Numérique", "country": "FR"})
    _status, data = get(client, "/api/v1/organisations", page_size=100, sort="updated")
    assert len(data["results"]) > 3 and data["results"][0]["name"] == "{Café} 100 % Numérique"
    for record in data["results"]:
        assert record["url"].startswith("https://atlas.example.org/"), record["url"]
        page = client.get(record["url"].removeprefix("https://atlas.example.org"))
        assert page.status_code == 200, record["url"]
        assert record["name"] in unicodedata.normalize("NFC", page.content.decode())
