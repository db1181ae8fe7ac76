"""Download the atlas, whole or as the current search, in the open-data formats."""

from django.conf import settings
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from essaim.atlas.queries import InvalidQuery, parse_search

from .formats import FILE_NAMES, FORMATS, jsonld_chunks
from .records import export_organisations, export_records


def export(request, fmt: str):
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
