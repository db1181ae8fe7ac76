"""Find the right help near you: places typed as people write them, the radius and the
distance, who serves an area from further away, and a search that forgives typos and word
endings — through the pages and the API."""

import pytest

from essaim.atlas import actions
from essaim.atlas.models import Territory
from essaim.search.index import distance_km

pytestmark = pytest.mark.django_db

ARRAS = (50.29301, 2.78186)
# Real towns, with their distance from Arras by the great-circle formula: Lens about 16 km,
# Lille about 45 km, Marseille about 800 km.
LENS = {"locality": "Lens", "latitude": 50.43302, "longitude": 2.82791}
LILLE = {"locality": "Lille", "latitude": 50.63297, "longitude": 3.05858}
MARSEILLE = {"locality": "Marseille", "latitude": 43.29695, "longitude": 5.38107}


@pytest.fixture
def organisations(commit):
    def make(*facts: dict):
        return [
            commit(actions.do_create_organisation, {"country": "FR", **fields}) for fields in facts
        ]

    return make


def html(client, url, **params) -> tuple[int, str]:
    response = client.get(url, params)
    return response.status_code, response.content.decode()


def test_the_towns_used_here_are_where_the_test_says():
    assert 14 < distance_km(*ARRAS, LENS["latitude"], LENS["longitude"]) < 18
    assert 40 < distance_km(*ARRAS, LILLE["latitude"], LILLE["longitude"]) < 50


def test_a_town_typed_as_people_write_it_lists_the_nearest_first(client, organisations):
    organisations(
        {"name": "Atelier du Sud", **MARSEILLE},
        {"name": "Repair Lille", **LILLE},
        {"name": "Pôle Lens", **LENS},
    )
    for typed in ("Arras", "arras", "ARRAS", " Arras "):
        status, page = html(client, "/fr/atlas/", where=typed)
        assert status == 200
        assert "Pôle Lens" in page and "Repair Lille" not in page and "Atelier du Sud" not in page
        assert "Arras, Hauts-de-France, France" in page
    status, page = html(client, "/en/atlas/", where="Arras", radius_km="50")
    assert status == 200
    assert page.index("Pôle Lens") < page.index("Repair Lille")
    assert "Atelier du Sud" not in page
    assert "16.0 km" in page or "15.9 km" in page or "16.1 km" in page
    assert "Within 50 km of Arras" in page


def test_a_place_name_in_another_language_finds_the_same_place(client, organisations):
    organisations({"name": "Coop de Bruxelles", "country": "BE", "locality": "Bruxelles",
                   "latitude": 50.8466, "longitude": 4.3528})  # fmt: skip
    for language, typed in (("fr", "Bruxelles"), ("en", "Brussels"), ("it", "Bruxelles"),
                            ("es", "Bruselas")):  # fmt: skip
        status, page = html(client, f"/{language}/atlas/", where=typed)
        assert status == 200, typed
        assert "Coop de Bruxelles" in page, typed


def test_a_place_written_in_the_words_is_understood(client, organisations):
    organisations(
        {"name": "Médiation Lens", "short_description_fr": "Médiation numérique.", **LENS},
        {"name": "Médiation Marseille", "short_description_fr": "Médiation numérique.",
         **MARSEILLE},
    )  # fmt: skip
    status, page = html(client, "/fr/atlas/", q="médiateur près de Arras")
    assert status == 200
    assert "Médiation Lens" in page and "Médiation Marseille" not in page
    assert "Arras, Hauts-de-France, France" in page
    # The words as typed stay one click away.
    assert "literal=1" in page
    status, page = html(client, "/fr/atlas/", q="médiateur près de Arras", literal="1")
    assert "Médiation Lens" not in page


def test_a_trailing_place_is_read_only_when_the_words_alone_find_nothing(client, organisations):
    organisations(
        {"name": "Formazione Bologna", "country": "IT", "locality": "Bologna",
         "latitude": 44.4938, "longitude": 11.3387,
         "short_description_it": "Formazione digitale per le associazioni."},
        {"name": "Bologna Digitale", "country": "IT", "locality": "Milano",
         "latitude": 45.4643, "longitude": 9.1895,
         "short_description_it": "Formazione digitale a Bologna e altrove."},
    )  # fmt: skip
    # "Bologna" is among the words of one entry: the words are searched as they are.
    status, page = html(client, "/it/atlas/", q="formazione digitale Bologna")
    assert "Bologna Digitale" in page and "literal=1" not in page
    # Nothing says "Parma": it is read as the place.
    status, page = html(client, "/it/atlas/", q="formazione digitale Parma", radius_km="100")
    assert status == 200
    assert "Formazione Bologna" in page and "Bologna Digitale" not in page
    assert "Parma, Emilia-Romagna, Italia" in page


def test_an_ambiguous_place_offers_the_candidates_to_choose_from(client, organisations):
    organisations({"name": "Coop Saint-Denis", "locality": "Saint-Denis",
                   "latitude": 48.9362, "longitude": 2.3574})  # fmt: skip
    status, page = html(client, "/fr/atlas/", where="Saint-Denis", q="coop")
    assert status == 400
    assert "Plusieurs lieux s’appellent « Saint-Denis ». Lequel voulez-vous dire ?" in page
    assert 'value="Saint-Denis"' in page and 'value="coop"' in page
    link = "where=Saint-Denis%2C+%C3%8Ele-de-France%2C+France"
    assert link in page
    status, page = html(client, "/fr/atlas/", where="Saint-Denis, Île-de-France, France", q="coop")
    assert status == 200
    assert "Coop Saint-Denis" in page


def test_the_largest_place_of_a_name_is_taken_and_the_others_offered(client, organisations):
    organisations({"name": "Coop parisienne", "locality": "Paris",
                   "latitude": 48.8566, "longitude": 2.3522})  # fmt: skip
    status, page = html(client, "/en/atlas/", where="Paris")
    assert status == 200
    assert "Coop parisienne" in page
    assert "Another place of this name?" in page
    assert "United States" in page  # Paris, Texas and the others, one click away


@pytest.mark.parametrize(
    "params, parameter_shown",
    [
        ({"where": "Xyzzyville"}, "Xyzzyville"),
        ({"where": "Arras", "radius_km": "0"}, "500"),
        ({"where": "Arras", "radius_km": "10000"}, "500"),
        ({"where": "Arras", "country": "BE"}, "Arras"),
        ({"where": "x" * 1_000}, "120"),
    ],
)
def test_a_place_that_cannot_be_used_says_why_and_keeps_what_was_typed(
    client, organisations, params, parameter_shown
):
    status, page = html(client, "/fr/atlas/", q="coop", **params)
    assert status == 400
    alert = page[page.index('role="alert"') :]
    assert parameter_shown in alert[: alert.index("</p>")]
    assert 'value="coop"' in page


def test_a_place_in_another_country_than_the_filter_is_explained(client, db):
    status, page = html(client, "/en/atlas/", where="Arras", country="BE")
    assert status == 400
    assert "“Arras” is not in Belgium: it is in France." in page


@pytest.mark.parametrize("typed", ["le la de", "?!.", "of the", "—", "x" * 1_000])
def test_stop_words_punctuation_and_long_queries_never_break_a_search(client, db, typed):
    for url in ("/fr/atlas/", "/fr/search/"):
        status, page = html(client, url, q=typed)
        assert status == (400 if len(typed) > 200 else 200)
        expected = 'role="alert"' if status == 400 else '<h2 id="results-title">'
        assert expected in page
    status, _page = html(client, "/fr/search/", q=typed, where="Arras")
    assert status == (400 if len(typed) > 200 else 200)


def test_who_serves_the_area_from_further_away_is_listed_apart(client, organisations):
    organisations(
        {"name": "Pôle Lens", **LENS},
        {
            "name": "Réseau régional",
            "region": "Hauts-de-France",
            "territory": Territory.REGIONAL,
            **LILLE,
        },
        {"name": "Service national", "territory": Territory.NATIONAL, **MARSEILLE},
        {"name": "Support à distance", "country": "BE", "territory": Territory.REMOTE},
        {"name": "Atelier local du Sud", "territory": Territory.LOCAL, **MARSEILLE},
        {"name": "Réseau breton", "region": "Bretagne", "territory": Territory.REGIONAL},
    )
    status, page = html(client, "/en/atlas/", where="Arras")
    assert status == 200
    main, _sep, serving = page.partition("Also serving Arras")
    assert "Pôle Lens" in main and "Réseau régional" not in main
    assert "Serving Hauts-de-France" in serving and "Réseau régional" in serving
    assert "Serving all of France" in serving and "Service national" in serving
    assert "Working remotely or across Europe" in serving and "Support à distance" in serving
    assert "Atelier local du Sud" not in page and "Réseau breton" not in page


def test_a_region_or_a_country_filters_on_it(client, organisations):
    organisations(
        {"name": "Coop de Lens", "region": "Hauts-de-France", **LENS},
        {"name": "Coop de Marseille", "region": "Provence-Alpes-Côte d'Azur", **MARSEILLE},
        {"name": "Coop de Namur", "country": "BE", "locality": "Namur"},
    )
    status, page = html(client, "/fr/atlas/", where="hauts de france")
    assert status == 200 and "Coop de Lens" in page and "Coop de Marseille" not in page
    status, page = html(client, "/it/atlas/", where="Belgio")
    assert status == 200 and "Coop de Namur" in page and "Coop de Lens" not in page


def test_a_position_from_the_browser_is_named_after_the_nearest_town(client, organisations):
    organisations({"name": "Pôle Lens", **LENS})
    status, page = html(client, "/fr/atlas/", where="50.29,2.78")
    assert status == 200
    assert "Pôle Lens" in page
    assert 'value="Arras, Hauts-de-France, France"' in page


def test_the_api_takes_a_place_name_in_near_and_where(client, organisations):
    organisations({"name": "Pôle Lens", **LENS}, {"name": "Repair Lille", **LILLE})
    data = client.get("/api/v1/organisations", {"near": "Arras", "radius_km": "30"}).json()
    assert [record["name"] for record in data["results"]] == ["Pôle Lens"]
    assert 14 < data["results"][0]["distance_km"] < 18
    data = client.get("/api/v1/organisations", {"where": "Arras", "radius_km": "50"}).json()
    assert {record["name"] for record in data["results"]} == {"Pôle Lens", "Repair Lille"}
    response = client.get("/api/v1/organisations", {"near": "Saint-Denis"})
    assert response.status_code == 400
    error = response.json()
    assert error["parameter"] == "near"
    assert "Saint-Denis, Île-de-France" in error["detail"]


def test_typos_are_forgiven_and_ranked_below_the_words_as_typed(client, organisations):
    organisations(
        {"name": "Emmaüs Connect"},
        {"name": "Emaus Formation"},
        {"name": "Coopérative du coin", "short_description_fr": "Accompagnement numérique."},
    )
    status, page = html(client, "/fr/atlas/", q="emaus")
    assert page.index("Emaus Formation") < page.index("Emmaüs Connect")
    # Two letters wrong in a long word.
    status, page = html(client, "/fr/atlas/", q="acompagnemant")
    assert "Coopérative du coin" in page
    # Under five letters, a typo is another word.
    status, page = html(client, "/fr/atlas/", q="cuop")
    assert "Coopérative du coin" not in page


def test_a_search_that_finds_little_proposes_the_closest_word(client, organisations):
    organisations({"name": "Emmaüs Connect", "short_description_fr": "Réemploi solidaire."})
    status, page = html(client, "/fr/atlas/", q="solidaier")
    assert "Vouliez-vous dire :" in page
    assert 'href="?q=solidaire"' in page
    status, page = html(client, "/fr/atlas/", q="qqqqzzzz")
    assert "Vouliez-vous dire" not in page


@pytest.mark.parametrize(
    "typed, description, language",
    [
        ("médiateur", "Ateliers de médiation numérique.", "fr"),
        ("mediateurs", "Ateliers de médiation numérique.", "fr"),
        ("associatives", "Une association d'usagers.", "fr"),
        ("formatori", "Corsi di formazione digitale.", "it"),
        ("mediatore", "Servizi di mediazione digitale.", "it"),
        ("mediador", "Talleres de mediación digital.", "es"),
        ("volunteers", "We train volunteering associations.", "en"),
    ],
)
def test_word_endings_are_understood_in_each_language(
    client, organisations, typed, description, language
):
    organisations({"name": "Structure", f"short_description_{language}": description,
                   "original_language": language})  # fmt: skip
    status, page = html(client, f"/{language}/atlas/", q=typed)
    assert status == 200
    assert ">Structure</a>" in page, typed


def test_the_home_page_asks_what_and_where_without_javascript(client, db):
    status, page = html(client, "/es/")
    form = page[page.index('<form class="search"') : page.index("</form>")]
    assert 'action="/es/search/"' in form and 'method="get"' in form
    for name in ('name="q"', 'name="where"', 'name="radius_km"'):
        assert name in form
    assert '<label for="where">' in form and '<label for="radius_km">' in form


@pytest.mark.parametrize(
    "language, typed, expected",
    [
        ("fr", "mediateur pres de Arras", ["Les Assembleurs", "La Mednum"]),
        ("en", "emaus", ["Emmaüs Connect"]),
        ("es", "Google Drive", ["/es/resources/alternatives/?tool=google-drive", "Nextcloud"]),
        ("it", "formazione digitale Bologna", ["EGINA"]),
    ],
)
def test_the_home_search_leads_to_the_right_help(client, demo, language, typed, expected):
    status, page = html(client, f"/{language}/search/", q=typed)
    assert status == 200
    for text in expected:
        assert text in page, (typed, text)


def test_an_organisation_known_only_by_its_region_is_placed_at_it(client, organisations):
    organisations({"name": "Réseau régional", "region": "Hauts-de-France",
                   "territory": Territory.LOCAL})  # fmt: skip
    status, page = html(client, "/en/atlas/", where="Arras", radius_km="100")
    card = page[page.index("Réseau régional") :]
    card = card[: card.index("</li>")]
    assert "(placed at its region)" in card
    data = client.get("/api/v1/map/clusters", {"bbox": "-5,42,8,52", "zoom": "10"}).json()
    (feature,) = data["features"]
    assert feature["properties"]["approximate"] is True
    assert feature["properties"]["name"] == "Réseau régional"
    longitude, latitude = feature["geometry"]["coordinates"]
    assert 49 < latitude < 51 and 1.5 < longitude < 4  # in Hauts-de-France


def test_the_calendar_and_the_opportunities_take_a_place(client, db):
    from django.utils import timezone

    from essaim.commons.models import Event, Opportunity, Publication
    from tests.factories import EventFactory

    EventFactory(title_en="Workshop in Lens", locality="Lens", latitude=LENS["latitude"],
               longitude=LENS["longitude"])  # fmt: skip
    EventFactory(title_en="Workshop in Marseille", locality="Marseille",
               latitude=MARSEILLE["latitude"], longitude=MARSEILLE["longitude"])  # fmt: skip
    EventFactory(title_en="Webinar", mode=Event.Mode.ONLINE, locality="", latitude=None,
               longitude=None)  # fmt: skip
    page = client.get("/en/events/", {"where": "Arras"}).content.decode()
    assert "Workshop in Lens" in page and "Webinar" in page
    assert "Workshop in Marseille" not in page
    status, page = html(client, "/en/events/", where="Xyzzyville")
    assert status == 400 and "Xyzzyville" in page and 'role="alert"' in page

    def offer(title, **fields):
        Opportunity.objects.create(
            kind=Opportunity.Kind.VOLUNTEERING, title_en=title, original_language="en",
            publication=Publication.PUBLISHED, published_at=timezone.now(), **fields,
        )  # fmt: skip

    offer("Help in Lille", locality="Lille", country="FR")
    offer("Help in Marseille", locality="Marseille", country="FR")
    offer("Help from home", locality="Bruxelles", country="BE", remote=True)
    page = client.get("/en/opportunities/", {"where": "Arras", "radius_km": "50"}).content.decode()
    assert "Help in Lille" in page and "Help from home" in page
    assert "Help in Marseille" not in page
    page = client.get("/en/opportunities/", {"where": "France"}).content.decode()
    assert "Help in Lille" in page and "Help in Marseille" in page


def test_the_map_api_names_towns_and_flags_shared_addresses(client, organisations):
    organisations(*({"name": f"Coop {n}", **LENS} for n in range(3)))
    data = client.get("/api/v1/map/clusters", {"bbox": "2,50,3.5,51", "zoom": "16"}).json()
    (cluster,) = data["features"]
    assert cluster["properties"] == {"count": 3, "same_place": True}
    wide = client.get("/api/v1/map/places", {"bbox": "-5,42,8,51", "zoom": "5"}).json()
    near = client.get("/api/v1/map/places", {"bbox": "2.3,50.1,3.3,50.6", "zoom": "11"}).json()
    wide_names = [town["name"] for town in wide["places"]]
    near_names = [town["name"] for town in near["places"]]
    assert "Paris" in wide_names and "Arras" not in wide_names
    assert "Arras" in near_names and "Lens" in near_names
    populations = [town["population"] for town in wide["places"]]
    assert populations == sorted(populations, reverse=True)
    response = client.get("/api/v1/map/places", {"bbox": "x", "zoom": "5"})
    assert response.status_code == 400 and response.json()["parameter"] == "bbox"


def test_facet_counts_include_results_found_by_meaning(client, demo, settings):
    settings.ESSAIM = {**settings.ESSAIM, "SEMANTIC_SEARCH": True}
    from essaim.atlas.indexing import index_organisations
    from essaim.atlas.models import Organisation

    index_organisations(Organisation.objects.values_list("pk", flat=True))  # vectors now
    params = {"q": "banca cooperativa", "facets": "country", "sort": "relevance"}
    data = client.get("/api/v1/organisations", params).json()
    assert "Crédit Coopératif" in [record["name"] for record in data["results"]]
    assert sum(item["count"] for item in data["facets"]["country"]) == data["count"]


def test_a_postal_code_is_a_place(client, organisations):
    organisations({"name": "Pôle Lens", **LENS}, {"name": "Atelier du Sud", **MARSEILLE})
    status, page = html(client, "/fr/atlas/", where="62000")
    assert status == 200
    assert "62000 Arras, Hauts-de-France, France" in page
    assert "Pôle Lens" in page and "Atelier du Sud" not in page
    # A code of several countries: the visitor's language decides, the others are offered.
    status, page = html(client, "/en/atlas/", where="62000")
    assert status == 400 and "62000 Arras, Hauts-de-France, France" in page
    data = client.get("/api/v1/organisations", {"near": "62000, France"}).json()
    assert [record["name"] for record in data["results"]] == ["Pôle Lens"]


def test_a_pmtiles_archive_is_served_in_byte_ranges(client, settings, tmp_path, db):
    archive = tmp_path / "basemap.pmtiles"
    archive.write_bytes(bytes(range(256)) * 40)  # 10,240 bytes
    assert client.get("/basemap.pmtiles").status_code == 404  # none configured
    settings.ESSAIM = {**settings.ESSAIM, "PMTILES": str(archive)}
    response = client.get("/basemap.pmtiles", HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response.content == (bytes(range(256)) * 40)[100:200]
    assert response["Content-Range"] == "bytes 100-199/10240"
    assert client.get("/basemap.pmtiles", HTTP_RANGE="bytes=-10").content == bytes(range(246, 256))
    assert client.get("/basemap.pmtiles", HTTP_RANGE="bytes=20000-").status_code == 416
    page = client.get("/en/atlas/map/").content.decode()
    assert 'data-pmtiles="/basemap.pmtiles"' in page and "protomaps-leaflet.js" in page
    whole = client.get("/basemap.pmtiles")
    body = b"".join(whole.streaming_content)
    whole.close()  # last: closing a response ends the request, and its database connection
    assert whole.status_code == 200 and body == archive.read_bytes()


def test_the_forms_radius_is_left_aside_for_a_region_or_a_country(client, organisations):
    organisations({"name": "Coop de Lens", "region": "Hauts-de-France", **LENS})
    for url in ("/fr/atlas/", "/fr/search/", "/fr/atlas/map/"):
        status, page = html(client, url, q="coop", where="Hauts-de-France", radius_km="30")
        assert status == 200, url
    status, page = html(client, "/fr/search/", q="coop", where="Hauts-de-France", radius_km="30")
    assert "Coop de Lens" in page
    # The API says a radius needs a town.
    response = client.get("/api/v1/organisations", {"where": "Bretagne", "radius_km": "30"})
    assert response.status_code == 400 and response.json()["parameter"] == "radius_km"


def test_a_place_read_from_the_words_stays_in_the_where_field(client, organisations):
    organisations({"name": "Médiation Lens", "short_description_fr": "Médiation numérique.",
                   **LENS})  # fmt: skip
    status, page = html(client, "/fr/atlas/", q="médiateur près de Arras")
    assert 'value="médiateur"' in page and 'value="Arras"' in page


def test_a_candidate_with_a_comma_in_its_country_name_can_be_chosen(client, db):
    status, page = html(client, "/fr/atlas/", where="Saint-Denis")
    candidates = page[page.index('class="candidates"') :]
    reunion = next(line for line in candidates.splitlines() if "Réunion" in line)
    link = reunion[reunion.index('href="') + 6 :]
    link = link[: link.index('"')].replace("&amp;", "&")
    assert client.get(f"/fr/atlas/{link}").status_code == 200


def test_events_take_any_radius_the_atlas_takes(client, db):
    from tests.factories import EventFactory

    EventFactory(title_en="Workshop in Lille", locality="Lille", latitude=LILLE["latitude"],
               longitude=LILLE["longitude"])  # fmt: skip
    for radius, found in (("30", False), ("25", False), ("50", True)):
        status, page = html(client, "/en/events/", where="Arras", radius_km=radius)
        assert status == 200, radius
        assert ("Workshop in Lille" in page) == found, radius
    status, page = html(client, "/en/events/", where="Arras", radius_km="0")
    assert status == 400


def test_a_town_known_by_another_name_is_not_lost_to_a_village_of_that_name(client, db):
    # "Parigi" is Italian for Paris, and the name of a village in Indonesia.
    status, page = html(client, "/it/atlas/", where="Parigi")
    assert status == 200 and "Paris, Île-de-France, Francia" in page
