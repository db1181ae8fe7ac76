"""Staying in sync: daily snapshots, the DCAT-AP catalogue, and the change feed after them."""

import csv
import gzip
import io
import json
from datetime import date, timedelta

import pytest
import rdflib
from django.core.management import call_command
from django.utils import translation
from pyld import jsonld
from rdflib import namespace as terms  # not its names: pytest's collection warns on them
from rdflib.compare import isomorphic

from essaim.atlas import actions
from essaim.atlas.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def snapshot() -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("snapshot", stdout=out)
    return out.getvalue()


def fetched(client, url) -> bytes:
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_snapshots_hold_the_atlas_and_say_where_the_feed_resumes(client, demo, data_dir, commit):
    out = snapshot()
    since = int(out.rsplit("since=", 1)[1].rstrip(".\n"))
    day = date.today().isoformat()

    response = client.get("/exports/snapshots/latest.csv.gz")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/exports/snapshots/organisations-{day}.csv.gz")
    rows = list(csv.DictReader(io.StringIO(
        gzip.decompress(fetched(client, response["Location"])).decode("utf-8-sig")
    )))  # fmt: skip
    assert len(rows) == Organisation.objects.published().count()
    lines = gzip.decompress(fetched(client, "/exports/snapshots/latest.jsonl.gz")).splitlines()
    records = [json.loads(line) for line in lines]
    assert {r["name"] for r in records} == {row["name"] for row in rows}
    served = client.get(f"/exports/snapshots/organisations-{day}.jsonl.gz")
    assert served["X-Changes-Since"] == str(since)
    assert gzip.decompress(b"".join(served.streaming_content)).splitlines() == lines

    # A change after the snapshot is in the feed after that position, and only it.
    org = Organisation.objects.get(name="Emmaüs Connect")
    commit(actions.do_apply_facts, org, {"locality": "Lyon"})
    feed = client.get("/api/v1/changes", {"since": since}).json()
    assert [(c["organisation"], c["fields"]) for c in feed["changes"]] == [(org.pk, ["locality"])]


def test_old_snapshots_are_removed_after_the_kept_days(demo, data_dir, settings):
    from essaim.exchange.snapshots import snapshots, write_snapshots

    settings.ESSAIM = {**settings.ESSAIM, "SNAPSHOTS_KEEP": 2}
    for days_ago in (3, 2, 1, 0):
        write_snapshots(date.today() - timedelta(days=days_ago))
    assert sorted({item.day for item in snapshots()}) == [
        date.today() - timedelta(days=1), date.today()
    ]  # fmt: skip


def test_unknown_snapshots_are_not_found(client, data_dir):
    assert client.get("/exports/snapshots/latest.csv.gz").status_code == 404
    assert client.get("/exports/snapshots/..%2Fessaim.sqlite3").status_code == 404


def test_the_dcat_catalogue_describes_every_dataset_in_turtle_and_json_ld(client, demo, data_dir):
    snapshot()
    turtle = rdflib.Graph().parse(data=client.get("/catalogue.ttl").content, format="turtle")
    # JSON-LD read by another implementation (PyLD), as N-Triples.
    document = json.loads(client.get("/catalogue.jsonld").content)
    triples = jsonld.to_rdf(document, {"format": "application/n-quads"})
    as_jsonld = rdflib.Graph().parse(data=triples, format="nt")
    assert len(as_jsonld) == len(turtle) > 100
    assert isomorphic(turtle, as_jsonld), "both serialisations say the same"

    [catalogue] = turtle.subjects(terms.RDF.type, terms.DCAT.Catalog)
    datasets = set(turtle.objects(catalogue, terms.DCAT.dataset))
    titles = {str(turtle.value(d, terms.DCTERMS.title)) for d in datasets}
    keys = {str(d).rsplit("#", 1)[1] for d in datasets}
    assert keys == {"organisations", "events", "resources", "opportunities", "observatory",
                    "surveys"}, titles  # fmt: skip
    for dataset in datasets:
        assert turtle.value(dataset, terms.DCTERMS.accrualPeriodicity) is not None
        assert turtle.value(dataset, terms.DCTERMS.description) is not None
        distributions = list(turtle.objects(dataset, terms.DCAT.distribution))
        assert distributions
        for distribution in distributions:
            assert turtle.value(distribution, terms.DCTERMS.license) is not None
            assert turtle.value(distribution, terms.DCAT.mediaType) is not None
            url = str(turtle.value(distribution, terms.DCAT.accessURL))
            path = url.removeprefix("http://127.0.0.1:8000")
            assert fetched(client, path), path
    atlas = next(d for d in datasets if str(d).endswith("#organisations"))
    formats = {str(turtle.value(d, terms.DCTERMS["format"])).rsplit("/", 1)[1]
               for d in turtle.objects(atlas, terms.DCAT.distribution)}  # fmt: skip
    assert formats == {"CSV", "JSON", "GEOJSON", "JSON_LD", "GZIP"}
    services = list(turtle.subjects(terms.RDF.type, terms.DCAT.DataService))
    assert all(turtle.value(s, terms.DCAT.endpointDescription) for s in services)
    endpoints = {str(e) for s in services for e in turtle.objects(s, terms.DCAT.endpointURL)}
    assert "http://127.0.0.1:8000/api/v1/changes" in endpoints
