from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from essaim.atlas.demo import load_demo


class Command(BaseCommand):
    help = "Load the taxonomies and the demo organisations (safe to run again)."

    def handle(self, *args, **options):
        created, updated = load_demo()
        self.stdout.write(
            _("Demo data: %(created)d organisations created, %(updated)d updated.")
            % {"created": created, "updated": updated}
        )
