"""Work for the moderators done by a worker (`core/jobs.py`)."""

from datetime import datetime

from essaim.atlas.duplicates import find_candidates
from essaim.atlas.models import Organisation
from essaim.core.jobs import job

from .actions import do_record_duplicate_candidates


@job(queue="default", attempts=2)
def look_for_duplicates_since(moment: str) -> int:
    """Record the possible duplicates that the entries created or changed since `moment` (ISO
    8601) are in: after a large import, in the background. Returns how many pairs are new."""
    touched = set(Organisation.objects.filter(updated_at__gte=datetime.fromisoformat(moment))
                  .values_list("pk", flat=True))  # fmt: skip
    return do_record_duplicate_candidates(find_candidates(touched))
