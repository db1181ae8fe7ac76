"""How the source of an organisation reads on its page: a name people know, and its address."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from essaim.atlas.demo import DEMO_SOURCE

from .models import Source


@dataclass(frozen=True)
class SourceName:
    name: str
    url: str = ""


def source_name(code: str) -> SourceName | None:
    """The readable name of the source `code` (`Organisation.source`): its title, else the host
    of its address, else the code itself; None for no source."""
    if not code:
        return None
    if code == DEMO_SOURCE:
        return SourceName(_("Essaim's demonstration data"))
    source = Source.objects.filter(name=code).only("title", "url").first()
    if source is None:
        return SourceName(code)
    url = source.url if urlsplit(source.url).scheme in ("http", "https") else ""
    return SourceName(source.title or urlsplit(url).netloc or code, url)
