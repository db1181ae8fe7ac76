from django.core.management.base import BaseCommand

from essaim.network.actions.votes import do_run_votes


class Command(BaseCommand):
    help = (
        "Open the votes whose time has come (the voters frozen, told, and given their codes "
        "for a secret ballot) and close those whose time is over (results announced). Run it "
        "every few minutes."
    )

    def handle(self, *args, **options) -> None:
        opened, closed = do_run_votes()
        self.stdout.write(f"{opened} vote(s) opened, {closed} closed.")
