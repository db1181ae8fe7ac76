"""Site-wide HTTP headers (a Content-Security-Policy that keeps every request on our origin),
answers when the database is busy or an address too long, and the requests' log."""

import json
import logging
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _


def content_security_policy() -> str:
    image_sources = ["'self'", "data:"]
    tile_url = settings.ESSAIM["TILE_URL"]
    if tile_url:
        # A deployer's tile server is the only other origin a page may load from.
        parts = urlsplit(tile_url.replace("{s}", "a"))
        image_sources.append(f"{parts.scheme}://{parts.netloc.replace('a.', '*.', 1)}")
    return "; ".join(
        [
            "default-src 'self'",
            f"img-src {' '.join(image_sources)}",
            "style-src 'self'",
            "script-src 'self'",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class DataCompressionMiddleware(GZipMiddleware):
    """Gzip the API and the exports, which carry no secret: slow connections get map clusters
    and search results at a fifth of their size. HTML pages, which carry CSRF tokens, are left
    to the deployer's proxy (compression beside secrets opens the BREACH attack)."""

    PREFIXES = ("/api/v1/", "/exports/")

    def process_response(self, request, response) -> HttpResponseBase:
        if not request.path.startswith(self.PREFIXES):
            return response
        return super().process_response(request, response)


logger = logging.getLogger(__name__)


def database_trouble_answer(request, exception) -> HttpResponseBase | None:
    """A 503 saying plainly that the database cannot take the request just now (try again,
    nothing was saved), or None when `exception` is not such a moment. SQLite writes one
    transaction at a time: while a long import holds it, a visitor's write waits, then fails.
    A database server may be restarting, or any database short of room: that is logged for
    the administrators."""
    if not isinstance(exception, OperationalError | InterfaceError):
        return None
    text = str(exception)
    if "no such" in text:  # a table or a column missing: a migration, not a moment
        return None
    busy = "locked" in text
    if busy:
        message = _("The atlas is writing a large batch of changes; nothing was saved. "
                    "Try again in a few minutes.")  # fmt: skip
    else:
        logger.error("The database could not answer: %s", text, exc_info=exception)
        message = _("The atlas cannot reach its database just now; nothing was saved. "
                    "Try again in a minute.")  # fmt: skip
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "parameter": None}, status=503)
    else:
        try:
            response = render(request, "503.html", {"unavailable": not busy}, status=503)
        except Exception:  # the page itself needs the database (who is signed in): words
            logger.exception("The busy page could not be drawn")
            response = HttpResponse(message, content_type="text/plain; charset=utf-8",
                                    status=503)  # fmt: skip
    response["Retry-After"] = "120" if busy else "60"
    return response


class BusyDatabaseMiddleware:
    """The visitor is told plainly when the database cannot take their request (503, try
    again), never that they did something wrong; their browser's Back button still holds
    what they typed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception) -> HttpResponseBase | None:
        return database_trouble_answer(request, exception)


# Longer addresses are refused before any work: no page or API call needs more.
MAX_ADDRESS = 8000


class LongAddressMiddleware:
    """An over-long address gets a 414 in the API's JSON shape (or a plain page), rather than
    the web server's own error page (gunicorn is run with --limit-request-line 0, so that the
    request reaches Essaim)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = len(request.META.get("PATH_INFO", "")) + len(request.META.get("QUERY_STRING", ""))
        if length <= MAX_ADDRESS:
            return self.get_response(request)
        # Before LocaleMiddleware: the language is the address's, or the browser's.
        language = translation.get_language_from_path(
            request.path_info
        ) or translation.get_language_from_request(request)
        with translation.override(language):
            message = _("This address is too long (%(max)d characters at most).") % {
                "max": MAX_ADDRESS
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "parameter": None}, status=414)
            return render(request, "414.html", {"message": message}, status=414)


request_log = logging.getLogger("essaim.requests")


class RequestLogMiddleware:
    """One line per request (ESSAIM_LOG_JSON=1: as JSON, for a log collector): its method,
    its route (never the path or the query, which may hold a link's secret or what someone
    typed), its status, its size and how long it took. No address, no user: nothing
    personal."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        request_log.info("request", extra={"http": {
            "method": request.method,
            # The route ("atlas/confirm/<str:token>/"), not the path: a path may hold a
            # signed link's secret.
            "path": _route(request),
            "status": response.status_code,
            "bytes": len(response.content) if not response.streaming else None,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }})  # fmt: skip
        return response


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    return "/" + match.route if match is not None and match.route else "(not found)"


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object a line: time, level, logger, message, and a
    request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "http", {}),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
