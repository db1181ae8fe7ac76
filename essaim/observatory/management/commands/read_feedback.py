from django.core.management.base import BaseCommand

from essaim.observatory.actions import do_read_statements


class Command(BaseCommand):
    help = (
        "Read what people said after help between members, after events and in surveys, for "
        "its sentiment and themes (daily; new answers are read as they come)."
    )

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{do_read_statements()} text(s) read.")
