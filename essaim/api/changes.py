"""The change feed: every published change to the atlas, in order, to stay in sync."""

from typing import Annotated
from urllib.parse import urlencode

from ninja import Router
from pydantic import Field

from essaim.atlas.models import Change
from essaim.core.converters import MAX_ID

from . import schemas

router = Router(tags=["changes"])
MAX_LIMIT = 1000


@router.get(
    "/changes",
    response={200: schemas.ChangeFeed, 400: schemas.Error},
    url_name="changes",
    summary="Changes since a sequence number",
)
def changes(
    request,
    since: Annotated[int, Field(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 100,
) -> dict:
    """Every creation, update and deletion after `since`, oldest first. Start from 0 (or from
    an export) and keep the `next_since` of each answer: an empty `changes` means you are up
    to date. Organisations loaded in bulk by `essaim generate` are not in the feed; take them
    from an export."""
    rows = list(
        Change.objects.filter(pk__gt=since)
        .order_by("pk")
        .values("pk", "organisation_id", "kind", "published", "fields", "created_at")[:limit]
    )
    next_since = rows[-1]["pk"] if rows else since
    return {
        "changes": [
            {
                "sequence": row["pk"],
                "organisation": row["organisation_id"],
                "action": "upsert" if row["published"] else "delete",
                "fields": list(row["fields"]),
                "at": row["created_at"].isoformat(),
            }
            for row in rows
        ],
        "next_since": next_since,
        "next": request.build_absolute_uri(
            request.path + "?" + urlencode({"since": next_since, "limit": limit})
        ),
    }
