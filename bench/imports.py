"""Import benchmark: `essaim import` of N rows beside the naive path, one form and save per row.

    python -m bench.imports --count 1000000        (make bench IMPORT_SCALE=1000000)

Writes an Essaim CSV of N synthetic organisations (the generator's, with SIRETs, emails and
websites), then, each in a fresh SQLite database:

- essaim import:        `essaim import FILE --format csv --source bench`, as a user runs it
                        (validated, atomic, index and change feed included): wall time, rows/s,
                        peak memory of the process;
- re-import:            the same file again (every row found and unchanged);
- naive (baseline):     what an import written the obvious way costs: for each row, the
                        suggestion form's validation and `do_apply_facts` (one transaction, one
                        history entry and one index write per row), on a sample, in rows/s.

Prints the figures side by side with ratios and writes JSON to bench/results/.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.targets import IMPORT_SCALE, print_targets, projected

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = [
    "id", "name", "short_description_fr", "description_fr", "original_language", "legal_form",
    "sector", "services", "audiences", "languages", "territory", "locality", "region",
    "country", "latitude", "longitude", "website", "email", "siret", "founding_year",
    "size_band",
]  # fmt: skip


def environment(data_dir: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "essaim.settings",
        "ESSAIM_SECRET_KEY": "benchmark-only-" + "b" * 40,
        "ESSAIM_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'essaim.sqlite3'}",
    }


# Runs the command as its own child, then prints that child's peak memory: ru_maxrss of
# children is the largest of all children so far, so each measure needs a fresh parent.
MEASURED = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def essaim(data_dir: Path, *args: str) -> tuple[float, float, str]:
    """Run an essaim command; (seconds, peak RSS in MB of that process, stdout)."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, sys.executable, "-m", "essaim", *args],
        env=environment(data_dir), cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.monotonic() - started
    if result.returncode:
        raise RuntimeError(f"essaim {args[0]} failed:\n{result.stderr[-3000:]}")
    peak_kb = int(result.stderr.strip().splitlines()[-1])
    return seconds, peak_kb / 1024, result.stdout


def fresh_instance(parent: Path, name: str) -> Path:
    data_dir = parent / name
    data_dir.mkdir()
    essaim(data_dir, "migrate", "--no-input", "-v", "0")
    essaim(data_dir, "shell", "-c", "from essaim.atlas import actions; "
           "from essaim.atlas.demo import taxonomy_data; "
           "actions.do_load_taxonomies(taxonomy_data())")  # fmt: skip
    return data_dir


def luhn_siret(number: int) -> str:
    base = f"{number:013d}"[-13:]
    for last in range(10):
        digits = base + str(last)
        total = 0
        for position, char in enumerate(reversed(digits)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return digits
    raise AssertionError


def write_csv(path: Path, count: int, data_dir: Path) -> None:
    """N rows from the generator, as a network's export in Essaim's columns."""
    script = f"""
import csv
from essaim.atlas.generator import generate_records
from essaim.atlas.models import Audience, LegalForm, Sector, Service
from essaim.atlas.vocabulary import Vocabulary
from bench.imports import COLUMNS, luhn_siret
vocabulary = Vocabulary()
with open({str(path)!r}, "w", encoding="utf-8", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for number, (fields, relations) in enumerate(generate_records({count}, seed=3), start=1):
        code = lambda model, pk: vocabulary.code(model, pk) or ""
        writer.writerow([
            f"b-{{number}}", fields["name"], fields.get("short_description_fr", ""),
            fields.get("description_fr", ""), fields["original_language"],
            code(LegalForm, fields["legal_form_id"]), code(Sector, fields["sector_id"]),
            "|".join(code(Service, pk) for pk in relations.get("services", [])),
            "|".join(code(Audience, pk) for pk in relations.get("audiences", [])),
            "|".join(fields["languages"]), fields["territory"], fields["locality"],
            fields["region"], fields["country"], fields["latitude"], fields["longitude"],
            f"https://org{{number}}.example.org", f"contact@org{{number}}.example.org",
            luhn_siret(number), fields["founding_year"], fields["size_band"],
        ])
"""
    essaim(data_dir, "shell", "-c", script)


def naive_rows_per_second(data_dir: Path, path: Path, sample: int) -> float:
    script = f"""
import csv, itertools, time
from django.db import transaction
from essaim.atlas import actions
from essaim.contributions.forms import OrganisationForm
with open({str(path)!r}, encoding="utf-8", newline="") as file:
    rows = list(itertools.islice(csv.DictReader(file), {sample}))
started = time.monotonic()
for row in rows:
    data = {{**row, "identifier_siret": row["siret"],
             "languages": row["languages"].replace("|", ",")}}
    for name in ("services", "audiences"):
        data[name] = [code for code in row[name].split("|") if code]
    form = OrganisationForm(data)
    assert form.is_valid(), form.errors
    with transaction.atomic():
        actions.do_apply_facts(None, form.facts())
print(len(rows) / (time.monotonic() - started))
"""
    return float(essaim(data_dir, "shell", "-c", script)[2].strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=1000, help="rows for the naive baseline")
    arguments = parser.parse_args()
    results = {"count": arguments.count, "database": "sqlite"}
    with tempfile.TemporaryDirectory(prefix="essaim-bench-imports-") as scratch:
        scratch = Path(scratch)
        source = fresh_instance(scratch, "source")
        path = scratch / "organisations.csv"
        print(f"Writing {arguments.count} rows…", flush=True)
        write_csv(path, arguments.count, source)
        results["file_mb"] = round(path.stat().st_size / 2**20, 1)

        target = fresh_instance(scratch, "target")
        print("essaim import…", flush=True)
        seconds, peak, out = essaim(target, "import", str(path), "--format", "csv",
                                    "--source", "bench", "--no-progress")  # fmt: skip
        results["import"] = {"seconds": round(seconds, 1),
                             "rows_per_second": round(arguments.count / seconds),
                             "peak_rss_mb": round(peak),
                             "report": out.strip().splitlines()[0]}  # fmt: skip
        print("re-import…", flush=True)
        seconds, _peak, out = essaim(target, "import", str(path), "--format", "csv",
                                     "--source", "bench", "--no-progress")  # fmt: skip
        results["reimport"] = {"seconds": round(seconds, 1),
                               "rows_per_second": round(arguments.count / seconds),
                               "report": out.strip().splitlines()[0]}  # fmt: skip

        naive = fresh_instance(scratch, "naive")
        print(f"naive baseline on {arguments.sample} rows…", flush=True)
        rate = naive_rows_per_second(naive, path, arguments.sample)
        results["naive"] = {"rows_per_second": round(rate),
                            "projected_seconds": round(arguments.count / rate)}  # fmt: skip
    results["targets"] = report(results)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    output = ROOT / "bench" / "results" / f"imports-{arguments.count}-{stamp}.json"
    output.parent.mkdir(exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nWritten to {output.relative_to(ROOT)}")


def report(results: dict) -> list[dict]:
    ours, again, naive = results["import"], results["reimport"], results["naive"]
    print(f"\n{results['count']} rows ({results['file_mb']} MB of CSV) on {results['database']}")
    print(f"{'':28}{'seconds':>10}{'rows/s':>10}{'vs naive':>10}")
    for label, figures in (("essaim import", ours), ("re-import (all unchanged)", again)):
        ratio = figures["rows_per_second"] / naive["rows_per_second"]
        print(f"{label:28}{figures['seconds']:>10}{figures['rows_per_second']:>10}"
              f"{ratio:>9.1f}×")  # fmt: skip
    print(f"{'naive, form + save per row':28}{naive['projected_seconds']:>10}"
          f"{naive['rows_per_second']:>10}{1:>9.1f}×  (projected from a sample)")  # fmt: skip
    print(f"peak memory of essaim import: {ours['peak_rss_mb']} MB "
          f"for a {results['file_mb']} MB file")  # fmt: skip
    print(ours["report"])
    count = results["count"]
    how = (f"at {count:,}" if count == IMPORT_SCALE
           else f"projected from {count:,} rows at the same rate")  # fmt: skip
    return print_targets([("import a million rows (essaim import, CSV)", "s",
                           projected(ours["seconds"], count, IMPORT_SCALE), 300, how)])  # fmt: skip


if __name__ == "__main__":
    main()
