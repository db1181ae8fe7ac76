"""The atlas pages, as a visitor with JavaScript off uses them."""

import json
import re

import pytest
from django.utils.html import escape

from essaim.atlas.models import Organisation, Status
from tests.helpers import page_of

pytestmark = pytest.mark.django_db


def names_on(response) -> list[str]:
    return re.findall(r'<h3 dir="auto"><a href="[^"]+">([^<]+)</a></h3>', response.content.decode())


def test_root_redirects_to_a_language(client):
    response = client.get("/", headers={"accept-language": "it"})
    assert response.status_code == 302
    assert response["Location"] == "/it/"


def test_home_shows_figures_and_sectors(client, demo):
    response = client.get("/en/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<strong>{Organisation.objects.count()}</strong> organisations listed" in html
    assert "Reuse and refurbishing" in html
    assert 'href="/en/atlas/?sector=reuse-refurbishing"' in html


def test_search_folds_accents_and_case(client, demo):
    for text in ("emmaus", "EMMAÜS", "Emmaüs"):
        names = names_on(client.get("/fr/atlas/", {"q": text}))
        assert "Emmaüs Connect" in [name.replace("&#x27;", "'") for name in names], text


def test_search_matches_prefixes(client, demo):
    names = names_on(client.get("/fr/atlas/", {"q": "reconditionn"}))
    assert "Envie" in names
    assert "Ecodair" in names


def test_search_needs_every_word(client, demo):
    names = names_on(client.get("/en/atlas/", {"q": "cooperative bank"}))
    assert names == ["Crédit Coopératif"]


def test_facet_filter_narrows_and_counts(client, demo):
    everything = client.get("/en/atlas/")
    match = re.search(
        r'id="f-country-ca"[^>]*> Canada \((\d+)\)</label>',
        everything.content.decode(),
    )
    assert match, "the country facet lists Canada with a count"
    expected = Organisation.objects.filter(country="CA", status=Status.PUBLISHED).count()
    assert int(match.group(1)) == expected
    filtered = client.get("/en/atlas/", {"country": "CA"})
    assert f"{expected} organisations" in filtered.content.decode()
    assert "Communautique" in names_on(filtered)
    assert "HelloAsso" not in names_on(filtered)


def test_a_long_facet_shows_its_first_options_then_all_of_them(client, demo):
    page = client.get("/en/atlas/").content.decode()
    shown = re.findall(r'name="service" value="([\w-]+)"', page)
    more = re.search(r'href="\?more=service#f-service">(\d+) more options', page)
    services = Organisation.objects.filter(status=Status.PUBLISHED).values("services").distinct()
    in_use = services.exclude(services=None).count()
    assert len(shown) == 6 and more and len(shown) + int(more.group(1)) == in_use
    expanded = client.get("/en/atlas/", {"more": "service"}).content.decode()
    assert len(re.findall(r'name="service" value="', expanded)) == in_use
    assert '<details id="f-service" open>' in expanded


def test_two_values_of_one_facet_mean_either(client, demo):
    one = len(names_on(client.get("/en/atlas/", {"country": "BE"})))
    both = client.get("/en/atlas/", {"country": ["BE", "CA"]}).content.decode()
    expected = Organisation.objects.filter(country__in=["BE", "CA"]).count()
    assert f"{expected} organisations" in both
    assert expected > one


def test_sorting_by_name(client, demo):
    names = names_on(client.get("/en/atlas/", {"country": "FR", "sort": "name"}))
    folded = [name.lower().replace("é", "e").replace("&#x27;", "'") for name in names]
    assert folded == sorted(folded)


def test_pagination_without_javascript(client, generated):
    generated(45)
    first = client.get("/en/atlas/", {"sort": "name"})
    html = first.content.decode()
    assert "Page 1 of 3" in html
    assert 'rel="next"' in html
    second = client.get("/en/atlas/", {"sort": "name", "page": "2"})
    assert set(names_on(first)).isdisjoint(names_on(second))
    assert len(names_on(client.get("/en/atlas/", {"sort": "name", "page": "3"}))) == 5


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sector": "no-such-sector"}, "Valeur inconnue pour sector : no-such-sector."),
        ({"bbox": "1,2,3"}, "bbox doit être composé de 4 nombres séparés par des virgules."),
        ({"sort": "colour"}, "Tri inconnu : colour."),
        ({"page": "9999"}, "Cette page n’existe pas : cette recherche tient sur"),
        ({"page": "0"}, "Cette page n’existe pas."),
    ],
)
def test_bad_input_gets_a_translated_message(client, demo, params, message):
    response = client.get("/fr/atlas/", params)
    assert response.status_code in (400, 404)
    assert escape(message) in response.content.decode()


def test_bad_input_keeps_what_was_typed(client, demo):
    response = client.get("/en/atlas/", {"q": "repair café", "sector": "nope"})
    assert response.status_code == 400
    assert 'value="repair café"' in response.content.decode()


def test_htmx_gets_only_the_results(client, demo):
    response = client.get("/en/atlas/", {"q": "coop"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="layout" id="atlas-body">')
    assert "<html" not in html


def test_organisation_page_has_facts_and_json_ld(client, demo):
    org = Organisation.objects.get(name="Atena Informatique")
    response = client.get(page_of(org, "en"))
    html = response.content.decode()
    assert "Rimouski" in html
    assert "Worker cooperative providing IT services" in html
    assert "1984" in html
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    )
    assert data["@type"] == "Organization"
    assert data["address"]["addressLocality"] == "Rimouski"
    assert data["location"]["geo"]["latitude"] == pytest.approx(48.45, abs=0.05)


def test_missing_translation_falls_back_with_a_marker(client, demo):
    org = Organisation.objects.get(name="Atena Informatique")
    html = client.get(page_of(org, "it")).content.decode()
    # Its description exists in French only: shown in French, marked as such for readers and
    # screen readers, not presented as Italian.
    assert re.search(r'<div class="description"[^>]* lang="fr">', html)
    assert "Questa descrizione è in" in html


def test_old_slug_redirects_and_hidden_is_gone(client, demo, commit):
    from essaim.atlas import actions

    org = Organisation.objects.get(name="HelloAsso")
    response = client.get(f"/en/atlas/{org.pk}/old-name/")
    assert response.status_code == 301
    assert response["Location"] == page_of(org, "en")
    commit(actions.do_set_organisation_status, org, Status.HIDDEN)
    assert client.get(page_of(org, "en")).status_code == 404
    assert "HelloAsso" not in names_on(client.get("/en/atlas/", {"q": "helloasso"}))


def test_language_switcher_and_hreflang(client, demo):
    html = client.get("/es/atlas/", {"q": "coop"}).content.decode()
    assert '<html lang="es">' in html
    for code in ("fr", "en", "it", "es"):
        assert f'hreflang="{code}" href="/{code}/atlas/?q=coop"' in html
    assert "Buscar" in html


def test_text_from_the_database_is_escaped(client, db, commit):
    from essaim.atlas import actions

    commit(
        actions.do_create_organisation,
        {
            "name": "<script>alert(1)</script> Coop",
            "country": "FR",
            "short_description_fr": "<b>gras</b>",
        },
    )
    html = client.get("/fr/atlas/", {"q": "coop"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;b&gt;gras&lt;/b&gt;" in html


def test_map_page_works_without_sending_points(client, demo):
    html = client.get("/en/atlas/map/", {"country": "FR"}).content.decode()
    assert 'data-clusters="/api/v1/map/clusters"' in html
    assert 'data-filters="country=FR"' in html
    assert "Communautique" not in html
    assert "The map needs JavaScript. The list of organisations works without it." in html
