"""Search benchmark: Essaim's API and its engine beside the baselines directory sites ship.

    python -m bench.search --count 100000        (make bench SCALE=100000)

Generates (or reuses) N synthetic organisations, then runs the same query mix — frequent words,
rare words, two words, prefixes, no hit, with and without filters and a map box — through:

- essaim-api:    GET /api/v1/organisations over HTTP on 127.0.0.1 (gunicorn), top 20, count,
                 6 facet counts;
- essaim-engine: the search index call beneath it, in process (the limit);
- orm-icontains: Django ORM `icontains` on name and descriptions, COUNT, top 20, GROUP BY for
                 the 6 facets (what most directory sites ship);
- sqlite-fts5:   SQLite FTS5 with bm25 ranking and GROUP BY facets (on SQLite);
- postgres-tsvector: PostgreSQL tsvector + GIN, ts_rank, GROUP BY facets (with a
                 DATABASE_URL to PostgreSQL).

Map clusters are measured the same way (API and engine) over viewports from Europe to a city,
with the size of each gzipped answer.

Latencies are measured with the result cache off (ESSAIM_SEARCH_CACHE_SIZE=0): they are the cost
of computing an answer, by a warm server: each query is run once before it is timed, and sent
to the API four times (each of gunicorn's two workers fills its own caches on its first
requests, which a serving server has long done). Then two load
tests: 50 concurrent clients on the search API for 60 seconds, on 127.0.0.1 only, reporting
throughput, errors and latencies — first with the cache off (every request computed), then as
served (the cache on, answers remembered per index commit).

Prints p50/p95/max per engine with ratios, build times, sizes and memory; writes JSON to
bench/results/.
"""

import argparse
import gzip
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.serving import start_gunicorn
from bench.targets import EU_SCALE, print_targets, projected

ROOT = Path(__file__).resolve().parent.parent
FACET_NAMES = ("sector", "country", "region", "legal_form", "family", "service")
QUERIES = [
    ("frequent word", {"q": "numerique"}),
    ("frequent word (en)", {"q": "digital"}),
    ("rare word", {"q": "privacy"}),
    ("two words", {"q": "logiciels libres"}),
    ("prefix", {"q": "coop"}),
    ("short prefix", {"q": "re"}),
    ("no hit", {"q": "zzyzzyva"}),
    ("word + filter", {"q": "formation", "country": "FR"}),
    ("filters only", {"sector": "reuse-refurbishing", "country": "IT"}),
    ("word + box", {"q": "atelier", "bbox": "-5,42,8,51"}),
    ("box only", {"bbox": "2,48.5,2.7,49"}),
    ("everything", {}),
]
# Requests sent before each query is timed through the API: enough for both of gunicorn's
# workers to have answered it.
API_WARM = 4
EUROPE = "-25,34,45,71"
MAP_VIEWS = [
    ("world z2", {"bbox": "-180,-85,180,85", "zoom": 2}),
    ("Europe z4", {"bbox": EUROPE, "zoom": 4}),
    ("Europe z4 + sector", {"bbox": EUROPE, "zoom": 4, "sector": "reuse-refurbishing"}),
    ("Europe z5 + word", {"bbox": EUROPE, "zoom": 5, "q": "numerique"}),
    ("France z6", {"bbox": "-5.5,41,10,51.5", "zoom": 6}),
    ("Paris region z9", {"bbox": "1.4,48.1,3.6,49.3", "zoom": 9}),
    ("Milan z12", {"bbox": "9.1,45.43,9.27,45.51", "zoom": 12}),
]


def setup_django(data_dir: Path) -> None:
    os.environ.setdefault("ESSAIM_SECRET_KEY", "benchmark-only-" + "b" * 40)
    # Latencies measure computing answers, not remembering them.
    os.environ["ESSAIM_SEARCH_CACHE_SIZE"] = "0"
    os.environ["ESSAIM_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "essaim.settings"
    import django

    django.setup()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(timings: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(timings) * 1000, 2),
        "p95_ms": round(percentile(timings, 0.95) * 1000, 2),
        "max_ms": round(max(timings) * 1000, 2),
        "runs": len(timings),
    }


def directory_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def ensure_data(count: int) -> dict:
    from django.core.management import call_command

    from essaim.atlas import actions
    from essaim.atlas.bulk import bulk_load
    from essaim.atlas.demo import taxonomy_data
    from essaim.atlas.gazetteer import ensure_gazetteer
    from essaim.atlas.generator import generate_records
    from essaim.atlas.indexing import rebuild_search_index
    from essaim.atlas.models import Organisation
    from essaim.search.index import get_index

    call_command("migrate", verbosity=0)
    figures = {}
    if Organisation.objects.count() != count:
        Organisation.objects.all().delete()
        actions.do_load_taxonomies(taxonomy_data())
        rebuild_search_index()  # empty
        # The generator picks real towns: the gazetteer, built once per data directory (some
        # 15 s), is ready before the load is timed, as on an installed server.
        ensure_gazetteer()
        started = time.perf_counter()
        bulk_load(generate_records(count, seed=1))
        figures["load_and_index_s"] = round(time.perf_counter() - started, 1)
    if get_index().count() != count:
        started = time.perf_counter()
        rebuild_search_index()
        figures["index_rebuild_s"] = round(time.perf_counter() - started, 1)
    return figures


# Engines -------------------------------------------------------------------------------------


def essaim_engine(params: dict):
    from django.http import QueryDict

    from essaim.atlas.queries import parse_search
    from essaim.search.index import get_index

    query = parse_search(QueryDict(urllib.parse.urlencode(params))).query
    query.limit, query.facets = 20, FACET_NAMES
    return get_index().search(query).total


def essaim_engine_clusters(params: dict):
    from django.http import QueryDict

    from essaim.atlas.queries import parse_search
    from essaim.search.index import get_index

    query = parse_search(QueryDict(urllib.parse.urlencode(params))).query
    return len(get_index().clusters(query, params["zoom"]))


class EssaimApi:
    """Essaim served by gunicorn as `make run` serves it, with or without the result cache."""

    def __init__(self, data_dir: Path, cache: bool):
        self.server, self.port = start_gunicorn(
            data_dir, ESSAIM_SEARCH_CACHE_SIZE="256" if cache else "0"
        )

    def __call__(self, _label, params: dict):
        query = urllib.parse.urlencode({**params, "page_size": 20, "facets": ",".join(FACET_NAMES)})
        url = f"http://127.0.0.1:{self.port}/api/v1/organisations?{query}"
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (loopback only)
            return json.loads(response.read())["count"]

    def clusters(self, params: dict) -> tuple[int, int]:
        """Features and gzipped bytes of the map's answer for this viewport."""
        url = f"http://127.0.0.1:{self.port}/api/v1/map/clusters?{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            body = response.read()
        assert response.headers["Content-Encoding"] == "gzip"
        return len(json.loads(gzip.decompress(body))["features"]), len(body)

    def resident_memory_mb(self) -> float:
        children = subprocess.run(
            ["pgrep", "-P", str(self.server.pid)], capture_output=True, text=True
        ).stdout.split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(
                int(
                    next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[
                        1
                    ]
                )
                / 1024
            )
        return round(max(sizes), 1) if sizes else 0.0

    def stop(self):
        self.server.terminate()
        self.server.wait(timeout=30)


def orm_icontains(params: dict):
    from django.db.models import Count, Q

    from essaim.atlas.models import Organisation

    queryset = Organisation.objects.published()
    for word in params.get("q", "").split():
        match = Q(name__icontains=word)
        for code in ("fr", "en", "it", "es"):
            match |= Q(**{f"description_{code}__icontains": word})
        queryset = queryset.filter(match)
    if "country" in params:
        queryset = queryset.filter(country=params["country"])
    if "sector" in params:
        queryset = queryset.filter(sector__code=params["sector"])
    if "bbox" in params:
        west, south, east, north = map(float, params["bbox"].split(","))
        queryset = queryset.filter(latitude__range=(south, north), longitude__range=(west, east))
    total = queryset.count()
    list(queryset.order_by("name")[:20].values_list("pk", flat=True))
    for field in (
        "sector__code",
        "country",
        "region",
        "legal_form__code",
        "families__code",
        "services__code",
    ):
        list(queryset.values(field).annotate(n=Count("pk")).order_by())
    return total


def sql_filters(params: dict, mark: str) -> tuple[list[str], list]:
    """The WHERE conditions and arguments of the filters, with `mark` as the placeholder."""
    where, args = ["o.status = 'published'"], []
    if "country" in params:
        where.append(f"o.country = {mark}")
        args.append(params["country"])
    if "sector" in params:
        where.append(f"o.sector_id = (SELECT id FROM atlas_sector WHERE code = {mark})")
        args.append(params["sector"])
    if "bbox" in params:
        west, south, east, north = map(float, params["bbox"].split(","))
        where.append(
            f"o.latitude BETWEEN {mark} AND {mark} AND o.longitude BETWEEN {mark} AND {mark}"
        )
        args += [south, north, west, east]
    return where, args


class PostgresFullText:
    """PostgreSQL full text: a tsvector per organisation (name and descriptions, 'simple'
    configuration: no stemming, no accent folding), a GIN index, ts_rank ordering, prefix
    queries, and GROUP BY facets — what a directory on PostgreSQL usually ships."""

    def __init__(self):
        from django.db import connection

        self.connection = connection
        self.build_s = None
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('bench_pg_fts')")
            if cursor.fetchone()[0] is None:
                started = time.perf_counter()
                cursor.execute(
                    "CREATE TABLE bench_pg_fts AS SELECT id, to_tsvector('simple', name || ' ' "
                    "|| description_fr || ' ' || description_en || ' ' || description_it || ' ' "
                    "|| description_es) AS document FROM atlas_organisation"
                )
                cursor.execute(
                    "CREATE INDEX bench_pg_fts_document ON bench_pg_fts USING GIN (document)"
                )
                cursor.execute("CREATE UNIQUE INDEX bench_pg_fts_id ON bench_pg_fts (id)")
                cursor.execute("ANALYZE bench_pg_fts")
                self.build_s = round(time.perf_counter() - started, 1)

    def __call__(self, params: dict):
        words = params.get("q", "").split()
        where, args = sql_filters(params, "%s")
        join = ""
        if words:
            join = "JOIN bench_pg_fts f ON f.id = o.id"
            where.insert(1, "f.document @@ to_tsquery('simple', %s)")
            args.insert(0, " & ".join(f"{word}:*" for word in words))
        base = f"FROM atlas_organisation o {join} WHERE {' AND '.join(where)}"
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) {base}", args)  # noqa: S608
            total = cursor.fetchone()[0]
            if words:
                cursor.execute(
                    f"SELECT o.id {base} ORDER BY ts_rank(f.document, to_tsquery('simple', %s)) "  # noqa: S608
                    "DESC LIMIT 20",
                    [*args, args[0]],
                )
            else:
                cursor.execute(f"SELECT o.id {base} ORDER BY o.name LIMIT 20", args)  # noqa: S608
            cursor.fetchall()
            for column in ("o.sector_id", "o.country", "o.region", "o.legal_form_id"):
                cursor.execute(f"SELECT {column}, count(*) {base} GROUP BY {column}", args)  # noqa: S608
                cursor.fetchall()
            for table, column in (
                ("atlas_organisation_families", "family_id"),
                ("atlas_organisation_services", "service_id"),
            ):
                joined = base.replace(
                    "WHERE", f"JOIN {table} t ON t.organisation_id = o.id WHERE", 1
                )
                cursor.execute(f"SELECT t.{column}, count(*) {joined} GROUP BY t.{column}", args)  # noqa: S608
                cursor.fetchall()
        return total


class SqliteFts5:
    """FTS5 over the same text, bm25-ranked, facets by GROUP BY on the joined table."""

    def __init__(self, database: Path):
        self.connection = sqlite3.connect(database)
        self.build_s = None
        exists = self.connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'bench_fts'"
        ).fetchone()[0]
        if not exists:
            started = time.perf_counter()
            self.connection.execute(
                "CREATE VIRTUAL TABLE bench_fts USING fts5(name, body, content='', "
                "tokenize='unicode61 remove_diacritics 2')"
            )
            self.connection.execute(
                "INSERT INTO bench_fts(rowid, name, body) SELECT id, name, "
                "description_fr || ' ' || description_en || ' ' || description_it || ' ' || "
                "description_es FROM atlas_organisation"
            )
            self.connection.commit()
            self.build_s = round(time.perf_counter() - started, 1)

    def __call__(self, params: dict):
        where, args = sql_filters(params, "?")
        words = params.get("q", "").split()
        match = " ".join(f'"{word}"*' for word in words)
        if words:
            where.insert(1, "o.id IN (SELECT rowid FROM bench_fts WHERE bench_fts MATCH ?)")
            args.insert(0, match)
        base = f"FROM atlas_organisation o WHERE {' AND '.join(where)}"
        run = self.connection.execute
        total = run(f"SELECT count(*) {base}", args).fetchone()[0]  # noqa: S608
        if words:  # bm25 ranks every match: the cost the naive design pays
            others = [clause for clause in where if "bench_fts" not in clause]
            run(
                "SELECT f.rowid FROM bench_fts f JOIN atlas_organisation o ON o.id = f.rowid "
                f"WHERE bench_fts MATCH ? AND {' AND '.join(others)} "  # noqa: S608
                "ORDER BY bm25(bench_fts) LIMIT 20",
                [match, *args[1:]],
            ).fetchall()
        else:
            run(f"SELECT o.id {base} ORDER BY o.name LIMIT 20", args).fetchall()  # noqa: S608
        for column in ("o.sector_id", "o.country", "o.region", "o.legal_form_id"):
            run(f"SELECT {column}, count(*) {base} GROUP BY {column}", args).fetchall()  # noqa: S608
        for table, column in (
            ("atlas_organisation_families", "family_id"),
            ("atlas_organisation_services", "service_id"),
        ):
            run(
                f"SELECT t.{column}, count(*) {base.replace('WHERE', f'JOIN {table} t ON t.organisation_id = o.id WHERE', 1)} "  # noqa: E501,S608
                f"GROUP BY t.{column}",
                args,
            ).fetchall()
        return total


def load_test(port: int, clients: int, seconds: float) -> dict:
    """`clients` concurrent clients, each with a kept-alive connection to 127.0.0.1, cycling
    through the query mix on the search API for `seconds`; bounded in time, loopback only."""
    import http.client
    import threading

    paths = [
        "/api/v1/organisations?"
        + urllib.parse.urlencode({**params, "page_size": 20, "facets": ",".join(FACET_NAMES)})
        for _label, params in QUERIES
    ]
    deadline = time.monotonic() + seconds
    timings, errors, lock = [], [0], threading.Lock()

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed, turn = [], 0, number
        while time.monotonic() < deadline:
            path = paths[turn % len(paths)]
            turn += 1
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - started)
        connection.close()
        with lock:
            timings.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(timings),
        "throughput_rps": round(len(timings) / elapsed, 1),
        "errors": errors[0],
        **summary(timings),
    }


# The run -------------------------------------------------------------------------------------


def measure(engine, repeat: int, queries=QUERIES, warm: int = 1) -> tuple[dict, dict]:
    timings, per_query = [], {}
    for label, params in queries:
        for _ in range(warm):
            engine(params)
        mine = []
        for _ in range(repeat):
            started = time.perf_counter()
            engine(params)
            mine.append(time.perf_counter() - started)
        per_query[label] = round(statistics.median(mine) * 1000, 2)
        timings += mine
    return summary(timings), per_query


def measure_map(api: EssaimApi, repeat: int) -> dict:
    """Clusters per viewport through the API and the engine, and the largest answer's size."""
    sizes = {label: api.clusters(params) for label, params in MAP_VIEWS}
    figures = {}
    for name, engine, warm in (
        ("essaim-api", lambda params: api.clusters(params), API_WARM),
        ("essaim-engine", essaim_engine_clusters, 1),
    ):
        overall, per_view = measure(engine, repeat, MAP_VIEWS, warm)
        figures[name] = {**overall, "per_view_p50_ms": per_view}
    figures["max_features"] = max(features for features, _bytes in sizes.values())
    figures["max_gzipped_kb"] = round(max(size for _features, size in sizes.values()) / 1024, 1)
    return figures


def run_load_test(api: EssaimApi, arguments, label: str) -> dict:
    print(
        f"  load test ({label}): {arguments.load_clients} clients for "
        f"{arguments.load_seconds:.0f} s …",
        flush=True,
    )
    return {"label": label, **load_test(api.port, arguments.load_clients, arguments.load_seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--baseline-repeat", type=int, default=3)
    parser.add_argument(
        "--engines",
        default="essaim-api,essaim-engine,orm-icontains,sqlite-fts5,postgres-tsvector",
        help="Comma-separated engines to measure (the baselines take minutes at millions).",
    )
    parser.add_argument("--data-dir", type=Path, help="Reuse this data directory.")
    parser.add_argument("--load-clients", type=int, default=50)
    parser.add_argument("--load-seconds", type=float, default=60, help="0 skips the load test.")
    arguments = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    data_dir = arguments.data_dir or (
        ROOT
        / "bench"
        / ".data"
        / (f"{arguments.count}-pg" if database_url else str(arguments.count))
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    setup_django(data_dir)
    from django.conf import settings

    from essaim.atlas.models import Organisation

    print(f"Preparing {arguments.count} organisations in {data_dir} …", flush=True)
    build = ensure_data(arguments.count)
    results = {
        "count": Organisation.objects.count(),
        "queries": QUERIES,
        "engines": {},
        "build": build,
        "database": settings.DATABASES["default"]["ENGINE"],
    }
    api = EssaimApi(data_dir, cache=False)
    try:
        engines = [
            ("essaim-api", lambda params: api("", params), arguments.repeat),
            ("essaim-engine", essaim_engine, arguments.repeat),
            ("orm-icontains", orm_icontains, arguments.baseline_repeat),
        ]
        warm = {"essaim-api": API_WARM}
        wanted = set(arguments.engines.split(","))
        if not database_url and "sqlite-fts5" in wanted:
            fts5 = SqliteFts5(data_dir / "essaim.sqlite3")
            if fts5.build_s is not None:
                build["fts5_build_s"] = fts5.build_s
            engines.append(("sqlite-fts5", fts5, arguments.baseline_repeat))
        if database_url and "postgres-tsvector" in wanted:
            postgres = PostgresFullText()
            if postgres.build_s is not None:
                build["postgres_fts_build_s"] = postgres.build_s
            engines.append(("postgres-tsvector", postgres, arguments.baseline_repeat))
        for name, engine, repeat in engines:
            if name not in wanted:
                continue
            print(f"  measuring {name} …", flush=True)
            overall, per_query = measure(engine, repeat, warm=warm.get(name, 1))
            results["engines"][name] = {**overall, "per_query_p50_ms": per_query}
        print("  measuring map clusters …", flush=True)
        results["map"] = measure_map(api, arguments.repeat)
        if arguments.load_seconds > 0:
            results["load_test_uncached"] = run_load_test(api, arguments, "cache off")
    finally:
        api.stop()
    api = EssaimApi(data_dir, cache=True)
    try:
        if arguments.load_seconds > 0:
            results["load_test"] = run_load_test(api, arguments, "as served, cache on")
        results["api_worker_rss_mb"] = api.resident_memory_mb()
    finally:
        api.stop()
    results["index_size_mb"] = round(directory_size(Path(settings.ESSAIM["INDEX_DIR"])) / 2**20, 1)
    if not database_url:
        results["database_size_mb"] = round((data_dir / "essaim.sqlite3").stat().st_size / 2**20, 1)
    results["bench_process_peak_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    results["targets"] = report(results)
    output = (
        ROOT
        / "bench"
        / "results"
        / f"search-{arguments.count}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    )
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nWritten to {output.relative_to(ROOT)}")


def report(results: dict) -> list[dict]:
    reference = (
        "essaim-api" if "essaim-api" in results["engines"] else next(iter(results["engines"]))
    )
    api_p95 = results["engines"][reference]["p95_ms"]
    print(
        f"\n{results['count']} organisations on {results['database'].rsplit('.', 1)[-1]}; "
        f"build: {results['build'] or 'reused'}"
    )
    print(f"{'engine':<15}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'p95 ÷ essaim-api':>19}")
    for name, figures in results["engines"].items():
        ratio = figures["p95_ms"] / api_p95 if api_p95 else float("nan")
        print(
            f"{name:<15}{figures['p50_ms']:>10}{figures['p95_ms']:>10}{figures['max_ms']:>10}"
            f"{ratio:>18.1f}×"
        )
    print("\nper query, p50 ms: " + ", ".join(results["engines"]))
    for label, _params in results["queries"]:
        print(
            f"  {label:<20}"
            + "".join(
                f"{figures['per_query_p50_ms'][label]:>12}"
                for figures in results["engines"].values()
            )
        )
    if map_figures := results.get("map"):
        print(
            f"\nmap clusters, p50 ms (largest answer {map_figures['max_features']} features, "
            f"{map_figures['max_gzipped_kb']} KB gzipped):"
        )
        print(f"  {'':<20}{'essaim-api':>14}{'essaim-engine':>14}")
        for label, _params in MAP_VIEWS:
            print(
                f"  {label:<20}"
                f"{map_figures['essaim-api']['per_view_p50_ms'][label]:>14}"
                f"{map_figures['essaim-engine']['per_view_p50_ms'][label]:>14}"
            )
        for name in ("essaim-api", "essaim-engine"):
            figures = map_figures[name]
            print(
                f"  {name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, "
                f"max {figures['max_ms']} ms"
            )
    for key in ("load_test_uncached", "load_test"):
        if load := results.get(key):
            print(
                f"\nload test, {load['label']}: {load['clients']} clients, {load['seconds']} s: "
                f"{load['throughput_rps']} requests/s, {load['errors']} errors, "
                f"p50 {load['p50_ms']} ms, p95 {load['p95_ms']} ms, max {load['max_ms']} ms"
            )
    print(
        f"\nindex {results['index_size_mb']} MB, database "
        f"{results.get('database_size_mb', '?')} MB, API worker RSS "
        f"{results['api_worker_rss_mb']} MB, bench process peak RSS "
        f"{results['bench_process_peak_rss_mb']} MB"
    )
    return print_targets(target_rows(results))


def target_rows(results: dict) -> list[tuple]:
    count, engines, rows = results["count"], results["engines"], []
    at = f"at {count:,}" if count == EU_SCALE else f"at {count:,}; the target is set at 2.8 M"
    if engine := engines.get("essaim-engine"):
        rows.append(("search: words + count + 6 facets, engine p95", "ms", engine["p95_ms"], 50,
                     at))  # fmt: skip
        if api := engines.get("essaim-api"):
            rows.append(("search: API p95 ÷ engine p95", "×", api["p95_ms"] / engine["p95_ms"],
                         1.5, at))  # fmt: skip
    if map_figures := results.get("map"):
        rows.append(("map clusters, any viewport: engine p95", "ms",
                     map_figures["essaim-engine"]["p95_ms"], 50, at))  # fmt: skip
        rows.append(("map clusters, any viewport: API p95", "ms",
                     map_figures["essaim-api"]["p95_ms"], 50, at))  # fmt: skip
    if seconds := results["build"].get("load_and_index_s"):
        how = at if count == EU_SCALE else f"projected from {count:,} at the same rate"
        rows.append(("load and index 2.8 M organisations", "s",
                     projected(seconds, count, EU_SCALE), 600, how))  # fmt: skip
    return rows


if __name__ == "__main__":
    main()
