"""Find-help-near-you benchmark: places, typos and meaning, beside the targets they must meet.

    python -m bench.find_help --count 100000        (make bench SCALE=100000)

On the synthetic atlas of bench.search (generated once, reused):
- a place, a radius, words and 6 facet counts, in the engine and through the API (gunicorn on
  127.0.0.1), beside the same words without a place;
- words with typos (fuzzy matching) beside the same words spelt right;
- the meaning vectors of every organisation computed (`essaim embed`), with the time it took,
  then the hybrid search (words + meaning, fused) beside the words alone;
- the graph of the meaning vectors (approximate nearest neighbours) beside their exact scan:
  latency and recall on the atlas's own vectors, then at --vector-scale (2.8 million by
  default) on random unit vectors (the cost does not depend on what they mean), with the
  graph's build time and size and the memory an exact scan takes;
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
            "matches": [
                engine_search({"q": word}, semantic=False).total for word in (right, wrong)
            ],  # fmt: skip
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


def overlap(found: list[tuple[int, float]], exact: list[tuple[int, float]]) -> float:
    return len({pk for pk, _s in found} & {pk for pk, _s in exact}) / max(len(exact), 1)


def measure_graph(store, queries: list, repeat: int, count: int = 300, sources=()) -> dict:
    """The store's search with and without its graph, over the same queries: latency of each,
    the share of the exact `count` nearest that the graph finds (the search asks for 300, of
    which the first 100 that pass the filters are fused with the words), and how often
    it finds among its 20 first the vector a query was made from (`sources`, if any)."""
    from essaim.search.vectors import VectorStore

    exact = {}
    exact_times = []
    for number, query in enumerate(queries):
        timings = timed(lambda query=query: store.nearest(query, count), repeat)
        exact_times += timings
        exact[number] = store.nearest(query, count)
    started = time.perf_counter()
    held = store.build_graph()
    build = time.perf_counter() - started
    fresh = VectorStore(store.path, store.dimensions)  # as another process finds it
    graph_times, recalls, recalls_10, graph_found = [], [], [], []
    for number, query in enumerate(queries):
        graph_times += timed(lambda query=query: fresh.nearest(query, count), repeat)
        found = fresh.nearest(query, count)
        graph_found.append(found)
        recalls.append(overlap(found, exact[number]))
        recalls_10.append(overlap(found[:10], exact[number][:10]))
    graph_file = next(store.path.parent.glob(f"{store.path.stem}-graph-*.usearch"))
    graph_mb = round(graph_file.stat().st_size / 2**20, 1)
    store.drop_graph()
    return {"vectors": held, "build_s": round(build, 1),
            "build_per_second": round(held / build), "graph_file_mb": graph_mb,
            "finds_the_source": round(sum(
                source in {pk for pk, _s in found[:20]} for source, found in zip(
                    sources, graph_found, strict=True)) / len(sources), 3) if sources else None,
            "exact": summary(exact_times), "graph": summary(graph_times),
            "depth": count, "recall": round(sum(recalls) / len(recalls), 3),
            "recall_at_10": round(sum(recalls_10) / len(recalls_10), 3)}  # fmt: skip


def measure_graph_on_meaning(repeat: int) -> dict:
    """The graph beside the exact scan on the real vectors of the atlas, with the queries of
    the hybrid measure and of the retrieval set."""
    from essaim.search.embeddings import query_vector
    from essaim.search.vectors import get_vector_store

    texts = HYBRID_QUERIES + [item["query"] for item in json.loads(
        (ROOT / "tests" / "data" / "retrieval.json").read_text())["queries"]]  # fmt: skip
    return measure_graph(get_vector_store(512), [query_vector(text) for text in texts],
                         max(1, repeat // 4))  # fmt: skip


def measure_vectors_at_scale(count: int, repeat: int) -> dict:
    """The vector store at `count` random unit vectors (the cost does not depend on what they
    mean; random vectors are the hardest case for a graph): the exact scan, the graph's build
    and search, its recall; each query is a stored vector with noise."""
    import numpy as np

    from essaim.search.vectors import VectorStore

    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory(prefix="essaim-vectors-") as directory:
        store = VectorStore(Path(directory) / "vectors-512.sqlite3", 512)
        chosen, sources, queries = set(rng.integers(0, count, size=repeat).tolist()), [], []
        started = time.perf_counter()
        for start in range(0, count, 100_000):  # written in slices: no copy of the whole
            block = rng.standard_normal((min(100_000, count - start), 512), dtype=np.float32)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            block = np.clip(np.rint(block * 1016), -127, 127).astype(np.int8)
            store.write({start + row + 1: ("", vector) for row, vector in enumerate(block)})
            for row in sorted(source - start for source in chosen
                              if start <= source < start + len(block)):  # fmt: skip
                sources.append(start + row + 1)
                noisy = block[row].astype(np.float32) + rng.normal(0, 20, 512).astype(np.float32)
                queries.append(np.clip(np.rint(noisy), -127, 127).astype(np.int8))
        written = time.perf_counter() - started
        started = time.perf_counter()
        store.nearest(queries[0], 1)
        mirror_load = time.perf_counter() - started
        figures = measure_graph(store, queries, 1, sources=sources)
        figures.update(write_s=round(written, 1), mirror_load_s=round(mirror_load, 1),
                       int8_matrix_mb=round(count * 512 / 2**20, 1))  # fmt: skip
        return figures


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
    parser.add_argument("--vector-scale", type=int, default=2_800_000,
                        help="Random vectors for the graph at scale (0 leaves it out: its "
                        "build takes over an hour on two cores).")  # fmt: skip
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
        print("  graph of the meaning vectors …", flush=True)
        results["graph_on_meaning"] = measure_graph_on_meaning(arguments.repeat)
    if arguments.vector_scale:
        print(f"  vector search at {arguments.vector_scale} …", flush=True)
        results["vectors_at_scale"] = measure_vectors_at_scale(arguments.vector_scale, 20)
    print("  retrieval set …", flush=True)
    results["retrieval"] = measure_retrieval()
    report(results)
    output = ROOT / "bench" / "results" / (
        f"find-help-{arguments.count}-{time.strftime('%Y%m%d-%H%M%S')}.json")  # fmt: skip
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nWritten to {output.relative_to(ROOT)}")


def report_graph(label: str, figures: dict) -> None:
    print(f"{label}, {figures['vectors']} vectors: graph p95 {figures['graph']['p95_ms']} ms "
          f"beside exact {figures['exact']['p95_ms']} ms "
          f"({figures['exact']['p95_ms'] / max(figures['graph']['p95_ms'], 0.01):.0f}x), recall "
          f"of the exact {figures['depth']} nearest {figures['recall']}, of the 10 nearest "
          f"{figures['recall_at_10']}; built in {figures['build_s']} s "
          f"({figures['build_per_second']}/s), {figures['graph_file_mb']} MB file"
          + (f"; finds the vector a query was made from {figures['finds_the_source']}"
             if figures["finds_the_source"] is not None else ""))  # fmt: skip


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
        report_graph("graph on the atlas's meaning vectors", results["graph_on_meaning"])
    if "vectors_at_scale" not in results:
        print("random vectors at scale: skipped (--vector-scale 0)")
    else:
        report_graph("random vectors at scale", results["vectors_at_scale"])
        scale = results["vectors_at_scale"]
        print(f"  written in {scale['write_s']} s; the exact mirror ({scale['int8_matrix_mb']} MB "
              f"a process) loaded in {scale['mirror_load_s']} s; the graph is mapped, shared by "
              f"the processes")  # fmt: skip
    retrieval = results["retrieval"]
    print(f"retrieval set ({retrieval['queries']} queries, 4 languages), top-3 recall: hybrid "
          f"{retrieval['top3_recall']['hybrid']} beside words alone "
          f"{retrieval['top3_recall']['lexical']}")  # fmt: skip


if __name__ == "__main__":
    main()
