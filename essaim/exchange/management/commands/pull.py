import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from essaim.exchange.actions import do_read_feeds_again
from essaim.exchange.federation import pull
from essaim.exchange.models import Source


def pull_and_say(command, source: Source) -> bool:
    """Pull one followed source and say what came; False if it stopped answering."""
    report = pull(source)
    command.stdout.write(
        _(
            "%(name)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(archived)d archived, %(rejected)d rejected; at position %(position)d of its feed."
        )
        % {"name": source.name, "created": report.created, "updated": report.updated,
           "unchanged": report.unchanged, "archived": report.archived,
           "rejected": len(report.rejected), "position": report.position}
    )  # fmt: skip
    for source_id, field, reason in report.rejected[:10]:
        command.stderr.write(f"{source_id}, {field}: {reason}")
    if report.stopped:
        command.stderr.write(
            _("Stopped: %(reason)s What was taken in is kept; the next pull resumes here.")
            % {"reason": report.stopped}
        )
        return False
    return True


class Command(BaseCommand):
    help = "Take in the changes of the Essaim instances this one follows (see `essaim follow`)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("names", nargs="*", help=_("Only these sources."))
        parser.add_argument(
            "--every", type=int, help=_("Pull again every this many seconds, without end.")
        )
        parser.add_argument(
            "--if-followed",
            action="store_true",
            help=_("Do nothing when no instance is followed (the worker's hourly pull)."),
        )
        parser.add_argument(
            "--from-start",
            action="store_true",
            help=_("Read the feed again from its start (after records were rejected)."),
        )

    def handle(self, *args, names: list[str], every: int | None, from_start: bool,
               if_followed: bool, **options) -> None:  # fmt: skip
        followed = Source.objects.filter(format=Source.Format.ESSAIM).exclude(url="")
        if names:
            followed = followed.filter(name__in=names)
        if not followed.exists() and if_followed:
            return
        if not followed.exists():
            raise CommandError(_("No followed instance: add one with essaim follow URL."))
        if from_start:
            do_read_feeds_again(followed)
        while True:
            answered = [pull_and_say(self, source) for source in followed.all()]
            if not every:
                if not all(answered):
                    raise CommandError(_("A followed instance did not answer."))
                return
            time.sleep(every)
