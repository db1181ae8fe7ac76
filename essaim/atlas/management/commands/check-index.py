from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from essaim.atlas.bulk import compare_index


class Command(BaseCommand):
    help = (
        "Compare the search index with the database: organisations missing from the index, "
        "entries that should not be there, and entries older than the database. Exits with "
        "status 1 when they differ."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repair", action="store_true", help="Reindex what differs.")

    def handle(self, *args, repair, **options) -> None:
        totals, examples = compare_index(repair=repair)
        if not any(totals.values()):
            self.stdout.write(_("The search index matches the database."))
            return
        self.stdout.write(
            _(
                "Missing from the index: %(missing)d; not published: %(extra)d; out of date: "
                "%(stale)d."
            )
            % totals
        )
        self.stdout.write(_("For example: %(ids)s") % {"ids": ", ".join(map(str, examples))})
        if repair:
            self.stdout.write(_("Repaired."))
            return
        raise CommandError(
            _(
                "The search index differs from the database: run essaim "
                "check-index --repair or essaim reindex."
            )
        )
