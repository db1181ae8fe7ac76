from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from essaim.observatory.actions import do_record_atlas_counts


class Command(BaseCommand):
    help = (
        "Keep the atlas's counts of organisations on a date (today by default) as observations "
        "of the indicator computed from the atlas, by country, région and département."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="The day, as YYYY-MM-DD (today by default).")

    def handle(self, *args, date: str | None = None, **options) -> None:
        day = timezone.localdate()
        if date:
            try:
                day = _day(date)
            except ValueError as error:
                raise CommandError(f"--date: {error}") from None
        if day > timezone.localdate():
            raise CommandError("--date: the day has not come yet.")
        self.stdout.write(f"{do_record_atlas_counts(None, day)} observation(s) recorded.")


def _day(text: str) -> date:
    return date.fromisoformat(text)
