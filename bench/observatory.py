"""Observatory benchmark, three figures beside their baselines:

1. What people say: the reader's accuracy on the held-out sentences of the labelled set
   (every fifth of each language, never learnt from), beside a lexicon of words
   (essaim.observatory.baseline), by language, and the time to read one text.
2. The atlas on a date: the count of every dimension at the end of a day before 2,000 later
   edits, beside rebuilding every organisation in Python and undoing the same edits.
3. Charts: a line chart drawn by the templates, beside Vega-Lite's offline renderer
   (vl-convert-python, in the bench extra), time and bytes.

    python -m bench.observatory --count 100000

Uses the synthetic atlas of bench.search (generated once, reused). Prints figures beside
their baselines and writes JSON to bench/results/.
"""

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from datetime import date, datetime

from bench.search import ROOT, ensure_data, setup_django

EDITS = 2000


def sentiment_figures() -> dict:
    from essaim.observatory import baseline, sentiment

    learnt, held_out = sentiment.split(sentiment.labelled()["sentences"])
    started = time.perf_counter()
    reader = sentiment.Reader(learnt)
    built = time.perf_counter() - started
    started = time.perf_counter()
    readings = reader.read_many([item["text"] for item in held_out])
    per_text = (time.perf_counter() - started) / len(held_out)
    right, lexicon, total = Counter(), Counter(), Counter()
    for reading, item in zip(readings, held_out, strict=True):
        total[item["language"]] += 1
        right[item["language"]] += reading.sentiment == item["sentiment"]
        lexicon[item["language"]] += baseline.read(item["text"]) == item["sentiment"]
    by_language = {
        language: {"reader": round(right[language] / n, 3),
                   "lexicon": round(lexicon[language] / n, 3), "sentences": n}
        for language, n in sorted(total.items())
    }  # fmt: skip
    unsure = [r for r in readings if r.unsure]
    return {
        "learnt_from": len(learnt),
        "held_out": len(held_out),
        "reader_accuracy": round(sum(right.values()) / len(held_out), 3),
        "lexicon_accuracy": round(sum(lexicon.values()) / len(held_out), 3),
        "by_language": by_language,
        "unsure_share": round(len(unsure) / len(readings), 3),
        "accuracy_when_sure": round(
            sum(
                r.sentiment == i["sentiment"]
                for r, i in zip(readings, held_out, strict=True)
                if not r.unsure
            )
            / max(1, len(readings) - len(unsure)),
            3,
        ),  # fmt: skip
        "build_s": round(built, 2),
        "read_ms_per_text": round(per_text * 1000, 2),
    }


def prepare_history() -> date:
    """Every organisation dated 2020, then EDITS edits through the write path today: the day
    counted is before all of them."""
    from django.utils import timezone

    from essaim.atlas import actions
    from essaim.atlas.models import Change, Family, Organisation

    past = timezone.make_aware(datetime(2020, 1, 1))
    Organisation.objects.update(created_at=past)  # the bench's own data: no history to keep
    if Change.objects.count() < EDITS:
        families = list(Family.objects.all())
        chooser = random.Random(5)
        ids = list(Organisation.objects.values_list("pk", flat=True)[: EDITS * 5])
        for pk in chooser.sample(ids, EDITS):
            org = Organisation.objects.get(pk=pk)
            if chooser.random() < 0.2:
                actions.do_set_organisation_status(org, "hidden")
            else:
                facts = {"families": [chooser.choice(families).code],
                         "country": chooser.choice(["FR", "IT", "ES"])}  # fmt: skip
                actions.do_apply_facts(org, facts)
    return date(2024, 12, 31)


def naive_counts(day: date):
    """Every organisation read into Python, the later changes undone, counted."""
    from essaim.atlas.models import Change, Organisation
    from essaim.observatory import history

    snapshot = history.Snapshot(day)
    ids = list(Organisation.objects.values_list("pk", flat=True))
    states = {}
    for start in range(0, len(ids), 5000):
        states.update(history._states_now(ids[start : start + 5000]))
    later = Change.objects.filter(created_at__gte=history.end_of(day)).order_by("-id")
    for pk, _kind, fields in later.values_list("organisation_id", "kind", "fields"):
        for name in history.FACT_NAMES:
            if name in fields:
                states[pk][name] = fields[name][0]
    for state in states.values():
        history._add(snapshot, state, +1)
    return snapshot


def nonzero(counts: Counter) -> dict:
    return {key: n for key, n in counts.items() if n}


def history_figures() -> dict:
    from essaim.observatory import history

    day = prepare_history()
    timings, naive, one = [], [], []
    for _ in range(3):
        started = time.perf_counter()
        fast = history.counts_on(day)
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        history.counts_on(day, ("family",))  # what the page asks for
        one.append(time.perf_counter() - started)
    started = time.perf_counter()
    slow = naive_counts(day)
    naive.append(time.perf_counter() - started)
    same = fast.total == slow.total and all(
        nonzero(fast.counts[d]) == nonzero(slow.counts[d]) for d in history.DIMENSIONS
    )  # fmt: skip
    return {
        "organisations": fast.total,
        "changed_since": fast.changed_since,
        "essaim_s": round(statistics.median(timings), 3),
        "essaim_one_dimension_s": round(statistics.median(one), 3),
        "rebuild_every_organisation_s": round(naive[0], 3),
        "same_counts": same,
    }


def chart_figures() -> dict:
    from django.template.loader import render_to_string

    from essaim.observatory.charts import line_chart

    points = [(date(2014 + n, 1, 1), 625 + 54 * n) for n in range(4)]
    runs = []
    for _ in range(200):
        started = time.perf_counter()
        svg = render_to_string("observatory/_line_chart.html", {
            "chart": line_chart([("Les Moulins", points)]), "id": "c", "title": "Jobs",
            "desc": "from 625 to 787"})  # fmt: skip
        runs.append(time.perf_counter() - started)
    figures = {"essaim_ms": round(statistics.median(runs) * 1000, 3), "essaim_bytes": len(svg)}
    try:
        import vl_convert
    except ImportError:
        return figures
    spec = {"data": {"values": [{"year": d.year, "jobs": v} for d, v in points]},
            "mark": {"type": "line", "point": True},
            "encoding": {"x": {"field": "year", "type": "ordinal"},
                         "y": {"field": "jobs", "type": "quantitative"}}}  # fmt: skip
    started = time.perf_counter()
    vl_convert.vegalite_to_svg(spec)
    figures["vl_convert_first_ms"] = round((time.perf_counter() - started) * 1000, 1)
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        vega = vl_convert.vegalite_to_svg(spec)
        runs.append(time.perf_counter() - started)
    figures["vl_convert_ms"] = round(statistics.median(runs) * 1000, 2)
    figures["vl_convert_bytes"] = len(vega)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    arguments = parser.parse_args()
    data_dir = ROOT / "build" / f"bench-{arguments.count}"
    data_dir.mkdir(parents=True, exist_ok=True)
    setup_django(data_dir)
    ensure_data(arguments.count)
    reading = sentiment_figures()
    counted = history_figures()
    charts = chart_figures()
    print(f"What people say — {reading['held_out']} held-out sentences "
          f"(learnt from {reading['learnt_from']}):")  # fmt: skip
    print(f"  reader {reading['reader_accuracy']:.1%}  lexicon {reading['lexicon_accuracy']:.1%}"
          f"  ratio {reading['reader_accuracy'] / max(reading['lexicon_accuracy'], 1e-9):.2f}×"
          )  # fmt: skip
    for language, figures in reading["by_language"].items():
        print(f"  {language}: reader {figures['reader']:.1%}  lexicon {figures['lexicon']:.1%}"
              f"  ({figures['sentences']} sentences)")  # fmt: skip
    print(f"  unsure (sent to a person): {reading['unsure_share']:.1%}; accuracy when sure "
          f"{reading['accuracy_when_sure']:.1%}; {reading['read_ms_per_text']} ms a text"
          )  # fmt: skip
    print(f"The atlas on a date — {counted['organisations']} organisations, "
          f"{counted['changed_since']} changed since:")  # fmt: skip
    print(f"  Essaim, one dimension (the page) {counted['essaim_one_dimension_s']} s; "
          f"every dimension {counted['essaim_s']} s  rebuilding each organisation "
          f"{counted['rebuild_every_organisation_s']} s  ratio "
          f"{counted['rebuild_every_organisation_s'] / max(counted['essaim_s'], 1e-9):.1f}×  "
          f"same counts: {counted['same_counts']}")  # fmt: skip
    line = f"Charts — a line chart: Essaim {charts['essaim_ms']} ms, {charts['essaim_bytes']} bytes"
    if "vl_convert_ms" in charts:
        line += (f"; vl-convert {charts['vl_convert_ms']} ms (first {charts['vl_convert_first_ms']}"
                 f" ms), {charts['vl_convert_bytes']} bytes; ratio "
                 f"{charts['vl_convert_ms'] / charts['essaim_ms']:.0f}×")  # fmt: skip
    print(line)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    output = ROOT / "bench" / "results" / f"observatory-{arguments.count}-{stamp}.json"
    output.write_text(json.dumps({"count": arguments.count, "sentiment": reading,
                                  "history": counted, "charts": charts}, indent=2))  # fmt: skip
    print(f"Written to {output.relative_to(ROOT)}")
    if not counted["same_counts"]:
        sys.exit("The counts differ from the rebuilt ones.")


if __name__ == "__main__":
    main()
