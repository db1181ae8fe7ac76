import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from essaim.atlas.gazetteer import ensure_gazetteer
from essaim.atlas.indexing import rebuild_search_index
from essaim.core import feed
from essaim.search.index import IndexNotWritten, get_index


class Command(BaseCommand):
    help = "Rebuild the search index from the database."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="Only apply the changes the index has not applied yet (the change feed); the "
            "whole index is built when it never was, or when its position cannot be trusted. "
            "Also builds this server's gazetteer if its data directory has none.",
        )

    def handle(self, *args, if_needed, **options) -> None:
        try:
            self._reindex(if_needed)
        except IndexNotWritten as error:
            raise CommandError(
                _("The search index could not be written (%(error)s). It still answers with "
                  "what it held; make room and run it again.") % {"error": error}
            ) from error  # fmt: skip

    def _reindex(self, if_needed: bool) -> None:
        started = time.monotonic()
        if if_needed:
            # Everything this server keeps on its own disk, ready before it serves.
            ensure_gazetteer()
            if feed.read_position() is None:  # never followed: built whole
                feed.follow()
                self.stdout.write(
                    _("Search index rebuilt: %(count)d organisations in %(seconds).1f s.")
                    % {"count": get_index().count(), "seconds": time.monotonic() - started}
                )
                return
            applied = feed.follow()
            self.stdout.write(
                _("The search index is up to date (%(count)d changes applied in %(seconds).1f s).")
                % {"count": applied, "seconds": time.monotonic() - started}
            )
            return
        count = rebuild_search_index()
        self.stdout.write(
            _("Search index rebuilt: %(count)d organisations in %(seconds).1f s.")
            % {"count": count, "seconds": time.monotonic() - started}
        )
