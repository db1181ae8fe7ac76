"""Duplicates across sources: found, never merged silently, merged field by field."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from essaim.atlas import actions
from essaim.atlas.models import Organisation
from essaim.contributions.models import DuplicateCandidate
from essaim.exchange import imports
from tests.exchange.test_imports import run_import, write_csv

pytestmark = pytest.mark.django_db


def entry(commit, source, source_id, **facts):
    org = commit(actions.do_apply_facts, None, {"country": "FR", **facts})
    Organisation.objects.filter(pk=org.pk).update(source=source, source_id=source_id)
    org.refresh_from_db()
    return org


def find() -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("find-duplicates", stdout=out)
    return out.getvalue()


def pairs() -> dict[frozenset, list[str]]:
    return {
        frozenset((row.first.name, row.second.name)): row.reasons
        for row in DuplicateCandidate.objects.select_related("first", "second")
    }


@pytest.fixture
def sources(demo, commit):
    Organisation.objects.all().delete()
    made = {
        "lien_a": entry(commit, "reseau", "1", name="Le Lien Numérique", locality="Nantes",
                        latitude=47.2184, longitude=-1.5536, phone="02 40 00 00 01"),
        "lien_b": entry(commit, "cartographie", "x9", name="Association Le Lien Numerique",
                        locality="Nantes", latitude=47.2210, longitude=-1.5520,
                        phone="+33 2 40 00 00 01", email="bonjour@lelien.example.org"),
        "far": entry(commit, "reseau", "2", name="Le Lien Numérique", locality="Lille",
                     latitude=50.63, longitude=3.06),
        "siret_a": entry(commit, "reseau", "3", name="Coopérative Alpha",
                         identifier_siret="55210055400013"),
        "siret_b": entry(commit, "cartographie", "x1", name="Alpha SCIC",
                         identifier_siret="55210055400013"),
        "mail_a": entry(commit, "reseau", "4", name="Point Info",
                        email="Contact@Point.example.org"),
        "mail_b": entry(commit, "cartographie", "x2", name="PIJ de Brest",
                        email="contact@point.example.org"),
    }  # fmt: skip
    for number in range(30):  # a network whose members all use its domain
        entry(commit, "federation", f"f{number}", name=f"Antenne {number}",
              website=f"https://federation.example.org/antenne-{number}")  # fmt: skip
    return made


def test_candidates_by_identifier_contact_or_name_nearby(sources):
    assert "3 possible duplicates, 3 new" in find()
    assert pairs() == {
        frozenset(("Le Lien Numérique", "Association Le Lien Numerique")): ["name-nearby", "phone"],
        frozenset(("Coopérative Alpha", "Alpha SCIC")): ["identifier:siret"],
        frozenset(("Point Info", "PIJ de Brest")): ["email"],
    }
    assert "0 new" in find(), "found again, not listed twice"


def test_a_pair_marked_distinct_is_not_proposed_again(client, sources, moderator, commit):
    find()
    pair = DuplicateCandidate.objects.get(first=sources["mail_a"])
    client.force_login(moderator)
    listing = client.get("/en/moderation/duplicates/").content.decode()
    assert "Point Info" in listing and "the same email address" in listing
    commit(client.post, f"/en/moderation/duplicates/{pair.pk}/", {"decision": "distinct"})
    find()
    pair.refresh_from_db()
    assert pair.status == "distinct"
    assert "Point Info" not in client.get("/en/moderation/duplicates/").content.decode()
    assert (
        Organisation.objects.filter(pk__in=[sources["mail_a"].pk, sources["mail_b"].pk]).count()
        == 2
    )


def test_merging_field_by_field_keeps_the_provenance_of_each(
    client, sources, moderator, commit, tmp_path
):
    find()
    kept, other = sources["lien_a"], sources["lien_b"]
    pair = DuplicateCandidate.objects.get(first=kept, second=other)
    client.force_login(moderator)
    page = client.get(f"/en/moderation/duplicates/{pair.pk}/").content.decode()
    assert "bonjour@lelien.example.org" in page and "a similar name, less than 1 km apart" in page
    since = client.get("/api/v1/changes", {"since": 0, "limit": 500}).json()["next_since"]

    commit(client.post, f"/en/moderation/duplicates/{pair.pk}/", {
        "decision": "merge", "keep": "first", "take_name": "first", "take_email": "second",
        "take_phone": "first", "take_latitude": "first", "take_longitude": "first",
    })  # fmt: skip

    kept.refresh_from_db()
    assert (kept.name, kept.email) == ("Le Lien Numérique", "bonjour@lelien.example.org")
    assert kept.provenance["email"]["source"] == "cartographie"
    assert not Organisation.objects.filter(pk=other.pk).exists()
    response = client.get(f"/en/atlas/{other.pk}/old/")
    assert response.status_code == 301
    assert response["Location"] == kept.get_absolute_url().replace("/fr/", "/en/")
    feed = client.get("/api/v1/changes", {"since": since}).json()["changes"]
    assert (other.pk, "delete") in [(c["organisation"], c["action"]) for c in feed]
    assert (kept.pk, "upsert") in [(c["organisation"], c["action"]) for c in feed]

    # The merged entry's source still updates what came from it, and only that.
    header = ["id", "name", "email", "country"]
    path = write_csv(tmp_path / "carto.csv",
                     [["x9", "Lien Numérique (Nantes)", "nouveau@lelien.example.org", "FR"]],
                     header=header)  # fmt: skip
    out, _err = run_import(path, commit, source="cartographie", subset=True)
    assert "0 created, 1 updated" in out
    kept.refresh_from_db()
    assert kept.email == "nouveau@lelien.example.org"
    assert kept.name == "Le Lien Numérique", "the name came from the other source"
    assert Organisation.objects.filter(source="cartographie", source_id="x9").count() == 0


def test_members_do_not_see_duplicates(client, sources, member):
    find()
    client.force_login(member)
    assert client.get("/en/moderation/duplicates/").status_code == 403
    pair = DuplicateCandidate.objects.first()
    assert (
        client.post(f"/en/moderation/duplicates/{pair.pk}/", {"decision": "distinct"}).status_code
        == 403
    )
    pair.refresh_from_db()
    assert pair.status == "open"


def test_entries_of_one_website_elsewhere_are_possibly_branches(demo, commit):
    Organisation.objects.all().delete()
    entry(commit, "reseau", "n", name="Réseau Numérique", locality="Paris",
          website="https://reseau.example.org/")  # fmt: skip
    entry(commit, "cartographie", "l", name="Réseau Numérique Lille", locality="Lille",
          website="https://reseau.example.org/lille/")  # fmt: skip
    entry(commit, "cartographie", "p", name="RN", locality="Paris",
          website="https://www.reseau.example.org")  # fmt: skip
    # The front page under other names is the same site, not a branch.
    entry(commit, "annuaire", "a", name="Reseau Numerique", locality="Paris",
          website="https://reseau.example.org/fr/accueil.html")  # fmt: skip
    find()
    assert pairs() == {
        frozenset(("Réseau Numérique", "Réseau Numérique Lille")): ["branch"],
        frozenset(("RN", "Réseau Numérique Lille")): ["branch"],
        frozenset(("Reseau Numerique", "Réseau Numérique Lille")): ["branch"],
        frozenset(("Réseau Numérique", "RN")): ["website"],
        frozenset(("Reseau Numerique", "RN")): ["website"],
        frozenset(("Réseau Numérique", "Reseau Numerique")): ["website"],
    }


def test_a_branch_is_told_apart_on_the_moderators_screen(client, demo, commit, moderator):
    Organisation.objects.all().delete()
    entry(commit, "reseau", "n", name="Réseau Numérique", locality="Paris",
          website="https://reseau.example.org/")  # fmt: skip
    entry(commit, "cartographie", "l", name="Réseau Numérique Lille", locality="Lille",
          website="https://reseau.example.org/lille/")  # fmt: skip
    find()
    client.force_login(moderator)
    page = client.get("/en/moderation/duplicates/").content.decode()
    assert "possibly a branch: the same website, at another locality" in page


def test_a_merge_takes_an_address_whole(client, demo, commit, moderator):
    Organisation.objects.all().delete()
    paris = entry(commit, "reseau", "1", name="Atelier Numérique", address="5 rue de Paris",
                  postal_code="75011", locality="Paris", latitude=48.8566, longitude=2.3522,
                  email="atelier@example.org")  # fmt: skip
    lille = entry(commit, "carto", "2", name="Atelier numérique", address="3 rue de Lille",
                  postal_code="59000", locality="Lille", latitude=50.6292, longitude=3.0573,
                  email="atelier@example.org", phone="03 20 00 00 00")  # fmt: skip
    find()
    pair = DuplicateCandidate.objects.get()
    client.force_login(moderator)
    page = client.get(f"/en/moderation/duplicates/{pair.pk}/").content.decode()
    assert "5 rue de Paris, 75011 Paris" in page and "3 rue de Lille, 59000 Lille" in page
    assert 'name="take_postal_code"' not in page and 'name="take_latitude"' not in page

    commit(client.post, f"/en/moderation/duplicates/{pair.pk}/", {
        "decision": "merge", "keep": "first", "take_place": "second", "take_phone": "second",
        # What an older page, or a hand-made request, might still send: never half an address.
        "take_postal_code": "first", "take_latitude": "first",
    })  # fmt: skip
    paris.refresh_from_db()
    place = (paris.address, paris.postal_code, paris.locality, paris.latitude, paris.longitude)
    assert place == ("3 rue de Lille", "59000", "Lille", 50.6292, 3.0573)
    assert paris.phone == "03 20 00 00 00" and paris.name == "Atelier Numérique"
    assert not Organisation.objects.filter(pk=lille.pk).exists()


def test_an_import_looks_for_duplicates_of_what_it_brought(client, demo, commit, tmp_path,
                                                          moderator):  # fmt: skip
    Organisation.objects.all().delete()
    entry(commit, "reseau", "1", name="Coopérative Alpha", identifier_siret="55210055400013")
    entry(commit, "reseau", "2", name="Point Info", email="contact@point.example.org")
    entry(commit, "reseau", "3", name="PIJ Brest", email="contact@point.example.org")
    header = ["id", "name", "country", "identifier_siret"]
    path = write_csv(tmp_path / "autre.csv", [["a", "Alpha SCIC", "FR", "55210055400013"]],
                     header=header)  # fmt: skip
    out, _err = run_import(path, commit, source="autre-reseau")
    assert "1 new pair of possible duplicates to review:" in out
    assert "/moderation/duplicates/?source=autre-reseau" in out
    assert pairs() == {frozenset(("Coopérative Alpha", "Alpha SCIC")): ["identifier:siret"]}, (
        "only the pairs of what the import brought"
    )
    client.force_login(moderator)
    page = client.get("/en/moderation/duplicates/", {"source": "autre-reseau"}).content.decode()
    assert "Alpha SCIC" in page


def test_a_large_import_leaves_its_duplicates_to_a_worker(client, demo, commit, tmp_path,
                                                          moderator, monkeypatch):  # fmt: skip
    # A million entries take minutes to compare: the report does not wait for them.
    monkeypatch.setattr(imports, "DUPLICATES_FOUND_AT_ONCE", 1)
    Organisation.objects.all().delete()
    entry(commit, "reseau", "1", name="Coopérative Alpha", identifier_siret="55210055400013")
    header = ["id", "name", "country", "identifier_siret"]
    path = write_csv(tmp_path / "autre.csv", [["a", "Alpha SCIC", "FR", "55210055400013"],
                                              ["b", "Beta", "FR", ""]], header=header)  # fmt: skip
    out, _err = run_import(path, commit, source="autre-reseau")
    assert "new pair" not in out
    assert "Possible duplicates are looked for in the background" in out
    assert "/moderation/duplicates/?source=autre-reseau" in out
    # The worker's job (run at once by the tests' queue) found them all the same.
    assert pairs() == {frozenset(("Coopérative Alpha", "Alpha SCIC")): ["identifier:siret"]}


def test_thousands_of_entries_placed_at_one_town_are_compared_by_name_alone(db, commit, tmp_path):
    """A register imported without addresses: every entry at its town's centre. Comparing
    every pair of names there would take hours; the same names are still paired."""
    from tests.exchange.test_imports import run_import, write_csv

    rows = [[f"t-{n}", f"Atelier numérique {n}", "Arras", "FR", "50.29", "2.78", "", ""]
            for n in range(1500)]  # fmt: skip
    rows.append(["t-twin", "Atelier numérique 7", "Arras", "FR", "50.29", "2.78", "", ""])
    out, _err = run_import(write_csv(tmp_path / "register.csv", rows), commit)
    assert "1501" in out
    assert pairs() == {frozenset(("Atelier numérique 7",)): ["name-nearby"]}
