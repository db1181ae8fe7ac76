"""The public API, version 1: django-ninja, with its OpenAPI 3.1 document."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from essaim.atlas.queries import InvalidQuery
from essaim.core.middleware import database_trouble_answer
from essaim.core.permissions import NotAllowed

from .changes import router as changes_router
from .commons import router as commons_router
from .competences import router as competences_router
from .contributions import InvalidFacts
from .contributions import router as contributions_router
from .diagnostics import router as diagnostics_router
from .matching import router as matching_router
from .observatory import router as observatory_router
from .organisations import router as organisations_router
from .places import router as places_router

api = NinjaAPI(
    title="Essaim API",
    version="1.0.0",
    description=(
        "Open data on the organisations of the digital social and solidarity economy, and its "
        "commons: resources, events and opportunities. "
        "Reading needs no key; writing (suggestions, and direct edits for representatives "
        "and moderators) needs an API key from your account page, sent as "
        "`Authorization: Bearer <key>`. Errors are JSON objects with `detail` (and "
        "`parameter`)."
    ),
    urls_namespace="api-1.0.0",
)
api.add_router("/", organisations_router)
api.add_router("/", changes_router)
api.add_router("/", contributions_router)
api.add_router("/", places_router)
api.add_router("/", commons_router)
api.add_router("/", competences_router)
api.add_router("/", diagnostics_router)
api.add_router("/", matching_router)
api.add_router("/", observatory_router)


@api.exception_handler(InvalidFacts)
def invalid_facts(request, error: InvalidFacts) -> HttpResponse:
    first = next(iter(error.errors), None)
    return api.create_response(
        request,
        {
            "detail": _("Some fields are not valid: %(fields)s.")
            % {"fields": ", ".join(error.errors)},
            "parameter": first,
            "errors": error.errors,
        },
        status=400,
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request, error: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {
            "detail": _(
                "An API key is needed: create one on your account page and send it as "
                "Authorization: Bearer <key>."
            ),
            "parameter": None,
        },
        status=401,
    )


@api.exception_handler(InvalidQuery)
def invalid_query(request, error: InvalidQuery) -> HttpResponse:
    return api.create_response(
        request, {"detail": error.message, "parameter": error.parameter}, status=400
    )


@api.exception_handler(ValidationError)
def invalid_parameters(request, error: ValidationError) -> HttpResponse:
    first = error.errors[0] if error.errors else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("query", "path")]
    parameter = location[-1] if location else None
    return api.create_response(
        request, {"detail": _invalid_message(first, parameter), "parameter": parameter}, status=400
    )


def _invalid_message(error: dict, parameter: str | None) -> str:
    """What a parameter's declared constraint (as the OpenAPI document states it) asks for."""
    names = {"parameter": parameter or "?", **{key: str(value) for key, value in
                                                 (error.get("ctx") or {}).items()}}  # fmt: skip
    kind = error.get("type", "")
    if kind == "greater_than_equal":
        return _("%(parameter)s must be %(ge)s or more.") % names
    if kind == "less_than_equal":
        return _("%(parameter)s must be %(le)s or less.") % names
    if kind in ("int_parsing", "int_from_float"):
        return _("%(parameter)s must be a whole number.") % names
    if kind == "missing":
        return _("%(parameter)s is required.") % names
    if kind == "json_invalid" or parameter is None:
        return _("Cannot parse the request body: it must be a JSON object.")
    return _("Invalid value for %(parameter)s.") % names


@api.exception_handler(NotAllowed)
def not_allowed(request, error: NotAllowed) -> HttpResponse:
    return api.create_response(request, {"detail": str(error.reason), "parameter": None},
                               status=403)  # fmt: skip


@api.exception_handler(HttpError)
def http_error(request, error: HttpError) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(error), "parameter": None}, status=error.status_code
    )


@api.exception_handler(TooManyFieldsSent)
def too_many_parameters(request, error: TooManyFieldsSent) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": _("Too many parameters in this request."), "parameter": None},
        status=400,
    )


@api.exception_handler(RequestDataTooBig)
def body_too_big(request, error: RequestDataTooBig) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("The request body is too large."), "parameter": None}, status=413
    )


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_trouble(request, error: DatabaseError) -> HttpResponse:
    """The database busy or out of reach: a 503 to try again (the same in debug mode)."""
    answer = database_trouble_answer(request, error)
    if answer is None:
        raise error
    return answer


@api.exception_handler(Http404)
def not_found(request, error: Http404) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Nothing has this id."), "parameter": None}, status=404
    )
