import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from essaim.atlas import actions
from essaim.atlas.bulk import bulk_load, compare_index
from essaim.atlas.demo import taxonomy_data
from essaim.atlas.generator import GENERATOR_SOURCE, generate_records
from essaim.atlas.models import Organisation, Sector


class Command(BaseCommand):
    help = (
        "Load N synthetic organisations (the same ones for the same seed) into the database "
        "and the search index. Run it again after an interruption: it resumes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, count, seed, no_progress, **options) -> None:
        if count < 1:
            raise CommandError(_("--count must be a positive number."))
        if not Sector.objects.exists():
            actions.do_load_taxonomies(taxonomy_data())
        done = Organisation.objects.filter(
            source=GENERATOR_SOURCE, source_id__startswith=f"{seed}-"
        ).count()
        started = time.monotonic()
        # A previous run may have stopped between a database batch and its index commit.
        repaired = sum(compare_index(repair=True)[0].values())
        if done:
            self.stdout.write(
                _("Resuming after %(done)d organisations already loaded.") % {"done": done}
            )
        progress = tqdm(
            total=count,
            initial=min(done, count),
            unit=" org",
            disable=no_progress,
            file=self.stderr,
            dynamic_ncols=True,
        )
        with progress:
            loaded = bulk_load(
                generate_records(count, seed, start=done + 1), on_progress=progress.update
            )
        self.stdout.write(
            _("%(count)d organisations generated in %(seconds).1f s.")
            % {"count": loaded, "seconds": time.monotonic() - started}
        )
        if repaired:
            self.stdout.write(_("Search index repaired: %(count)d entries.") % {"count": repaired})
