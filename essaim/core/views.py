"""Site-wide pages: the API documentation (rendered from the OpenAPI document), privacy,
accessibility, and the error pages."""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from essaim.api.api import api
from essaim.exchange.snapshots import snapshots


def api_docs(request):
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


def accessibility(request):
    return render(
        request, "core/accessibility.html", {"contact_email": settings.ESSAIM["CONTACT_EMAIL"]}
    )


def privacy(request):
    return render(
        request,
        "core/privacy.html",
        {
            "contact_email": settings.ESSAIM["CONTACT_EMAIL"],
            "registration_retention_days": settings.ESSAIM["REGISTRATION_RETENTION_DAYS"],
        },
    )


def error_page(status: int, template: str):
    def view(request, exception=None):
        return render(request, template, status=status)

    return view


bad_request = error_page(400, "400.html")
forbidden = error_page(403, "403.html")
not_found = error_page(404, "404.html")
