"""Places typed by people — a town, a region or a country, in any of Essaim's languages —
turned into what a search needs: a point to measure distances from, or a region or country to
filter on. Everything comes from the offline gazetteer: no request leaves Essaim.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

from . import gazetteer
from .gazetteer import Locality

# Radius choices offered by the forms (km); any value from 1 to 500 is accepted in the URL.
RADIUS_CHOICES = (5, 10, 20, 30, 50, 100, 200)
DEFAULT_RADIUS_KM = 30
MAX_RADIUS_KM = 500
MAX_PLACE_LENGTH = 120
# The likeliest locality of a name (see Place.weight) is taken without asking when it is this
# many times likelier than the next one (Paris, France before Paris, Texas; "Parigi" is Paris,
# not the Indonesian village of that name).
CLEAR_LEAD = 5

# Where Essaim's networks work: the European Union (with its outermost regions, which have
# country codes of their own) and Québec's Canada. Between places of one name and of like
# size, the only one among these is taken (Parma, Italy rather than Parma, Ohio).
SERVED_COUNTRIES = gazetteer.EU_AND_CANADA

# The countries whose places people writing a language most likely mean, when a name or a
# postal code is found in several (62000 in French is Arras, not Brno).
LANGUAGE_COUNTRIES = {"fr": ("FR", "BE", "LU", "RE", "GP", "MQ", "GF", "YT", "CA"),
                      "it": ("IT",), "es": ("ES",), "en": ()}  # fmt: skip

# Words that introduce a place at the end of a search, in Essaim's four languages:
# "médiateur près de Arras", "repair café near Lille", "formazione vicino a Bologna".
_CONNECTORS = re.compile(
    r"\s(?:pr[eè]s\s+d(?:e\s+|['’]\s*)|autour\s+d(?:e\s+|['’]\s*)|[àa]\s+c[oô]t[eé]\s+d(?:e\s+|['’]\s*)"
    r"|near\s+|around\s+|close\s+to\s+|vicino\s+a\s+|nei\s+pressi\s+di\s+|presso\s+"
    r"|cerca\s+de\s+|alrededor\s+de\s+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Place:
    kind: Literal["locality", "region", "country"]
    name: str
    country: str
    region: str = ""
    latitude: float | None = None
    longitude: float | None = None
    population: int = 0
    # Whether the typed name is the place's own, rather than one of its other names.
    main_name: bool = True

    @property
    def weight(self) -> int:
        """How likely a person typing the name means this place: its inhabitants, three times
        over when the name typed is its own rather than one of its other names."""
        return self.population * (3 if self.main_name else 1)

    @property
    def country_name(self) -> str:
        """The country's name in the visitor's language, without the inversions some names
        have ("Réunion, La"): a label's commas separate its parts."""
        return (str(countries.name(self.country)) or self.country).split(",")[0]

    @property
    def label(self) -> str:
        """The place as people write it, precise enough to find it again: "Saint-Denis,
        Île-de-France, France"."""
        if self.kind == "country":
            return self.country_name
        parts = [self.name]
        if self.kind == "locality" and self.region:
            parts.append(self.region)
        if self.country_name != self.name:
            parts.append(self.country_name)
        return ", ".join(parts)

    @property
    def point(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude


@dataclass
class PlaceChoice:
    """What a typed place resolved to, and the other places it could have meant."""

    place: Place
    others: list[Place] = field(default_factory=list)


class PlaceNotFound(ValueError):
    def __init__(self, message: str, candidates: list[Place] | None = None):
        super().__init__(message)
        self.message = message
        self.candidates = candidates or []


def _from_locality(locality: Locality, main_name: bool = True) -> Place:
    return Place(
        kind="locality",
        name=locality.name,
        country=locality.country,
        region=locality.region,
        latitude=locality.latitude,
        longitude=locality.longitude,
        population=locality.population,
        main_name=main_name,
    )


def _region_place(country: str, region: str) -> Place:
    centre = gazetteer.region_centre(country, region)
    latitude, longitude = centre if centre else (None, None)
    return Place("region", region, country, region, latitude, longitude)


# What a postal code looks like in the countries Essaim keeps them for: four or five digits
# ("62000", "1000"), Poland's "00-950", Portugal's "1000-001", Canada's first three characters.
POSTCODE = re.compile(r"\d{4,5}|\d{2}-\d{3}|\d{4}-\d{3}|[A-Za-z]\d[A-Za-z]", re.ASCII)


def _postcode_places(code: str, within: tuple[str, ...]) -> list[Place]:
    places = []
    for postcode in gazetteer.find_postcodes(code, within):
        # The region as Essaim names it (that of the nearest town), for "serving the region".
        town = gazetteer.nearest_locality(postcode.latitude, postcode.longitude)
        region = (
            town.region
            if town and town.country == postcode.country and town.region
            else postcode.admin
        )
        places.append(Place(kind="locality", name=f"{postcode.code} {postcode.place}",
                            country=postcode.country, region=region,
                            latitude=postcode.latitude, longitude=postcode.longitude))  # fmt: skip
    return places


@lru_cache(maxsize=4096)  # people look for the same places again and again
def find_places(text: str, within: tuple[str, ...] = ()) -> tuple[Place, ...]:
    """Every place `text` may name, the likeliest first: a postal code's places, a country, a
    region, then localities by population. "Name, Region" or "Name, Country" keeps the
    places of that region or country only."""
    name, *qualifiers = [part.strip() for part in text.split(",") if part.strip()] or [""]
    if not name:
        return ()
    found: list[Place] = []
    first_word = name.split()[0]
    if POSTCODE.fullmatch(first_word):
        found = _postcode_places(first_word, within)
    else:
        if not qualifiers and (code := gazetteer.resolve_country(name)):
            found.append(Place("country", str(countries.name(code)), code))
        if region := gazetteer.find_region(name):
            found.append(_region_place(*region))
        named = gazetteer.localities_named(name, within, limit=50 if qualifiers else 20)
        towns = [_from_locality(*locality) for locality in named]
        found += sorted(towns, key=lambda town: -town.weight)
    if within:
        found = [place for place in found if place.country in within]
    for qualifier in qualifiers:
        found = [place for place in found if _qualifies(place, qualifier)]
    # One place per label (two villages of one name in one region: the first, the larger),
    # so that each candidate offered leads to a place of its own.
    unique: dict[str, Place] = {}
    for place in found:
        unique.setdefault(place.label, place)
    return tuple(unique.values())


def _qualifies(place: Place, qualifier: str) -> bool:
    plain = gazetteer.plain(qualifier)
    if place.region and gazetteer.plain(place.region) == plain:
        return True
    if gazetteer.plain(place.country_name) == plain:
        return True
    return place.country == gazetteer.resolve_country(qualifier)


def resolve_place(text: str, within: tuple[str, ...] = ()) -> PlaceChoice:
    """The place `text` names, or `PlaceNotFound` with a translated message (and the
    candidates when it is ambiguous). `within` limits it to these countries (a country filter
    beside the place)."""
    text = " ".join(text.split())
    if len(text) > MAX_PLACE_LENGTH:
        raise PlaceNotFound(
            _("A place is at most %(max)d characters long.") % {"max": MAX_PLACE_LENGTH}
        )
    candidates = find_places(text, within)
    if not candidates:
        elsewhere = find_places(text) if within else []
        if elsewhere:
            raise PlaceNotFound(
                _("“%(place)s” is not in %(countries)s: it is in %(country)s. Remove the "
                  "country filter or choose another place.")
                % {
                    "place": text,
                    "countries": ", ".join(str(countries.name(code)) for code in within),
                    "country": elsewhere[0].country_name,
                }
            )  # fmt: skip
        raise PlaceNotFound(
            _("No place called “%(place)s” was found. Type a town, a region or a country, "
              "for example Arras, Bretagne or Belgique.") % {"place": text}
        )  # fmt: skip
    first, others = candidates[0], candidates[1:]
    if first.kind != "locality" or not others:
        return PlaceChoice(first, list(others[:5]))
    second = others[0]
    if first.weight >= CLEAR_LEAD * max(second.weight, 1):
        return PlaceChoice(first, list(others[:5]))
    served = [place for place in candidates if place.main_name
              and place.country in SERVED_COUNTRIES]  # fmt: skip
    if len(served) == 1:
        return PlaceChoice(served[0], [place for place in candidates if place != served[0]][:5])
    language = (translation.get_language() or "")[:2]
    spoken = [place for place in served if place.country in LANGUAGE_COUNTRIES.get(language, ())]
    if len(spoken) == 1:
        return PlaceChoice(spoken[0], [place for place in candidates if place != spoken[0]][:5])
    raise PlaceNotFound(
        _("Several places are called “%(place)s”. Which one do you mean?") % {"place": text},
        list(candidates[:8]),
    )


def split_place(text: str) -> tuple[str, str]:
    """(words, place) when `text` ends with a place introduced by "près de", "near", "vicino
    a", "cerca de"…; (text, "") otherwise."""
    matches = list(_CONNECTORS.finditer(f" {text}"))
    if not matches:
        return text, ""
    last = matches[-1]
    words, place = f" {text}"[: last.start()].strip(), f" {text}"[last.end() :].strip()
    return (words, place) if place else (text, "")


def trailing_place(text: str) -> tuple[str, PlaceChoice] | None:
    """(words, place) when the last one to three words of `text` name a place and words remain
    before them ("formazione digitale Bologna"): the most words first."""
    words = text.split()
    for size in (3, 2, 1):
        if len(words) <= size:
            continue
        tail = " ".join(words[-size:])
        try:
            choice = resolve_place(tail)
        except PlaceNotFound:
            continue
        return " ".join(words[:-size]), choice
    return None


def place_near(latitude: float, longitude: float) -> Place | None:
    """The locality that names a point (a browser's position)."""
    locality = gazetteer.nearest_locality(latitude, longitude)
    return _from_locality(locality) if locality else None
