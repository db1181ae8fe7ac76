"""Opening hours in OpenStreetMap's `opening_hours` syntax, checked by its reference parser."""

import opening_hours
from django.utils.translation import gettext as _


def opening_hours_error(text: str) -> str | None:
    """Why `text` is not valid OSM opening hours ("Mo-Fr 09:00-17:00; PH off"), or None."""
    if not text:
        return None
    try:
        opening_hours.OpeningHours(text)
    except (SyntaxError, ValueError, opening_hours.ParserError):
        return _(
            "Not in OpenStreetMap's opening_hours syntax, which reads like "
            "Mo-Fr 09:00-12:30,14:00-17:00; Sa 10:00-12:00; PH off"
        )
    return None
