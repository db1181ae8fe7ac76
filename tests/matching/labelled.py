"""The labelled set of needs and the volunteers that should come first
(tests/data/matching_labelled.json), loaded through the actions, and its top-3 accuracy beside
a lexical-only baseline (shared words of the texts). Used by the tests and by bench.matching."""

import json
from pathlib import Path

from essaim.atlas.actions import do_apply_facts
from essaim.competences.models import Competence
from essaim.matching.actions import do_record_demo
from essaim.matching.models import Need, Profile
from essaim.matching.suggestions import offers_for
from essaim.search.text import fold

SET = Path(__file__).parents[1] / "data" / "matching_labelled.json"


def _place(places: dict, key: str | None) -> dict:
    if not key:
        return {"locality": "", "region": "", "country": "", "latitude": None, "longitude": None}
    latitude, longitude, town, country, region = places[key]
    return {"locality": town, "region": region, "country": country, "latitude": latitude,
            "longitude": longitude}  # fmt: skip


def load() -> dict:
    data = json.loads(SET.read_text())
    competences = dict(
        Competence.objects.filter(framework__key="digcomp-2.2").values_list("number", "pk")
    )
    organisation = do_apply_facts(None, {"name": "Réseau d'essai", "country": "FR"})
    volunteers = [
        {**v, **_place(data["places"], v["place"]), "username": f"labelled-{v['key']}",
         "email": f"{v['key']}@example.org", "phone": "", "digest": False, "services": [],
         "competences": {competences[n]: level for n, level in v["competences"].items()}}
        for v in data["volunteers"]
    ]  # fmt: skip
    needs = [
        {**n, **_place(data["places"], n["place"]), "organisation": organisation,
         "competences": [competences[number] for number in n["competences"]], "services": [],
         "starts_on": None, "ends_on": None, "deadline": None}
        for n in data["needs"]
    ]  # fmt: skip
    do_record_demo(volunteers, needs, [])
    return data


def _words(text: str) -> set[str]:
    return set(fold(text))


def evaluate() -> dict:
    """Top-1 and top-3 accuracy of the matching and of the shared-words baseline."""
    data = load()
    by_title = {n.title: n for n in Need.objects.all()}
    profiles = {p.user.username.removeprefix("labelled-"): p
                for p in Profile.objects.select_related("user")}  # fmt: skip
    texts = {key: _words(p.presentation + " " + " ".join(p.skills)) for key, p in profiles.items()}
    found = {"needs": 0, "top1": 0, "top3": 0, "lexical_top1": 0, "lexical_top3": 0}
    misses = []
    for labelled in data["needs"]:
        need = by_title[labelled["title"]]
        expected = set(labelled["expected"])
        ranked = [m.offer.pk for m in offers_for(need, count=3, providers=False)]
        keys = [k for pk in ranked for k, p in profiles.items() if p.pk == pk]
        asked = _words(" ".join([need.title, need.description, *need.skills]))
        lexical = sorted(texts, key=lambda k: (-len(asked & texts[k]) / len(asked | texts[k]), k))
        found["needs"] += 1
        found["top1"] += bool(keys[:1] and keys[0] in expected)
        found["top3"] += bool(expected & set(keys[:3]))
        found["lexical_top1"] += lexical[0] in expected
        found["lexical_top3"] += bool(expected & set(lexical[:3]))
        if not expected & set(keys[:3]):
            misses.append((labelled["key"], keys, sorted(expected)))
    total = found["needs"]
    return {**{k: (v / total if k != "needs" else v) for k, v in found.items()}, "misses": misses}
