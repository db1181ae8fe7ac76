from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from essaim.atlas.demo import load_demo
from essaim.commons.demo import load_demo_commons
from essaim.diagnostics.demo import load_demo_diagnostics
from essaim.matching.demo import load_demo_matching
from essaim.network.demo import load_demo_governance, load_demo_network
from essaim.observatory.demo import load_demo_observatory


class Command(BaseCommand):
    help = (
        "Load the competence frameworks, the taxonomies, the demo organisations, the commons "
        "and the diagnostics (safe to run again)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--update",
            action="store_true",
            help="Reset the taxonomies and demo organisations to the shipped data.",
        )

    def handle(self, *args, update, **options) -> None:
        call_command("load_framework", stdout=self.stdout)  # the commons are tagged with it
        created, updated = load_demo(update=update)
        self.stdout.write(
            _("Demo data: %(created)d organisations created, %(updated)d updated.")
            % {"created": created, "updated": updated}
        )
        added = load_demo_commons()
        self.stdout.write(
            _("Demo commons: %(count)d events, resources and opportunities added.")
            % {"count": added}
        )
        self.stdout.write(
            _("Demo diagnostics: %(count)d recorded.") % {"count": load_demo_diagnostics()}
        )
        self.stdout.write(
            _("Demo needs of help: %(count)d posted.") % {"count": load_demo_matching()}
        )
        self.stdout.write(
            _("Demo observatory: %(count)d figures recorded.") % {"count": load_demo_observatory()}
        )
        self.stdout.write(_("Demo network: %(count)d members.") % {"count": load_demo_network()})
        if load_demo_governance():
            self.stdout.write(_("Demo network: a past vote, a proposal and an announcement."))
