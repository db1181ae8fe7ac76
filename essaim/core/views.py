"""Site-wide pages: the API documentation (rendered from the OpenAPI document), privacy,
accessibility, and the error pages."""

import re
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse

from essaim.api.api import api
from essaim.exchange.snapshots import snapshots

from .permissions import NotAllowed


def api_docs(request) -> HttpResponseBase:
    schema = api.get_openapi_schema(path_prefix=reverse("api-1.0.0:api-root").rstrip("/"))
    endpoints = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            endpoints.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "required": parameter.get("required", False),
                            "type": parameter.get("schema", {}).get("type", "")
                            or "/".join(
                                option.get("type", "")
                                for option in parameter.get("schema", {}).get("anyOf", [])
                                if option.get("type") != "null"
                            ),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                }
            )
    return render(
        request,
        "core/api_docs.html",
        {"endpoints": endpoints, "snapshots": snapshots()[:1]},
    )


def accessibility(request) -> HttpResponseBase:
    return render(
        request, "core/accessibility.html", {"contact_email": settings.ESSAIM["CONTACT_EMAIL"]}
    )


def privacy(request) -> HttpResponseBase:
    return render(
        request,
        "core/privacy.html",
        {
            "contact_email": settings.ESSAIM["CONTACT_EMAIL"],
            "registration_retention_days": settings.ESSAIM["REGISTRATION_RETENTION_DAYS"],
        },
    )


def error_page(status: int, template: str) -> Callable[..., HttpResponse]:
    def view(request, exception=None):
        # A refusal says why (NotAllowed carries its translated reason).
        reason = exception.reason if isinstance(exception, NotAllowed) else ""
        return render(request, template, {"reason": reason}, status=status)

    return view


bad_request = error_page(400, "400.html")
forbidden = error_page(403, "403.html")
not_found = error_page(404, "404.html")


RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
# At most this much of the archive per answer: PMTiles readers ask for tiles a few KB at a time.
MAX_RANGE_BYTES = 16 * 1024 * 1024


def basemap_tiles(request) -> HttpResponseBase:
    """The deployer's PMTiles archive (`ESSAIM_PMTILES`), read by the map a range of bytes at
    a time (HTTP Range requests), so a country's archive of gigabytes costs a view's tiles."""
    path = Path(settings.ESSAIM["PMTILES"]) if settings.ESSAIM["PMTILES"] else None
    if path is None or not path.is_file():
        raise Http404
    size = path.stat().st_size
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "public, max-age=86400",
               "Content-Type": "application/vnd.pmtiles"}  # fmt: skip
    wanted = RANGE.match(request.headers.get("Range", "").strip())
    if not wanted:
        response = FileResponse(path.open("rb"))
        for name, value in headers.items():
            response[name] = value
        return response
    first, last = wanted.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    elif last:  # the last N bytes
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = 0, size - 1
    end = min(end, start + MAX_RANGE_BYTES - 1)  # a client asking for everything gets a part
    if start > end or start >= size:
        return HttpResponse(status=416, headers={"Content-Range": f"bytes */{size}"})
    with path.open("rb") as archive:
        archive.seek(start)
        body = archive.read(end - start + 1)
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return HttpResponse(body, status=206, headers=headers)
