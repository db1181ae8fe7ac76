import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from essaim.atlas.indexing import rebuild_search_index
from essaim.atlas.models import Organisation
from essaim.search.index import get_index


class Command(BaseCommand):
    help = "Rebuild the search index from the database."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="Only when the index does not hold as many organisations as the database.",
        )

    def handle(self, *args, if_needed, **options) -> None:
        if if_needed and get_index().count() == Organisation.objects.published().count():
            self.stdout.write(_("The search index is up to date."))
            return
        started = time.monotonic()
        count = rebuild_search_index()
        self.stdout.write(
            _("Search index rebuilt: %(count)d organisations in %(seconds).1f s.")
            % {"count": count, "seconds": time.monotonic() - started}
        )
