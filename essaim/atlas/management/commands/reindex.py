import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from essaim.atlas.actions import rebuild_search_index


class Command(BaseCommand):
    help = "Rebuild the search index from the database."

    def handle(self, *args, **options):
        started = time.monotonic()
        count = rebuild_search_index()
        self.stdout.write(_("Search index rebuilt: %(count)d organisations in %(seconds).1f s.")
                          % {"count": count, "seconds": time.monotonic() - started})
