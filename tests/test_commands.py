"""The `essaim` commands: demo data, the synthetic generator and reindexing."""

import io
import shutil

import pytest
from django.core.management import call_command
from django.utils import translation

from essaim.atlas import actions
from essaim.atlas.models import Organisation

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_demo_loads_every_organisation_of_the_documents_once(commit):
    commit(run, "load_demo")
    names = set(Organisation.objects.values_list("name", flat=True))
    for expected in (
        "Communautique",
        "Atena Informatique",
        "Social Good Accelerator (SOGA)",
        "Emmaüs Connect",
        "Télécoop",
        "Open Food Facts",
        "Fundación Esplai",
        "EGINA",
        "Crédit Coopératif",
        "La Mednum",
    ):
        assert expected in names
    count = len(names)
    assert count >= 40
    commit(run, "load_demo")
    assert Organisation.objects.count() == count


def test_demo_keeps_edits_unless_asked_to_reset(commit):
    commit(run, "load_demo")
    org = Organisation.objects.get(name="Télécoop")
    commit(actions.do_update_organisation, org, {"website": "https://example.org"})
    commit(run, "load_demo")
    assert Organisation.objects.get(name="Télécoop").website == "https://example.org"
    commit(run, "load_demo", update=True)
    assert Organisation.objects.get(name="Télécoop").website == "https://telecoop.fr"


def test_demo_places_come_from_the_gazetteer(commit):
    commit(run, "load_demo")
    rimouski = Organisation.objects.get(name="Atena Informatique")
    assert (rimouski.latitude, rimouski.longitude) == pytest.approx((48.45, -68.52), abs=0.05)
    assert Organisation.objects.get(name="EGINA").region == "Umbria"


def test_generator_is_deterministic(client, generated):
    generated(25, seed=3)
    first = list(
        Organisation.objects.order_by("pk").values_list(
            "name", "locality", "country", "latitude", "description_fr"
        )
    )
    Organisation.objects.all().delete()
    generated(25, seed=3)
    again = list(
        Organisation.objects.order_by("pk").values_list(
            "name", "locality", "country", "latitude", "description_fr"
        )
    )
    assert first == again
    assert {country for _n, _l, country, _lat, _d in first} <= {"FR", "BE", "IT", "ES", "CA"}
    assert client.get("/api/v1/organisations").json()["count"] == 25


def test_reindex_restores_a_lost_index(client, generated, search_index_dir):
    generated(30)
    shutil.rmtree(search_index_dir)
    from essaim.search import index

    index._indexes.clear()
    assert client.get("/api/v1/organisations").json()["count"] == 0
    assert "30" in run("reindex")
    assert client.get("/api/v1/organisations").json()["count"] == 30
    assert "up to date" in run("reindex", if_needed=True)


def test_generate_resumes_to_the_same_organisations(client, generated, search_index_dir):
    generated(30, seed=5)
    # A crash that lost the index's last commit: the next run repairs it, then resumes.
    shutil.rmtree(search_index_dir)
    from essaim.search import index

    index._indexes.clear()
    generated(50, seed=5)
    resumed = list(Organisation.objects.order_by("pk").values_list("source_id", "name", "latitude"))
    assert client.get("/api/v1/organisations").json()["count"] == 50
    Organisation.objects.all().delete()
    generated(50, seed=5)
    straight = list(
        Organisation.objects.order_by("pk").values_list("source_id", "name", "latitude")
    )
    assert resumed == straight
    assert len({source_id for source_id, _n, _l in straight}) == 50


def test_check_index_reports_and_repairs_drift(generated, commit):
    from django.core.management.base import CommandError

    generated(40)
    assert "matches" in run("check-index")
    # A process that died between the database commit and the index write leaves drift:
    # simulated here by writing behind the actions' back.
    changed = list(Organisation.objects.order_by("pk")[:3])
    Organisation.objects.filter(pk=changed[0].pk).update(name="Renamed behind the index")
    Organisation.objects.filter(pk=changed[1].pk).update(status="hidden")
    Organisation.objects.filter(pk=changed[2].pk).delete()
    import datetime

    from django.utils import timezone

    Organisation.objects.filter(pk=changed[0].pk).update(
        updated_at=timezone.now() + datetime.timedelta(seconds=1)
    )
    with pytest.raises(CommandError):
        run("check-index")
    report = run("check-index", repair=True)
    assert "Missing from the index: 0; not published: 2; out of date: 1." in report
    assert "matches" in run("check-index")
