import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from essaim.atlas import actions
from essaim.atlas.demo import taxonomy_data
from essaim.atlas.generator import generate_records
from essaim.atlas.models import Sector


class Command(BaseCommand):
    help = "Add N synthetic organisations (deterministic for a given seed), then rebuild the index."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, count, seed, **options):
        if count < 1:
            raise CommandError(_("--count must be a positive number."))
        if not Sector.objects.exists():
            actions.do_load_taxonomies(taxonomy_data())
        started = time.monotonic()
        created = actions.do_bulk_create_organisations(generate_records(count, seed))
        self.stdout.write(
            _("%(count)d organisations generated in %(seconds).1f s.")
            % {"count": created, "seconds": time.monotonic() - started}
        )
        indexed = actions.rebuild_search_index()
        self.stdout.write(_("Search index rebuilt: %(count)d organisations.") % {"count": indexed})
