"""Search by meaning: a query in one language finds a description in another, through a
multilingual model on the server's CPU, fused with the words' ranking; the vectors follow
every write; without the model, search stays lexical."""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.utils import translation

from essaim.atlas import actions
from essaim.atlas.models import Organisation, Status
from essaim.search.index import SearchQuery, get_index
from tests.helpers import TESTS

pytestmark = pytest.mark.django_db
RETRIEVAL_SET = json.loads((TESTS / "data" / "retrieval.json").read_text())


@pytest.fixture
def semantic(settings):
    settings.ESSAIM = {**settings.ESSAIM, "SEMANTIC_SEARCH": True}


def top_three(query: str) -> list[str]:
    result = get_index().search(SearchQuery(text=query, limit=3))
    names = dict(Organisation.objects.filter(pk__in=result.ids).values_list("pk", "name"))
    return [names[pk] for pk in result.ids]


def recall(queries) -> float:
    return sum(item["expected"] in top_three(item["query"]) for item in queries) / len(queries)


def test_the_retrieval_set_is_large_enough_and_in_four_languages():
    queries = RETRIEVAL_SET["queries"]
    assert len(queries) >= 40
    assert {item["language"] for item in queries} == {"fr", "en", "it", "es"}


def test_meaning_finds_across_languages_what_words_alone_miss(semantic, settings, demo):
    queries = RETRIEVAL_SET["queries"]
    for item in queries:  # every expected organisation is in the demo atlas
        assert Organisation.objects.filter(name=item["expected"]).exists(), item["expected"]
    hybrid = recall(queries)
    settings.ESSAIM = {**settings.ESSAIM, "SEMANTIC_SEARCH": False}
    lexical = recall(queries)
    print(f"top-3 recall over {len(queries)} queries: hybrid {hybrid:.2f}, lexical {lexical:.2f}")
    assert hybrid >= 0.9
    assert hybrid > lexical + 0.3


def test_a_result_found_by_meaning_says_so(semantic, client, demo):
    page = client.get("/it/atlas/", {"q": "banca cooperativa"}).content.decode()
    assert "Crédit Coopératif" in page
    card = page[page.index("Crédit Coopératif") :]
    card = card[: card.index("</li>")]
    assert "simile per significato alla vostra ricerca" in card
    # A result of the words says nothing of the kind.
    page = client.get("/it/atlas/", {"q": "Crédit Coopératif"}).content.decode()
    assert (
        "simile per significato"
        not in page[page.index('class="cards"') :].split("Fondation Crédit")[0]
    )


def test_names_proposed_as_one_types_come_from_the_words_alone(semantic, client, demo):
    """A form proposes the names that match what is typed, not organisations of a like
    meaning (and asks the encoder nothing on each keystroke)."""
    names = client.get("/it/names/organisations/", {"q": "banca cooperativa"}).json()
    assert "Crédit Coopératif" not in str(names)
    names = client.get("/it/names/organisations/", {"q": "credit coop"}).json()
    assert "Crédit Coopératif" in str(names)


def test_results_by_meaning_pass_the_filters(semantic, client, demo):
    page = client.get("/it/atlas/", {"q": "banca cooperativa", "country": "BE"}).content.decode()
    assert "Crédit Coopératif</a>" not in page
    page = client.get("/it/atlas/", {"q": "banca cooperativa", "country": "FR"}).content.decode()
    assert "Crédit Coopératif</a>" in page


def found_through_its_writes(commit):
    """An organisation created, rewritten, then hidden: found by meaning, in another language,
    for what it says at each step, and not once hidden."""
    org = commit(actions.do_create_organisation, {
        "name": "Atelier", "country": "FR", "original_language": "fr",
        "short_description_fr": "Cours de cuisine végétarienne pour les familles.",
    })  # fmt: skip
    assert "Atelier" in top_three("corsi di cucina vegetariana")
    commit(actions.do_update_organisation, org,
           {"short_description_fr": "Réparation de vélos d'occasion."})  # fmt: skip
    assert "Atelier" not in top_three("corsi di cucina vegetariana")
    assert "Atelier" in top_three("riparazione di biciclette usate")
    commit(actions.do_set_organisation_status, org, Status.HIDDEN)
    assert "Atelier" not in top_three("riparazione di biciclette usate")
    return org


def test_vectors_follow_the_writes(semantic, commit, db):
    org = found_through_its_writes(commit)
    # Its vector is gone too, not only its entry in the index.
    from essaim.search.vectors import get_vector_store

    assert get_vector_store(512).digests([org.pk]) in ({}, {org.pk: ""})


def test_without_the_model_search_stays_lexical(client, demo):
    page = client.get("/it/atlas/", {"q": "banca cooperativa"}).content.decode()
    assert "Crédit Coopératif</a>" not in page
    assert "simile per significato" not in page


def test_the_embed_command_catches_up_after_a_bulk_load(semantic, generated):
    generated(250)  # the bulk path indexes words only
    for expected in (250, 0):  # then nothing left to do
        computed, total = (int(number) for number in re.findall(r"\d+", embed())[:2])
        assert (computed, total) == (expected, 250)


def test_a_trailing_place_is_read_even_when_meaning_finds_something(semantic, client, demo):
    page = client.get("/it/search/", {"q": "formazione digitale Bologna"}).content.decode()
    assert 'value="Bologna, Emilia-Romagna, Italia"' in page
    assert "EGINA" in page


def embed() -> str:
    """What `essaim embed` says, in English."""
    out = io.StringIO()
    with translation.override("en"):
        call_command("embed", no_progress=True, stdout=out)
    return out.getvalue()


def test_a_graph_of_the_vectors_answers_as_the_exact_scan_and_follows_the_writes(
    semantic, settings, commit, generated
):
    generated(250)
    call_command("embed", no_progress=True, stdout=io.StringIO())
    queries = ["réemploi solidaire", "digital skills for associations", "dati aperti",
               "formación en software libre", "open data workshop"]  # fmt: skip
    exact = {query: top_three(query) for query in queries}
    assert all(exact.values())
    settings.ESSAIM = {**settings.ESSAIM, "VECTOR_GRAPH_FROM": 100}
    assert "Meaning graph built: 250 vectors" in embed()
    assert {query: top_three(query) for query in queries} == exact

    # Written after the graph: found from the rows the graph does not hold.
    found_through_its_writes(commit)
    # Two rows rewritten out of 250: the graph is still good enough.
    assert "graph" not in embed()

    # Under the threshold again, every vector is scanned exactly, with the same answers.
    settings.ESSAIM = {**settings.ESSAIM, "VECTOR_GRAPH_FROM": 10_000}
    assert "Meaning graph removed" in embed()
    assert {query: top_three(query) for query in queries} == exact
