import io
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from django.utils.translation import gettext as _

from essaim.atlas.queries import InvalidQuery, parse_search
from essaim.exchange import lmn
from essaim.exchange.files import replaced_atomically
from essaim.exchange.formats import FORMATS, jsonld_chunks
from essaim.exchange.records import export_organisations, export_records, public_url

T = TypeVar("T")


def counted(items: Iterable[T], counter: list[int]) -> Iterator[T]:
    for item in items:
        counter[0] += 1
        yield item


class Command(BaseCommand):
    help = (
        "Write the published atlas, or a search of it, in one of the web exports' formats. "
        "Streamed: memory stays flat at any size. The file appears only once complete."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("--output", required=True, help="A file path, or - for stdout.")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A search parameter, as in /exports/… (q=coop, country=FR); repeatable.",
        )

    def handle(self, *args, format: str, output: str, filter: list[str], **options) -> None:  # noqa: A002
        params = QueryDict(mutable=True)
        for item in filter:
            name, separator, value = item.partition("=")
            if not separator:
                raise CommandError(_("A filter is written NAME=VALUE: %(item)s") % {"item": item})
            params.appendlist(name, value)
        try:
            query = parse_search(params).query if params else None
        except InvalidQuery as error:
            message = _("Invalid search: %(message)s") % {"message": error.message}
            raise CommandError(message) from error
        count = [0]
        if format == "jsonld":
            organisations = counted(export_organisations(query), count)
            chunks = jsonld_chunks(organisations, public_url("/exports/organisations.jsonld"))
        elif format == "lmn":  # only some organisations are places of the schema: count those
            chunks = lmn.places_csv(counted(lmn.places(export_records(query)), count))
        else:
            chunks = FORMATS[format][1](counted(export_records(query), count))
        if output == "-":
            for chunk in chunks:
                sys.stdout.write(chunk)
            return
        target = Path(output)
        with replaced_atomically(target) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            for chunk in chunks:
                text.write(chunk)
            text.flush()
            text.detach()
        self.stderr.write(
            _("%(count)d organisations written to %(path)s.") % {"count": count[0], "path": target}
        )
