"""Localities to place an organisation: completions from the offline GeoNames extract."""

from ninja import Router

from essaim.atlas.gazetteer import complete_locality, resolve_country

from . import schemas

router = Router(tags=["places"])


@router.get(
    "/places",
    response=list[schemas.Place],
    url_name="places",
    summary="Localities starting with some letters",
)
def places(request, q: str = "", country: str = "") -> list[dict]:
    """Up to 10 localities of `country` (an ISO code, or a name in one of Essaim's languages)
    whose name starts with `q` (two letters or more; case and accents aside), most populous
    first, with their coordinates."""
    return [
        {
            "name": place.name,
            "region": place.region,
            "country": place.country,
            "latitude": place.latitude,
            "longitude": place.longitude,
        }
        for place in complete_locality(q[:100], resolve_country(country[:60]))
    ]
