"""Official identifiers: how each scheme is written, checked the same way by forms and imports.

SIREN and SIRET carry a Luhn check digit (La Poste's establishments excepted, whose SIRET
digits add up to a multiple of 5); RNA is W and nine characters (2A/2B for Corsica); NEQ has ten
digits; a VAT number starts with its country's two letters.
"""

import re

from django.utils.translation import gettext_lazy as _

LA_POSTE_SIREN = "356000000"
PATTERNS = {
    "siren": re.compile(r"\d{9}"),
    "siret": re.compile(r"\d{14}"),
    "rna": re.compile(r"W[0-9][0-9AB][0-9]{7}"),
    "neq": re.compile(r"\d{10}"),
    "vat": re.compile(r"[A-Z]{2}[0-9A-Z+*.]{2,12}"),
}
EXAMPLES = {
    "siren": "552100554",
    "siret": "55210055400013",
    "rna": "W751234567",
    "neq": "1234567890",
    "vat": "FR40303265045",
}

# The countries whose organisations have each scheme, and are asked for it first (VAT: the
# EU's and its neighbours'; the EUID, which few know, and "other" come when asked for).
EU = {"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
      "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"}  # fmt: skip
SCHEME_COUNTRIES = {
    "siret": {"FR"},
    "siren": {"FR"},
    "rna": {"FR"},
    "neq": {"CA"},
    "vat": EU | {"GB", "CH", "NO", "IS", "LI"},
}


def schemes_of_country(country: str) -> list[str]:
    """The schemes an organisation of `country` has (VAT alone when the country is not known):
    the ones a form asks for first."""
    if not country:
        return ["vat"]
    return [scheme for scheme, found in SCHEME_COUNTRIES.items() if country in found]


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def normalise(scheme: str, value: str) -> str:
    """The identifier as it is stored: spaces, dots and dashes people type are dropped, letters
    upper-cased (SIRET "552 100 554 00013" is 55210055400013)."""
    value = value.strip()
    if scheme in PATTERNS:
        value = re.sub(r"[\s.\-]", "", value).upper()
    return value


def identifier_error(scheme: str, value: str) -> str | None:
    """Why `value` (normalised) is not a valid identifier of `scheme`, or None."""
    if len(value) > 60:
        return str(_("At most 60 characters."))
    pattern = PATTERNS.get(scheme)
    if pattern is None or not value:
        return None
    if not pattern.fullmatch(value):
        return str(_("Not a valid %(scheme)s, which is written like %(example)s.")) % {
            "scheme": scheme.upper(),
            "example": EXAMPLES[scheme],
        }
    if scheme in ("siren", "siret") and not luhn_valid(value):
        la_poste = scheme == "siret" and value.startswith(LA_POSTE_SIREN)
        if la_poste and sum(int(char) for char in value) % 5 == 0:
            return None
        return str(_("This %(scheme)s has a wrong check digit: a figure is mistyped.")) % {
            "scheme": scheme.upper()
        }
    return None


PHONE_PUNCTUATION = re.compile(r"[\s.()/\-]")


def phone_error(text: str) -> str | None:
    """Why `text` is not a phone number (digits, an optional leading +, the spaces, dots,
    dashes, slashes and brackets people write between them; 6 to 15 digits), or None."""
    if not text:
        return None
    digits = PHONE_PUNCTUATION.sub("", text).removeprefix("+")
    if not digits.isdigit() or not 6 <= len(digits) <= 15 or not digits.isascii():
        return str(_("Not a phone number: write its digits, such as +33 1 23 45 67 89."))
    return None
