"""Download the atlas, whole or as the current search, in the open-data formats."""

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.atlas.queries import InvalidQuery, parse_search

from .dcat import catalogue
from .formats import FILE_NAMES, FORMATS, jsonld_chunks
from .records import export_organisations, export_records
from .snapshots import feed_position, snapshot_named, snapshots


def export(request, fmt: str) -> HttpResponseBase:
    content_type, chunks = FORMATS[fmt]
    filtered = any(key in request.GET for key in request.GET if key not in ("sort", "page"))
    try:
        query = parse_search(request.GET).query if filtered else None
    except InvalidQuery as error:
        return HttpResponseBadRequest(
            _("Invalid search: %(message)s") % {"message": error.message},
            content_type="text/plain; charset=utf-8",
        )
    if chunks is jsonld_chunks:
        stream = chunks(export_organisations(query), request.build_absolute_uri())
    else:
        stream = chunks(export_records(query))
    response = StreamingHttpResponse(stream, content_type=content_type)
    name, extension = FILE_NAMES.get(fmt, ("organisations", fmt))
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="essaim-{name}-{stamp}.{extension}"'
    response["Link"] = f'<{settings.ESSAIM["DATA_LICENCE_URL"]}>; rel="license"'

    response["Access-Control-Allow-Origin"] = "*"
    return response


def snapshot(request, name: str) -> HttpResponseBase:
    """A daily snapshot file, or the latest of a kind (`latest.csv.gz`, `latest.jsonl.gz`)."""
    if name.startswith("latest."):
        kind = name.removeprefix("latest.")
        found = next((item for item in snapshots() if item.kind == kind), None)
        if found is None:
            raise Http404
        return HttpResponseRedirect(reverse("snapshot", args=[found.name]))
    found = snapshot_named(name)
    if found is None:
        raise Http404
    response = FileResponse(open(found.path, "rb"), as_attachment=True, filename=found.name)  # noqa: SIM115
    # Served as they are, already compressed: the client gets the .gz file itself.
    response["Content-Type"] = "application/gzip"
    response["Access-Control-Allow-Origin"] = "*"
    response["Link"] = f'<{settings.ESSAIM["DATA_LICENCE_URL"]}>; rel="license"'
    if (position := feed_position(found)) is not None:
        response["X-Changes-Since"] = str(position)
    return response


def catalogue_view(request, fmt: str) -> HttpResponseBase:
    content_type = "text/turtle" if fmt == "ttl" else "application/ld+json"
    response = HttpResponse(catalogue(fmt), content_type=f"{content_type}; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response
