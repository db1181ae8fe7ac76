"""Deterministic synthetic organisations for tests and benchmarks.

The same seed and count always give the same organisations: realistic names and descriptions in
French, English, Italian and Spanish, placed in real localities of France, Belgium, Italy, Spain
and Québec.
"""

import random
from collections.abc import Iterator
from itertools import accumulate

from .gazetteer import localities
from .models import Audience, Family, LegalForm, Role, Sector, Service

KINDS = {
    "fr": ["Coopérative", "Association", "Atelier", "Collectif", "Réseau", "Fabrique", "Maison"],
    "en": ["Cooperative", "Association", "Workshop", "Collective", "Network", "Lab", "House"],
    "it": ["Cooperativa", "Associazione", "Laboratorio", "Collettivo", "Rete", "Officina", "Casa"],
    "es": ["Cooperativa", "Asociación", "Taller", "Colectivo", "Red", "Laboratorio", "Casa"],
}
THEMES = {
    "fr": [
        "numérique solidaire",
        "du libre",
        "des communs",
        "du réemploi",
        "de la médiation",
        "des données",
        "citoyenne",
        "de l'inclusion",
    ],
    "en": [
        "for digital solidarity",
        "for free software",
        "of the commons",
        "for reuse",
        "for digital mediation",
        "for open data",
        "for civic tech",
        "for inclusion",
    ],
    "it": [
        "digitale solidale",
        "del software libero",
        "dei beni comuni",
        "del riuso",
        "della mediazione",
        "dei dati aperti",
        "civica",
        "dell'inclusione",
    ],
    "es": [
        "digital solidaria",
        "del software libre",
        "de los comunes",
        "de la reutilización",
        "de la mediación",
        "de datos abiertos",
        "cívica",
        "de la inclusión",
    ],
}
SENTENCES = {
    "fr": [
        "Nous accompagnons les associations dans leur transition numérique.",
        "Nous reconditionnons des ordinateurs pour les familles et les structures solidaires.",
        "Nos ateliers de médiation aident chacun à gagner en autonomie.",
        "Nous développons des logiciels libres pour l'économie sociale.",
        "Nous formons les salariés et bénévoles aux outils collaboratifs éthiques.",
        "Nous hébergeons des services en ligne respectueux de la vie privée.",
        "Nous ouvrons les données d'intérêt général et animons leur réutilisation.",
        "Notre gouvernance est démocratique : une personne, une voix.",
    ],
    "en": [
        "We support associations through their digital transition.",
        "We refurbish computers for families and solidarity organisations.",
        "Our mediation workshops help everyone become more autonomous online.",
        "We develop free software for the social economy.",
        "We train staff and volunteers in ethical collaborative tools.",
        "We host online services that respect privacy.",
        "We open public-interest data and help people reuse it.",
        "Our governance is democratic: one member, one vote.",
    ],
    "it": [
        "Accompagniamo le associazioni nella loro transizione digitale.",
        "Ricondizioniamo computer per famiglie e organizzazioni solidali.",
        "I nostri laboratori di mediazione aiutano ognuno a diventare autonomo.",
        "Sviluppiamo software libero per l'economia sociale.",
        "Formiamo dipendenti e volontari agli strumenti collaborativi etici.",
        "Ospitiamo servizi online rispettosi della privacy.",
        "Apriamo i dati di interesse generale e ne favoriamo il riuso.",
        "La nostra governance è democratica: una persona, un voto.",
    ],
    "es": [
        "Acompañamos a las asociaciones en su transición digital.",
        "Reacondicionamos ordenadores para familias y entidades solidarias.",
        "Nuestros talleres de mediación ayudan a cada persona a ganar autonomía.",
        "Desarrollamos software libre para la economía social.",
        "Formamos a personal y voluntariado en herramientas colaborativas éticas.",
        "Alojamos servicios en línea que respetan la privacidad.",
        "Abrimos datos de interés general y animamos su reutilización.",
        "Nuestra gobernanza es democrática: una persona, un voto.",
    ],
}
COUNTRY_LANGUAGE = {"FR": "fr", "BE": "fr", "CA": "fr", "IT": "it", "ES": "es"}
TERRITORIES = ["local", "local", "regional", "regional", "national", "european", "remote"]
GENERATOR_SOURCE = "essaim-generator"
BLOCK = 1000
SIZES = ["0", "1-9", "1-9", "1-9", "10-49", "10-49", "50-249", "250+"]


def _terms(model) -> list[int]:
    return list(model.objects.order_by("position", "code").values_list("pk", flat=True))


def generate_records(
    count: int, seed: int = 1, start: int = 1
) -> Iterator[tuple[dict, dict[str, list[int]]]]:
    """(fields, relations) for organisations number `start` to `count` of this seed.

    Each block of records draws from its own random generator, so a load can resume at any
    number and still produce exactly what an uninterrupted run would. Needs the taxonomies
    loaded."""
    places = localities()
    cumulative = list(accumulate(place.population**0.5 for place in places))
    sectors, legal_forms = _terms(Sector), _terms(LegalForm)
    families, roles = _terms(Family), _terms(Role)
    services, audiences = _terms(Service), _terms(Audience)
    rng = random.Random()
    first = start - (start - 1) % BLOCK  # the first number of start's block
    for number in range(first, count + 1):
        if (number - 1) % BLOCK == 0:
            rng.seed(seed * 10_000_019 + number)
        place = rng.choices(places, cum_weights=cumulative)[0]
        language = COUNTRY_LANGUAGE.get(place.country, "fr")
        theme = rng.randrange(len(THEMES["fr"]))
        kind = rng.randrange(len(KINDS["fr"]))
        name = f"{KINDS[language][kind]} {THEMES[language][theme]} {place.name} {number}"
        sector = sectors[theme % len(sectors)] if rng.random() < 0.7 else rng.choice(sectors)
        spoken = rng.sample(["fr", "en", "it", "es"], k=rng.randint(0, 2))
        fields = {
            "name": name,
            "original_language": language,
            "legal_form_id": rng.choice(legal_forms),
            "sector_id": sector,
            "languages": sorted({language, *spoken}),
            "territory": rng.choice(TERRITORIES),
            "locality": place.name,
            "region": place.region,
            "country": place.country,
            # Spread around the locality's centre, about a few kilometres.
            "latitude": round(place.latitude + rng.uniform(-0.03, 0.03), 5),
            "longitude": round(place.longitude + rng.uniform(-0.04, 0.04), 5),
            "founding_year": rng.randint(1950, 2025),
            "size_band": rng.choice(SIZES),
            "source": GENERATOR_SOURCE,
            "source_id": f"{seed}-{number}",
        }
        picked = rng.sample(range(len(SENTENCES["fr"])), k=3)
        # Most synthetic entries, like real ones, are written in one or two languages only.
        written = {language} | ({"en"} if rng.random() < 0.5 else set())
        for code in ("fr", "en", "it", "es"):
            text = " ".join(SENTENCES[code][i] for i in picked) if code in written else ""
            fields[f"description_{code}"] = text
            fields[f"short_description_{code}"] = SENTENCES[code][picked[0]] if text else ""
        relations = {
            "families": rng.sample(families, k=rng.randint(1, 2)),
            "roles": rng.sample(roles, k=1),
            "services": rng.sample(services, k=rng.randint(1, 3)),
            "audiences": rng.sample(audiences, k=rng.randint(1, 3)),
        }
        if number >= start:
            yield fields, relations
