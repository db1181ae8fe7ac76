"""Finding entries that may be the same organisation, across sources.

Two entries are candidates when they share an official identifier (SIRET, RNA, NEQ, VAT…), an
email address, a phone number or a website's domain (at other localities or pages of the site:
"possibly a branch"), or when their names are alike and they stand within a kilometre of each
other. Values shared by many entries (a network's switchboard,
a shared hosting platform's domain) say nothing about identity and are left aside. Nothing is
merged here: candidates go to the moderators.
"""

import math
import re
from collections import defaultdict
from collections.abc import Iterator
from difflib import SequenceMatcher
from itertools import combinations
from urllib.parse import urlsplit

from essaim.search.index import distance_km
from essaim.search.text import fold

from .models import Identifier, Organisation, Status

# More entries than this share a value: it is a shared one, not an identity.
MAX_GROUP = 25
NEARBY_KM = 1.0
NAME_SIMILARITY = 0.85
# Names compared in one neighbourhood (a cell and the eight around it), at most: about ten
# seconds; beyond, only the same names are paired there.
NAME_COMPARISONS = 2_000_000
# Website hosts many organisations share: the same domain says nothing there.
SHARED_HOSTS = {
    "facebook.com", "fr-fr.facebook.com", "instagram.com", "linkedin.com", "twitter.com",
    "x.com", "youtube.com", "sites.google.com", "google.com", "wordpress.com", "wixsite.com",
    "blogspot.com", "over-blog.com", "helloasso.com", "linktr.ee", "github.io", "github.com",
    "framasite.org", "e-monsite.com", "jimdo.com", "assoconnect.com", "canalblog.com",
}  # fmt: skip
# Words too common in names to tell organisations apart.
GENERIC_WORDS = {
    "association", "asso", "cooperative", "cooperativa", "scop", "scic", "sas", "sarl", "la",
    "le", "les", "l", "de", "des", "du", "d", "et", "the", "of", "and", "di", "del", "della",
    "el", "los", "y", "e", "il", "lo", "centre", "center", "centro",
}  # fmt: skip
CHUNK = 20_000


def phone_key(phone: str) -> str:
    """The last nine digits: 06 12 34 56 78 and +33 6 12 34 56 78 are the same number."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-9:] if len(digits) >= 8 else ""


def domain_key(website: str) -> str:
    host = (urlsplit(website or "").hostname or "").lower().removeprefix("www.")
    if not host or host in SHARED_HOSTS or any(host.endswith("." + s) for s in SHARED_HOSTS):
        return ""
    return host


def name_key(name: str) -> str:
    words = [word for word in fold(name) if word not in GENERIC_WORDS]
    return " ".join(words or fold(name))


def similar_names(first: str, second: str) -> bool:
    if first == second:
        return True
    matcher = SequenceMatcher(None, first, second)
    # The quick upper bounds first: most pairs in a city are told apart without the full ratio.
    return (
        matcher.real_quick_ratio() >= NAME_SIMILARITY
        and matcher.quick_ratio() >= NAME_SIMILARITY
        and matcher.ratio() >= NAME_SIMILARITY
    )


def _cell(latitude: float, longitude: float) -> tuple[int, int]:
    # 0.01° of latitude (1.1 km) by 0.02° of longitude (1.1 km at 60° north): the entries
    # within a kilometre of one are in its cell or the eight around it.
    return math.floor(latitude * 100), math.floor(longitude * 50)


# Pages that are a site's front page under another name: "/accueil" is "/" of the same site.
FRONT_PAGES = {"accueil", "home", "homepage", "home-page", "inicio", "pagina-iniziale",
               "startseite", "default", "index", "welcome", "bienvenue", "benvenuti"}  # fmt: skip


def site_part(website: str) -> str:
    """The page of a website past its domain that tells one part of the site from another
    ("lille" of example.org/fr/lille/): its language prefix and a front page's name left out,
    so that example.org/, example.org/fr/ and example.org/accueil.html are the same site."""
    kept = []
    for segment in (urlsplit(website or "").path or "").lower().split("/"):
        stem = segment.rsplit(".", 1)[0] if "." in segment else segment
        if stem and stem not in FRONT_PAGES and not (len(stem) == 2 and stem.isalpha()):
            kept.append(segment)
    return "/".join(kept)


def find_candidates(among: set[int] | None = None) -> dict[tuple[int, int], set[str]]:
    """{(smaller id, larger id): reasons} over every entry that is not archived; with `among`,
    only the pairs one of these entries is in (what an import created or changed). Two
    entries of one website's domain at different localities, or at different pages of the
    site, are "branch": perhaps a local branch of the same network, not the same entry."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    places: dict[tuple[int, int], list[tuple[int, str, float, float]]] = defaultdict(list)
    where: dict[int, tuple[str, str]] = {}
    for pk, name, email, phone, website, latitude, longitude, locality in _entries():
        if email:
            groups[("email", email.strip().lower())].append(pk)
        if key := phone_key(phone):
            groups[("phone", key)].append(pk)
        if key := domain_key(website):
            groups[("website", key)].append(pk)
            where[pk] = (" ".join(fold(locality or "")), site_part(website))
        if latitude is not None and longitude is not None:
            places[_cell(latitude, longitude)].append((pk, name_key(name), latitude, longitude))
    kept = Organisation.objects.exclude(status=Status.ARCHIVED)
    for organisation_id, scheme, value in Identifier.objects.filter(
        organisation__in=kept
    ).values_list("organisation_id", "scheme", "value"):
        groups[(f"identifier:{scheme}", value)].append(organisation_id)
    found: dict[tuple[int, int], set[str]] = defaultdict(set)
    for (reason, _value), ids in groups.items():
        if 1 < len(ids) <= MAX_GROUP:
            for first, second in combinations(sorted(set(ids)), 2):
                found[(first, second)].add(reason)
    for pair in _nearby_alike(places):
        found[pair].add("name-nearby")
    for (first, second), reasons in found.items():
        if "website" in reasons and _apart(where[first], where[second]):
            reasons.discard("website")
            reasons.add("branch")
    if among is not None:
        return {pair: reasons for pair, reasons in found.items() if among.intersection(pair)}
    return found


def _apart(first: tuple[str, str], second: tuple[str, str]) -> bool:
    """Whether two entries of one domain stand apart: other localities, or other pages."""
    (locality, path), (other_locality, other_path) = first, second
    return bool(locality and other_locality and locality != other_locality) or path != other_path


def _entries() -> Iterator[tuple]:
    rows = Organisation.objects.exclude(status=Status.ARCHIVED).order_by("pk")
    last = 0
    while chunk := list(
        rows.filter(pk__gt=last).values_list(
            "pk", "name", "email", "phone", "website", "latitude", "longitude", "locality"
        )[:CHUNK]
    ):
        last = chunk[-1][0]
        yield from chunk


def _nearby_alike(places) -> Iterator[tuple[int, int]]:
    for (row, column), here in places.items():
        neighbours = [
            entry
            for d_row in (-1, 0, 1)
            for d_column in (-1, 0, 1)
            for entry in places.get((row + d_row, column + d_column), ())
        ]
        if len(here) * len(neighbours) > NAME_COMPARISONS:
            # Thousands of entries at one point: placed at their locality's centre, not at
            # their address. Comparing every pair of names would take hours; only the same
            # names count there.
            named: dict[str, list] = defaultdict(list)
            for entry in neighbours:
                named[entry[1]].append(entry)
            pairs = ((entry, other) for entry in here for other in named[entry[1]])
        else:
            pairs = ((entry, other) for entry in here for other in neighbours
                     if other[0] > entry[0] and similar_names(entry[1], other[1]))  # fmt: skip
        for (pk, _name, latitude, longitude), (other, _other_name, other_latitude,
                                               other_longitude) in pairs:  # fmt: skip
            if other > pk and distance_km(latitude, longitude, other_latitude,
                                          other_longitude) <= NEARBY_KM:  # fmt: skip
                yield pk, other
