"""Matching benchmark: the best offers for a need among many volunteers' profiles and the
atlas's organisations, and the needs that fit a new profile among many needs, beside the
straightforward way (every profile scored one by one), with the web process's memory; then
the labelled set of the tests (tests/data/matching_labelled.json): top-3 accuracy beside a
lexical-only baseline.

    python -m bench.matching --count 100000 --profiles 100000 --needs 100000

On the synthetic atlas of bench.search (generated once, reused; its meaning vectors if
bench.find_help computed them), adds `profiles` volunteers and `needs` open needs drawn from
a fixed seed (their texts from a few hundred sentences in four languages, each embedded
once), then times `offers_for` (volunteers and providers) and `needs_for` on 100 of each.
Prints figures beside their targets and writes JSON to bench/results/.
"""

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

from bench.search import ROOT, ensure_data, setup_django, summary

TOPICS = [
    ("l'accessibilité des sites web", "web accessibility", "l'accessibilità dei siti web",
     "la accesibilidad web"),
    ("la protection des données (RGPD)", "data protection (GDPR)",
     "la protezione dei dati (GDPR)", "la protección de datos (RGPD)"),
    ("les sauvegardes et la sécurité", "backups and security", "i backup e la sicurezza",
     "las copias de seguridad y la seguridad"),
    ("un tableau de bord de nos données", "a dashboard of our data",
     "una dashboard dei nostri dati", "un panel de nuestros datos"),
    ("un site WordPress", "a WordPress website", "un sito WordPress", "un sitio WordPress"),
    ("le montage vidéo", "video editing", "il montaggio video", "la edición de vídeo"),
    ("quitter les réseaux sociaux commerciaux", "leaving commercial social networks",
     "lasciare i social network commerciali", "dejar las redes sociales comerciales"),
    ("des ordinateurs reconditionnés", "refurbished computers", "computer ricondizionati",
     "ordenadores reacondicionados"),
    ("accompagner des personnes âgées en ligne", "helping elderly people online",
     "accompagnare gli anziani online", "acompañar a personas mayores en línea"),
    ("la comptabilité avec un logiciel libre", "accounting with free software",
     "la contabilità con software libero", "la contabilidad con software libre"),
    ("écrire des demandes de subvention", "writing grant applications",
     "scrivere domande di finanziamento", "redactar solicitudes de subvención"),
    ("héberger Nextcloud", "hosting Nextcloud", "ospitare Nextcloud", "alojar Nextcloud"),
    ("cartographier avec OpenStreetMap", "mapping with OpenStreetMap",
     "mappare con OpenStreetMap", "cartografiar con OpenStreetMap"),
    ("former nos bénévoles au numérique", "training our volunteers in digital skills",
     "formare i volontari al digitale", "formar a nuestro voluntariado en lo digital"),
    ("lancer un podcast", "starting a podcast", "avviare un podcast", "lanzar un pódcast"),
    ("passer aux logiciels libres", "moving to free software", "passare al software libero",
     "pasar al software libre"),
]  # fmt: skip
NEED_FRAMES = {
    "fr": "Nous cherchons de l'aide pour {topic}.",
    "en": "We are looking for help with {topic}.",
    "it": "Cerchiamo aiuto per {topic}.",
    "es": "Buscamos ayuda con {topic}.",
}
PROFILE_FRAMES = {
    "fr": "J'aide les associations pour {topic}.",
    "en": "I help associations with {topic}.",
    "it": "Aiuto le associazioni con {topic}.",
    "es": "Ayudo a las asociaciones con {topic}.",
}
LANGUAGES = ["fr", "en", "it", "es"]
KINDS = ["volunteering", "skills", "mentoring", "equipment"]
# Towns of the generator's countries (latitude, longitude).
TOWNS = [
    (48.85, 2.35), (50.63, 3.06), (45.76, 4.84), (43.30, 5.37), (50.85, 4.35), (45.46, 9.19),
    (41.90, 12.50), (44.49, 11.34), (40.42, -3.70), (41.39, 2.17), (39.47, -0.38),
    (45.51, -73.59), (46.81, -71.21), (47.22, -1.55), (43.60, 1.44),
]  # fmt: skip


def texts_and_vectors() -> dict:
    from essaim.search.embeddings import get_embedder, quantise

    texts = {}
    for t, topic in enumerate(TOPICS):
        for i, language in enumerate(LANGUAGES):
            texts[("need", t, language)] = NEED_FRAMES[language].format(topic=topic[i])
            texts[("profile", t, language)] = PROFILE_FRAMES[language].format(topic=topic[i])
    embedder = get_embedder()
    vectors = {}
    if embedder is not None:
        keys = list(texts)
        for key, vector in zip(keys, quantise(embedder.encode([texts[k] for k in keys])),
                               strict=True):  # fmt: skip
            vectors[key] = vector.tobytes()
    return {"texts": texts, "vectors": vectors}


def ensure_matching_data(profiles: int, needs: int) -> dict:
    """Volunteers and needs drawn from a fixed seed, written in bulk (a benchmark's data, not
    the application's write path)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from essaim.atlas.models import Organisation, Service
    from essaim.competences.models import Competence
    from essaim.matching.models import Need, Profile, ProfileCompetence

    figures = {}
    if Profile.objects.count() == profiles and Need.objects.count() == needs:
        return figures
    from django.core.management import call_command

    if not Competence.objects.exists():
        call_command("load_framework", verbosity=0)
    started = time.perf_counter()
    User = get_user_model()
    Need.objects.all().delete()
    Profile.objects.all().delete()
    User.objects.filter(username__startswith="bench-").delete()
    made = texts_and_vectors()
    draw = random.Random(11)
    competences = list(Competence.objects.filter(framework__key="digcomp-2.2"))
    services = list(Service.objects.all())
    now = timezone.now()
    User.objects.bulk_create(
        [User(username=f"bench-{n}", email=f"bench-{n}@example.org") for n in range(profiles)],
        batch_size=5000,
    )
    users = list(User.objects.filter(username__startswith="bench-").values_list("pk", flat=True))
    rows = []
    for user in users:
        topic, language = draw.randrange(len(TOPICS)), draw.choice(LANGUAGES)
        town = draw.choice(TOWNS)
        rows.append(Profile(
            user_id=user, name="Bench", presentation=made["texts"][("profile", topic, language)],
            language=language, kinds=draw.sample(KINDS, 2), skills=[],
            languages=sorted({language, draw.choice(LANGUAGES)}),
            hours_per_week=draw.randint(1, 8), radius_km=draw.choice([10, 20, 30, 50]),
            remote=draw.random() < 0.6, latitude=town[0] + draw.uniform(-.3, .3),
            longitude=town[1] + draw.uniform(-.3, .3), published_at=now,
            vector=made["vectors"].get(("profile", topic, language)),
        ))  # fmt: skip
    Profile.objects.bulk_create(rows, batch_size=5000)
    held = [
        ProfileCompetence(profile_id=pk, competence=c, level=draw.randint(2, 7))
        for pk in Profile.objects.values_list("pk", flat=True)
        for c in draw.sample(competences, draw.randint(1, 3))
    ]
    ProfileCompetence.objects.bulk_create(held, batch_size=10000)
    organisations = list(Organisation.objects.values_list("pk", flat=True)[:50000])
    rows = []
    for _ in range(needs):
        topic, language = draw.randrange(len(TOPICS)), draw.choice(LANGUAGES)
        town = draw.choice(TOWNS)
        rows.append(Need(
            organisation_id=draw.choice(organisations), title=TOPICS[topic][1][:150],
            description=made["texts"][("need", topic, language)], language=language,
            kind=draw.choice(KINDS), where=draw.choice(["on_site", "remote", "either"]),
            languages=[language], hours_per_week=draw.choice([None, 2, 4, 8]),
            latitude=town[0], longitude=town[1],
            vector=made["vectors"].get(("need", topic, language)),
        ))  # fmt: skip
    Need.objects.bulk_create(rows, batch_size=5000)
    through = Need.competences.through
    through.objects.bulk_create(
        [through(need_id=pk, competence=c) for pk in Need.objects.values_list("pk", flat=True)
         for c in draw.sample(competences, draw.randint(0, 2))], batch_size=10000,
    )  # fmt: skip
    service_through = Need.services.through
    service_through.objects.bulk_create(
        [service_through(need_id=pk, service=draw.choice(services))
         for pk in Need.objects.values_list("pk", flat=True) if draw.random() < 0.5],
        batch_size=10000,
    )  # fmt: skip
    figures["generated_s"] = round(time.perf_counter() - started, 1)
    return figures


def resident_mb() -> float:
    """This process's resident memory now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed(function, items) -> list[float]:
    timings = []
    for item in items:
        start = time.perf_counter()
        function(item)
        timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000, help="organisations")
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--generated-s", type=float, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    data_dir = arguments.data_dir or ROOT / "bench" / ".data" / str(arguments.count)
    data_dir.mkdir(parents=True, exist_ok=True)
    setup_django(data_dir)
    print(f"Preparing {arguments.count:,} organisations in {data_dir} …", flush=True)
    figures = ensure_data(arguments.count)
    figures.update(ensure_matching_data(arguments.profiles, arguments.needs))
    if "generated_s" in figures:
        # Measure in a fresh process: the memory figure is the web process's, not the
        # generator's.
        again = [sys.executable, "-m", "bench.matching", *sys.argv[1:],
                 "--generated-s", str(figures["generated_s"])]  # fmt: skip
        os.execv(sys.executable, again)  # noqa: S606 (our own benchmark, no shell)
    if arguments.generated_s:
        figures["generated_s"] = arguments.generated_s

    from essaim.matching.facts import need_facts, profile_facts
    from essaim.matching.models import Need, Profile
    from essaim.matching.pool import pool_of
    from essaim.matching.scoring import score
    from essaim.matching.suggestions import needs_for, offers_for
    from essaim.search.embeddings import get_embedder
    from essaim.search.vectors import get_vector_store

    embedder = get_embedder()
    organisation_vectors = get_vector_store(embedder.dimensions).count() if embedder else 0
    draw = random.Random(5)
    need_ids = draw.sample(list(Need.objects.values_list("pk", flat=True)), 100)
    profile_ids = draw.sample(list(Profile.objects.values_list("pk", flat=True)), 100)
    some_needs = list(Need.objects.filter(pk__in=need_ids))
    some_profiles = list(Profile.objects.filter(pk__in=profile_ids))
    offers_for(some_needs[0])  # the atlas's index and its readers open
    before_pools = resident_mb()
    start = time.perf_counter()
    pool_of(Profile).refresh()
    pool_of(Need).refresh()
    figures["pools_loaded_s"] = round(time.perf_counter() - start, 1)
    for warm in some_needs[:3]:  # the embedder, the index's readers, the first queries
        offers_for(warm)
    offers = summary(timed(offers_for, some_needs))
    volunteers_only = summary(timed(lambda n: offers_for(n, providers=False), some_needs))
    fitting = summary(timed(needs_for, some_profiles))

    memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pools_mb = resident_mb() - before_pools
    every = profile_facts(list(Profile.objects.filter(published_at__isnull=False)))

    def baseline(need) -> None:
        """Every profile scored exactly, one by one (read from the database beforehand, which
        the baseline is not timed for), then sorted."""
        (facts,) = need_facts([need])
        sorted((score(facts, offer) for offer in every), key=lambda m: -m.score)[:20]

    theirs = summary(timed(baseline, some_needs[:3]))
    labelled = labelled_accuracy()

    print(f"{Profile.objects.count():,} published profiles, {Need.objects.count():,} open "
          f"needs, {arguments.count:,} organisations ({organisation_vectors:,} with meaning "
          f"vectors); pools loaded in {figures['pools_loaded_s']} s")  # fmt: skip
    print(f"{'':<44}{'p50':>10}{'p95':>10}{'target p95':>12}")
    for label, found in (("best 20 offers for a need", offers),
                         ("  of which volunteers only", volunteers_only),
                         ("needs that fit a profile", fitting)):  # fmt: skip
        print(f"{label:<44}{found['p50_ms']:>8.1f}ms{found['p95_ms']:>8.1f}ms{'100 ms':>12}")
    ratio = theirs["p50_ms"] / volunteers_only["p50_ms"]
    print(f"{'baseline: every profile scored one by one':<44}{theirs['p50_ms']:>8.0f}ms"
          f"{'':>10}   {ratio:.0f}× slower than the pool")  # fmt: skip
    print(
        f"memory of the process serving them (max RSS, before the baseline): {memory_mb:.0f} MB"
        f", of which the two pools {pools_mb:.0f} MB"
        " (target under 1,024 MB)"
    )
    print(f"labelled set ({labelled['needs']} needs): top-3 accuracy {labelled['top3']:.0%} "
          f"(first {labelled['top1']:.0%}), lexical-only baseline {labelled['lexical_top3']:.0%} "
          f"(first {labelled['lexical_top1']:.0%})")  # fmt: skip
    stamp = time.strftime("%Y%m%d-%H%M%S")
    output = ROOT / "bench" / "results" / f"matching-{arguments.count}-{stamp}.json"
    output.write_text(json.dumps({
        "organisations": arguments.count, "profiles": arguments.profiles,
        "needs": arguments.needs, "organisation_vectors": organisation_vectors, **figures,
        "offers_for_need": offers, "volunteers_for_need": volunteers_only,
        "needs_for_profile": fitting, "baseline_every_profile": theirs,
        "max_rss_mb": round(memory_mb), "pools_mb": round(pools_mb), "labelled": labelled,
    }, indent=1))  # fmt: skip
    print(f"written to {output.relative_to(ROOT)}")


def labelled_accuracy() -> dict:
    """The labelled set, in a database of its own (the benchmark's atlas left alone)."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory(prefix="essaim-labelled-") as data_dir:
        script = (
            "import os, json; import django; django.setup();"
            "from django.core.management import call_command;"
            "call_command('migrate', verbosity=0); call_command('load_framework', verbosity=0);"
            "from tests.matching.labelled import evaluate; print(json.dumps(evaluate()))"
        )
        environment = {"ESSAIM_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "essaim.settings",
                       "ESSAIM_SECRET_KEY": "benchmark-only-" + "b" * 40,
                       "PATH": "/usr/bin:/bin"}  # fmt: skip
        found = subprocess.run([sys.executable, "-c", script], env=environment, cwd=ROOT,
                               capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(found.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
