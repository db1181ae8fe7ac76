from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from essaim.exchange.federation import SourceUnreachable, do_follow

from .pull import pull_and_say


class Command(BaseCommand):
    help = (
        "Follow another Essaim instance: its atlas becomes a source, taken in now and kept in "
        "sync by `essaim pull` (run it on a schedule, e.g. hourly from cron)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "url", help=_("The other instance's address, such as https://atlas.example.org")
        )
        parser.add_argument("--name", help=_("The source's name (by default, from the address)."))
        parser.add_argument("--no-pull", action="store_true", help=_("Do not take it in now."))

    def handle(self, *args, url: str, name: str | None, no_pull: bool, **options) -> None:
        try:
            source = do_follow(url, name)
        except SourceUnreachable as error:
            raise CommandError(error.message) from error
        self.stdout.write(_("Following %(url)s as the source %(name)s.")
                          % {"url": source.url, "name": source.name})  # fmt: skip
        if not no_pull and not pull_and_say(self, source):
            raise CommandError(_("A followed instance did not answer."))
