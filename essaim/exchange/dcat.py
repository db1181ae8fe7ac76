"""The catalogue of the platform's own datasets in DCAT-AP, as Turtle and JSON-LD.

Four datasets (organisations, events, resources, opportunities), each with its licence, its
update frequency (EU frequency vocabulary) and every distribution: downloads with their media
type and file type (EU file-type vocabulary), the API (a `dcat:DataService`) and, for the
atlas, the daily snapshots and the change feed. Built with rdflib, so both serialisations say
exactly the same thing.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD

from essaim.atlas.models import Change
from essaim.commons.models import Event, Opportunity, Resource
from essaim.observatory.models import Indicator, Observation, Survey

from .records import public_url
from .snapshots import snapshots

EU = "http://publications.europa.eu/resource/authority/"
FREQUENCY = Namespace(EU + "frequency/")
FILE_TYPE = Namespace(EU + "file-type/")
LANGUAGE = Namespace(EU + "language/")
IANA = "https://www.iana.org/assignments/media-types/"
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LANGUAGES = {"fr": "FRA", "en": "ENG", "it": "ITA", "es": "SPA"}


@dataclass(frozen=True)
class Distribution:
    path: str
    title: str
    media_type: str
    file_type: str


def _atlas_distributions() -> list[Distribution]:
    distributions = [
        Distribution(reverse("export", args=["csv"]), "CSV", "text/csv", "CSV"),
        Distribution(reverse("export", args=["json"]), "JSON", "application/json", "JSON"),
        Distribution(reverse("export", args=["geojson"]), "GeoJSON", "application/geo+json",
                     "GEOJSON"),
        Distribution(reverse("export", args=["jsonld"]), "JSON-LD (schema.org)",
                     "application/ld+json", "JSON_LD"),
        Distribution(reverse("export-data-inclusion"), "data·inclusion — structures",
                     "application/json", "JSON"),
        Distribution(reverse("export-data-inclusion-services"), "data·inclusion — services",
                     "application/json", "JSON"),
        Distribution(reverse("export-lmn"), "Schéma des lieux de médiation numérique",
                     "text/csv", "CSV"),
    ]  # fmt: skip
    latest = {}
    for snapshot in snapshots():
        latest.setdefault(snapshot.kind, snapshot)
    for kind, snapshot in latest.items():
        media = "text/csv" if kind == "csv.gz" else "application/jsonl"
        distributions.append(Distribution(
            reverse("snapshot", args=[snapshot.name]),
            _("Daily snapshot of %(day)s (%(kind)s)") % {"day": snapshot.day, "kind": kind},
            media, "GZIP",
        ))  # fmt: skip
    return distributions


def _datasets() -> list[dict]:
    """The datasets that have something to serve (the surveys' once one is published)."""
    with translation.override(settings.LANGUAGE_CODE):
        return [dataset for dataset in _all_datasets() if dataset["api"]]


def _all_datasets() -> list[dict]:
    return [
        {
            "key": "organisations",
            "title": _("Organisations of the digital social and solidarity economy"),
            "description": _(
                "The atlas: organisations offering digital tools and services to the social "
                "economy or helping it through its digital transition, with their sectors, "
                "services, audiences, places, contacts, identifiers and provenance."
            ),
            "frequency": "CONT",
            "landing": reverse("atlas-list"),
            "distributions": _atlas_distributions(),
            "api": [reverse("api-1.0.0:organisations"), reverse("api-1.0.0:changes")],
        },
        {
            "key": "events",
            "title": _("Events of the digital social and solidarity economy"),
            "description": _("Gatherings on site and online, with their places and dates."),
            "frequency": "CONT",
            "landing": reverse("events"),
            "distributions": [
                Distribution(reverse("events-ics"), "iCalendar", "text/calendar", "ICS")
            ],
            "api": [reverse("api-1.0.0:events")],
        },
        {
            "key": "resources",
            "title": _("Resources of the digital commons"),
            "description": _(
                "Courses, guides, job profiles, interviews and ethical alternatives to the "
                "big platforms' tools."
            ),
            "frequency": "CONT",
            "landing": reverse("resources"),
            "distributions": [
                Distribution(reverse("resources-feed"), "Atom", "application/atom+xml", "ATOM")
            ],  # fmt: skip
            "api": [reverse("api-1.0.0:resources")],
        },
        {
            "key": "opportunities",
            "title": _("Opportunities: jobs, internships, volunteering, funding calls"),
            "description": _("Open opportunities, hidden once their deadline has passed."),
            "frequency": "CONT",
            "landing": reverse("opportunities"),
            "distributions": [
                Distribution(reverse("opportunities-feed"), "Atom", "application/atom+xml", "ATOM")
            ],  # fmt: skip
            "api": [reverse("api-1.0.0:opportunities")],
        },
        {
            "key": "observatory",
            "title": _("Figures of the social economy by territory over time"),
            "description": _(
                "The observatory's indicators, their observations by territory, period and "
                "family with their sources, methods and revisions, and goals with their "
                "progress."
            ),
            "frequency": "CONT",
            "landing": reverse("observatory"),
            "distributions": [
                Distribution(
                    reverse("observatory-indicator-csv", args=[code]),
                    f"CSV — {code}",
                    "text/csv",
                    "CSV",
                )
                for code in Indicator.objects.values_list("code", flat=True)
            ],  # fmt: skip
            "api": [
                reverse("api-1.0.0:api-indicators"),
                reverse("api-1.0.0:api-observations"),
                reverse("api-1.0.0:api-goals"),
            ],
        },
        {
            "key": "surveys",
            "title": _("Published results of the network's surveys"),
            "description": _(
                "Totals and shares of each answer, all together and by family, country and "
                "region, never for a group small enough to tell an organisation."
            ),
            "frequency": "IRREG",
            "landing": reverse("observatory-surveys"),
            "distributions": [
                distribution
                for pk, title in Survey.objects.filter(state=Survey.State.PUBLISHED).values_list(
                    "pk", "title"
                )
                for distribution in (
                    Distribution(
                        reverse("observatory-survey-results-csv", args=[pk]),
                        f"CSV — {title}",
                        "text/csv",
                        "CSV",
                    ),
                    Distribution(
                        reverse("observatory-survey-datapackage", args=[pk]),
                        f"Frictionless data package — {title}",
                        "application/json",
                        "JSON",
                    ),
                )
            ],  # fmt: skip
            "api": [
                reverse("api-1.0.0:api-survey-results", args=[pk])
                for pk in Survey.objects.filter(state=Survey.State.PUBLISHED).values_list(
                    "pk", flat=True
                )
            ],  # fmt: skip
        },
    ]


def _last_changes() -> dict[str, object]:
    """When each dataset last changed (dcat:modified): the atlas's latest change in its feed,
    the latest edit of each kind of published item of the commons; absent when empty. Read
    from the data, not the clock, so that every serialisation says the same date."""
    moments = {"organisations": Change.objects.aggregate(last=Max("created_at"))["last"]}
    for key, model in (("events", Event), ("resources", Resource), ("opportunities", Opportunity)):
        moments[key] = model.objects.published().aggregate(last=Max("updated_at"))["last"]
    moments["observatory"] = Observation.objects.aggregate(last=Max("updated_at"))["last"]
    moments["surveys"] = Survey.objects.aggregate(last=Max("published_at"))["last"]
    return {key: moment for key, moment in moments.items() if moment}


def _moment(moment) -> Literal:
    return Literal(moment.replace(microsecond=0), datatype=XSD.dateTime)


def catalogue_graph() -> Graph:
    graph = Graph()
    graph.bind("dcat", DCAT)
    graph.bind("dct", DCTERMS)
    graph.bind("foaf", FOAF)
    graph.bind("vcard", VCARD)
    site = settings.ESSAIM["SITE_NAME"]
    catalogue = URIRef(public_url(reverse("catalogue", args=["ttl"])))
    licence = URIRef(settings.ESSAIM["DATA_LICENCE_URL"])
    publisher = URIRef(public_url("/"))
    modified = _last_changes()
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(site)))
    contact = BNode()
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, VCARD.fn, Literal(site)))
    graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{settings.ESSAIM['CONTACT_EMAIL']}")))
    graph.add((catalogue, RDF.type, DCAT.Catalog))
    graph.add((catalogue, DCTERMS.title, Literal(site)))
    with translation.override(settings.LANGUAGE_CODE):
        description = _("The open datasets of the atlas and commons of the digital social and "
                        "solidarity economy.")  # fmt: skip
    graph.add((catalogue, DCTERMS.description, Literal(description)))
    graph.add((catalogue, DCTERMS.publisher, publisher))
    graph.add((catalogue, DCTERMS.license, licence))
    if modified:
        graph.add((catalogue, DCTERMS.modified, _moment(max(modified.values()))))
    graph.add((catalogue, FOAF.homepage, URIRef(public_url(reverse("home")))))
    for code in LANGUAGES.values():
        graph.add((catalogue, DCTERMS.language, LANGUAGE[code]))
    for dataset_data in _datasets():
        dataset = URIRef(public_url(f"/catalogue#{dataset_data['key']}"))
        graph.add((catalogue, DCAT.dataset, dataset))
        _add_dataset(graph, dataset, dataset_data, publisher, contact, licence,
                     modified.get(dataset_data["key"]))  # fmt: skip
        service = URIRef(public_url(f"/catalogue#{dataset_data['key']}-api"))
        graph.add((catalogue, DCAT.service, service))
        graph.add((service, RDF.type, DCAT.DataService))
        graph.add((service, DCTERMS.title, Literal(f"{site} API — {dataset_data['key']}")))
        graph.add((service, DCTERMS.license, licence))
        graph.add((service, DCAT.servesDataset, dataset))
        graph.add((service, DCAT.endpointDescription,
                   URIRef(public_url(reverse("api-1.0.0:openapi-json")))))  # fmt: skip
        for endpoint in dataset_data["api"]:
            graph.add((service, DCAT.endpointURL, URIRef(public_url(endpoint))))
    return graph


def _add_dataset(graph, dataset, data, publisher, contact, licence, modified) -> None:
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.title, Literal(data["title"])))
    graph.add((dataset, DCTERMS.description, Literal(data["description"])))
    graph.add((dataset, DCTERMS.publisher, publisher))
    graph.add((dataset, DCAT.contactPoint, contact))
    graph.add((dataset, DCTERMS.accrualPeriodicity, FREQUENCY[data["frequency"]]))
    if modified:
        graph.add((dataset, DCTERMS.modified, _moment(modified)))
    graph.add((dataset, DCAT.landingPage, URIRef(public_url(data["landing"]))))
    for code in LANGUAGES.values():
        graph.add((dataset, DCTERMS.language, LANGUAGE[code]))
    for keyword in ("ESS", "économie sociale et solidaire", "social economy", "numérique"):
        graph.add((dataset, DCAT.keyword, Literal(keyword)))
    for item in data["distributions"]:
        distribution = URIRef(public_url(item.path))
        graph.add((dataset, DCAT.distribution, distribution))
        graph.add((distribution, RDF.type, DCAT.Distribution))
        graph.add((distribution, DCTERMS.title, Literal(item.title)))
        graph.add((distribution, DCAT.accessURL, distribution))
        graph.add((distribution, DCAT.downloadURL, distribution))
        graph.add((distribution, DCAT.mediaType, URIRef(IANA + item.media_type)))
        graph.add((distribution, DCTERMS["format"], FILE_TYPE[item.file_type]))
        graph.add((distribution, DCTERMS.license, licence))


def catalogue(fmt: str) -> str:
    """The catalogue as Turtle (`ttl`) or JSON-LD (`jsonld`)."""
    with translation.override(settings.LANGUAGE_CODE):
        graph = catalogue_graph()
    if fmt == "ttl":
        return graph.serialize(format="turtle")
    return graph.serialize(format="json-ld", indent=1)
