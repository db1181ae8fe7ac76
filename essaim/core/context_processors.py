"""Values every template needs: the site's name and the data licence."""

from django.conf import settings


def site(request) -> dict:
    return {
        "site_name": settings.ESSAIM["SITE_NAME"],
        "data_licence": settings.ESSAIM["DATA_LICENCE"],
        "data_licence_url": settings.ESSAIM["DATA_LICENCE_URL"],
        "collaborative": settings.ESSAIM["COLLABORATIVE"],
        "tile_url": settings.ESSAIM["TILE_URL"],
        "tile_attribution": settings.ESSAIM["TILE_ATTRIBUTION"],
        "pmtiles": bool(settings.ESSAIM["PMTILES"]),
    }
