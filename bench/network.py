"""Network benchmark, two figures beside their baselines:

1. The inbox's sorting: its accuracy on the held-out messages of the shipped labelled set
   (every fifth of each language, never learnt from), beside always answering the most
   frequent reason and beside the single nearest message by shared words, by language, and
   the time to sort one message.
2. An announcement to many: queuing it for N newsletter readers (100,000 by default), its
   time and peak Python memory, beside building every recipient's row in memory first; then
   one run of the sender (ESSAIM_ANNOUNCEMENTS_PER_RUN messages).

    python -m bench.network --count 100000

Prints figures beside their baselines and writes JSON to bench/results/.
"""

import argparse
import json
import re
import time
import tracemalloc
from collections import Counter

from bench.search import ROOT, setup_django

UNUSABLE = "!"  # no password: readers who never sign in
WORDS = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> set[str]:
    return {w for w in WORDS.findall(text.casefold()) if len(w) > 2}


def sorting_figures() -> dict:
    from essaim.network.inbox import UNSURE, Sorter, learnt_and_held_out

    learnt, held_out = learnt_and_held_out()
    sorter = Sorter(learnt)
    started = time.perf_counter()
    sortings = sorter.sort_many([m["text"] for m in held_out], refresh=False)
    per_message = (time.perf_counter() - started) / len(held_out)
    frequent = Counter(m["reason"] for m in learnt).most_common(1)[0][0]
    learnt_words = [(words(m["text"]), m["reason"]) for m in learnt]

    def overlap(text: str) -> str:
        mine = words(text)
        nearest = max(
            learnt_words, key=lambda item: len(mine & item[0]) / (len(mine | item[0]) or 1)
        )
        return nearest[1]

    right, by_words, by_frequency, total = Counter(), Counter(), Counter(), Counter()
    for sorting, message in zip(sortings, held_out, strict=True):
        language = message["language"]
        total[language] += 1
        right[language] += sorting.reason == message["reason"]
        by_words[language] += overlap(message["text"]) == message["reason"]
        by_frequency[language] += frequent == message["reason"]
    sure = [(s, m) for s, m in zip(sortings, held_out, strict=True) if s.confidence >= UNSURE]
    n = len(held_out)
    return {
        "learnt_from": len(learnt), "held_out": n,
        "accuracy": round(sum(right.values()) / n, 3),
        "word_overlap_accuracy": round(sum(by_words.values()) / n, 3),
        "most_frequent_accuracy": round(sum(by_frequency.values()) / n, 3),
        "by_language": {language: {"essaim": round(right[language] / count, 3),
                                   "word_overlap": round(by_words[language] / count, 3),
                                   "messages": count}
                        for language, count in sorted(total.items())},
        "unsure_share": round(1 - len(sure) / n, 3),
        "accuracy_when_sure": round(sum(s.reason == m["reason"] for s, m in sure)
                                    / max(len(sure), 1), 3),
        "sort_ms_per_message": round(per_message * 1000, 1),
    }  # fmt: skip


def announcement_figures(count: int) -> dict:
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from essaim.accounts.models import User
    from essaim.network.actions import announcements
    from essaim.network.models import Announcement, Delivery

    call_command("migrate", verbosity=0)
    readers = User.objects.filter(newsletter_consented_at__isnull=False)
    if readers.count() != count:
        User.objects.all().delete()
        now = timezone.now()
        for start in range(0, count, 10_000):
            User.objects.bulk_create(
                User(username=f"reader{n}", email=f"reader{n}@example.org", password=UNUSABLE,
                     newsletter_consented_at=now, language=("fr", "es")[n % 2])
                for n in range(start, min(start + 10_000, count))
            )  # fmt: skip
    animator, _created = User.objects.get_or_create(
        username="animator", defaults={"is_moderator": True, "email": "a@example.org"})  # fmt: skip
    Announcement.objects.all().delete()
    texts = {"fr": {"subject": "Nouvelles", "body": "Bonjour."},
             "en": {"subject": "News", "body": "Hello."}}  # fmt: skip

    def queue() -> tuple[float, float, int]:
        item = Announcement.objects.create(texts=texts, audience="newsletter")
        tracemalloc.start()
        started = time.perf_counter()
        queued = announcements.do_send_announcement(animator, item)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return elapsed, peak / 2**20, queued

    # The baseline: every recipient's row built in memory, then written at once.
    item = Announcement.objects.create(texts=texts, audience="newsletter")
    tracemalloc.start()
    started = time.perf_counter()
    rows = [Delivery(announcement=item, address=email.lower(), language=item.text(language)[
        "language"]) for email, language in readers.values_list("email", "language")]  # fmt: skip
    Delivery.objects.bulk_create(rows, batch_size=2000)
    naive_s = time.perf_counter() - started
    naive_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    del rows
    Delivery.objects.filter(announcement=item).delete()
    essaim_s, essaim_mb, queued = queue()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    started = time.perf_counter()
    delivered, failed = announcements.do_send_queued()
    send_s = time.perf_counter() - started
    return {
        "recipients": count, "queued": queued,
        "essaim_queue_s": round(essaim_s, 2), "essaim_peak_mb": round(essaim_mb, 1),
        "in_memory_queue_s": round(naive_s, 2), "in_memory_peak_mb": round(naive_mb, 1),
        "one_run_sent": delivered, "one_run_failed": failed, "one_run_s": round(send_s, 2),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    arguments = parser.parse_args()
    data_dir = ROOT / "build" / f"bench-network-{arguments.count}"
    data_dir.mkdir(parents=True, exist_ok=True)
    setup_django(data_dir)
    sorting = sorting_figures()
    sending = announcement_figures(arguments.count)
    print(f"The inbox's sorting — {sorting['held_out']} held-out messages "
          f"(learnt from {sorting['learnt_from']}), 7 reasons:")  # fmt: skip
    print(f"  Essaim {sorting['accuracy']:.1%}  shared words {sorting['word_overlap_accuracy']:.1%}"
          f"  most frequent reason {sorting['most_frequent_accuracy']:.1%}  ratio "
          f"{sorting['accuracy'] / max(sorting['word_overlap_accuracy'], 1e-9):.2f}×")  # fmt: skip
    for language, figures in sorting["by_language"].items():
        print(f"  {language}: Essaim {figures['essaim']:.1%}  shared words "
              f"{figures['word_overlap']:.1%}  ({figures['messages']} messages)")  # fmt: skip
    print(
        f"  unsure (a person checks): {sorting['unsure_share']:.1%}; accuracy when sure "
        f"{sorting['accuracy_when_sure']:.1%}; {sorting['sort_ms_per_message']} ms a message"
    )
    print(f"An announcement to {sending['recipients']} readers — queued "
          f"{sending['queued']}:")  # fmt: skip
    print(f"  Essaim {sending['essaim_queue_s']} s, peak {sending['essaim_peak_mb']} MB  "
          f"in memory first {sending['in_memory_queue_s']} s, peak "
          f"{sending['in_memory_peak_mb']} MB  memory ratio "
          f"{sending['in_memory_peak_mb'] / max(sending['essaim_peak_mb'], 1e-9):.1f}×"
          )  # fmt: skip
    print(f"  one sender run: {sending['one_run_sent']} sent, {sending['one_run_failed']} failed "
          f"in {sending['one_run_s']} s")  # fmt: skip
    stamp = time.strftime("%Y%m%d-%H%M%S")
    output = ROOT / "bench" / "results" / f"network-{arguments.count}-{stamp}.json"
    output.write_text(json.dumps({"count": arguments.count, "sorting": sorting,
                                  "announcement": sending}, indent=2))  # fmt: skip
    print(f"Written to {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
