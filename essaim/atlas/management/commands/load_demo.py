from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from essaim.atlas.demo import load_demo


class Command(BaseCommand):
    help = "Load the taxonomies and the demo organisations (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Reset the taxonomies and demo organisations to the shipped data.",
        )

    def handle(self, *args, update, **options):
        created, updated = load_demo(update=update)
        self.stdout.write(
            _("Demo data: %(created)d organisations created, %(updated)d updated.")
            % {"created": created, "updated": updated}
        )
