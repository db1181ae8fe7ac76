import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from essaim.atlas.duplicates import find_candidates
from essaim.contributions.actions import do_record_duplicate_candidates


class Command(BaseCommand):
    help = (
        "Find entries that may be the same organisation (shared identifier, email, phone or "
        "website domain, or a similar name within 1 km) and list them for the moderators. "
        "Nothing is merged. Run it after imports, or nightly."
    )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        found = find_candidates()
        created = do_record_duplicate_candidates(found)
        self.stdout.write(
            _("%(found)d possible duplicates, %(new)d new, in %(seconds).1f s.")
            % {"found": len(found), "new": created, "seconds": time.monotonic() - started}
        )
