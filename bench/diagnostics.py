"""Diagnostics benchmark: the network's figures over many shared diagnostics, beside the
straightforward way of reading each diagnostic's answers by itself.

    python -m bench.diagnostics --count 5000

Builds a SQLite atlas of `count` generated organisations in a temporary directory, records a
shared diagnostic of two respondents for each (through the actions, as a workshop's paper
answers would be), then times `network_figures` by family, country and region (the median of
3 runs) beside the baseline (a query per diagnostic for its answers), and the result of one
diagnostic. Prints them side by side and writes JSON to bench/results/.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_time(function, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    count = parser.parse_args().count
    with tempfile.TemporaryDirectory(prefix="essaim-diagnostics-") as data:
        os.environ.update(ESSAIM_DATA_DIR=data, ESSAIM_DEBUG="1", ESSAIM_SEMANTIC_SEARCH="0",
                          DJANGO_SETTINGS_MODULE="essaim.settings")  # fmt: skip
        import django

        django.setup()
        from django.core.management import call_command
        from django.utils import timezone

        from essaim.atlas.models import Organisation
        from essaim.diagnostics.actions import do_record_diagnostic
        from essaim.diagnostics.figures import _group, network_figures
        from essaim.diagnostics.models import Diagnostic
        from essaim.diagnostics.questionnaire import questionnaire
        from essaim.diagnostics.scoring import result_of

        call_command("migrate", verbosity=0)
        with open(os.devnull, "w") as quiet:
            call_command("load_demo", stdout=quiet)
            call_command("generate", count=count, seed=3, no_progress=True, stdout=quiet)
        draw = random.Random(5)
        codes = list(questionnaire().questions)
        start = time.perf_counter()
        for org in Organisation.objects.filter(diagnostics=None)[:count]:
            responses = [
                {
                    "role": "staff",
                    "language": "fr",
                    "tools": [],
                    "answers": {c: draw.randint(0, 3) for c in codes},
                }
                for _ in range(2)
            ]
            do_record_diagnostic(org, responses, started=timezone.now(), shared=True)
        recorded = time.perf_counter() - start
        shared = Diagnostic.objects.filter(shared_at__isnull=False).count()

        def baseline(by: str) -> None:
            """Each diagnostic's answers by a query of its own, then the same grouping."""
            results = []
            for diagnostic in Diagnostic.objects.filter(shared_at__isnull=False):
                sent = diagnostic.responses.filter(submitted_at__isnull=False)
                org = Organisation.objects.get(pk=diagnostic.organisation_id)
                if by == "family":
                    key = [f.code for f in org.families.all()]
                else:
                    key = [org.country.code if by == "country" else org.region]
                results.append((key, result_of(questionnaire(), [r.answers for r in sent])))
            _group("all", "", [r for _k, r in results])

        rows = []
        for by in ("family", "country", "region"):
            ours = median_time(lambda by=by: network_figures(by, remembered=False))
            again = median_time(lambda by=by: network_figures(by))
            theirs = median_time(lambda by=by: baseline(by), runs=1)
            rows.append({
                "by": by, "figures_s": round(ours, 3), "baseline_s": round(theirs, 3),
                "ratio": round(theirs / ours, 1), "remembered_s": round(again, 4),
            })  # fmt: skip
        one = Diagnostic.objects.filter(shared_at__isnull=False).first()
        from essaim.diagnostics.results import results_of

        single = median_time(lambda: results_of(one, None), runs=20)
    print(f"{shared:,} shared diagnostics ({count:,} organisations), recorded in {recorded:.0f} s")
    print(f"{'grouped by':<12}{'figures':>12}{'baseline':>12}{'ratio':>8}{'remembered':>13}")
    for row in rows:
        ours, theirs = row["figures_s"] * 1000, row["baseline_s"] * 1000
        print(
            f"{row['by']:<12}{ours:>10.0f} ms{theirs:>10.0f} ms{row['ratio']:>7.1f}×"
            f"{row['remembered_s'] * 1000:>10.1f} ms"
        )
    print(f"one diagnostic's result: {single * 1000:.1f} ms")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    output = ROOT / "bench" / "results" / f"diagnostics-{count}-{stamp}.json"
    output.write_text(
        json.dumps(
            {"count": count, "shared": shared, "rows": rows, "result_ms": round(single * 1000, 2)},
            indent=1,
        )
    )
    print(f"written to {output.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
