"""Find-help-near-you benchmark: places, typos and meaning, beside the targets they must meet.

    python -m bench.find_help --count 100000        (make bench SCALE=100000)

On the synthetic atlas of bench.search (generated once, reused):
- a place, a radius, words and 6 facet counts, in the engine and through the API (gunicorn on
  127.0.0.1), beside the same words without a place;
- words with typos (fuzzy matching) beside the same words spelt right;
- the meaning vectors of every organisation computed (`essaim embed`), with the time it took,
  then the hybrid search (words + meaning, fused) beside the words alone;
- the exact int8 vector search alone at --vector-scale (2.8 million by default) on random unit
  vectors (the cost does not depend on what they mean), with the memory the matrix takes;
- the cross-language retrieval set of the tests (tests/data/retrieval.json) on the demo atlas:
  top-3 recall of the hybrid search beside words alone.

Latencies are computed answers (the result cache off). Prints figures beside their targets and
writes JSON to bench/results/.
"""

import argparse
import io
import json
import os
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.search import FACET_NAMES, ROOT, ensure_data, setup_django, summary
from bench.serving import start_gunicorn

PLACE_QUERIES = [
    ("place + radius + words + 6 facets", {"q": "formation", "where": "Lyon", "radius_km": "50"}),
    ("place + radius + 2 words", {"q": "logiciels libres", "where": "Milano", "radius_km": "30"}),
    ("region + words", {"q": "atelier", "where": "Bretagne"}),
    ("country + words", {"q": "numerique", "where": "Belgique"}),
    ("same words, no place", {"q": "formation"}),
]
TYPO_PAIRS = [
    ("formation", "formaton"),
    ("cooperative", "cooperatve"),
    ("numerique", "numeriqeu"),
    ("solidaire", "solidiare"),
    ("accompagnement", "acompagnemant"),
]
HYBRID_QUERIES = [
    "formation", "logiciels libres", "atelier numerique", "riparazione di computer",
    "banco cooperativo", "digital inclusion", "cooperative", "réemploi solidaire",
]  # fmt: skip


def engine_search(params: dict, semantic: bool | None = None):
    from django.conf import settings
    from django.http import QueryDict

    from essaim.atlas.queries import parse_search
    from essaim.search.index import get_index

    if semantic is not None:
        settings.ESSAIM = {**settings.ESSAIM, "SEMANTIC_SEARCH": semantic}
    query = parse_search(QueryDict(urllib.parse.urlencode(params))).query
    query.limit, query.facets = 20, FACET_NAMES
    return get_index().search(query)


def timed(function, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return timings


def measure_places(port: int, repeat: int) -> dict:
    figures = {}
    for label, params in PLACE_QUERIES:
        query = urllib.parse.urlencode({**params, "page_size": 20,
                                        "facets": ",".join(FACET_NAMES)})  # fmt: skip
        url = f"http://127.0.0.1:{port}/api/v1/organisations?{query}"

        def api(url=url):
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (loopback)
                return json.loads(response.read())["count"]

        # The first requests open the gazetteer (built once per data directory).
        api()
        engine_search(params, semantic=False)
        engine = timed(lambda params=params: engine_search(params, semantic=False), repeat)
        figures[label] = {"engine": summary(engine), "api": summary(timed(api, repeat)),
                          "matches": engine_search(params, semantic=False).total}  # fmt: skip
    return figures


def measure_typos(repeat: int) -> dict:
    figures = {}
    for right, wrong in TYPO_PAIRS:
        exact = timed(lambda right=right: engine_search({"q": right}, semantic=False), repeat)
        fuzzy = timed(lambda wrong=wrong: engine_search({"q": wrong}, semantic=False), repeat)
        figures[f"{right} / {wrong}"] = {
            "exact": summary(exact),
            "fuzzy": summary(fuzzy),
            "matches": [engine_search({"q": word}, semantic=False).total
                        for word in (right, wrong)],  # fmt: skip
        }
    return figures


def embed_everything() -> dict:
    from django.conf import settings
    from django.core.management import call_command

    from essaim.search.embeddings import get_embedder
    from essaim.search.vectors import get_vector_store

    settings.ESSAIM = {**settings.ESSAIM, "SEMANTIC_SEARCH": True}
    get_embedder()  # the model's load is not the embedding's time
    store = get_vector_store(512)
    before = store.count()
    started = time.perf_counter()
    call_command("embed", stdout=io.StringIO())
    seconds = time.perf_counter() - started
    computed = store.count() - before
    return {"computed": computed, "seconds": round(seconds, 1),
            "per_second": round(computed / seconds, 1) if computed else None,
            "stored": store.count()}  # fmt: skip


def measure_hybrid(repeat: int) -> dict:
    from essaim.search.embeddings import query_vector

    lexical, hybrid = [], []
    for text in HYBRID_QUERIES:
        query_vector(text)  # each query's vector is remembered: measured apart below
        lexical += timed(lambda text=text: engine_search({"q": text}, semantic=False), repeat)
        hybrid += timed(lambda text=text: engine_search({"q": text}, semantic=True), repeat)
    query_vector.cache_clear()
    encode = timed(lambda: [query_vector(text) for text in ["une phrase jamais vue", "x"]], 1)
    return {"lexical": summary(lexical), "hybrid": summary(hybrid),
            "query_embedding_ms": round(encode[0] / 2 * 1000, 2)}  # fmt: skip


def measure_vectors_at_scale(count: int, repeat: int) -> dict:
    """Exact int8 search beside a 1-bit scan re-ranked in int8, over random unit vectors;
    each query is a stored vector with noise: the search must find that one."""
    import numpy as np
    from usearch.index import MetricKind
    from usearch.index import search as exact_search

    from essaim.search.vectors import binary_nearest

    rng = np.random.default_rng(1)
    matrix = np.empty((count, 512), dtype=np.int8)
    for start in range(0, count, 100_000):  # built in slices: no float copy of the whole
        block = rng.standard_normal((min(100_000, count - start), 512), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        matrix[start : start + len(block)] = np.clip(np.rint(block * 1016), -127, 127)
    bits = np.packbits(matrix > 0, axis=1)
    sources = rng.integers(0, count, size=repeat)
    queries = []
    for row in sources:
        noisy = matrix[row].astype(np.float32) + rng.normal(0, 20, 512).astype(np.float32)
        queries.append(np.clip(np.rint(noisy), -127, 127).astype(np.int8))
    exact_times, binary_times, recalls, exact_recalls = [], [], [], []
    for source, query in zip(sources, queries, strict=True):
        started = time.perf_counter()
        exact = exact_search(matrix, query, 20, MetricKind.Cos, exact=True, threads=1)
        exact_times.append(time.perf_counter() - started)
        exact_recalls.append(int(source) in exact.keys.tolist())
        started = time.perf_counter()
        found = binary_nearest(bits, lambda rows: matrix[rows], query, 20)
        binary_times.append(time.perf_counter() - started)
        recalls.append(int(source) in {row for row, _s in found})
    return {"vectors": count,
            "int8_matrix_mb": round(matrix.nbytes / 2**20, 1),
            "bits_mb": round(bits.nbytes / 2**20, 1),
            "exact_int8": summary(exact_times),
            "binary_then_int8": summary(binary_times),
            "exact_finds_the_source": round(float(np.mean(exact_recalls)), 3),
            "binary_finds_the_source": round(float(np.mean(recalls)), 3)}  # fmt: skip


def measure_retrieval() -> dict:
    """The tests' retrieval set on the demo atlas, in a data directory of its own."""
    import subprocess
    import sys

    with tempfile.TemporaryDirectory(prefix="essaim-retrieval-") as data_dir:
        script = (
            "import json,io;from django.core.management import call_command as c;"
            "c('migrate',verbosity=0);c('load_demo',stdout=io.StringIO());"
            "from bench.find_help import retrieval_recall;print(json.dumps(retrieval_recall()))"
        )
        environment = {**os.environ, "ESSAIM_DATA_DIR": data_dir,
                       "DJANGO_SETTINGS_MODULE": "essaim.settings"}  # fmt: skip
        output = subprocess.run(
            [sys.executable, "-c", f"import django;django.setup();{script}"],
            env=environment, cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return json.loads(output.stdout.strip().splitlines()[-1])


def retrieval_recall() -> dict:
    from django.conf import settings

    from essaim.atlas.models import Organisation
    from essaim.search.index import SearchQuery, get_index

    queries = json.loads((ROOT / "tests" / "data" / "retrieval.json").read_text())["queries"]
    names = dict(Organisation.objects.values_list("pk", "name"))
    found = {}
    for mode in ("lexical", "hybrid"):
        settings.ESSAIM = {**settings.ESSAIM, "SEMANTIC_SEARCH": mode == "hybrid"}
        hits = 0
        for item in queries:
            ids = get_index().search(SearchQuery(text=item["query"], limit=3)).ids
            hits += item["expected"] in [names[pk] for pk in ids]
        found[mode] = round(hits / len(queries), 3)
    return {"queries": len(queries), "top3_recall": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--vector-scale", type=int, default=2_800_000)
    parser.add_argument("--data-dir", type=Path, help="Reuse this data directory.")
    parser.add_argument("--skip-embedding", action="store_true",
                        help="Leave out the meaning vectors and the hybrid search (embedding "
                        "millions of descriptions takes hours on two cores; left out by "
                        "default above 200,000).")  # fmt: skip
    arguments = parser.parse_args()
    arguments.skip_embedding = arguments.skip_embedding or arguments.count > 200_000
    data_dir = arguments.data_dir or ROOT / "bench" / ".data" / str(arguments.count)
    data_dir.mkdir(parents=True, exist_ok=True)
    setup_django(data_dir)
    print(f"Preparing {arguments.count} organisations in {data_dir} …", flush=True)
    results = {"count": arguments.count, "build": ensure_data(arguments.count)}
    server, port = start_gunicorn(data_dir, ESSAIM_SEARCH_CACHE_SIZE="0",
                                  ESSAIM_SEMANTIC_SEARCH="0")  # fmt: skip
    try:
        print("  places …", flush=True)
        results["places"] = measure_places(port, arguments.repeat)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("  typos …", flush=True)
    results["typos"] = measure_typos(arguments.repeat)
    if not arguments.skip_embedding:
        print(f"  meaning vectors of {arguments.count} organisations …", flush=True)
        results["embedding"] = embed_everything()
        print("  hybrid search …", flush=True)
        results["hybrid"] = measure_hybrid(arguments.repeat)
    print(f"  vector search at {arguments.vector_scale} …", flush=True)
    results["vectors_at_scale"] = measure_vectors_at_scale(arguments.vector_scale, 20)
    print("  retrieval set …", flush=True)
    results["retrieval"] = measure_retrieval()
    report(results)
    output = ROOT / "bench" / "results" / (
        f"find-help-{arguments.count}-{time.strftime('%Y%m%d-%H%M%S')}.json")  # fmt: skip
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nWritten to {output.relative_to(ROOT)}")


def report(results: dict) -> None:
    count = results["count"]
    print(f"\nFind help near you, {count} organisations (p95, ms; target beside)")
    print(f"{'query':<38}{'engine':>10}{'API':>10}{'matches':>10}")
    for label, figures in results["places"].items():
        print(f"{label:<38}{figures['engine']['p95_ms']:>10}{figures['api']['p95_ms']:>10}"
              f"{figures['matches']:>10}")  # fmt: skip
    print("  targets at 2.8 million: engine < 50 ms, API < 100 ms")
    print(f"\n{'typos: right / wrong':<38}{'exact':>10}{'fuzzy':>10}{'ratio':>8}  matches")
    for label, figures in results["typos"].items():
        exact, fuzzy = figures["exact"]["p95_ms"], figures["fuzzy"]["p95_ms"]
        print(f"{label:<38}{exact:>10}{fuzzy:>10}{fuzzy / max(exact, 0.01):>8.2f}"
              f"  {figures['matches']}")  # fmt: skip
    print("  target: fuzzy no slower than 2x exact")
    if "embedding" not in results:
        print("\nembedding and hybrid search: skipped (--skip-embedding)")
    else:
        embedding, hybrid = results["embedding"], results["hybrid"]
        print(f"\nembedding: {embedding['computed']} computed in {embedding['seconds']} s "
              f"({embedding['per_second']} per second), {embedding['stored']} stored")  # fmt: skip
        print(f"hybrid p95 {hybrid['hybrid']['p95_ms']} ms beside words alone "
              f"{hybrid['lexical']['p95_ms']} ms (+ {hybrid['query_embedding_ms']} ms to embed a "
              f"new query once); target < 150 ms at 100,000")  # fmt: skip
    scale = results["vectors_at_scale"]
    print(f"vectors at {scale['vectors']}: exact int8 p95 {scale['exact_int8']['p95_ms']} ms over "
          f"{scale['int8_matrix_mb']} MB (finds the source {scale['exact_finds_the_source']}); "
          f"1-bit scan + int8 re-rank p95 {scale['binary_then_int8']['p95_ms']} ms over "
          f"{scale['bits_mb']} MB in memory (finds the source "
          f"{scale['binary_finds_the_source']})")  # fmt: skip
    retrieval = results["retrieval"]
    print(f"retrieval set ({retrieval['queries']} queries, 4 languages), top-3 recall: hybrid "
          f"{retrieval['top3_recall']['hybrid']} beside words alone "
          f"{retrieval['top3_recall']['lexical']}")  # fmt: skip


if __name__ == "__main__":
    main()
