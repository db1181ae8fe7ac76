import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from essaim.atlas.meaning import embed_organisations, forget_unpublished
from essaim.atlas.models import Organisation
from essaim.search.embeddings import get_embedder
from essaim.search.vectors import get_vector_store

CHUNK = 2000


class Command(BaseCommand):
    help = (
        "Compute the meaning vectors of the organisations whose text changed since (the write "
        "path does it for small changes; run this after an import, or with --every)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS",
                            help="Run again every SECONDS, until stopped.")  # fmt: skip
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, every, no_progress, **options) -> None:
        if get_embedder() is None:
            raise CommandError(_("Semantic search is turned off (ESSAIM_SEMANTIC_SEARCH=0)."))
        while True:
            self._embed_all(no_progress)
            if not every:
                return
            time.sleep(every)

    def _embed_all(self, no_progress: bool) -> None:
        started = time.monotonic()
        published = Organisation.objects.published().order_by("pk")
        total = published.count()
        embedded, last = 0, 0
        with tqdm(total=total, disable=no_progress or total < CHUNK, unit=" org") as progress:
            while ids := list(published.filter(pk__gt=last).values_list("pk", flat=True)[:CHUNK]):
                last = ids[-1]
                embedded += embed_organisations(ids)
                progress.update(len(ids))
        removed = forget_unpublished()
        self.stdout.write(
            _("Meaning vectors: %(embedded)d computed, %(total)d organisations, %(removed)d "
              "removed (no longer published), %(seconds).1f s.")
            % {"embedded": embedded, "total": total, "removed": removed,
               "seconds": time.monotonic() - started}
        )  # fmt: skip
        self._keep_graph(no_progress)

    def _keep_graph(self, no_progress: bool) -> None:
        """Build the shared graph of the vectors when there are many and it is missing or
        stale; drop it when the store shrank under the threshold."""
        store = get_vector_store(get_embedder().dimensions)
        needed = store.graph_needed(settings.ESSAIM["VECTOR_GRAPH_FROM"])
        if needed is None:
            store.drop_graph()
            self.stdout.write(_("Meaning graph removed: few enough vectors to scan them all."))
        elif needed:
            started, total = time.monotonic(), store.count()
            with tqdm(total=total, disable=no_progress, unit=" vector") as progress:
                held = store.build_graph(progress=progress.update)
            self.stdout.write(
                _("Meaning graph built: %(held)d vectors, %(seconds).1f s.")
                % {"held": held, "seconds": time.monotonic() - started}
            )
