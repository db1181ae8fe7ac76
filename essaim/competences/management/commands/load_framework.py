from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from essaim.competences.actions import do_load_framework
from essaim.competences.loading import FrameworkError, builtin_frameworks, read_framework


class Command(BaseCommand):
    help = (
        "Load a competence framework from its JSON file (see docs/competences.md), or, without "
        "a file, the frameworks Essaim ships (DigComp 2.2). Loading again updates it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="*", type=Path)

    def handle(self, *args, files: list[Path], **options) -> None:
        for path in files or builtin_frameworks():
            try:
                framework = do_load_framework(read_framework(path))
            except FrameworkError as error:
                lines = [f"{where or path.name}: {reason}" for where, reason in error.problems]
                raise CommandError(
                    _("%(file)s was not loaded:") % {"file": path} + "\n" + "\n".join(lines)
                ) from None
            self.stdout.write(
                _("%(framework)s loaded: %(count)d competences.")
                % {"framework": framework.key, "count": framework.competences.count()}
            )
